// One benchmark result line as ../shared/BENCH.md defines it, validated on the way in: the report, the README
// section and --compare read only lines that pass, and name the file and line of any that do not.
import { z } from 'zod';
import type { MachineFacts } from '../machine.ts';
import { AREA_NAMES, type BenchResult } from '../scenario.ts';
import { benchError } from './errors.ts';

const finite = z.number(); // zod 4 numbers are finite: NaN and ±Infinity fail

export const resultLineSchema = z.object({
  scenario: z.string().regex(/^[a-z][a-z0-9-]*(\.[A-Za-z0-9_-]+)+$/, 'scenario must be <area>.<what>'),
  metric: z.string().min(1),
  unit: z.string().min(1),
  value: finite,
  min: finite,
  max: finite,
  runs: z.number().int().min(1),
  baseline: z.object({ name: z.string().min(1), value: finite }).optional(),
  ratio: finite.optional(),
  target: z.object({ ratio: z.string().optional(), value: z.string().optional() }).optional(),
  note: z.string().optional(),
  better: z.enum(['higher', 'lower']).optional(),
  machine: z.object({ cpu: z.string(), cores: z.number().int().min(1), memGiB: finite, node: z.string() }),
  commit: z.string().min(1),
  at: z.iso.datetime(),
}).superRefine((r, ctx) => {
  const area = r.scenario.split('.')[0]!;
  if (!AREA_NAMES.includes(area)) ctx.addIssue({ code: 'custom', message: `unknown area "${area}" (areas: ${AREA_NAMES.join(', ')})`, path: ['scenario'] });
  // min/max come from the same repetitions as the median, so they bracket it (allowing for rounding)
  const slack = 1e-6 * Math.max(1, Math.abs(r.value));
  if (r.min > r.value + slack || r.value > r.max + slack) ctx.addIssue({ code: 'custom', message: `min ${r.min} ≤ value ${r.value} ≤ max ${r.max} does not hold`, path: ['value'] });
  if ((r.ratio === undefined) !== (r.baseline === undefined)) ctx.addIssue({ code: 'custom', message: 'ratio and baseline come together', path: ['ratio'] });
});

/** A result as a scenario emits it, stamped by the runner with the machine, the commit and the time. */
export interface ResultLine extends BenchResult {
  readonly machine: MachineFacts;
  readonly commit: string;
  /** ISO 8601 */
  readonly at: string;
}

/** Problems with one line, or [] when it is a valid result. */
export function checkResultLine(value: unknown): string[] {
  const r = resultLineSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`);
}

/**
 * Parses JSON lines (or one JSON array of results). Blank lines are skipped; every other line must be a valid
 * result, else STRATA_BENCH_BAD_RESULT names `source` and the line number.
 */
export function parseResults(text: string, source: string): ResultLine[] {
  const trimmed = text.trim();
  if (trimmed === '') throw benchError('STRATA_BENCH_NO_RESULTS', `${source}: no result lines`, { source });
  const entries: { line: number; raw: unknown }[] = [];
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try { arr = JSON.parse(trimmed); } catch (e) { throw benchError('STRATA_BENCH_BAD_RESULT', `${source}: not JSON: ${(e as Error).message}`, { source }); }
    if (!Array.isArray(arr)) throw benchError('STRATA_BENCH_BAD_RESULT', `${source}: expected an array of results`, { source });
    arr.forEach((raw, i) => entries.push({ line: i + 1, raw }));
  } else {
    text.split('\n').forEach((l, i) => {
      if (l.trim() === '') return;
      let raw: unknown;
      try { raw = JSON.parse(l); } catch (e) {
        throw benchError('STRATA_BENCH_BAD_RESULT', `${source}:${i + 1}: not JSON (${(e as Error).message}): ${l.slice(0, 80)}`, { source, line: i + 1 });
      }
      entries.push({ line: i + 1, raw });
    });
  }
  if (entries.length === 0) throw benchError('STRATA_BENCH_NO_RESULTS', `${source}: no result lines`, { source });
  return entries.map(({ line, raw }) => {
    const r = resultLineSchema.safeParse(raw);
    if (!r.success) {
      const why = r.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ');
      throw benchError('STRATA_BENCH_BAD_RESULT', `${source}:${line}: not a benchmark result: ${why}`, { source, line });
    }
    return r.data as ResultLine;
  });
}

/** The key under which a figure is compared across runs: names are stable across commits (BENCH.md). */
export function resultKey(r: Pick<ResultLine, 'scenario' | 'metric'>): string {
  return `${r.scenario} ${r.metric}`;
}
