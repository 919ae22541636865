// Hand-computed cases for every metric definition of docs/portfolio.md.
import { describe, expect, it } from 'vitest';
import {
  calmar, correlation, cvar, downsideDeviation, expectancy, maxDrawdown, maxDrawdownPct, meanPairwiseCorrelation,
  netProfit, profitFactor, ratio, sharpe, sortino, standardDeviation, tailDays, winRate,
} from '../../../engine/portfolio/index.ts';

// equity 10, −10, −5, 10, 5; running peak 10 from day 0; drawdowns 0, 20, 15, 0, 5
const days = [10, -20, 5, 15, -5];

describe('portfolio metrics', () => {
  it('sums net profit and measures max drawdown from the running peak of cumulative P&L', () => {
    expect(netProfit(days)).toBe(5);
    expect(maxDrawdown(days)).toBe(20);
    expect(maxDrawdown([-3, -4, 2])).toBe(7); // the peak starts at 0 before the first day
    expect(maxDrawdown([1, 2, 3])).toBe(0);
  });

  it('measures max drawdown as a fraction of peak equity, capital included', () => {
    expect(maxDrawdownPct(days, 100)).toBeCloseTo(20 / 110, 15);
    expect(maxDrawdownPct([-3, -4, 2], 100)).toBeCloseTo(7 / 100, 15);
  });

  it('divides net profit by max drawdown, and by the floor when there is no drawdown', () => {
    expect(ratio(days, 1e-6)).toBe(0.25);
    expect(ratio([1, 2, 3], 0.5)).toBe(12);
    expect(ratio([1, 2, 3], 1e-6)).toBeCloseTo(6e6, 3);
    expect(ratio([0, 0], 1e-6)).toBe(0);
  });

  it('annualises Sharpe with the sample deviation and √252', () => {
    // mean 1; squared deviations 81 + 441 + 16 + 196 + 36 = 770; variance 770 / 4
    expect(standardDeviation(days)).toBeCloseTo(Math.sqrt(192.5), 12);
    expect(sharpe(days, 252, 1e-6)).toBeCloseTo(Math.sqrt(252) / Math.sqrt(192.5), 12);
    expect(sharpe([4], 252, 1e-6)).toBe(0);
  });

  it('computes Sortino with the downside deviation over all days', () => {
    // losing days −20 and −5: (400 + 25) / 5 days = 85
    expect(downsideDeviation(days)).toBeCloseTo(Math.sqrt(85), 12);
    expect(sortino(days, 252, 1e-6)).toBeCloseTo(Math.sqrt(252) / Math.sqrt(85), 12);
    expect(sortino([1, 1], 252, 0.5)).toBeCloseTo((1 / 0.5) * Math.sqrt(252), 12);
  });

  it('computes Calmar as annualised return on capital over max drawdown %', () => {
    // (5 / 100) × (252 / 5) = 2.52 per year; max drawdown 20 / 110
    expect(calmar(days, 100, 252, 1e-6)).toBeCloseTo(2.52 / (20 / 110), 10);
  });

  it('counts win rate over days with a non-zero P&L', () => {
    expect(winRate(days)).toBe(0.6);
    expect(winRate([10, 0, -5])).toBe(0.5);
    expect(winRate([0, 0])).toBe(0);
  });

  it('divides gross profit by gross loss for the profit factor', () => {
    expect(profitFactor(days, 1e-6)).toBeCloseTo(30 / 25, 15);
    expect(profitFactor([2, 3], 0.5)).toBe(10);
  });

  it('gives expectancy per trade, 0 without trades', () => {
    expect(expectancy(days, 10)).toBe(0.5);
    expect(expectancy(days, 0)).toBe(0);
  });

  it('takes CVaR 95% as minus the mean of the worst ceil(5%) of days', () => {
    expect(tailDays(5)).toBe(1);
    expect(tailDays(20)).toBe(1);
    expect(tailDays(21)).toBe(2);
    expect(tailDays(2000)).toBe(100);
    expect(cvar(days)).toBe(20);
    const forty = Array.from({ length: 40 }, (_, i) => i - 5); // worst two: −5, −4
    expect(cvar(forty)).toBe(4.5);
  });

  it('correlates series with Pearson and averages the pairs', () => {
    expect(correlation([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(correlation([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 15);
    expect(correlation([1, 2, 3], [5, 5, 5])).toBe(0);
    expect(meanPairwiseCorrelation([[1, 2, 3], [2, 4, 6], [3, 2, 1]])).toBeCloseTo(-1 / 3, 15);
    expect(meanPairwiseCorrelation([[1, 2, 3]])).toBe(0);
  });
});
