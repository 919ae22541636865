// Every algorithm handles a portfolio problem of realistic size (500 strategies, 5..10 of them, with and
// without weights): valid candidates, and a best portfolio better than the average random one.
import { describe, expect, it } from 'vitest';
import { algorithms, Rng, seedRng } from '../../../engine/algorithms/index.ts';
import type { SubsetCandidate } from '../../../engine/algorithms/index.ts';
import { createPlantedPortfolio } from './planted-portfolio.ts';

const unweighted = createPlantedPortfolio({ nStrategies: 500, kMin: 5, kMax: 10, plantedSize: 8, seed: 3, days: 120 });
const weighted = createPlantedPortfolio({ nStrategies: 500, kMin: 5, kMax: 10, plantedSize: 8, seed: 3, days: 120, weighted: true });

/** Mean objective of random portfolios: the bar every method must clear. */
function randomAverage(): number {
  const rng = new Rng(seedRng(99));
  let total = 0;
  for (let i = 0; i < 200; i++) {
    const k = 5 + rng.int(6);
    total += unweighted.evaluate({ indices: rng.sample(500, k).sort((a, b) => a - b) }).objectives[0]!;
  }
  return total / 200;
}

describe.each(algorithms.map((a) => [a.id, a] as const))('%s on 500 strategies', (id, factory) => {
  it.each([['equal weights', unweighted], ['weights', weighted]] as const)('searches 5..10 of 500 strategies with %s', (_name, p) => {
    const budget = id === 'gp-bo' || id === 'tpe' ? 60 : 800;
    const alg = factory.create(p.space, { seed: 1, budget: { maxEvaluations: budget } });
    while (!alg.done()) {
      const batch = alg.ask();
      for (const c of batch as SubsetCandidate[]) {
        expect(c.indices.length >= 5 && c.indices.length <= 10).toBe(true);
        expect(c.indices.every((v, i) => v >= 0 && v < 500 && (i === 0 || v > c.indices[i - 1]!))).toBe(true);
        if (p.space.weighted) expect(c.weights!.every((w) => w >= 0.5 && w <= 1.5)).toBe(true);
      }
      alg.tell(batch, batch.map(p.evaluate));
    }
    expect(alg.best()!.evaluation.objectives[0]).toBeLessThan(randomAverage());
  });
});
