// The report of a rejected (or leniently imported) file, as JSON and as readable text: every problem as
// file · sheet · row · column · value · reason, up to the problem limit, with the total count.
import { rm, writeFile } from 'node:fs/promises';
import type { Problem, Warning } from '../../engine/formats/index.ts';

export interface FileReport {
  readonly file: string;
  readonly contentHash: string | null;
  /** 'rejected' (nothing imported, file quarantined) or 'lenient' (valid rows imported, these left out) */
  readonly result: 'rejected' | 'lenient';
  readonly code: string;
  readonly message: string;
  readonly problems: readonly Problem[];
  readonly totalProblems: number;
  readonly warnings: readonly Warning[];
  /** epoch ms */
  readonly at: number;
}

const cell = (v: string | number | null): string => (v === null ? '-' : String(v));

export function reportText(r: FileReport): string {
  const lines = [
    'Strata ingest report',
    `file:    ${r.file}`,
    `sha256:  ${r.contentHash ?? '-'}`,
    `result:  ${r.result === 'rejected' ? 'REJECTED, nothing imported' : 'imported leniently, the rows below were left out'} (${r.code})`,
    `at:      ${new Date(r.at).toISOString()}`,
    `message: ${r.message}`,
    '',
    `problems: ${r.problems.length < r.totalProblems ? `${r.problems.length} listed of ${r.totalProblems}` : r.totalProblems}`,
    'file · sheet · row · column · value · reason',
  ];
  for (const p of r.problems) {
    lines.push(`${p.file} · ${cell(p.sheet)} · ${cell(p.row)} · ${cell(p.column)} · ${p.value === null ? '-' : JSON.stringify(p.value)} · ${p.reason} [${p.code}]`);
  }
  if (r.problems.length < r.totalProblems) lines.push(`… ${r.totalProblems - r.problems.length} more not listed (raise maxProblems to see them)`);
  if (r.warnings.length > 0) {
    lines.push('', 'warnings:');
    for (const w of r.warnings) lines.push(`${w.file} · ${cell(w.sheet)} · ${cell(w.row)} · ${w.message} [${w.code}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `<base>.report.json` and `<base>.report.txt`; returns both paths. */
export async function writeReport(base: string, r: FileReport): Promise<{ json: string; text: string }> {
  const json = `${base}.report.json`, text = `${base}.report.txt`;
  try {
    await writeFile(json, `${JSON.stringify(r, null, 2)}\n`);
    await writeFile(text, reportText(r));
  } catch (e) {
    // no torn report left behind (a full disk cuts a write short)
    await Promise.all([rm(json, { force: true }), rm(text, { force: true })]).catch(() => undefined);
    throw e;
  }
  return { json, text };
}
