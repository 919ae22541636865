// Stationary block bootstrap (Politis & Romano, 1994): resamples a daily P&L series in blocks of geometric
// length (mean L) that wrap around the end, keeping short-range dependence; seeded, so the same seed gives the
// same intervals. Percentile intervals for the chosen portfolio's ratio and Sharpe.
import { createSeededRandom, portfolioError, ratio, sharpe } from '../portfolio/index.ts';
import type { Series } from '../portfolio/index.ts';

export interface BootstrapOptions {
  readonly seed: number;
  /** default 1000 */
  readonly resamples?: number;
  /** mean block length L in days; default round(n^(1/3)), at least 1 */
  readonly meanBlockLength?: number;
  /** two-sided confidence level; default 0.95 */
  readonly level?: number;
}

export interface ConfidenceInterval {
  /** the statistic of the original series */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  readonly resamples: number;
}

/**
 * One percentile interval per statistic. Resample r draws its days with one PRNG stream: a block starts at a
 * uniform day, each next day continues the block (wrapping past the end) with probability 1 − 1/L or starts a
 * new block. Quantiles interpolate linearly between order statistics (Hyndman & Fan type 7).
 */
export function stationaryBootstrap(
  series: Series, statistics: readonly ((resample: Float64Array) => number)[], options: BootstrapOptions,
): ConfidenceInterval[] {
  const n = series.length;
  if (n < 2) invalid(`bootstrap needs at least 2 days, got ${n}`, { days: n });
  const resamples = options.resamples ?? 1000;
  if (!Number.isInteger(resamples) || resamples < 10) invalid(`resamples must be an integer >= 10, got ${String(resamples)}`, { resamples });
  const meanBlock = options.meanBlockLength ?? Math.max(1, Math.round(Math.cbrt(n)));
  if (!(Number.isFinite(meanBlock) && meanBlock >= 1 && meanBlock <= n)) invalid(`meanBlockLength must be in [1, ${n}], got ${String(meanBlock)}`, { meanBlockLength: meanBlock });
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) invalid(`level must be in (0, 1), got ${String(level)}`, { level });
  if (!Number.isInteger(options.seed)) invalid(`seed must be an integer, got ${String(options.seed)}`, { seed: options.seed });
  const rng = createSeededRandom(options.seed);
  const pNew = 1 / meanBlock;
  const original = Float64Array.from(series);
  const draws = statistics.map(() => new Float64Array(resamples));
  const buf = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    let at = rng.int(n);
    for (let d = 0; d < n; d++) {
      if (d > 0) at = rng.next() < pNew ? rng.int(n) : (at + 1) % n;
      buf[d] = original[at]!;
    }
    statistics.forEach((stat, i) => { draws[i]![r] = stat(buf); });
  }
  const alpha = (1 - level) / 2;
  return statistics.map((stat, i) => {
    const sorted = draws[i]!.sort();
    return { estimate: stat(original), lower: quantile(sorted, alpha), upper: quantile(sorted, 1 - alpha), level, resamples };
  });
}

function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface PortfolioIntervals {
  /** net profit / max drawdown, the floor as in the portfolio metrics */
  readonly ratio: ConfidenceInterval;
  /** annualised Sharpe */
  readonly sharpe: ConfidenceInterval;
}

/** Bootstrap intervals for the chosen portfolio's ratio and Sharpe (docs/portfolio.md for both definitions). */
export function portfolioConfidenceIntervals(
  series: Series, options: BootstrapOptions & { readonly floor?: number; readonly periodsPerYear?: number },
): PortfolioIntervals {
  const floor = options.floor ?? 1e-6;
  const ppy = options.periodsPerYear ?? 252;
  const [r, s] = stationaryBootstrap(series, [(x) => ratio(x, floor), (x) => sharpe(x, ppy, floor)], options);
  return { ratio: r!, sharpe: s! };
}

function invalid(message: string, data: Readonly<Record<string, unknown>>): never {
  throw portfolioError('STRATA_STATS_INVALID_INPUT', message, data);
}
