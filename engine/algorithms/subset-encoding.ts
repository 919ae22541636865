// Representations of portfolio subsets: sampling, repair, neighbourhood moves and crossover for methods
// that search subsets directly, and the random-key decoding (Bean 1994) that lets continuous methods
// (DE, PSO, CMA-ES, GP-BO) search the same space: a vector in [0,1]^D picks the k highest-keyed strategies.
import type { Rng } from './rng.ts';
import type { SubsetCandidate, SubsetSpace } from './types.ts';

/** Sorts, de-duplicates, enforces kMin..kMax (dropping or adding random indices) and clamps weights. */
export function repairSubset(space: SubsetSpace, indices: readonly number[], weights: readonly number[] | undefined, rng: Rng): SubsetCandidate {
  const byIndex = new Map<number, number>();
  indices.forEach((i, pos) => {
    if (!byIndex.has(i) && i >= 0 && i < space.nStrategies) byIndex.set(i, weights?.[pos] ?? randomWeight(space, rng));
  });
  while (byIndex.size > space.kMax) {
    const keys = [...byIndex.keys()];
    byIndex.delete(keys[rng.int(keys.length)]!);
  }
  while (byIndex.size < space.kMin) {
    const i = rng.int(space.nStrategies);
    if (!byIndex.has(i)) byIndex.set(i, randomWeight(space, rng));
  }
  const sorted = [...byIndex.keys()].sort((a, b) => a - b);
  if (!space.weighted) return { indices: sorted };
  return { indices: sorted, weights: sorted.map((i) => clampWeight(space, byIndex.get(i)!)) };
}

export function randomWeight(space: SubsetSpace, rng: Rng): number {
  return space.weightMin + (space.weightMax - space.weightMin) * rng.next();
}

export function clampWeight(space: SubsetSpace, w: number): number {
  return Math.min(space.weightMax, Math.max(space.weightMin, w));
}

export function randomSubset(space: SubsetSpace, rng: Rng): SubsetCandidate {
  const k = space.kMin + rng.int(space.kMax - space.kMin + 1);
  const indices = rng.sample(space.nStrategies, k).sort((a, b) => a - b);
  return space.weighted ? { indices, weights: indices.map(() => randomWeight(space, rng)) } : { indices };
}

/** One random move: swap a member for an outsider, add or remove one (within kMin..kMax), or nudge a weight. */
export function neighbourSubset(space: SubsetSpace, c: SubsetCandidate, rng: Rng, weightStep = 0.1): SubsetCandidate {
  const indices = [...c.indices];
  const weights = c.weights ? [...c.weights] : undefined;
  if (weights && indices.length > 0 && rng.next() < 0.5) {
    const p = rng.int(indices.length);
    weights[p] = clampWeight(space, weights[p]! + rng.normal() * weightStep * (space.weightMax - space.weightMin));
    return { indices, weights };
  }
  const moves: ('swap' | 'add' | 'remove')[] = [];
  if (indices.length < space.nStrategies) moves.push('swap');
  if (indices.length < space.kMax) moves.push('add');
  if (indices.length > space.kMin) moves.push('remove');
  if (moves.length === 0) return { indices, ...(weights ? { weights } : {}) };
  const move = moves[rng.int(moves.length)]!;
  const members = new Set(indices);
  const outsider = (): number => {
    for (;;) {
      const i = rng.int(space.nStrategies);
      if (!members.has(i)) return i;
    }
  };
  if (move === 'remove') {
    const p = rng.int(indices.length);
    indices.splice(p, 1);
    weights?.splice(p, 1);
  } else if (move === 'add') {
    indices.push(outsider());
    weights?.push(randomWeight(space, rng));
  } else {
    const p = rng.int(indices.length);
    indices[p] = outsider();
  }
  return sortSubset(indices, weights);
}

/** Keeps what both parents share, fills to a size between theirs from what either has, inherits weights. */
export function crossoverSubsets(space: SubsetSpace, a: SubsetCandidate, b: SubsetCandidate, rng: Rng): SubsetCandidate {
  const wa = new Map(a.indices.map((i, p) => [i, a.weights?.[p] ?? 0]));
  const wb = new Map(b.indices.map((i, p) => [i, b.weights?.[p] ?? 0]));
  const common = a.indices.filter((i) => wb.has(i));
  const others = rng.shuffle([...a.indices.filter((i) => !wb.has(i)), ...b.indices.filter((i) => !wa.has(i))]);
  const lo = Math.min(a.indices.length, b.indices.length), hi = Math.max(a.indices.length, b.indices.length);
  const k = Math.min(space.kMax, Math.max(space.kMin, lo + rng.int(hi - lo + 1)));
  const chosen = rng.shuffle([...common]).slice(0, k);
  for (const i of others) if (chosen.length < k) chosen.push(i);
  const weights = space.weighted
    ? chosen.map((i) => (wa.has(i) && wb.has(i) ? (rng.next() < 0.5 ? wa.get(i)! : wb.get(i)!) : (wa.get(i) ?? wb.get(i)!)))
    : undefined;
  return repairSubset(space, chosen, weights, rng);
}

