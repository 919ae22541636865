// Stationary block-bootstrap intervals: seeded and deterministic, degenerate for a constant series, and of the
// width asymptotic theory predicts for the Sharpe ratio of i.i.d. normal returns.
import { describe, expect, it } from 'vitest';
import { createSeededRandom, sharpe } from '../../../engine/portfolio/index.ts';
import { portfolioConfidenceIntervals, stationaryBootstrap } from '../../../engine/stats/index.ts';

function normalSeries(n: number, mean: number, sd: number, seed: number): Float64Array {
  const rng = createSeededRandom(seed);
  return Float64Array.from({ length: n }, () => mean + sd * rng.normal());
}

describe('stationary block bootstrap', () => {
  const series = normalSeries(500, 10, 100, 1);

  it('gives the same intervals for the same seed and different ones for another seed', () => {
    const a = portfolioConfidenceIntervals(series, { seed: 7, resamples: 200 });
    const b = portfolioConfidenceIntervals(series, { seed: 7, resamples: 200 });
    const c = portfolioConfidenceIntervals(series, { seed: 8, resamples: 200 });
    expect(a).toEqual(b);
    expect(a.sharpe.lower).not.toBe(c.sharpe.lower);
  });

  it('brackets the estimate of the original series', () => {
    const r = portfolioConfidenceIntervals(series, { seed: 3, resamples: 300, meanBlockLength: 5 });
    for (const ci of [r.ratio, r.sharpe]) {
      expect(ci.lower).toBeLessThan(ci.estimate);
      expect(ci.upper).toBeGreaterThan(ci.estimate);
      expect(ci.level).toBe(0.95);
      expect(ci.resamples).toBe(300);
    }
    expect(r.sharpe.estimate).toBe(sharpe(series, 252, 1e-6));
  });

  it('collapses to a point for a constant series', () => {
    const [ci] = stationaryBootstrap(new Float64Array(50).fill(3), [(x) => x.reduce((s, v) => s + v, 0)], { seed: 1, resamples: 50 });
    expect(ci).toMatchObject({ estimate: 150, lower: 150, upper: 150 });
  });

  it('matches the asymptotic width of the Sharpe interval for i.i.d. normal days', () => {
    // per-day SR 0.1 over 2,000 days: standard error √((1 + SR²/2) / T) (Lo, 2002)
    const n = 2000;
    const iid = normalSeries(n, 10, 100, 11);
    const [ci] = stationaryBootstrap(iid, [(x) => sharpe(x, 1, 1e-9)], { seed: 5, resamples: 1000, meanBlockLength: 1 });
    const se = Math.sqrt((1 + 0.01 / 2) / n);
    const width = ci!.upper - ci!.lower;
    expect(width / (2 * 1.959964 * se)).toBeGreaterThan(0.8);
    expect(width / (2 * 1.959964 * se)).toBeLessThan(1.2);
    expect(ci!.lower).toBeLessThan(0.1);
    expect(ci!.upper).toBeGreaterThan(0.1);
  });

  it('widens under serial dependence when blocks keep it', () => {
    // an AR(1) series with strong positive autocorrelation: i.i.d. resampling understates the spread of the mean
    const rng = createSeededRandom(2);
    const ar = new Float64Array(1500);
    for (let i = 1; i < ar.length; i++) ar[i] = 0.8 * ar[i - 1]! + rng.normal();
    const mean = (x: Float64Array): number => x.reduce((s, v) => s + v, 0) / x.length;
    const [iid] = stationaryBootstrap(ar, [mean], { seed: 4, resamples: 400, meanBlockLength: 1 });
    const [blocks] = stationaryBootstrap(ar, [mean], { seed: 4, resamples: 400, meanBlockLength: 30 });
    expect(blocks!.upper - blocks!.lower).toBeGreaterThan(2 * (iid!.upper - iid!.lower));
  });

  it('refuses out-of-range options with a coded error', () => {
    for (const options of [{ seed: 1, resamples: 5 }, { seed: 1, meanBlockLength: 0 }, { seed: 1, level: 1 }, { seed: 0.5 }]) {
      expect(() => portfolioConfidenceIntervals(series, options)).toThrow(expect.objectContaining({ code: 'STRATA_STATS_INVALID_INPUT' }));
    }
    expect(() => portfolioConfidenceIntervals([1], { seed: 1 })).toThrow(expect.objectContaining({ code: 'STRATA_STATS_INVALID_INPUT' }));
  });
});
