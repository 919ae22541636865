// The recommender picks a registered algorithm whose parameters it accepts, explains each choice, and
// follows its documented rules.
import { describe, expect, it } from 'vitest';
import { getAlgorithm, recommendAlgorithm } from '../../../engine/algorithms/index.ts';
import type { ProblemProfile } from '../../../engine/algorithms/index.ts';

const base: ProblemProfile = { nStrategies: 500, kMin: 10, kMax: 10, nObjectives: 1, budgetEvaluations: 20_000, weighted: false };

describe('recommendAlgorithm', () => {
  it.each([
    ['exhaustive search when the budget covers the space', { ...base, nStrategies: 20, kMin: 3, kMax: 3, budgetEvaluations: 2000 }, 'grid-search'],
    ['GP-BO for a tiny budget on few strategies', { ...base, nStrategies: 30, budgetEvaluations: 100 }, 'gp-bo'],
    ['TPE for a small budget', { ...base, budgetEvaluations: 400 }, 'tpe'],
    ['CMA-ES for weights on few strategies', { ...base, nStrategies: 40, weighted: true }, 'cma-es'],
    ['DE for weights on many strategies', { ...base, weighted: true }, 'differential-evolution'],
    ['islands for a large budget on many strategies', { ...base, budgetEvaluations: 200_000 }, 'island-model'],
    ['the surrogate-assisted EA for a moderate budget', { ...base, budgetEvaluations: 3000 }, 'surrogate-assisted'],
    ['the GA otherwise', base, 'genetic-algorithm'],
    ['NSGA-II for two objectives', { ...base, nObjectives: 2 }, 'nsga2'],
    ['MOEA/D for three objectives', { ...base, nObjectives: 3 }, 'moead'],
  ] as const)('recommends %s', (_name, profile, id) => {
    const r = recommendAlgorithm(profile);
    expect(r.id).toBe(id);
    expect(r.reasons.length).toBeGreaterThan(0);
    expect(r.reasons.join(' ')).toMatch(/\d/); // reasons quote the problem's numbers
    const space = { kind: 'subset' as const, nStrategies: profile.nStrategies, kMin: profile.kMin, kMax: profile.kMax, weighted: profile.weighted, weightMin: 0, weightMax: 1, nObjectives: profile.nObjectives };
    const alg = getAlgorithm(r.id).create(space, { seed: 1, budget: { maxEvaluations: profile.budgetEvaluations }, params: r.params });
    expect(alg.ask(5).length).toBeGreaterThan(0);
  });

  it('shrinks the population of a multi-objective method to fit a small budget', () => {
    const r = recommendAlgorithm({ ...base, nObjectives: 2, budgetEvaluations: 1500 });
    expect(r.params['popSize']).toBe(30);
    expect(r.reasons.some((s) => s.includes('1500'))).toBe(true);
  });

  it('rejects an impossible profile with a coded error', () => {
    expect(() => recommendAlgorithm({ ...base, kMin: 11 })).toThrow(expect.objectContaining({ code: 'STRATA_ALGORITHM_INVALID_SPACE' }));
  });
});
