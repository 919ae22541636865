// Walk-forward windows (anchored and rolling) and a full run that chooses in-sample and judges out-of-sample.
import { describe, expect, it } from 'vitest';
import { bruteForceBest, createPlantedProblem, createPortfolioEvaluator, createPortfolioProblem } from '../../../engine/portfolio/index.ts';
import { walkForward, walkForwardWindows } from '../../../engine/stats/index.ts';

describe('walk-forward windows', () => {
  it('slides a fixed in-sample window in rolling mode', () => {
    expect(walkForwardWindows({ nDays: 100, inSampleDays: 40, outOfSampleDays: 20, mode: 'rolling' })).toEqual([
      { index: 0, inSample: { start: 0, end: 40 }, outOfSample: { start: 40, end: 60 } },
      { index: 1, inSample: { start: 20, end: 60 }, outOfSample: { start: 60, end: 80 } },
      { index: 2, inSample: { start: 40, end: 80 }, outOfSample: { start: 80, end: 100 } },
    ]);
  });

  it('grows the in-sample window from day 0 in anchored mode and leaves out a short tail', () => {
    expect(walkForwardWindows({ nDays: 95, inSampleDays: 40, outOfSampleDays: 20, mode: 'anchored', stepDays: 25 })).toEqual([
      { index: 0, inSample: { start: 0, end: 40 }, outOfSample: { start: 40, end: 60 } },
      { index: 1, inSample: { start: 0, end: 65 }, outOfSample: { start: 65, end: 85 } },
    ]);
  });

  it('refuses windows that do not fit or are not positive', () => {
    for (const o of [
      { nDays: 50, inSampleDays: 40, outOfSampleDays: 20 }, { nDays: 50, inSampleDays: 0, outOfSampleDays: 20 },
      { nDays: 50, inSampleDays: 10, outOfSampleDays: 10, stepDays: 0 },
    ]) expect(() => walkForwardWindows({ ...o, mode: 'rolling' })).toThrow(expect.objectContaining({ code: 'STRATA_STATS_INVALID_INPUT' }));
    expect(() => walkForwardWindows({ nDays: 50, inSampleDays: 10, outOfSampleDays: 10, mode: 'sideways' as 'rolling' })).toThrow(/sideways/);
  });
});

describe('walkForward', () => {
  it('chooses in each in-sample window and measures the choice on the untouched days after it', async () => {
    const p = createPlantedProblem({ n: 10, k: 2, days: 600, seed: 5 });
    const seen: number[][] = [];
    const result = await walkForward(p.matrix, p.spec, { inSampleDays: 300, outOfSampleDays: 100, mode: 'rolling' }, (problem, window) => {
      seen.push([problem.dayStart, problem.dayEnd, window.index]);
      return { indices: [...bruteForceBest(problem).indices] };
    });
    expect(seen).toEqual([[0, 300, 0], [100, 400, 1], [200, 500, 2]]);
    expect(result.folds).toHaveLength(3);
    for (const fold of result.folds) {
      // the planted pair is best on any long enough stretch
      expect(fold.chosen.indices).toEqual(p.best);
      const oos = createPortfolioEvaluator(createPortfolioProblem(p.matrix, p.spec, { dayStart: fold.window.outOfSample.start, dayEnd: fold.window.outOfSample.end }));
      expect(fold.outOfSample).toEqual(oos.metrics(fold.chosen));
    }
    expect(result.outOfSampleSeries).toHaveLength(300);
    const summed = result.folds.reduce((s, f) => s + f.outOfSample.netProfit, 0);
    expect(result.outOfSample.netProfit).toBeCloseTo(summed, 8);
    const isRate = result.folds.reduce((s, f) => s + f.inSample.netProfit, 0) / 900;
    expect(result.efficiency).toBeCloseTo(summed / 300 / isRate, 12);
  });
});
