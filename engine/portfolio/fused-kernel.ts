// The fused one-pass kernel: sums the chosen strategies' rows day by day and updates every metric's running
// accumulators in the same loop, so the portfolio series is never materialised unless the tail (CVaR) needs it.
// Every evaluation path (single thread, incremental, pool, SQL merge) ends in this one function.
import { METRIC_COUNT, METRIC_INDEX } from './spec.ts';
import { tailDays } from './metrics.ts';

export interface KernelSettings {
  /** NaN: no capital, maxDrawdownPct and calmar come out NaN. */
  readonly capital: number;
  readonly floor: number;
  readonly periodsPerYear: number;
  /** compute cvar95 (needs the series in scratch and a selection); NaN otherwise. */
  readonly needsTail: boolean;
  /** |day P&L| at or below this counts as a flat day for the win rate: sums that cancel (a swap subtracting
   *  a row, SQL adding partials) leave rounding residue where the exact answer is 0. */
  readonly flatTolerance: number;
}

const NET = METRIC_INDEX.netProfit;
const DD = METRIC_INDEX.maxDrawdown;
const DD_PCT = METRIC_INDEX.maxDrawdownPct;
const RATIO = METRIC_INDEX.ratio;
const SHARPE = METRIC_INDEX.sharpe;
const SORTINO = METRIC_INDEX.sortino;
const CALMAR = METRIC_INDEX.calmar;
const WIN = METRIC_INDEX.winRate;
const PF = METRIC_INDEX.profitFactor;
const EXPECTANCY = METRIC_INDEX.expectancy;
const CVAR = METRIC_INDEX.cvar95;
const CORR = METRIC_INDEX.correlation;

/**
 * Writes the METRIC_COUNT metrics of the series Σ_j w_j · data[offsets[j] + d], d in [start, end), into
 * out[at … at + METRIC_COUNT). weights null: every weight is 1 (and no multiplication happens, so a weight of
 * 1 and equal weights give identical bits). The correlation slot is left NaN: it depends on the pairs chosen,
 * not on the series, and the evaluator fills it. scratch must hold end − start values when needsTail.
 */
export function fusedMetrics(
  data: Float64Array, offsets: Int32Array, weights: Float64Array | null, count: number,
  start: number, end: number, trades: number, settings: KernelSettings,
  scratch: Float64Array, out: Float64Array, at: number,
): void {
  const n = end - start;
  const capital = settings.capital;
  const withPct = capital > 0;
  const keep = settings.needsTail;
  const tol = settings.flatTolerance;
  let equity = 0;
  let peak = 0;
  let maxDd = 0;
  let maxDdPct = 0;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let wins = 0;
  let losses = 0;
  let gains = 0;
  let lossSum = 0;
  for (let d = start; d < end; d++) {
    let s = 0;
    if (weights === null) {
      for (let j = 0; j < count; j++) s += data[offsets[j]! + d]!;
    } else {
      for (let j = 0; j < count; j++) s += weights[j]! * data[offsets[j]! + d]!;
    }
    if (keep) scratch[d - start] = s;
    sum += s;
    sumSq += s * s;
    if (s > 0) {
      gains += s;
      if (s > tol) wins++;
    } else if (s < 0) {
      lossSum -= s;
      downSq += s * s;
      if (s < -tol) losses++;
    }
    equity += s;
    if (equity > peak) {
      peak = equity;
    } else {
      const dd = peak - equity;
      if (dd > maxDd) maxDd = dd;
      if (withPct) {
        const pct = dd / (capital + peak);
        if (pct > maxDdPct) maxDdPct = pct;
      }
    }
  }
  finishMetrics(n, sum, sumSq, downSq, wins, losses, gains, lossSum, maxDd, maxDdPct, trades, settings, out, at);
  out[CVAR + at] = keep ? tailLoss(scratch, n) : Number.NaN;
  out[CORR + at] = Number.NaN;
}

function finishMetrics(
  n: number, sum: number, sumSq: number, downSq: number, wins: number, losses: number, gains: number,
  lossSum: number, maxDd: number, maxDdPct: number, trades: number, settings: KernelSettings,
  out: Float64Array, at: number,
): void {
  const { capital, floor, periodsPerYear } = settings;
  const annualiser = Math.sqrt(periodsPerYear);
  const mean = n > 0 ? sum / n : 0;
  let sharpe = 0;
  if (n >= 2) {
    // sumSq − n·mean² loses digits when the mean dwarfs the spread; a variance below 1e-12 of the mean
    // square is rounding noise of a constant series, not a spread.
    let variance = (sumSq - sum * mean) / (n - 1);
    if (variance <= 1e-12 * (sumSq / n)) variance = 0;
    sharpe = (mean / Math.max(Math.sqrt(variance), floor)) * annualiser;
  }
  const downside = n > 0 ? Math.sqrt(downSq / n) : 0;
  out[NET + at] = sum;
  out[DD + at] = maxDd;
  out[RATIO + at] = sum / Math.max(maxDd, floor);
  out[SHARPE + at] = sharpe;
  out[SORTINO + at] = n > 0 ? (mean / Math.max(downside, floor)) * annualiser : 0;
  if (capital > 0) {
    out[DD_PCT + at] = maxDdPct;
    out[CALMAR + at] = n > 0 ? ((sum / capital) * (periodsPerYear / n)) / Math.max(maxDdPct, floor / capital) : 0;
  } else {
    out[DD_PCT + at] = Number.NaN;
    out[CALMAR + at] = Number.NaN;
  }
  out[WIN + at] = wins + losses === 0 ? 0 : wins / (wins + losses);
  out[PF + at] = gains / Math.max(lossSum, floor);
  out[EXPECTANCY + at] = trades > 0 ? sum / trades : 0;
}

/** Minus the mean of the tailDays(n) smallest values of buf[0 … n); reorders buf. */
export function tailLoss(buf: Float64Array, n: number): number {
  if (n === 0) return 0;
  const m = tailDays(n);
  selectSmallest(buf, n, m);
  let s = 0;
  for (let i = 0; i < m; i++) s += buf[i]!;
  return -s / m;
}

/** Hoare quickselect: afterwards buf[0 … m) holds the m smallest of buf[0 … n) (in no particular order). */
function selectSmallest(buf: Float64Array, n: number, m: number): void {
  let lo = 0;
  let hi = n - 1;
  const target = m - 1;
  while (lo < hi) {
    // median of three keeps sorted or constant runs from degrading to quadratic time
    const mid = (lo + hi) >>> 1;
    let a = buf[lo]!;
    let b = buf[mid]!;
    const c = buf[hi]!;
    if (a > b) { const t = a; a = b; b = t; }
    const pivot = c < a ? a : c > b ? b : c;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (buf[i]! < pivot) i++;
      while (buf[j]! > pivot) j--;
      if (i <= j) {
        const t = buf[i]!;
        buf[i] = buf[j]!;
        buf[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return;
  }
}

/** A metric vector's length, re-exported where callers allocate outputs. */
export const METRIC_VECTOR_LENGTH = METRIC_COUNT;
