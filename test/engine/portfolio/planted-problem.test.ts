// The planted synthetic problem: its planted subset is the brute-force optimum, it is reproducible from its
// seed, and its options are checked.
import { describe, expect, it } from 'vitest';
import { bruteForceBest, createPlantedProblem } from '../../../engine/portfolio/index.ts';

describe('createPlantedProblem', () => {
  it.each([
    [25, 4, 200], [25, 4, 500], [18, 3, 300], [12, 2, 250], [25, 1, 200], [5, 4, 400],
  ])('plants the brute-force optimum (n %i, k %i, %i days) for every seed', (n, k, days) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const p = createPlantedProblem({ n, k, days, seed });
      const oracle = bruteForceBest(p.problem, p.evaluator);
      expect(oracle.indices, `seed ${seed}`).toEqual(p.best);
      expect(oracle.evaluation.violation).toBe(0);
      expect(p.best).toHaveLength(k);
    }
  });

  it('is reproducible from its seed and differs between seeds', () => {
    const a = createPlantedProblem({ n: 10, k: 3, days: 200, seed: 11 });
    const b = createPlantedProblem({ n: 10, k: 3, days: 200, seed: 11 });
    const c = createPlantedProblem({ n: 10, k: 3, days: 200, seed: 12 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(a.best).toEqual(b.best);
    expect(Array.from(a.values)).not.toEqual(Array.from(c.values));
  });

  it('describes a fixed-size, equal-weight, single-objective subset space over shared memory', () => {
    const p = createPlantedProblem({ n: 8, k: 2, days: 200, seed: 1 });
    expect(p.space).toEqual({ kind: 'subset', nStrategies: 8, kMin: 2, kMax: 2, weighted: false, weightMin: 1, weightMax: 1, nObjectives: 1 });
    expect(p.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(p.nStrategies * p.nDays).toBe(p.values.length);
  });

  it('keeps the planted subset apart from any other one by its objective', () => {
    const p = createPlantedProblem({ n: 12, k: 3, days: 300, seed: 3 });
    const [planted] = p.evaluator.evaluate([{ indices: [...p.best] }]);
    const others = p.evaluator.evaluate([{ indices: [0, 1, 2] }, { indices: [3, 7, 11] }].filter((c) => c.indices.join() !== p.best.join()));
    for (const e of others) expect(planted!.objectives[0]!).toBeLessThan(e.objectives[0]!);
  });

  it.each([
    [{ n: 26, k: 2, days: 300, seed: 1 }], [{ n: 10, k: 5, days: 300, seed: 1 }], [{ n: 4, k: 4, days: 300, seed: 1 }],
    [{ n: 10, k: 2, days: 100, seed: 1 }], [{ n: 10, k: 2, days: 300, seed: 1.5 }],
  ])('refuses out-of-range options %j', (options) => {
    expect(() => createPlantedProblem(options)).toThrow(expect.objectContaining({ code: 'STRATA_PORTFOLIO_INVALID_OPTION' }));
  });
});

describe('bruteForceBest', () => {
  it('enumerates every size from kMin to kMax and prefers feasible subsets', () => {
    const p = createPlantedProblem({ n: 8, k: 2, days: 200, seed: 4 });
    const ranged = { ...p.problem, space: { ...p.space, kMin: 1, kMax: 3 } };
    const result = bruteForceBest(ranged, p.evaluator);
    expect(result.evaluated).toBe(8 + 28 + 56);
    expect(result.evaluation.violation).toBe(0);
  });
});
