// The deflated Sharpe ratio against the worked example of Bailey & López de Prado (2014), and the normal
// distribution functions against tabulated values.
import { describe, expect, it } from 'vitest';
import {
  deflatedSharpeOfSeries, deflatedSharpeRatio, expectedMaxSharpe, normalCdf, normalQuantile, probabilisticSharpeRatio,
  seriesMoments, trialSharpeVariance,
} from '../../../engine/stats/index.ts';

describe('normal distribution', () => {
  it('matches tabulated values of Φ', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalCdf(-8) / 6.22096057427178e-16).toBeCloseTo(1, 7); // far tail: relative accuracy
    expect(normalCdf(40)).toBe(1);
  });

  it('inverts Φ to double precision', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 11);
    for (const p of [1e-10, 0.01, 0.3, 0.5, 0.77, 0.999999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 14);
  });
});

describe('deflated Sharpe ratio', () => {
  // The paper's example: SR 2.5 annualised over 5 years of 250 days, 100 trials whose annualised Sharpe ratios
  // vary with variance 1/2, skewness −3, kurtosis 10 → E[max SR] ≈ 0.1132 per day, DSR ≈ 0.9004.
  const example = {
    sharpe: 2.5 / Math.sqrt(250), observations: 1250, trials: 100, trialSharpeVariance: 0.5 / 250, skewness: -3, kurtosis: 10,
  };

  it('reproduces the worked example of Bailey & López de Prado (2014)', () => {
    const r = deflatedSharpeRatio(example);
    expect(r.expectedMaxSharpe).toBeCloseTo(0.1132, 4);
    expect(r.probability).toBeCloseTo(0.9004, 3);
  });

  it('deflates more as more candidates were tried', () => {
    const few = deflatedSharpeRatio({ ...example, trials: 10 }).probability;
    const many = deflatedSharpeRatio({ ...example, trials: 10_000 }).probability;
    expect(few).toBeGreaterThan(0.9004);
    expect(many).toBeLessThan(0.9004);
    expect(expectedMaxSharpe(1, 1)).toBe(0);
  });

  it('reduces to the probabilistic Sharpe ratio against zero for normal returns and one trial', () => {
    // Φ(SR √(T−1) / √(1 + SR²/2)) with skewness 0, kurtosis 3
    const sr = 0.05;
    expect(probabilisticSharpeRatio(sr, 0, 500, 0, 3)).toBeCloseTo(normalCdf((sr * Math.sqrt(499)) / Math.sqrt(1 + sr * sr / 2)), 15);
    expect(deflatedSharpeRatio({ ...example, trials: 1, sharpe: sr, skewness: 0, kurtosis: 3, observations: 500 }).probability)
      .toBe(probabilisticSharpeRatio(sr, 0, 500, 0, 3));
  });

  it('takes moments from a series: mean, sample deviation, skewness and kurtosis', () => {
    const m = seriesMoments([1, 2, 3, 4, 10]);
    // mean 4; deviations −3 −2 −1 0 6; m2 = 50/5 = 10, m3 = 180/5 = 36, m4 = 1394/5
    expect(m.mean).toBe(4);
    expect(m.standardDeviation).toBeCloseTo(Math.sqrt(50 / 4), 14);
    expect(m.skewness).toBeCloseTo(36 / 10 ** 1.5, 14);
    expect(m.kurtosis).toBeCloseTo(1394 / 5 / 100, 14);
    const d = deflatedSharpeOfSeries([1, 2, 3, 4, 10], 20, 0.01);
    expect(d.probability).toBe(deflatedSharpeRatio({ sharpe: m.sharpe, observations: 5, trials: 20, trialSharpeVariance: 0.01, skewness: m.skewness, kurtosis: m.kurtosis }).probability);
    expect(trialSharpeVariance([0.1, 0.2, 0.3])).toBeCloseTo(0.01, 15);
  });

  it('refuses impossible inputs with a coded error', () => {
    for (const fn of [
      () => expectedMaxSharpe(0, 1), () => expectedMaxSharpe(5, -1), () => seriesMoments([1, 2]),
      () => probabilisticSharpeRatio(0.1, 0, 1, 0, 3), () => trialSharpeVariance([1]),
      () => probabilisticSharpeRatio(1, 0, 100, 5, 1),
    ]) expect(fn).toThrow(expect.objectContaining({ code: 'STRATA_STATS_INVALID_INPUT' }));
  });
});
