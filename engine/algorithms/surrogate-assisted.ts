// Surrogate-assisted evolution: a k-nearest-neighbour model trained on every evaluation kept in memory
// pre-screens offspring, so only the most promising reach the (expensive) evaluator. In a box the base
// method is DE/rand/1/bin with `screened` trial vectors per target, of which the model keeps one; on
// subsets it is the GA, breeding `screened` times the population and evaluating the best-predicted
// (with a share of unscreened offspring so the model cannot lock the search into its own errors).
import { compareScalar } from './dominance.ts';
import { deParams, deTrial, latinHypercube, vectorBox } from './differential-evolution.ts';
import type { DeState } from './differential-evolution.ts';
import { topScored } from './archive.ts';
import { breed, gaParams, immigrateByFitness, sortByFitness } from './genetic-algorithm.ts';
import { euclidean2, predictKnn } from './knn-regressor.ts';
import { randomCandidate } from './search-space.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { subsetDistance2 } from './subset-encoding.ts';
import type { Candidate, Evaluation, Scored, SubsetCandidate } from './types.ts';

/** Training points: normalised vectors in a box, the subsets themselves on subsets (sparse distance). */
interface State { de: DeState; pop: Scored[]; memory: { f: number[] | SubsetCandidate; y: number }[] }

function features(ctx: MethodContext, c: Candidate): number[] | SubsetCandidate {
  const { space } = ctx;
  if (space.kind === 'subset') return c as SubsetCandidate;
  return (c as { x: number[] }).x.map((v, i) => (v - space.lower[i]!) / (space.upper[i]! - space.lower[i]!));
}

/** Model target: the objective when feasible, far above any objective otherwise (ordered by violation). */
function target(e: Evaluation): number {
  return e.violation > 0 ? 1e12 * (1 + e.violation) : e.objectives[0]!;
}

function remember(state: State, ctx: MethodContext, cands: readonly Candidate[], evals: readonly Evaluation[]): void {
  cands.forEach((c, i) => state.memory.push({ f: features(ctx, c), y: target(evals[i]!) }));
  const cap = num(ctx.params, 'memory');
  if (state.memory.length > cap) state.memory.splice(0, state.memory.length - cap);
}

function predict(state: State, ctx: MethodContext, c: Candidate, ys: readonly number[]): number {
  const { space } = ctx;
  const k = num(ctx.params, 'neighbours');
  if (space.kind === 'subset') {
    return predictKnn(state.memory.length, ys, (i) => subsetDistance2(space, state.memory[i]!.f as SubsetCandidate, c as SubsetCandidate), k);
  }
  const f = features(ctx, c) as number[];
  return predictKnn(state.memory.length, ys, (i) => euclidean2(state.memory[i]!.f as number[], f), k);
}

const method: Method<State> = {
  init: () => ({ de: { pop: [], trials: [] }, pop: [], memory: [] }),
  propose(state, ctx) {
    const size = num(ctx.params, 'popSize');
    const screened = num(ctx.params, 'screened');
    if (ctx.space.kind === 'box') {
      const de = state.de;
      if (de.pop.length < size) {
        de.trials = latinHypercube(vectorBox(ctx), size - de.pop.length, ctx);
      } else {
        const ys = state.memory.map((m) => m.y);
        de.trials = de.pop.map((_, i) => {
          let best: number[] = [], bestY = Infinity;
          for (let s = 0; s < screened; s++) {
            const t = deTrial(de.pop, i, ctx);
            const y = predict(state, ctx, { x: t }, ys);
            if (y < bestY || s === 0) { best = t; bestY = y; }
          }
          return best;
        });
      }
      return de.trials.map((x) => ({ x }));
    }
    if (state.pop.length < size) return Array.from({ length: size - state.pop.length }, () => randomCandidate(ctx.space, ctx.rng));
    const pool = breed(state.pop, screened * size, ctx);
    const unscreened = Math.round(num(ctx.params, 'explore') * size);
    const ys = state.memory.map((m) => m.y);
    const scored = pool.slice(unscreened).map((c) => ({ c, y: predict(state, ctx, c, ys) })).sort((a, b) => a.y - b.y);
    return [...pool.slice(0, unscreened), ...scored.slice(0, size - unscreened).map((s) => s.c)];
  },
  learn(state, candidates, evaluations, ctx) {
    remember(state, ctx, candidates, evaluations);
    const size = num(ctx.params, 'popSize');
    if (ctx.space.kind === 'box') {
      const de = state.de;
      if (de.pop.length < size) { de.trials.forEach((v, i) => de.pop.push({ v, evaluation: evaluations[i]! })); return; }
      de.trials.forEach((v, i) => { if (compareScalar(evaluations[i]!, de.pop[i]!.evaluation) <= 0) de.pop[i] = { v, evaluation: evaluations[i]! }; });
      return;
    }
    state.pop = sortByFitness([...state.pop, ...candidates.map((c, i) => ({ candidate: c, evaluation: evaluations[i]! }))]).slice(0, size);
  },
  emigrate(state, count) {
    if (state.pop.length > 0) return topScored(state.pop, count);
    return topScored(state.de.pop.map((m) => ({ candidate: { x: m.v }, evaluation: m.evaluation })), count);
  },
  immigrate(state, migrants, ctx) {
    remember(state, ctx, migrants.map((m) => m.candidate), migrants.map((m) => m.evaluation));
    const size = num(ctx.params, 'popSize');
    if (ctx.space.kind === 'subset') { immigrateByFitness(state, migrants, size); return; }
    const order = state.de.pop.map((_, i) => i).sort((a, b) => compareScalar(state.de.pop[b]!.evaluation, state.de.pop[a]!.evaluation));
    migrants.forEach((m, k) => {
      const member = { v: [...(m.candidate as { x: number[] }).x], evaluation: m.evaluation };
      if (state.de.pop.length < size) state.de.pop.push(member);
      else if (k < order.length) state.de.pop[order[k]!] = member;
    });
  },
};

export const surrogateAssisted = defineAlgorithm({
  id: 'surrogate-assisted',
  title: 'Surrogate-assisted evolutionary algorithm',
  description: 'DE (box) or GA (subsets) whose offspring are pre-screened by a k-nearest-neighbour model of all evaluations so far.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    ...gaParams,
    popSize: { default: 50, min: 4, max: 100_000, integer: true, doc: 'population (DE in a box, GA on subsets)' },
    CR: deParams.CR,
    fMin: deParams.fMin,
    fMax: deParams.fMax,
    screened: { default: 4, min: 1, max: 100, integer: true, doc: 'candidates bred per evaluated offspring; the model keeps the best-predicted' },
    explore: { default: 0.2, min: 0, max: 1, doc: 'subsets: share of offspring evaluated without screening' },
    neighbours: { default: 5, min: 1, max: 100, integer: true, doc: 'k of the k-NN model' },
    memory: { default: 150, min: 10, max: 100_000, integer: true, doc: 'most recent evaluations the model learns from' },
  },
  method: method as Method<unknown>,
});
