// `strata inspect`: detect and parse files without writing, and summarise each strategy (format, name,
// trades, trading days, winning days, total P&L, first and last day) with every warning and error, as data
// and as readable text. Names taken by earlier files get suffixes, exactly as an ingest would.
import { basename } from 'node:path';
import { ingestFile, rejectionData, type FileSummary, type ParseOptions } from './ingest-file.ts';
import type { Problem } from './problems.ts';
import { describeProblem } from './problems.ts';

export interface FileInspection {
  readonly file: string;
  readonly ok: boolean;
  /** present when the file parsed (possibly leniently). */
  readonly summary: FileSummary | null;
  /** present when the file was rejected. */
  readonly error: { readonly code: string; readonly message: string; readonly problems: readonly Problem[]; readonly totalProblems: number } | null;
}

export interface Inspection {
  readonly files: readonly FileInspection[];
}

export type InspectOptions = Omit<ParseOptions, 'contentHash'>;

export async function inspectFiles(paths: readonly string[], options: InspectOptions = {}): Promise<Inspection> {
  const takenNames = options.takenNames ?? new Set<string>();
  const files: FileInspection[] = [];
  for (const file of paths) {
    try {
      let summary: FileSummary | null = null;
      for await (const ev of ingestFile(file, { ...options, takenNames })) if (ev.type === 'done') summary = ev.summary;
      files.push({ file, ok: true, summary, error: null });
    } catch (e) {
      const { code, message, data } = rejectionData(e);
      const problems = (data['problems'] as Problem[] | undefined) ?? [];
      files.push({ file, ok: false, summary: null, error: { code, message, problems, totalProblems: (data['total'] as number | undefined) ?? problems.length } });
    }
  }
  return { files };
}

function money(x: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Readable text for a terminal: one block per file, a table of strategies, then warnings and errors. */
export function formatInspection(result: Inspection): string {
  const out: string[] = [];
  for (const f of result.files) {
    if (!f.ok || !f.summary) {
      out.push(`${basename(f.file)}: REJECTED ${f.error!.code}`);
      out.push(`  ${f.error!.message}`);
      for (const p of f.error!.problems) out.push(`  - [${p.code}] ${describeProblem(p)}`);
      if (f.error!.totalProblems > f.error!.problems.length) out.push(`  … ${f.error!.totalProblems - f.error!.problems.length} more problem(s) not listed`);
      out.push('');
      continue;
    }
    const s = f.summary;
    out.push(`${basename(f.file)}: ${s.format} (${s.reason})${s.zones ? ` · zones ${s.zones}` : ''} · sha256 ${s.contentHash.slice(0, 12)}…`);
    const header = ['strategy', 'trades', 'days', 'winning', 'total P&L', 'first day', 'last day'];
    const rows = s.strategies.map((x) => [x.name, x.trades === null ? '-' : String(x.trades), String(x.tradingDays), String(x.winningDays), `${money(x.totalPnl)} ${x.currency}`, x.firstDay ?? '-', x.lastDay ?? '-']);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: readonly string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
    out.push(line(header));
    for (const r of rows) out.push(line(r));
    for (const w of s.warnings) out.push(`  warning [${w.code}] ${w.sheet ? `sheet ${JSON.stringify(w.sheet)} · ` : ''}${w.row !== null ? `row ${w.row} · ` : ''}${w.message}`);
    for (const p of s.problems) out.push(`  skipped [${p.code}] ${describeProblem(p)}`);
    if (s.totalProblems > s.problems.length) out.push(`  … ${s.totalProblems - s.problems.length} more problem(s) not listed`);
    out.push('');
  }
  return out.join('\n');
}
