// Validation and sampling of the two search spaces (portfolio subsets and continuous boxes), shared by every
// algorithm so a malformed space fails once, with a coded error, before any algorithm state exists.
import { algorithmError } from './errors.ts';
import type { Rng } from './rng.ts';
import { randomSubset } from './subset-encoding.ts';
import type { BoxSpace, Candidate, SearchSpace, SubsetSpace, VectorCandidate } from './types.ts';

export function validateSpace(space: SearchSpace): void {
  const bad = (why: string): never => {
    throw algorithmError('STRATA_ALGORITHM_INVALID_SPACE', `invalid search space: ${why}`, { why });
  };
  if (!Number.isInteger(space.nObjectives) || space.nObjectives < 1) bad(`nObjectives ${space.nObjectives} is not an integer >= 1`);
  if (space.kind === 'subset') {
    const { nStrategies: n, kMin, kMax } = space;
    if (!Number.isInteger(n) || n < 1) bad(`nStrategies ${n} is not an integer >= 1`);
    if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 1 || kMax < kMin || kMax > n) {
      bad(`kMin ${kMin} / kMax ${kMax} must satisfy 1 <= kMin <= kMax <= nStrategies (${n})`);
    }
    if (space.weighted && !(Number.isFinite(space.weightMin) && Number.isFinite(space.weightMax) && space.weightMin <= space.weightMax && space.weightMin >= 0)) {
      bad(`weight bounds [${space.weightMin}, ${space.weightMax}] must be finite, non-negative and ordered`);
    }
  } else if (space.kind === 'box') {
    if (space.lower.length === 0 || space.lower.length !== space.upper.length) bad(`box bounds have lengths ${space.lower.length} and ${space.upper.length}`);
    space.lower.forEach((lo, i) => {
      const hi = space.upper[i]!;
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) bad(`dimension ${i} has bounds [${lo}, ${hi}]`);
    });
  } else {
    bad(`unknown kind ${String((space as { kind: unknown }).kind)}`);
  }
}

/** The number of candidates in a subset space with equal weights (sum of binomials); Infinity past 2^53. */
export function subsetCount(space: SubsetSpace): number {
  let total = 0;
  for (let k = space.kMin; k <= space.kMax; k++) total += binomial(space.nStrategies, k);
  return total;
}

export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) r = (r * (n - Math.min(k, n - k) + i)) / i;
  return Math.round(r);
}

export function randomVector(space: BoxSpace, rng: Rng): number[] {
  return space.lower.map((lo, i) => rng.uniform(lo, space.upper[i]!));
}

/** A uniformly drawn point of a box, or a random subset of a subset space. */
export function randomCandidate(space: SearchSpace, rng: Rng): Candidate {
  return space.kind === 'box' ? { x: randomVector(space, rng) } : randomSubset(space, rng);
}

export function clipVector(space: BoxSpace, x: readonly number[]): number[] {
  return x.map((v, i) => Math.min(space.upper[i]!, Math.max(space.lower[i]!, v)));
}

/** Stable text key of a candidate, for duplicate elimination. */
export function candidateKey(c: Candidate): string {
  if ('x' in c) {
    // A numeric fingerprint: joining long float vectors dominated the cost of duplicate elimination.
    const x = (c as VectorCandidate).x;
    let h1 = 0, h2 = 0;
    for (let i = 0; i < x.length; i++) { h1 += x[i]! * (0.6180339887498949 + i); h2 += x[i]! * x[i]! * (1 + (i % 7)); }
    return `${h1}:${h2}:${x.length}`;
  }
  return c.weights ? `${c.indices.join(',')}|${c.weights.join(',')}` : c.indices.join(',');
}
