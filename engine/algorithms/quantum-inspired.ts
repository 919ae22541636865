// Quantum-inspired evolutionary algorithm (Han & Kim 2002). Classical code: nothing here runs on, or
// simulates, a quantum computer. Each individual holds one angle per strategy, read as the probability
// sin²θ of including it (the "Q-bit" of the paper); an observation samples a subset from those
// probabilities; a rotation by Δθ moves each angle towards the individual's best subset where they
// differ; the angles stay within [ε, 1-ε] probabilities (the paper's H_ε gate), and every
// migrationPeriod generations each individual's best is replaced by the global best (global migration).
// Subset spaces only: the representation is binary by construction.
import { topScored } from './archive.ts';
import { compareScalar } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { clampWeight, randomWeight } from './subset-encoding.ts';
import type { Scored, SubsetCandidate, SubsetSpace } from './types.ts';

interface Individual { theta: number[]; weightMean: number[]; best: Scored | null }
interface State { individuals: Individual[]; generation: number }

function observe(space: SubsetSpace, ind: Individual, ctx: MethodContext): SubsetCandidate {
  const { rng } = ctx;
  const p = ind.theta.map((t) => Math.sin(t) ** 2);
  let ones = 0;
  for (const pi of p) if (rng.next() < pi) ones++;
  const k = Math.min(space.kMax, Math.max(space.kMin, ones));
  const pool = [...p];
  const indices: number[] = [];
  for (let j = 0; j < k; j++) {
    const total = pool.reduce((s, v) => s + v, 0);
    let r = rng.next() * total, i = 0;
    for (; i < pool.length - 1; i++) { r -= pool[i]!; if (r < 0 && pool[i]! > 0) break; }
    while (pool[i] === 0) i = (i + 1) % pool.length;
    indices.push(i);
    pool[i] = 0;
  }
  indices.sort((a, b) => a - b);
  if (!space.weighted) return { indices };
  const spread = 0.1 * (space.weightMax - space.weightMin);
  return { indices, weights: indices.map((i) => clampWeight(space, ind.weightMean[i]! + spread * rng.normal())) };
}

const method: Method<State> = {
  init({ space, params, rng }) {
    const sub = space as SubsetSpace;
    return {
      generation: 0,
      individuals: Array.from({ length: num(params, 'popSize') }, () => ({
        theta: new Array<number>(sub.nStrategies).fill(Math.PI / 4),
        weightMean: Array.from({ length: sub.nStrategies }, () => (sub.weighted ? randomWeight(sub, rng) : 0)),
        best: null,
      })),
    };
  },
  propose(state, ctx) {
    const space = ctx.space as SubsetSpace;
    const per = num(ctx.params, 'observations');
    return state.individuals.flatMap((ind) => Array.from({ length: per }, () => observe(space, ind, ctx)));
  },
  learn(state, candidates, evaluations, ctx) {
    const space = ctx.space as SubsetSpace;
    const per = num(ctx.params, 'observations');
    const dTheta = num(ctx.params, 'rotation') * Math.PI;
    const eps = num(ctx.params, 'epsilon');
    const lo = Math.asin(Math.sqrt(eps)), hi = Math.asin(Math.sqrt(1 - eps));
    state.individuals.forEach((ind, j) => {
      for (let o = 0; o < per; o++) {
        const r = j * per + o;
        if (ind.best === null || compareScalar(evaluations[r]!, ind.best.evaluation) < 0) ind.best = { candidate: candidates[r]!, evaluation: evaluations[r]! };
      }
      const best = ind.best!.candidate as SubsetCandidate;
      const inBest = new Set(best.indices);
      const observed = new Set((candidates[j * per] as SubsetCandidate).indices);
      for (let i = 0; i < space.nStrategies; i++) {
        if (inBest.has(i) === observed.has(i)) continue;
        ind.theta[i] = Math.min(hi, Math.max(lo, ind.theta[i]! + (inBest.has(i) ? dTheta : -dTheta)));
      }
      if (space.weighted) best.indices.forEach((i, p) => { ind.weightMean[i] = ind.weightMean[i]! + 0.2 * (best.weights![p]! - ind.weightMean[i]!); });
    });
    state.generation++;
    if (state.generation % num(ctx.params, 'migrationPeriod') === 0) {
      let global: Scored | null = null;
      for (const ind of state.individuals) if (ind.best && (global === null || compareScalar(ind.best.evaluation, global.evaluation) < 0)) global = ind.best;
      for (const ind of state.individuals) ind.best = global;
    }
  },
  emigrate: (state, count) => topScored(state.individuals.flatMap((i) => (i.best ? [i.best] : [])), count),
  immigrate(state, migrants) {
    // A migrant becomes the best (the rotation target) of the individual whose best is worst, if it is better.
    for (const m of migrants) {
      let worst = 0;
      state.individuals.forEach((ind, j) => {
        const w = state.individuals[worst]!.best;
        if (ind.best === null || (w !== null && compareScalar(ind.best.evaluation, w.evaluation) > 0)) worst = j;
      });
      const target = state.individuals[worst]!;
      if (target.best === null || compareScalar(m.evaluation, target.best.evaluation) < 0) target.best = m;
    }
  },
};

export const quantumInspired = defineAlgorithm({
  id: 'quantum-inspired',
  title: 'Quantum-inspired evolutionary algorithm (classical)',
  description: 'Han & Kim QEA: per-strategy inclusion probabilities as rotation angles, observed into subsets and rotated towards the best; classical code, subsets only.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset'],
  params: {
    popSize: { default: 10, min: 1, max: 10_000, integer: true, doc: 'Q-bit individuals (Han & Kim: 10)' },
    observations: { default: 2, min: 1, max: 1000, integer: true, doc: 'subsets observed per individual per generation' },
    rotation: { default: 0.01, min: 0.0001, max: 0.25, doc: 'rotation angle in units of pi (Han & Kim: 0.01 pi)' },
    epsilon: { default: 0.01, min: 0, max: 0.49, doc: 'inclusion probabilities stay within [epsilon, 1 - epsilon] (H_epsilon gate)' },
    migrationPeriod: { default: 20, min: 1, max: 100_000, integer: true, doc: 'generations between global migrations of the best subset' },
  },
  method: method as Method<unknown>,
});
