// The fused kernel against the reference metric definitions, and the evaluator's objectives and violations.
import { describe, expect, it } from 'vitest';
import * as m from '../../../engine/portfolio/index.ts';
import {
  createPortfolioEvaluator, createPortfolioMatrix, createPortfolioProblem, createSeededRandom, METRIC_NAMES,
} from '../../../engine/portfolio/index.ts';
import type { MetricName, PortfolioMatrix, PortfolioSpec } from '../../../engine/portfolio/index.ts';

function randomMatrix(n: number, days: number, seed: number): PortfolioMatrix {
  const rng = createSeededRandom(seed);
  const pnl = Array.from({ length: n * days }, () => (rng.next() < 0.1 ? 0 : Math.round(rng.normal() * 1000 + 30) / 4));
  return createPortfolioMatrix({ nStrategies: n, nDays: days, pnl, trades: Array.from({ length: n }, (_, i) => 5 * i) });
}

function seriesOf(matrix: PortfolioMatrix, indices: readonly number[], weights: readonly number[] | null, start = 0, end = matrix.nDays): number[] {
  return Array.from({ length: end - start }, (_, d) =>
    indices.reduce((s, idx, j) => s + (weights ? weights[j]! : 1) * matrix.pnl[idx * matrix.nDays + start + d]!, 0));
}

function reference(matrix: PortfolioMatrix, indices: readonly number[], weights: readonly number[] | null, capital: number, start = 0, end = matrix.nDays): Record<MetricName, number> {
  const s = seriesOf(matrix, indices, weights, start, end);
  const trades = indices.reduce((t, i) => t + matrix.trades[i]!, 0);
  const rows = indices.map((i) => Array.from(matrix.pnl.subarray(i * matrix.nDays + start, i * matrix.nDays + end)));
  return {
    netProfit: m.netProfit(s), maxDrawdown: m.maxDrawdown(s), maxDrawdownPct: m.maxDrawdownPct(s, capital),
    ratio: m.ratio(s, 1e-6), sharpe: m.sharpe(s, 252, 1e-6), sortino: m.sortino(s, 252, 1e-6),
    calmar: m.calmar(s, capital, 252, 1e-6), winRate: m.winRate(s), profitFactor: m.profitFactor(s, 1e-6),
    expectancy: m.expectancy(s, trades), cvar95: m.cvar(s), correlation: m.meanPairwiseCorrelation(rows),
  };
}

function expectClose(actual: number, expected: number, what: string): void {
  const scale = Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected) / scale, `${what}: ${actual} vs ${expected}`).toBeLessThan(1e-9);
}

describe('fused kernel', () => {
  const matrix = randomMatrix(12, 300, 7);
  const allMetrics: PortfolioSpec = { objectives: [...METRIC_NAMES], kMin: 1, kMax: 12, capital: 50_000 };

  it('matches the reference definitions of every metric, equal weights', () => {
    const ev = createPortfolioEvaluator(createPortfolioProblem(matrix, allMetrics));
    for (const indices of [[0], [1, 5], [0, 3, 4, 7, 11], [2, 3, 4, 5, 6, 7, 8, 9]]) {
      const got = ev.metrics({ indices });
      const want = reference(matrix, indices, null, 50_000);
      for (const name of METRIC_NAMES) expectClose(got[name], want[name], `${name} of ${JSON.stringify(indices)}`);
    }
  });

  it('matches the reference definitions with weights and on a day window', () => {
    const spec: PortfolioSpec = { ...allMetrics, weights: { min: 0, max: 3 } };
    const ev = createPortfolioEvaluator(createPortfolioProblem(matrix, spec, { dayStart: 40, dayEnd: 260 }));
    const cand = { indices: [1, 4, 9], weights: [0.5, 2.25, 1] };
    const got = ev.metrics(cand);
    const want = reference(matrix, cand.indices, cand.weights, 50_000, 40, 260);
    for (const name of METRIC_NAMES) expectClose(got[name], want[name], name);
  });

  it('reports no drawdown-based metric as infinite when a portfolio never loses', () => {
    const up = createPortfolioMatrix({ nStrategies: 2, nDays: 4, pnl: [1, 2, 3, 4, 1, 1, 1, 1] });
    const ev = createPortfolioEvaluator(createPortfolioProblem(up, { objectives: ['ratio', 'sortino', 'profitFactor', 'calmar'], kMin: 1, kMax: 2, capital: 100 }));
    const got = ev.metrics({ indices: [0, 1] });
    expect(got.maxDrawdown).toBe(0);
    expect(got.ratio).toBeCloseTo(14 / 1e-6, 0);
    expect(Number.isFinite(got.sortino) && Number.isFinite(got.profitFactor) && Number.isFinite(got.calmar)).toBe(true);
    // a constant series has no spread: Sharpe divides by the floor, not by rounding noise
    const flat = createPortfolioMatrix({ nStrategies: 1, nDays: 5, pnl: [0.1, 0.1, 0.1, 0.1, 0.1] });
    const evFlat = createPortfolioEvaluator(createPortfolioProblem(flat, { objectives: ['sharpe'], kMin: 1, kMax: 1, floor: 1 }));
    expect(evFlat.metrics({ indices: [0] }).sharpe).toBeCloseTo(0.1 * Math.sqrt(252), 12);
  });
});

describe('portfolio evaluator', () => {
  const matrix = randomMatrix(8, 200, 3);

  it('negates maximised objectives and keeps minimised ones', () => {
    const ev = createPortfolioEvaluator(createPortfolioProblem(matrix, { objectives: ['ratio', 'maxDrawdown', 'cvar95'], kMin: 2, kMax: 2 }));
    const metrics = ev.metrics({ indices: [1, 2] });
    const [e] = ev.evaluate([{ indices: [1, 2] }]);
    expect(e!.objectives).toEqual([-metrics.ratio, metrics.maxDrawdown, metrics.cvar95]);
    expect(e!.violation).toBe(0);
  });

  it('sums cardinality, correlation-cap, minimum-trade and weight-bound violations', () => {
    const spec: PortfolioSpec = { objectives: ['netProfit'], kMin: 2, kMax: 3, weights: { min: 0.5, max: 2 }, maxPairwiseCorrelation: -1, minTrades: 20 };
    const problem = createPortfolioProblem(matrix, spec);
    const ev = createPortfolioEvaluator(problem);
    const corr = problem.correlation!;
    // trades are 5 × index: strategy 1 has 5, strategy 6 has 30
    const [single, pair] = ev.evaluate([{ indices: [6], weights: [1] }, { indices: [1, 6], weights: [0.25, 3] }]);
    expect(single!.violation).toBe(1); // one strategy short of kMin
    const expected = (corr[1 * 8 + 6]! + 1) + (20 - 5) / 20 + (0.5 - 0.25) + (3 - 2);
    expect(pair!.violation).toBeCloseTo(expected, 12);
  });

  it('refuses malformed candidates with a coded error', () => {
    const ev = createPortfolioEvaluator(createPortfolioProblem(matrix, { objectives: ['ratio'], kMin: 1, kMax: 3 }));
    for (const bad of [{ indices: [2, 1] }, { indices: [1, 1] }, { indices: [8] }, { indices: [-1] }, { indices: [1], weights: [1] }]) {
      expect(() => ev.evaluate([bad]), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'STRATA_PORTFOLIO_INVALID_CANDIDATE' }));
    }
  });
});
