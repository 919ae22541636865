// The island model migrates along its ring and gives the same result however its generation is batched or
// evaluated; the streaming optimiser starts from the previous result and re-optimises after new days.
import { describe, expect, it } from 'vitest';
import { getAlgorithm, islandMethods, warmStartFrom } from '../../../engine/algorithms/index.ts';
import type { Candidate, Evaluation, SubsetCandidate } from '../../../engine/algorithms/index.ts';
import { createPlantedPortfolio } from './planted-portfolio.ts';

const problem = createPlantedPortfolio({ nStrategies: 20, kMin: 3, kMax: 3, plantedSize: 3, seed: 7 });

describe('island model', () => {
  it('moves the best member of each island to the next one on the ring every migrationInterval generations', () => {
    const params = { island: 'genetic-algorithm', islands: 3, islandPopulation: 10, migrationInterval: 2, migrants: 1 };
    const factory = getAlgorithm('island-model');
    const alg = factory.create(problem.space, { seed: 5, budget: { maxEvaluations: 10_000 }, params });
    type Pop = { candidate: SubsetCandidate; evaluation: Evaluation }[];
    type State = { params: Record<string, number>; method: { islands: { state: { pop: Pop } }[] } };
    const pops = (state: unknown) => (state as State).method.islands.map((i) => i.state.pop.map((m) => m.candidate.indices.join(',')));
    for (let g = 0; g < 3; g++) { const b = alg.ask(); alg.tell(b, b.map(problem.evaluate)); }
    // A twin restored from the same checkpoint but never migrating shows each island's best before migration.
    const twinState = JSON.parse(JSON.stringify(alg.checkpoint())) as State;
    twinState.params['migrationInterval'] = 1000;
    const twin = factory.create(problem.space, { seed: 0, budget: { maxEvaluations: 1 }, state: twinState as never });
    const b = alg.ask(), tb = twin.ask();
    expect(tb).toEqual(b);
    alg.tell(b, b.map(problem.evaluate));
    twin.tell(tb, tb.map(problem.evaluate));
    const before = pops(twin.checkpoint()), after = pops(alg.checkpoint());
    for (let i = 0; i < 3; i++) {
      const migrant = before[(i + 2) % 3]![0]!;
      expect(after[i]).toContain(migrant);
      if (!before[i]!.includes(migrant)) expect(after[i]).not.toEqual(before[i]);
    }
  });

  it('gives the same result when each island slice of a generation is evaluated separately and in reverse order', () => {
    const params = { islands: 4, islandPopulation: 12 };
    const run = (split: boolean) => {
      const alg = getAlgorithm('island-model').create(problem.space, { seed: 9, budget: { maxEvaluations: 600 }, params });
      while (!alg.done()) {
        if (!split) { const b = alg.ask(); alg.tell(b, b.map(problem.evaluate)); continue; }
        const b = alg.ask(12); // one island's slice, as a remote runner would receive it
        const evals = [...b].reverse().map(problem.evaluate).reverse();
        alg.tell(b, evals);
      }
      return alg.best();
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('streaming optimiser', () => {
  it('re-evaluates the previous result first and re-optimises when new days arrive', () => {
    const first = getAlgorithm('streaming').create(problem.space, { seed: 1, budget: { maxEvaluations: 1500 } });
    while (!first.done()) { const b = first.ask(); first.tell(b, b.map(problem.evaluate)); }
    const warm = warmStartFrom(first);
    expect(warm[0]).toEqual(first.best()!.candidate);

    // New days: the same strategies, 60 more days in which the first planted strategy loses money.
    const days = problem.days + 60;
    const extended = new Float64Array(problem.space.nStrategies * days);
    for (let s = 0; s < problem.space.nStrategies; s++) {
      extended.set(problem.pnl.subarray(s * problem.days, (s + 1) * problem.days), s * days);
      for (let d = problem.days; d < days; d++) extended[s * days + d] = s === problem.planted[0] ? -1.5 : problem.pnl[s * problem.days + (d % problem.days)]!;
    }
    const evaluate = (c: Candidate): Evaluation => {
      let equity = 0, peak = 0, dd = 0;
      const idx = (c as SubsetCandidate).indices;
      for (let d = 0; d < days; d++) {
        for (const s of idx) equity += extended[s * days + d]!;
        peak = Math.max(peak, equity);
        dd = Math.max(dd, peak - equity);
      }
      return { objectives: [-equity / Math.max(dd, 1e-9)], violation: 0 };
    };
    const bestWithin = (warmStart: Candidate[], budget: number, seed = 2) => {
      const alg = getAlgorithm('streaming').create(problem.space, { seed, budget: { maxEvaluations: budget }, warmStart });
      const firstBatch = alg.ask();
      alg.tell(firstBatch, firstBatch.map(evaluate));
      while (!alg.done()) { const b = alg.ask(); alg.tell(b, b.map(evaluate)); }
      return { firstBatch, best: alg.best()!.evaluation.objectives[0]! };
    };
    const warmRun = bestWithin(warm, 100);
    expect(warmRun.firstBatch[0]).toEqual(warm[0]);
    // Over five seeds, a short warm-started run beats a cold one of the same budget.
    const seedsList = [1, 2, 3, 4, 5];
    const warmBest = seedsList.map((s) => bestWithin(warm, 100, s).best).sort((a, b) => a - b)[2]!;
    const coldBest = seedsList.map((s) => bestWithin([], 100, s).best).sort((a, b) => a - b)[2]!;
    expect(warmBest).toBeLessThan(coldBest);
  });
});

describe.each(Object.keys(islandMethods).map((id) => [id] as const))('islands of %s', (island) => {
  it('migrate, find the planted portfolio and resume exactly from a JSON checkpoint', () => {
    const params = { island, islands: 3, islandPopulation: 8, migrationInterval: 2, migrants: 2 };
    const budget = island === 'gp-bo' || island === 'tpe' ? 120 : 1200;
    const run = (resumeAt: number | null) => {
      const factory = getAlgorithm('island-model');
      let alg = factory.create(problem.space, { seed: 3, budget: { maxEvaluations: budget }, params });
      const asked: Candidate[] = [];
      while (!alg.done()) {
        if (resumeAt !== null && alg.evaluations() >= resumeAt) {
          alg = factory.create(problem.space, { seed: 0, budget: { maxEvaluations: 1 }, state: JSON.parse(JSON.stringify(alg.checkpoint())) });
          resumeAt = null;
        }
        const b = alg.ask(5);
        asked.push(...b);
        alg.tell(b, b.map(problem.evaluate));
      }
      return { asked, best: alg.best()! };
    };
    const straight = run(null);
    expect(run(Math.floor(budget / 2))).toEqual(straight);
    // Better than the average portfolio of the first generation.
    const firstGeneration = straight.asked.slice(0, 24).map((c) => problem.evaluate(c).objectives[0]!);
    expect(straight.best.evaluation.objectives[0]).toBeLessThan(firstGeneration.reduce((s, v) => s + v, 0) / firstGeneration.length);
  });
});
