// Grid / exhaustive search: every subset of size kMin..kMax exactly once (weights at the middle of their
// bounds), or a regular grid of cell centres in a box; visited in a seeded order (an affine permutation of
// the ranks, in BigInt so any space size works) so a budget smaller than the space is an unbiased sample.
import { algorithmError } from './errors.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method } from './method.ts';
import type { Candidate, SearchSpace, SubsetSpace } from './types.ts';

interface State { count: string; a: string; b: string; next: number; perDimension: number }

function binomialBig(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  const kk = Math.min(k, n - k);
  for (let i = 1; i <= kk; i++) r = (r * BigInt(n - kk + i)) / BigInt(i);
  return r;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b > 0n) [a, b] = [b, a % b];
  return a;
}

/** A big random integer in [0, n) from 32-bit draws. */
function randomBig(n: bigint, next: () => number): bigint {
  let r = 0n;
  for (let bits = 0n; (1n << bits) < n * 1024n; bits += 32n) r = (r << 32n) | BigInt(next());
  return r % n;
}

function spaceCount(space: SearchSpace, perDimension: number): bigint {
  if (space.kind === 'box') return BigInt(perDimension) ** BigInt(space.lower.length);
  let total = 0n;
  for (let k = space.kMin; k <= space.kMax; k++) total += binomialBig(space.nStrategies, k);
  return total;
}

/** The rank-th subset: sizes in increasing order, then colexicographic combinations (combinatorial number system). */
function unrankSubset(space: SubsetSpace, rank: bigint): Candidate {
  let k = space.kMin;
  for (; ; k++) {
    const c = binomialBig(space.nStrategies, k);
    if (rank < c) break;
    rank -= c;
  }
  const indices: number[] = [];
  let n = space.nStrategies;
  for (let j = k; j >= 1; j--) {
    n--;
    while (binomialBig(n, j) > rank) n--;
    indices.push(n);
    rank -= binomialBig(n, j);
  }
  indices.sort((a, b) => a - b);
  if (!space.weighted) return { indices };
  const mid = (space.weightMin + space.weightMax) / 2;
  return { indices, weights: indices.map(() => mid) };
}

const method: Method<State> = {
  init({ space, params, rng, maxEvaluations }) {
    const dims = space.kind === 'box' ? space.lower.length : 1;
    const given = num(params, 'pointsPerDimension');
    const perDimension = space.kind === 'box' ? (given > 0 ? given : Math.max(2, Math.floor(Math.pow(maxEvaluations, 1 / dims) + 1e-9))) : 0;
    const count = spaceCount(space, perDimension);
    let a = count > 1n ? 1n + randomBig(count - 1n, () => rng.nextUint32()) : 1n;
    while (gcd(a, count) !== 1n) a = (a % (count - 1n)) + 1n;
    const b = randomBig(count, () => rng.nextUint32());
    return { count: count.toString(), a: a.toString(), b: b.toString(), next: 0, perDimension };
  },
  propose(state, { space, params, maxEvaluations, evaluations }) {
    const count = BigInt(state.count), a = BigInt(state.a), b = BigInt(state.b);
    const remainingInSpace = count - BigInt(state.next);
    const n = Math.min(num(params, 'batchSize'), maxEvaluations - evaluations);
    const out: Candidate[] = [];
    for (let i = 0; i < n; i++) {
      // Past the end of the space the order repeats: evaluating twice is the only thing left to do.
      const ordinal = BigInt(state.next) % count;
      const rank = (a * ordinal + b) % count;
      state.next++;
      if (space.kind === 'subset') out.push(unrankSubset(space, rank));
      else {
        const x: number[] = [];
        let r = rank;
        for (let d = 0; d < space.lower.length; d++) {
          const j = Number(r % BigInt(state.perDimension));
          r /= BigInt(state.perDimension);
          x.push(space.lower[d]! + ((space.upper[d]! - space.lower[d]!) * (j + 0.5)) / state.perDimension);
        }
        out.push({ x });
      }
      if (remainingInSpace === BigInt(i + 1) && i + 1 < n) break;
    }
    return out;
  },
  learn() {},
};

export const gridSearch = defineAlgorithm({
  id: 'grid-search',
  title: 'Grid / exhaustive search',
  description: 'Every subset once (or a regular grid over a box) in a seeded order; exhaustive when the budget covers the space.',
  multiObjective: true,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    batchSize: { default: 100, min: 1, max: 100_000, integer: true, doc: 'candidates per generation' },
    pointsPerDimension: { default: 0, min: 0, max: 1_000_000, integer: true, doc: 'grid points per box dimension; 0 = as many as the budget allows' },
  },
  checkSpace(space, params) {
    if (space.kind === 'box' && num(params, 'pointsPerDimension') === 1) {
      throw algorithmError('STRATA_ALGORITHM_UNSUPPORTED_SPACE', 'grid-search needs at least 2 points per dimension', { pointsPerDimension: 1 });
    }
  },
  method: method as Method<unknown>,
});
