// The problem's input side: matrix normalisation, spec validation with coded errors, and the search space.
import { describe, expect, it } from 'vitest';
import { createPortfolioMatrix, createPortfolioProblem, resolveSpec, toSubsetSpace } from '../../../engine/portfolio/index.ts';
import type { PortfolioSpec } from '../../../engine/portfolio/index.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? 'no code';
  }
  return 'no error';
}

describe('createPortfolioMatrix', () => {
  it('copies into shared memory, turns NaN cells into 0 and finds each active day range', () => {
    const m = createPortfolioMatrix({ nStrategies: 2, nDays: 3, pnl: [NaN, 1, NaN, 2, 3, 4] });
    expect(m.pnl.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(m.pnl)).toEqual([0, 1, 0, 2, 3, 4]);
    expect(Array.from(m.firstDay)).toEqual([1, 0]);
    expect(Array.from(m.lastDay)).toEqual([1, 2]);
    expect(Array.from(m.trades)).toEqual([0, 0]);
  });

  it('uses a NaN-free shared Float64Array without copying', () => {
    const pnl = new Float64Array(new SharedArrayBuffer(4 * 8)).fill(1);
    expect(createPortfolioMatrix({ nStrategies: 2, nDays: 2, pnl }).pnl).toBe(pnl);
  });

  it('refuses wrong lengths, infinite P&L and out-of-range facts', () => {
    expect(codeOf(() => createPortfolioMatrix({ nStrategies: 2, nDays: 2, pnl: [1, 2, 3] }))).toBe('STRATA_PORTFOLIO_INVALID_MATRIX');
    expect(codeOf(() => createPortfolioMatrix({ nStrategies: 1, nDays: 2, pnl: [1, Infinity] }))).toBe('STRATA_PORTFOLIO_INVALID_MATRIX');
    expect(codeOf(() => createPortfolioMatrix({ nStrategies: 1, nDays: 2, pnl: [1, 2], trades: [-1] }))).toBe('STRATA_PORTFOLIO_INVALID_MATRIX');
    expect(codeOf(() => createPortfolioMatrix({ nStrategies: 1, nDays: 2, pnl: [1, 2], lastDay: [2] }))).toBe('STRATA_PORTFOLIO_INVALID_MATRIX');
    expect(codeOf(() => createPortfolioMatrix({ nStrategies: 0, nDays: 2, pnl: [] }))).toBe('STRATA_PORTFOLIO_INVALID_MATRIX');
  });
});

describe('portfolio spec', () => {
  const ok: PortfolioSpec = { objectives: ['ratio', 'maxDrawdown'], kMin: 2, kMax: 3 };

  it('negates the objectives a user maximises and fills in defaults', () => {
    const r = resolveSpec(ok, 5);
    expect(Array.from(r.objectiveSign)).toEqual([-1, 1]);
    expect(r.floor).toBe(1e-6);
    expect(r.periodsPerYear).toBe(252);
    expect(r.weighted).toBe(false);
    expect(r.needsCorrelation).toBe(false);
    expect(resolveSpec({ ...ok, maxPairwiseCorrelation: 0.5 }, 5).needsCorrelation).toBe(true);
  });

  it('turns into the subset space the algorithms search', () => {
    expect(toSubsetSpace(ok, 5)).toEqual({ kind: 'subset', nStrategies: 5, kMin: 2, kMax: 3, weighted: false, weightMin: 1, weightMax: 1, nObjectives: 2 });
    expect(toSubsetSpace({ ...ok, weights: { min: 0.5, max: 2 } }, 5)).toMatchObject({ weighted: true, weightMin: 0.5, weightMax: 2 });
  });

  it.each([
    ['an unknown metric', { ...ok, objectives: ['alpha'] }],
    ['no objectives', { ...ok, objectives: [] }],
    ['a repeated metric', { ...ok, objectives: ['ratio', 'ratio'] }],
    ['kMin above kMax', { ...ok, kMin: 3, kMax: 2 }],
    ['kMax above the strategy count', { ...ok, kMax: 6 }],
    ['a fractional k', { ...ok, kMin: 1.5 }],
    ['inverted weight bounds', { ...ok, weights: { min: 2, max: 1 } }],
    ['a correlation cap above 1', { ...ok, maxPairwiseCorrelation: 1.5 }],
    ['negative minimum trades', { ...ok, minTrades: -1 }],
    ['maxDrawdownPct without capital', { ...ok, objectives: ['maxDrawdownPct'] }],
    ['calmar without capital', { ...ok, objectives: ['calmar'] }],
    ['a zero floor', { ...ok, floor: 0 }],
    ['an unknown key', { ...ok, budget: 3 }],
  ])('refuses %s', (_name, spec) => {
    expect(codeOf(() => resolveSpec(spec as unknown as PortfolioSpec, 5))).toBe('STRATA_PORTFOLIO_INVALID_SPEC');
  });

  it('names the offending value in the message', () => {
    expect(() => resolveSpec({ ...ok, objectives: ['alpha' as 'ratio'] }, 5)).toThrow(/"alpha"/);
  });

  it('refuses an empty or out-of-range day window', () => {
    const m = createPortfolioMatrix({ nStrategies: 2, nDays: 3, pnl: [1, 2, 3, 4, 5, 6] });
    expect(codeOf(() => createPortfolioProblem(m, ok2(), { dayStart: 2, dayEnd: 2 }))).toBe('STRATA_PORTFOLIO_INVALID_OPTION');
    expect(codeOf(() => createPortfolioProblem(m, ok2(), { dayEnd: 4 }))).toBe('STRATA_PORTFOLIO_INVALID_OPTION');
  });
});

function ok2(): PortfolioSpec {
  return { objectives: ['netProfit'], kMin: 1, kMax: 2 };
}
