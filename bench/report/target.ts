// Reading a figure against the goal its issue set (`target.ratio` / `target.value`, free text such as ">=0.33",
// "<=2000 ms", "<= baseline + 1000 µs"), and writing numbers the way people read them (12.5 M, 0.42).
import type { ResultLine } from './result-line.ts';

export type TargetVerdict = 'met' | 'missed' | 'unknown';

const CONDITION = /^\s*(>=|<=|==|=|>|<|≥|≤)\s*(baseline\s*\+\s*)?(-?[\d_.,]+(?:e[+-]?\d+)?)/i;

function holds(op: string, x: number, bound: number): boolean {
  switch (op) {
    case '>=': case '≥': return x >= bound;
    case '<=': case '≤': return x <= bound;
    case '>': return x > bound;
    case '<': return x < bound;
    default: return x === bound;
  }
}

/** One condition against one number; 'unknown' when the text is not of the form "<op> <number> …". */
export function checkCondition(text: string, x: number | undefined, baseline: number | undefined): TargetVerdict {
  const m = CONDITION.exec(text);
  if (!m || x === undefined) return 'unknown';
  let bound = Number(m[3]!.replace(/[_,]/g, ''));
  if (!Number.isFinite(bound)) return 'unknown';
  if (m[2]) {
    if (baseline === undefined) return 'unknown';
    bound += baseline;
  }
  return holds(m[1]!, x, bound) ? 'met' : 'missed';
}

/** Every stated condition must hold; 'unknown' when none could be read or there is no target. */
export function targetVerdict(r: Pick<ResultLine, 'value' | 'ratio' | 'target' | 'baseline'>): TargetVerdict {
  if (!r.target) return 'unknown';
  const verdicts: TargetVerdict[] = [];
  if (r.target.ratio !== undefined) verdicts.push(checkCondition(r.target.ratio, r.ratio, undefined));
  if (r.target.value !== undefined) verdicts.push(checkCondition(r.target.value, r.value, r.baseline?.value));
  const known = verdicts.filter((v) => v !== 'unknown');
  if (known.length === 0) return 'unknown';
  return known.every((v) => v === 'met') ? 'met' : 'missed';
}

export function targetText(r: Pick<ResultLine, 'target'>): string {
  if (!r.target) return '';
  return [r.target.ratio !== undefined ? `ratio ${r.target.ratio}` : '', r.target.value ?? ''].filter(Boolean).join('; ');
}

/** Three significant digits with K/M/G above ten thousand: 12 500 000 → "12.5 M", 0.4152 → "0.415". */
export function formatNumber(x: number): string {
  const a = Math.abs(x);
  const sig = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3))));
  if (a >= 1e9) return `${sig(x / 1e9)} G`;
  if (a >= 1e6) return `${sig(x / 1e6)} M`;
  if (a >= 1e4) return `${sig(x / 1e3)} K`;
  return sig(x);
}