/** Mutation for evolutionary methods: one neighbour move with probability `rate`, a second with rate/2. */
export function mutateSubset(space: SubsetSpace, c: SubsetCandidate, rate: number, rng: Rng): SubsetCandidate {
  let out = c;
  if (rng.next() < rate) out = neighbourSubset(space, out, rng);
  if (rng.next() < rate / 2) out = neighbourSubset(space, out, rng);
  return out;
}

function sortSubset(indices: number[], weights: number[] | undefined): SubsetCandidate {
  const order = indices.map((_, p) => p).sort((p, q) => indices[p]! - indices[q]!);
  const sorted = order.map((p) => indices[p]!);
  return weights ? { indices: sorted, weights: order.map((p) => weights[p]!) } : { indices: sorted };
}

/** Length of the random-key vector: one key per strategy, one for k when it varies, one weight per strategy. */
export function keyLength(space: SubsetSpace): number {
  return space.nStrategies + (space.kMax > space.kMin ? 1 : 0) + (space.weighted ? space.nStrategies : 0);
}

/** Decodes keys in [0,1]^D: k from the size key, the k strategies with the highest keys, weights from the weight keys. */
export function decodeKeys(space: SubsetSpace, keys: readonly number[]): SubsetCandidate {
  const n = space.nStrategies;
  const span = space.kMax - space.kMin + 1;
  const k = span > 1 ? space.kMin + Math.min(span - 1, Math.max(0, Math.floor(keys[n]! * span))) : space.kMin;
  // The k highest keys (ties to the lower index) by insertion into a sorted buffer: O(n k), no full sort.
  const top = new Int32Array(k).fill(-1);
  let filled = 0;
  for (let i = 0; i < n; i++) {
    const v = keys[i]!;
    if (filled === k && !(v > keys[top[k - 1]!]!)) continue;
    let p = filled < k ? filled++ : k - 1;
    while (p > 0 && keys[top[p - 1]!]! < v) { top[p] = top[p - 1]!; p--; }
    top[p] = i;
  }
  const indices = Array.from(top).sort((i, j) => i - j);
  if (!space.weighted) return { indices };
  const offset = n + (span > 1 ? 1 : 0);
  const weights = indices.map((i) => space.weightMin + (space.weightMax - space.weightMin) * Math.min(1, Math.max(0, keys[offset + i]!)));
  return { indices, weights };
}

/** A key vector that decodes to c: members get keys above 0.5, others below, in a random order. */
export function encodeKeys(space: SubsetSpace, c: SubsetCandidate, rng: Rng): number[] {
  const n = space.nStrategies;
  const span = space.kMax - space.kMin + 1;
  const keys = new Array<number>(keyLength(space)).fill(0);
  const members = new Set(c.indices);
  for (let i = 0; i < n; i++) keys[i] = members.has(i) ? 0.55 + 0.4 * rng.next() : 0.05 + 0.4 * rng.next();
  if (span > 1) keys[n] = (c.indices.length - space.kMin + 0.5) / span;
  if (space.weighted) {
    const offset = n + (span > 1 ? 1 : 0);
    const range = space.weightMax - space.weightMin;
    for (let i = 0; i < n; i++) keys[offset + i] = 0.5;
    c.indices.forEach((i, p) => { keys[offset + i] = range > 0 ? (c.weights![p]! - space.weightMin) / range : 0.5; });
  }
  return keys;
}

/** 0/1 membership (or the normalised weight) per strategy: the feature vector of surrogate models. */
export function subsetFeatures(space: SubsetSpace, c: SubsetCandidate): number[] {
  const f = new Array<number>(space.nStrategies).fill(0);
  const range = space.weightMax - space.weightMin;
  c.indices.forEach((i, p) => { f[i] = space.weighted && range > 0 ? 0.5 + (0.5 * (c.weights![p]! - space.weightMin)) / range : 1; });
  return f;
}

/** Squared distance between the membership features of two subsets (subsetFeatures), by merging their
 *  sorted index lists: O(k) instead of O(nStrategies). */
export function subsetDistance2(space: SubsetSpace, a: SubsetCandidate, b: SubsetCandidate): number {
  const range = space.weightMax - space.weightMin;
  const feature = (c: SubsetCandidate, p: number): number =>
    space.weighted && range > 0 ? 0.5 + (0.5 * (c.weights![p]! - space.weightMin)) / range : 1;
  let i = 0, j = 0, d2 = 0;
  while (i < a.indices.length || j < b.indices.length) {
    const ai = i < a.indices.length ? a.indices[i]! : Infinity, bj = j < b.indices.length ? b.indices[j]! : Infinity;
    if (ai === bj) { d2 += (feature(a, i) - feature(b, j)) ** 2; i++; j++; }
    else if (ai < bj) { d2 += feature(a, i) ** 2; i++; }
    else { d2 += feature(b, j) ** 2; j++; }
  }
  return d2;
}
