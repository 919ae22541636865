// Differential evolution (Storn & Price 1997), DE/rand/1/bin with a dithered scale factor and one-to-one
// replacement, as pymoo's DE. Subsets are searched through random keys: each vector in [0,1]^D decodes to
// the k highest-keyed strategies (and its weights), so the same arithmetic searches both spaces.
import { compareScalar } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { decodeKeys, encodeKeys, keyLength } from './subset-encoding.ts';
import type { BoxSpace, Candidate, Evaluation, Scored, SubsetCandidate } from './types.ts';

/** The vector space a continuous method searches: the box itself, or [0,1]^D of random keys. */
export function vectorBox(ctx: MethodContext): BoxSpace {
  const { space } = ctx;
  if (space.kind === 'box') return space;
  const d = keyLength(space);
  return { kind: 'box', lower: new Array<number>(d).fill(0), upper: new Array<number>(d).fill(1), nObjectives: space.nObjectives };
}

export function decodeVector(ctx: MethodContext, v: readonly number[]): Candidate {
  return ctx.space.kind === 'box' ? { x: [...v] } : decodeKeys(ctx.space, v);
}

export function encodeCandidate(ctx: MethodContext, c: Candidate): number[] {
  return ctx.space.kind === 'box' ? [...(c as { x: number[] }).x] : encodeKeys(ctx.space, c as SubsetCandidate, ctx.rng);
}

/** Latin hypercube sample of n points in the box (pymoo's DE samples with LHS). */
export function latinHypercube(box: BoxSpace, n: number, ctx: MethodContext): number[][] {
  const d = box.lower.length;
  const cols = Array.from({ length: d }, () => ctx.rng.shuffle(Array.from({ length: n }, (_, i) => i)));
  return Array.from({ length: n }, (_, i) =>
    cols.map((perm, j) => box.lower[j]! + ((box.upper[j]! - box.lower[j]!) * (perm[i]! + ctx.rng.next())) / n));
}

export interface Member { v: number[]; evaluation: Evaluation }
export interface DeState { pop: Member[]; trials: number[][] }

/** DE/rand/1/bin trial for target i with bounce-back repair (pymoo's default repair for DE). */
export function deTrial(pop: readonly Member[], i: number, ctx: MethodContext): number[] {
  const box = vectorBox(ctx);
  const { rng, params } = ctx;
  const n = pop.length, d = box.lower.length;
  let r1: number, r2: number, r3: number;
  do r1 = rng.int(n); while (r1 === i);
  do r2 = rng.int(n); while (r2 === i || r2 === r1);
  do r3 = rng.int(n); while (r3 === i || r3 === r1 || r3 === r2);
  const fLo = num(params, 'fMin'), fHi = num(params, 'fMax');
  const f = fLo + (fHi - fLo) * rng.next(); // dither: one F per trial vector
  const cr = num(params, 'CR');
  const jRand = rng.int(d);
  const target = pop[i]!.v, a = pop[r1]!.v, b = pop[r2]!.v, c = pop[r3]!.v;
  const trial = [...target];
  for (let j = 0; j < d; j++) {
    if (j !== jRand && rng.next() >= cr) continue;
    let v = a[j]! + f * (b[j]! - c[j]!);
    const lo = box.lower[j]!, hi = box.upper[j]!;
    if (v < lo) v = lo + rng.next() * (a[j]! - lo);
    else if (v > hi) v = hi - rng.next() * (hi - a[j]!);
    trial[j] = v;
  }
  return trial;
}

const method: Method<DeState> = {
  init: () => ({ pop: [], trials: [] }),
  propose(state, ctx) {
    const size = num(ctx.params, 'popSize');
    if (state.pop.length < size) state.trials = latinHypercube(vectorBox(ctx), size - state.pop.length, ctx);
    else state.trials = state.pop.map((_, i) => deTrial(state.pop, i, ctx));
    return state.trials.map((v) => decodeVector(ctx, v));
  },
  learn(state, _candidates, evaluations, ctx) {
    const size = num(ctx.params, 'popSize');
    if (state.pop.length < size) {
      state.trials.forEach((v, i) => state.pop.push({ v, evaluation: evaluations[i]! }));
      return;
    }
    state.trials.forEach((v, i) => {
      if (compareScalar(evaluations[i]!, state.pop[i]!.evaluation) <= 0) state.pop[i] = { v, evaluation: evaluations[i]! };
    });
  },
  immigrate(state, migrants, ctx) {
    const incoming = migrants.map((m) => ({ v: encodeCandidate(ctx, m.candidate), evaluation: m.evaluation }));
    const order = state.pop.map((_, i) => i).sort((a, b) => compareScalar(state.pop[b]!.evaluation, state.pop[a]!.evaluation));
    incoming.forEach((m, k) => {
      if (k < order.length && state.pop.length >= num(ctx.params, 'popSize')) state.pop[order[k]!] = m;
      else state.pop.push(m);
    });
  },
  emigrate: (state, count, ctx) => [...state.pop].sort((a, b) => compareScalar(a.evaluation, b.evaluation)).slice(0, count)
    .map((m): Scored => ({ candidate: decodeVector(ctx, m.v), evaluation: m.evaluation })),
};

export const deParams = {
  popSize: { default: 50, min: 4, max: 100_000, integer: true, doc: 'population size (pymoo: 100; 50 = 5n for the 10-D suite)' },
  CR: { default: 0.3, min: 0, max: 1, doc: 'binomial crossover rate (pymoo documentation example: 0.3)' },
  fMin: { default: 0.5, min: 0, max: 2, doc: 'lower end of the dithered scale factor F (pymoo dither: 0.5)' },
  fMax: { default: 0.5, min: 0, max: 2, doc: 'upper end of the dithered scale factor F (pymoo dither: 1.0; 0.5 = Storn & Price\'s fixed F)' },
} as const;

export const differentialEvolution = defineAlgorithm({
  id: 'differential-evolution',
  title: 'Differential evolution',
  description: 'DE/rand/1/bin with dithered F and one-to-one replacement; subsets through random-key decoding.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: deParams,
  method: method as Method<unknown>,
});
