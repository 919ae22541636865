// Every registered algorithm honours the ask/tell contract: coded errors for unknown ids, bad parameters,
// bad spaces and out-of-order calls; every candidate it asks for lies in the space (sizes kMin..kMax,
// sorted unique indices, weights within bounds, vectors within the box); the budget is respected.
import { describe, expect, it } from 'vitest';
import { algorithms, getAlgorithm } from '../../../engine/algorithms/index.ts';
import type { Algorithm, BoxSpace, Candidate, SubsetSpace } from '../../../engine/algorithms/index.ts';
import { algorithmError } from '../../../engine/algorithms/errors.ts';

const weightedSpace: SubsetSpace = { kind: 'subset', nStrategies: 12, kMin: 2, kMax: 5, weighted: true, weightMin: 0.1, weightMax: 2, nObjectives: 1 };
const box: BoxSpace = { kind: 'box', lower: [-1, 0, 10], upper: [1, 5, 11], nObjectives: 1 };

function codeOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

/** A cheap objective with structure: prefers low indices and weights near 1, or the box point (0.3, 2, 10.5). */
function score(c: Candidate, nObjectives: number): number[] {
  if ('x' in c) {
    const f = (c.x[0]! - 0.3) ** 2 + (c.x[1]! - 2) ** 2 + (c.x[2]! - 10.5) ** 2;
    return nObjectives === 1 ? [f] : [f, c.x[0]! ** 2];
  }
  const f = c.indices.reduce((s, i, p) => s + i + Math.abs((c.weights?.[p] ?? 1) - 1), 0) / c.indices.length;
  return nObjectives === 1 ? [f] : [f, c.indices.length];
}

function drive(alg: Algorithm, nObjectives: number, check: (c: Candidate) => void, batch?: number): void {
  while (!alg.done()) {
    const asked = alg.ask(batch);
    expect(asked.length).toBeGreaterThan(0);
    asked.forEach(check);
    alg.tell(asked, asked.map((c) => ({ objectives: score(c, nObjectives), violation: 0 })));
  }
  expect(alg.ask()).toEqual([]);
}

function checkSubset(space: SubsetSpace) {
  return (c: Candidate) => {
    expect('indices' in c).toBe(true);
    const s = c as { indices: number[]; weights?: number[] };
    expect(s.indices.length).toBeGreaterThanOrEqual(space.kMin);
    expect(s.indices.length).toBeLessThanOrEqual(space.kMax);
    s.indices.forEach((v, i) => {
      expect(Number.isInteger(v) && v >= 0 && v < space.nStrategies).toBe(true);
      if (i > 0) expect(v).toBeGreaterThan(s.indices[i - 1]!);
    });
    if (space.weighted) {
      expect(s.weights?.length).toBe(s.indices.length);
      s.weights!.forEach((w) => { expect(w).toBeGreaterThanOrEqual(space.weightMin); expect(w).toBeLessThanOrEqual(space.weightMax); });
    } else expect(s.weights).toBeUndefined();
  };
}

