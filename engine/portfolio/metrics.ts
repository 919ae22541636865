// Reference definitions of every portfolio metric over one daily P&L series, written for clarity rather than
// speed: the hand-computed tests pin these down, and the fused kernels are tested against them.
// docs/portfolio.md states each formula and edge case.

export type Series = ArrayLike<number>;

export function netProfit(series: Series): number {
  let s = 0;
  for (let i = 0; i < series.length; i++) s += series[i]!;
  return s;
}

/** Largest fall of cumulative P&L from its running peak (the peak starts at 0, before the first day). */
export function maxDrawdown(series: Series): number {
  let equity = 0;
  let peak = 0;
  let worst = 0;
  for (let i = 0; i < series.length; i++) {
    equity += series[i]!;
    if (equity > peak) peak = equity;
    worst = Math.max(worst, peak - equity);
  }
  return worst;
}

/** Largest fall as a fraction of peak equity, equity = capital + cumulative P&L, peak equity >= capital. */
export function maxDrawdownPct(series: Series, capital: number): number {
  let equity = 0;
  let peak = 0;
  let worst = 0;
  for (let i = 0; i < series.length; i++) {
    equity += series[i]!;
    if (equity > peak) peak = equity;
    worst = Math.max(worst, (peak - equity) / (capital + peak));
  }
  return worst;
}

export function ratio(series: Series, floor: number): number {
  return netProfit(series) / Math.max(maxDrawdown(series), floor);
}

function mean(series: Series): number {
  return series.length === 0 ? 0 : netProfit(series) / series.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two days. */
export function standardDeviation(series: Series): number {
  const n = series.length;
  if (n < 2) return 0;
  const m = mean(series);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (series[i]! - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/** Root mean square of the losing days' P&L, averaged over ALL days (target 0). */
export function downsideDeviation(series: Series): number {
  const n = series.length;
  if (n === 0) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) if (series[i]! < 0) ss += series[i]! ** 2;
  return Math.sqrt(ss / n);
}

export function sharpe(series: Series, periodsPerYear: number, floor: number): number {
  if (series.length < 2) return 0;
  return (mean(series) / Math.max(standardDeviation(series), floor)) * Math.sqrt(periodsPerYear);
}

export function sortino(series: Series, periodsPerYear: number, floor: number): number {
  if (series.length === 0) return 0;
  return (mean(series) / Math.max(downsideDeviation(series), floor)) * Math.sqrt(periodsPerYear);
}

/** Annualised simple return on capital over max drawdown % (both fractions). */
export function calmar(series: Series, capital: number, periodsPerYear: number, floor: number): number {
  if (series.length === 0) return 0;
  const annualReturn = (netProfit(series) / capital) * (periodsPerYear / series.length);
  return annualReturn / Math.max(maxDrawdownPct(series, capital), floor / capital);
}

/** Winning days over days that are not flat (|P&L| > flatTolerance); 0 when every day is flat. */
export function winRate(series: Series, flatTolerance = 0): number {
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < series.length; i++) {
    if (series[i]! > flatTolerance) wins++;
    else if (series[i]! < -flatTolerance) losses++;
  }
  return wins + losses === 0 ? 0 : wins / (wins + losses);
}

/** Gross profit of winning days over gross loss of losing days. */
export function profitFactor(series: Series, floor: number): number {
  let gains = 0;
  let losses = 0;
  for (let i = 0; i < series.length; i++) {
    if (series[i]! > 0) gains += series[i]!;
    else losses -= series[i]!;
  }
  return gains / Math.max(losses, floor);
}

/** Net profit per trade; 0 when the chosen strategies report no trades. */
export function expectancy(series: Series, trades: number): number {
  return trades > 0 ? netProfit(series) / trades : 0;
}

/** Days in the tail at a confidence level: ceil((1 − level) × n), at least 1. */
export function tailDays(n: number, level = 0.95): number {
  return Math.max(1, Math.ceil((1 - level) * n - 1e-9));
}

/** Expected shortfall: minus the mean of the worst tailDays(n) daily P&L (a loss is positive). */
export function cvar(series: Series, level = 0.95): number {
  const n = series.length;
  if (n === 0) return 0;
  const sorted = Array.from(series).sort((a, b) => a - b);
  const m = tailDays(n, level);
  let s = 0;
  for (let i = 0; i < m; i++) s += sorted[i]!;
  return -s / m;
}

/** Pearson correlation of two equally long series; 0 when either is constant. */
export function correlation(a: Series, b: Series): number {
  const n = a.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Mean of the correlations of every pair of rows; 0 for fewer than two rows. */
export function meanPairwiseCorrelation(rows: readonly Series[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      sum += correlation(rows[i]!, rows[j]!);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}
