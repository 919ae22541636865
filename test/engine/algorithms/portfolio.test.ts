// Every algorithm finds the planted best subset of a synthetic portfolio problem (brute force is the
// oracle) in at least 4 of 5 seeds within 2,000 evaluations: a fixed size k = 3 of 20 strategies, and a
// size range 2..4 of 14. The Pareto methods also find it as the best-ratio end of a two-objective front.
import { describe, expect, it } from 'vitest';
import { algorithms } from '../../../engine/algorithms/index.ts';
import { evaluationsToFind, seeds } from './benchmark-runs.ts';
import { bruteForceBest, createPlantedPortfolio } from './planted-portfolio.ts';

const fixedK = createPlantedPortfolio({ nStrategies: 20, kMin: 3, kMax: 3, plantedSize: 3, seed: 7 });
const rangeK = createPlantedPortfolio({ nStrategies: 14, kMin: 2, kMax: 4, plantedSize: 4, seed: 6 });
const twoObjectives = createPlantedPortfolio({ nStrategies: 20, kMin: 3, kMax: 3, plantedSize: 3, seed: 7, nObjectives: 2 });

describe('the planted portfolio instances', () => {
  it('have the planted subset as the unique brute-force optimum', () => {
    expect(bruteForceBest(fixedK)).toEqual(fixedK.planted);
    expect(bruteForceBest(rangeK)).toEqual(rangeK.planted);
    expect(fixedK.ratio(fixedK.planted)).toBeGreaterThan(fixedK.ratio([0, 1, 2]));
  });
});

describe.each(algorithms.map((a) => [a.id] as const))('%s on the planted portfolio', (id) => {
  it.each([['k = 3 of 20', fixedK], ['k in 2..4 of 14', rangeK]] as const)('finds the planted subset (%s) in at least 4 of 5 seeds within 2,000 evaluations', (_name, p) => {
    const found = seeds.map((s) => evaluationsToFind(id, p.space, p.evaluate, p.planted, 2000, s));
    expect(found.filter((e) => e > 0).length, `evaluations to find per seed: ${found.join(', ')}`).toBeGreaterThanOrEqual(4);
  });

  if (algorithms.find((a) => a.id === id)!.multiObjective) {
    it('finds it as the best-ratio end of a two-objective front', () => {
      const found = seeds.map((s) => evaluationsToFind(id, twoObjectives.space, twoObjectives.evaluate, twoObjectives.planted, 2000, s));
      expect(found.filter((e) => e > 0).length, `evaluations to find per seed: ${found.join(', ')}`).toBeGreaterThanOrEqual(4);
    });
  }
});
