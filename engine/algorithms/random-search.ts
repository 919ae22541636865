// Random search: uniform samples of the space, in generations of batchSize. In a subset space without
// weights it samples without replacement until every subset has been seen, as a search over a finite set
// should; the seen keys are part of the checkpointed state.
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method } from './method.ts';
import { randomSubset } from './subset-encoding.ts';
import { candidateKey, randomVector, subsetCount } from './search-space.ts';
import type { Candidate } from './types.ts';

interface State { seen: string[] }

const seenSets = new WeakMap<string[], Set<string>>();

function seenSet(seen: string[]): Set<string> {
  let set = seenSets.get(seen);
  if (!set) { set = new Set(seen); seenSets.set(seen, set); }
  return set;
}

const method: Method<State> = {
  init: () => ({ seen: [] }),
  propose(state, { space, params, rng, maxEvaluations, evaluations }) {
    const n = Math.min(num(params, 'batchSize'), maxEvaluations - evaluations);
    const out: Candidate[] = [];
    if (space.kind === 'box') {
      for (let i = 0; i < n; i++) out.push({ x: randomVector(space, rng) });
      return out;
    }
    const distinct = !space.weighted && subsetCount(space) <= 1e7;
    const seen = seenSet(state.seen);
    const total = subsetCount(space);
    for (let i = 0; i < n; i++) {
      let c = randomSubset(space, rng);
      if (distinct && seen.size < total) {
        for (let tries = 0; seen.has(candidateKey(c)) && tries < 10_000; tries++) c = randomSubset(space, rng);
        const key = candidateKey(c);
        if (!seen.has(key)) { seen.add(key); state.seen.push(key); }
      }
      out.push(c);
    }
    return out;
  },
  learn() {},
};

export const randomSearch = defineAlgorithm({
  id: 'random-search',
  title: 'Random search',
  description: 'Uniform random samples; subsets without replacement. The baseline every other method must beat.',
  multiObjective: true,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: { batchSize: { default: 100, min: 1, max: 100_000, integer: true, doc: 'candidates per generation (pool batch)' } },
  method: method as Method<unknown>,
});
