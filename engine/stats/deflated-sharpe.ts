// The deflated Sharpe ratio (Bailey & López de Prado, 2014): the probability that a strategy's true Sharpe
// ratio exceeds the best one expected by luck among the N candidates evaluated to find it, correcting for
// short samples and non-normal returns. Everything here is per period (daily), not annualised.
import { portfolioError } from '../portfolio/index.ts';
import type { Series } from '../portfolio/index.ts';
import { normalCdf, normalQuantile } from './normal-distribution.ts';

const EULER_GAMMA = 0.5772156649015329;

export interface SeriesMoments {
  readonly observations: number;
  readonly mean: number;
  /** sample standard deviation (n − 1) */
  readonly standardDeviation: number;
  /** per-period Sharpe ratio mean / standardDeviation (0 when the series is constant) */
  readonly sharpe: number;
  /** population skewness γ3 */
  readonly skewness: number;
  /** population kurtosis γ4 (not excess: 3 for a normal distribution) */
  readonly kurtosis: number;
}

export function seriesMoments(series: Series): SeriesMoments {
  const n = series.length;
  if (n < 3) throw portfolioError('STRATA_STATS_INVALID_INPUT', `moments need at least 3 observations, got ${n}`, { observations: n });
  let mean = 0;
  for (let i = 0; i < n; i++) mean += series[i]!;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = series[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const sd = Math.sqrt(m2 / (n - 1));
  const pop = m2 / n;
  return {
    observations: n,
    mean,
    standardDeviation: sd,
    sharpe: sd > 0 ? mean / sd : 0,
    skewness: pop > 0 ? m3 / n / pop ** 1.5 : 0,
    kurtosis: pop > 0 ? m4 / n / (pop * pop) : 3,
  };
}

/** E[max of N per-period Sharpe estimates] under the null of zero skill, given their variance across trials. */
export function expectedMaxSharpe(trials: number, trialSharpeVariance: number): number {
  if (!Number.isInteger(trials) || trials < 1) throw portfolioError('STRATA_STATS_INVALID_INPUT', `trials must be a positive integer, got ${String(trials)}`, { trials });
  if (!(trialSharpeVariance >= 0)) throw portfolioError('STRATA_STATS_INVALID_INPUT', `trial Sharpe variance must be >= 0, got ${String(trialSharpeVariance)}`, { trialSharpeVariance });
  if (trials === 1) return 0;
  return Math.sqrt(trialSharpeVariance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

/** P(true SR > benchmark) for an observed per-period SR over T observations (Bailey & López de Prado, 2012). */
export function probabilisticSharpeRatio(sharpe: number, benchmark: number, observations: number, skewness: number, kurtosis: number): number {
  if (!Number.isInteger(observations) || observations < 2) {
    throw portfolioError('STRATA_STATS_INVALID_INPUT', `observations must be an integer >= 2, got ${String(observations)}`, { observations });
  }
  const v = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(v > 0)) throw portfolioError('STRATA_STATS_INVALID_INPUT', `skewness ${skewness} and kurtosis ${kurtosis} give a non-positive Sharpe variance at SR ${sharpe}`, { skewness, kurtosis, sharpe });
  return normalCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(v));
}

export interface DeflatedSharpeInput {
  /** the chosen portfolio's per-period Sharpe ratio */
  readonly sharpe: number;
  readonly observations: number;
  /** candidates evaluated to find it (the optimiser's evaluation count) */
  readonly trials: number;
  /** variance of the per-period Sharpe ratios across those candidates */
  readonly trialSharpeVariance: number;
  readonly skewness: number;
  /** not excess */
  readonly kurtosis: number;
}

export interface DeflatedSharpe {
  /** the probability that the true Sharpe ratio beats expectedMaxSharpe */
  readonly probability: number;
  readonly expectedMaxSharpe: number;
}

export function deflatedSharpeRatio(input: DeflatedSharpeInput): DeflatedSharpe {
  const sr0 = expectedMaxSharpe(input.trials, input.trialSharpeVariance);
  return {
    probability: probabilisticSharpeRatio(input.sharpe, sr0, input.observations, input.skewness, input.kurtosis),
    expectedMaxSharpe: sr0,
  };
}

/** The deflated Sharpe ratio of a daily P&L series, its moments taken from the series itself. */
export function deflatedSharpeOfSeries(series: Series, trials: number, trialSharpeVariance: number): DeflatedSharpe & { readonly moments: SeriesMoments } {
  const moments = seriesMoments(series);
  return {
    ...deflatedSharpeRatio({
      sharpe: moments.sharpe, observations: moments.observations, trials, trialSharpeVariance,
      skewness: moments.skewness, kurtosis: moments.kurtosis,
    }),
    moments,
  };
}

/** Sample variance (n − 1) of the per-period Sharpe ratios of the evaluated candidates (annualised ones
 *  must be divided by periodsPerYear first). */
export function trialSharpeVariance(sharpes: readonly number[]): number {
  const n = sharpes.length;
  if (n < 2) throw portfolioError('STRATA_STATS_INVALID_INPUT', `the variance of trial Sharpe ratios needs at least 2 trials, got ${n}`, { trials: n });
  let mean = 0;
  for (const s of sharpes) mean += s;
  mean /= n;
  let ss = 0;
  for (const s of sharpes) ss += (s - mean) ** 2;
  return ss / (n - 1);
}