describe('algorithm registry', () => {
  it('lists the eighteen algorithms under unique kebab-case ids with documented defaults', () => {
    const ids = algorithms.map((a) => a.id);
    expect(new Set(ids).size).toBe(18);
    for (const a of algorithms) {
      expect(a.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(getAlgorithm(a.id)).toBe(a);
      expect(JSON.parse(JSON.stringify(a.defaults))).toEqual(a.defaults);
      expect(Object.keys(a.parameters)).toEqual(Object.keys(a.defaults));
      for (const spec of Object.values(a.parameters)) expect(spec.doc.length).toBeGreaterThan(5);
    }
  });

  it('rejects an unknown id with a coded error that lists the known ids', () => {
    expect(codeOf(() => getAlgorithm('gradient-descent'))).toBe('STRATA_ALGORITHM_UNKNOWN');
    try { getAlgorithm('gradient-descent'); } catch (e) { expect((e as Error).message).toContain('nsga2'); }
  });

  it('rejects unknown parameters, wrong types and out-of-range values', () => {
    const ga = getAlgorithm('genetic-algorithm');
    const create = (params: Record<string, number | string | boolean>) => () => ga.create(box, { seed: 1, budget: { maxEvaluations: 10 }, params });
    expect(codeOf(create({ popsize: 10 }))).toBe('STRATA_ALGORITHM_INVALID_PARAMS');
    expect(codeOf(create({ popSize: 1 }))).toBe('STRATA_ALGORITHM_INVALID_PARAMS');
    expect(codeOf(create({ popSize: 10.5 }))).toBe('STRATA_ALGORITHM_INVALID_PARAMS');
    expect(codeOf(create({ crossoverProb: '0.5' }))).toBe('STRATA_ALGORITHM_INVALID_PARAMS');
    expect(codeOf(() => getAlgorithm('moead').create(box, { seed: 1, budget: { maxEvaluations: 10 }, params: { decomposition: 'weighted-sum' } }))).toBe('STRATA_ALGORITHM_INVALID_PARAMS');
    expect(codeOf(create({ popSize: 10 }))).toBeUndefined();
  });

  it('rejects malformed spaces, unsupported spaces, bad seeds and budgets', () => {
    const rs = getAlgorithm('random-search');
    const opts = { seed: 1, budget: { maxEvaluations: 10 } };
    expect(codeOf(() => rs.create({ ...weightedSpace, kMin: 6, kMax: 5 }, opts))).toBe('STRATA_ALGORITHM_INVALID_SPACE');
    expect(codeOf(() => rs.create({ ...weightedSpace, kMax: 13 }, opts))).toBe('STRATA_ALGORITHM_INVALID_SPACE');
    expect(codeOf(() => rs.create({ ...box, upper: [1, 5, 9] }, opts))).toBe('STRATA_ALGORITHM_INVALID_SPACE');
    expect(codeOf(() => getAlgorithm('quantum-inspired').create(box, opts))).toBe('STRATA_ALGORITHM_UNSUPPORTED_SPACE');
    expect(codeOf(() => getAlgorithm('island-model').create(box, { ...opts, params: { island: 'quantum-inspired' } }))).toBe('STRATA_ALGORITHM_UNSUPPORTED_SPACE');
    expect(codeOf(() => getAlgorithm('streaming').create(box, { ...opts, params: { inner: 'particle-swarm' } }))).toBe('STRATA_ALGORITHM_INVALID_PARAMS');
    expect(codeOf(() => rs.create(box, { seed: 1.5, budget: { maxEvaluations: 10 } }))).toBe('STRATA_ALGORITHM_INVALID_OPTIONS');
    expect(codeOf(() => rs.create(box, { seed: 1, budget: { maxEvaluations: 0 } }))).toBe('STRATA_ALGORITHM_INVALID_OPTIONS');
    expect(codeOf(() => rs.create(box, { ...opts, warmStart: [{ x: [0, 1, 10] }] }))).toBe('STRATA_ALGORITHM_INVALID_OPTIONS');
    expect(codeOf(() => getAlgorithm('streaming').create(box, { ...opts, warmStart: [{ x: [0, 9, 10] }] }))).toBe('STRATA_ALGORITHM_INVALID_OPTIONS');
    expect(codeOf(() => getAlgorithm('streaming').create(box, { ...opts, state: { format: 'other' } }))).toBe('STRATA_ALGORITHM_INVALID_STATE');
    const saved = getAlgorithm('genetic-algorithm').create(box, opts).checkpoint();
    expect(codeOf(() => getAlgorithm('genetic-algorithm').create({ ...box, upper: [1, 5, 12] }, { ...opts, state: saved }))).toBe('STRATA_ALGORITHM_INVALID_STATE');
    expect(codeOf(() => getAlgorithm('nsga2').create(box, { ...opts, state: saved }))).toBe('STRATA_ALGORITHM_INVALID_STATE');
    expect(codeOf(() => getAlgorithm('genetic-algorithm').create(box, { ...opts, state: saved }))).toBeUndefined();
    expect(algorithmError('STRATA_ALGORITHM_UNKNOWN', 'x').retryable).toBe(false);
  });

  it('refuses ask() before tell(), a tell() of the wrong size and malformed evaluations', () => {
    const alg = getAlgorithm('genetic-algorithm').create(box, { seed: 1, budget: { maxEvaluations: 100 } });
    const asked = alg.ask(5);
    expect(codeOf(() => alg.ask())).toBe('STRATA_ALGORITHM_PROTOCOL');
    expect(codeOf(() => alg.tell(asked.slice(1), asked.slice(1).map(() => ({ objectives: [1], violation: 0 }))))).toBe('STRATA_ALGORITHM_PROTOCOL');
    expect(codeOf(() => alg.tell(asked, asked.map(() => ({ objectives: [1, 2], violation: 0 }))))).toBe('STRATA_ALGORITHM_INVALID_EVALUATION');
    expect(codeOf(() => alg.tell(asked, asked.map(() => ({ objectives: [Number.NaN], violation: 0 }))))).toBe('STRATA_ALGORITHM_INVALID_EVALUATION');
    expect(codeOf(() => alg.tell(asked, asked.map(() => ({ objectives: [1], violation: -1 }))))).toBe('STRATA_ALGORITHM_INVALID_EVALUATION');
    alg.tell(asked, asked.map(() => ({ objectives: [1], violation: 0 })));
    expect(alg.evaluations()).toBe(5);
    expect(codeOf(() => alg.ask(0))).toBe('STRATA_ALGORITHM_PROTOCOL');
  });
});

/** The sequential model-based methods cost far more per proposal; a smaller budget checks the same things. */
const budgetFor = (id: string, budget: number) => (id === 'gp-bo' || id === 'tpe' ? Math.min(budget, 120) : budget);

describe.each(algorithms.map((a) => [a.id, a] as const))('%s', (_id, factory) => {
  it('asks only valid weighted subsets of size kMin..kMax and stops at the budget', () => {
    const budget = budgetFor(factory.id, 257);
    const alg = factory.create(weightedSpace, { seed: 3, budget: { maxEvaluations: budget } });
    drive(alg, 1, checkSubset(weightedSpace), 17);
    expect(alg.evaluations()).toBe(budget);
    const best = alg.best()!;
    expect(best.evaluation.objectives[0]).toBeLessThanOrEqual(score(best.candidate, 1)[0]!);
    checkSubset(weightedSpace)(best.candidate);
  });

  it('asks only valid equal-weight subsets on a two-objective space and reports a non-dominated front', () => {
    const space: SubsetSpace = { ...weightedSpace, weighted: false, nObjectives: 2 };
    const alg = factory.create(space, { seed: 4, budget: { maxEvaluations: budgetFor(factory.id, 300) } });
    drive(alg, 2, checkSubset(space));
    const front = alg.front();
    expect(front.length).toBeGreaterThan(0);
    for (const a of front) for (const b of front) {
      const dom = b.evaluation.objectives.every((v, i) => v <= a.evaluation.objectives[i]!) && b.evaluation.objectives.some((v, i) => v < a.evaluation.objectives[i]!);
      expect(dom).toBe(false);
    }
  });

  if (factory.id !== 'quantum-inspired') {
    it('asks only points inside the box and improves on its first batch', () => {
      const alg = factory.create(box, { seed: 5, budget: { maxEvaluations: budgetFor(factory.id, 600) } });
      let first = Infinity;
      let asked = 0;
      while (!alg.done()) {
        const batch = alg.ask();
        for (const c of batch) {
          const x = (c as { x: number[] }).x;
          x.forEach((v, i) => { expect(v).toBeGreaterThanOrEqual(box.lower[i]!); expect(v).toBeLessThanOrEqual(box.upper[i]!); });
        }
        const evals = batch.map((c) => ({ objectives: score(c, 1), violation: 0 }));
        if (asked === 0) first = Math.min(...evals.map((e) => e.objectives[0]!));
        asked += batch.length;
        alg.tell(batch, evals);
      }
      expect(alg.best()!.evaluation.objectives[0]).toBeLessThanOrEqual(first);
      if (factory.id !== 'grid-search' && factory.id !== 'random-search') expect(alg.best()!.evaluation.objectives[0]).toBeLessThan(0.05);
    });
  }
});
