// `--compare old.jsonl new.jsonl`: the same figures from two runs side by side, each with a verdict. A change
// counts only beyond the noise the runs themselves recorded (their min–max spread, never below a floor), in the
// value and, where a same-run baseline exists, in the ratio too; across machines only ratios are compared.
import { betterDirection } from './scenario.ts';
import { resultKey, type ResultLine } from './report/result-line.ts';
import { formatNumber } from './report/target.ts';

export type Verdict = 'regression' | 'improvement' | 'noise' | 'drift' | 'new' | 'gone';

export interface ComparisonRow {
  readonly key: string;
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly old: ResultLine | null;
  readonly new: ResultLine | null;
  /** new value / old value */
  readonly change: number | null;
  /** new ratio / old ratio, where both runs measured the baseline */
  readonly ratioChange: number | null;
  /** the relative change this figure must exceed to count: max(floor, spread of either run) */
  readonly noise: number;
  readonly verdict: Verdict;
}

export interface CompareOptions {
  /** the smallest relative change that counts even when both runs were tight (default 0.05) */
  readonly minNoise?: number;
}

/** (max − min) / median of one figure's repetitions: how much it moved within its own run. */
export function relativeSpread(r: Pick<ResultLine, 'value' | 'min' | 'max'>): number {
  return r.value === 0 ? 0 : Math.abs((r.max - r.min) / r.value);
}

/** +1 when `now` is better than `before` beyond `noise`, −1 when worse beyond it, 0 within it. */
function direction(before: number, now: number, better: 'higher' | 'lower', noise: number): -1 | 0 | 1 {
  if (before === 0) return 0;
  const rel = now / before;
  if (rel > 1 + noise) return better === 'higher' ? 1 : -1;
  if (rel < 1 - noise) return better === 'higher' ? -1 : 1;
  return 0;
}

/** The value moved beyond noise and the two runs' min–max ranges do not even overlap. */
function valueMoved(o: ResultLine, n: ResultLine, better: 'higher' | 'lower', noise: number): -1 | 0 | 1 {
  const d = direction(o.value, n.value, better, noise);
  const disjoint = n.max < o.min || n.min > o.max;
  return disjoint ? d : 0;
}

/** Same CPU model and core count: absolute values are comparable, not only ratios. */
export function sameMachine(o: Pick<ResultLine, 'machine'>, n: Pick<ResultLine, 'machine'>): boolean {
  return o.machine.cpu === n.machine.cpu && o.machine.cores === n.machine.cores;
}

/**
 * On one machine a figure regresses when its value got worse beyond noise and, where a baseline was measured, its
 * ratio too (the baseline's own noise is not recorded, so a ratio alone moving is no proof). Across machines only
 * the ratio can be judged. A value that moved while the ratio held, with the baseline moving the same way, is drift.
 */
export function compareOne(o: ResultLine, n: ResultLine, options: CompareOptions = {}): ComparisonRow {
  const better = betterDirection(n);
  const floor = options.minNoise ?? 0.05;
  const noise = Math.max(floor, relativeSpread(o), relativeSpread(n));
  const change = o.value === 0 ? null : n.value / o.value;
  const withRatio = o.ratio !== undefined && n.ratio !== undefined && o.ratio !== 0;
  const ratioChange = withRatio ? n.ratio! / o.ratio! : null;
  const moved = valueMoved(o, n, better, noise);
  const ratioMoved = withRatio ? direction(o.ratio!, n.ratio!, better, noise) : 0;
  let verdict: Verdict;
  if (!sameMachine(o, n)) {
    verdict = !withRatio ? 'noise' : ratioMoved < 0 ? 'regression' : ratioMoved > 0 ? 'improvement' : 'noise';
  } else if (!withRatio) {
    verdict = moved < 0 ? 'regression' : moved > 0 ? 'improvement' : 'noise';
  } else if (moved !== 0 && ratioMoved === moved) {
    verdict = moved < 0 ? 'regression' : 'improvement';
  } else if (moved !== 0 && ratioMoved === 0 && direction(o.baseline!.value, n.baseline!.value, better, floor) === moved) {
    verdict = 'drift';
  } else {
    verdict = 'noise';
  }
  return { key: resultKey(n), scenario: n.scenario, metric: n.metric, unit: n.unit, better, old: o, new: n, change, ratioChange, noise, verdict };
}

