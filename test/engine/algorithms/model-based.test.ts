// TPE and GP Bayesian optimisation against random search with the same small budget: on 5-D sphere and
// Rastrigin with 200 evaluations they must beat it on every one of 5 seeds.
import { describe, expect, it } from 'vitest';
import { rastrigin, sphere } from '../../../engine/algorithms/index.ts';
import { bestValue, seeds } from './benchmark-runs.ts';

describe.each([['tpe'], ['gp-bo']] as const)('%s with 200 evaluations in 5-D', (id) => {
  it.each([['sphere', sphere(5)], ['Rastrigin', rastrigin(5)]] as const)('beats random search on %s on every seed', (_name, problem) => {
    for (const seed of seeds) {
      expect(bestValue(id, problem, 200, seed)).toBeLessThan(bestValue('random-search', problem, 200, seed));
    }
  });
});
