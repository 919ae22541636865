// Every algorithm's state is plain data: a checkpoint taken mid-run (even mid-generation), sent through
// JSON or msgpack and restored, continues exactly as the uninterrupted run, candidate for candidate; and
// the candidates do not depend on how ask() batches a generation.
import { describe, expect, it } from 'vitest';
import { pack, unpack } from 'msgpackr';
import { algorithms } from '../../../engine/algorithms/index.ts';
import type { Algorithm, AlgorithmFactory, AlgorithmState, BoxSpace, Candidate, SearchSpace, SubsetSpace } from '../../../engine/algorithms/index.ts';

const weighted: SubsetSpace = { kind: 'subset', nStrategies: 15, kMin: 2, kMax: 5, weighted: true, weightMin: 0.5, weightMax: 1.5, nObjectives: 1 };
const twoObjectives: SubsetSpace = { ...weighted, weighted: false, nObjectives: 2 };
const box: BoxSpace = { kind: 'box', lower: [-2, -2, -2, -2], upper: [2, 2, 2, 2], nObjectives: 1 };

function objectives(c: Candidate, n: number): number[] {
  if ('x' in c) {
    const f = c.x.reduce((s, v, i) => s + (v - 0.1 * i) ** 2 + 0.5 * (1 - Math.cos(6 * v)), 0);
    return n === 1 ? [f] : [f, c.x[0]!];
  }
  const f = c.indices.reduce((s, i, p) => s + Math.sin(i * 1.7) * (c.weights?.[p] ?? 1), 0);
  return n === 1 ? [f] : [f, c.indices.reduce((s, i) => s + i, 0) / 10];
}

/** Some infeasible regions, so the feasible-first paths are exercised too. */
function violation(c: Candidate): number {
  if ('x' in c) return Math.max(0, c.x[0]! - 1.5);
  return c.indices.includes(13) && c.indices.includes(14) ? 0.5 : 0;
}

/** Runs to the budget; at `stopAt` evaluations hands the checkpoint to `resume` and continues with what it returns. */
function run(
  factory: AlgorithmFactory, space: SearchSpace, budget: number, batch: number | undefined,
  stopAt?: number, resume?: (state: AlgorithmState) => Algorithm,
): { asked: Candidate[]; best: unknown; front: unknown; evaluations: number } {
  let alg = factory.create(space, { seed: 11, budget: { maxEvaluations: budget } });
  const asked: Candidate[] = [];
  let resumed = false;
  while (!alg.done()) {
    if (stopAt !== undefined && !resumed && alg.evaluations() >= stopAt) {
      alg = resume!(alg.checkpoint());
      resumed = true;
    }
    const c = alg.ask(batch);
    asked.push(...c);
    alg.tell(c, c.map((x) => ({ objectives: objectives(x, space.nObjectives), violation: violation(x) })));
  }
  if (stopAt !== undefined) expect(resumed).toBe(true);
  return { asked, best: alg.best(), front: alg.front(), evaluations: alg.evaluations() };
}

const budgetOf = (id: string) => (id === 'gp-bo' || id === 'tpe' ? 70 : 400);

describe.each(algorithms.map((a) => [a.id, a] as const))('%s', (_id, factory) => {
  const spaces: [string, SearchSpace][] = [['weighted subsets', weighted], ['two-objective subsets', twoObjectives]];
  if (factory.id !== 'quantum-inspired') spaces.push(['a box', box]);

  it.each(spaces)('resumes exactly from a JSON checkpoint taken mid-run on %s', (_name, space) => {
    const budget = budgetOf(factory.id);
    const straight = run(factory, space, budget, 13);
    const viaJson = run(factory, space, budget, 13, Math.floor(budget / 2),
      (state) => factory.create(space, { seed: 999, budget: { maxEvaluations: 1 }, state: JSON.parse(JSON.stringify(state)) as AlgorithmState }));
    expect(viaJson.evaluations).toBe(budget);
    expect(viaJson.asked).toEqual(straight.asked);
    expect(viaJson.best).toEqual(straight.best);
    expect(viaJson.front).toEqual(straight.front);
  });

  it('resumes exactly from a msgpack checkpoint, and batch sizes do not change the candidates', () => {
    const budget = budgetOf(factory.id);
    const space = factory.id === 'quantum-inspired' ? weighted : box;
    const straight = run(factory, space, budget, 13);
    const viaMsgpack = run(factory, space, budget, 13, Math.floor(budget / 3),
      (state) => factory.create(space, { seed: 1, budget: { maxEvaluations: 1 }, state: unpack(pack(state)) as AlgorithmState }));
    expect(viaMsgpack.asked).toEqual(straight.asked);
    const wholeGenerations = run(factory, space, budget, undefined);
    expect(wholeGenerations.asked).toEqual(straight.asked);
    expect(wholeGenerations.best).toEqual(straight.best);
  });
});