/** Every figure of either run, in the new run's order, then the figures only the old run had. */
export function compareResults(oldRun: readonly ResultLine[], newRun: readonly ResultLine[], options: CompareOptions = {}): ComparisonRow[] {
  const before = new Map(oldRun.map((r) => [resultKey(r), r]));
  const after = new Map(newRun.map((r) => [resultKey(r), r]));
  const rows: ComparisonRow[] = [];
  for (const [key, n] of after) {
    const o = before.get(key);
    rows.push(o ? compareOne(o, n, options) : {
      key, scenario: n.scenario, metric: n.metric, unit: n.unit, better: betterDirection(n), old: null, new: n, change: null, ratioChange: null, noise: 0, verdict: 'new',
    });
  }
  for (const [key, o] of before) {
    if (after.has(key)) continue;
    rows.push({ key, scenario: o.scenario, metric: o.metric, unit: o.unit, better: betterDirection(o), old: o, new: null, change: null, ratioChange: null, noise: 0, verdict: 'gone' });
  }
  return rows;
}

const MARK: Record<Verdict, string> = {
  regression: 'REGRESSION', improvement: 'improved', noise: 'within noise', drift: 'drift (baseline moved alike)', new: 'new', gone: 'gone',
};

function times(x: number | null): string {
  return x === null ? '–' : `×${x.toFixed(3)}`;
}

/** A plain-text table for the terminal, regressions first in the summary line. */
export function formatComparison(rows: readonly ComparisonRow[], oldRun: readonly ResultLine[] = [], newRun: readonly ResultLine[] = []): string {
  const out: string[] = [];
  const mo = oldRun[0]?.machine;
  const mn = newRun[0]?.machine;
  if (mo && mn && (mo.cpu !== mn.cpu || mo.cores !== mn.cores)) {
    out.push(`note: different machines (${mo.cpu}, ${mo.cores} cores → ${mn.cpu}, ${mn.cores} cores): trust the ratios, not the values`);
  }
  if (oldRun[0] && newRun[0]) out.push(`old: ${oldRun[0].commit} at ${oldRun[0].at}    new: ${newRun[0].commit} at ${newRun[0].at}`);
  const header = ['figure', 'old', 'new', 'value', 'ratio old → new', 'ratio', 'noise', 'verdict'];
  const body = rows.map((r) => [
    `${r.scenario} ${r.metric}`,
    r.old ? `${formatNumber(r.old.value)} ${r.unit}` : '–',
    r.new ? `${formatNumber(r.new.value)} ${r.unit}` : '–',
    times(r.change),
    r.old?.ratio !== undefined && r.new?.ratio !== undefined ? `${r.old.ratio.toFixed(3)} → ${r.new.ratio.toFixed(3)}` : '–',
    times(r.ratioChange),
    r.verdict === 'new' || r.verdict === 'gone' ? '' : `±${(r.noise * 100).toFixed(0)}%`,
    MARK[r.verdict],
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) out.push(line(b));
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  const regressions = rows.filter((r) => r.verdict === 'regression');
  out.push('', `${regressions.length} regression(s), ${count('improvement')} improvement(s), ${count('noise')} within noise, ${count('drift')} drift, ${count('new')} new, ${count('gone')} gone`);
  for (const r of regressions) {
    out.push(`  REGRESSION ${r.scenario} ${r.metric}: value ${times(r.change)}${r.ratioChange !== null ? `, ratio ${times(r.ratioChange)}` : ''} (${r.better} is better, noise ±${(r.noise * 100).toFixed(0)}%)`);
  }
  return `${out.join('\n')}\n`;
}
