// Gaussian-process Bayesian optimisation: after random startup trials (Optuna GPSampler: 10), fit a
// Matérn 5/2 GP to the trials (the best and the most recent when there are many), and propose the point
// of highest log expected improvement among random points and perturbations of the best trials, refined
// by a shrinking local search. On subsets the GP works on 0/1 membership features and the candidates
// are unseen neighbours of the best subsets plus random subsets.
import { trialHistory, type Trial } from './trial-history.ts';
import { compareScalar } from './dominance.ts';
import { fitGpByLikelihood, logExpectedImprovement, predictGp } from './gaussian-process.ts';
import type { GpModel } from './gaussian-process.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { neighbourSubset, randomSubset, subsetFeatures } from './subset-encoding.ts';
import { candidateKey, randomCandidate } from './search-space.ts';
import type { BoxSpace, Candidate, Evaluation, SubsetCandidate, SubsetSpace } from './types.ts';

interface State { trials: Trial[]; lengthScale: number; noise: number; fittedAt: number }

const lengthScales = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6];
const noises = [1e-6, 1e-2];

function features(ctx: MethodContext, c: Candidate): number[] {
  const { space } = ctx;
  if (space.kind === 'subset') return subsetFeatures(space, c as SubsetCandidate);
  return (c as { x: number[] }).x.map((v, i) => (v - space.lower[i]!) / (space.upper[i]! - space.lower[i]!));
}

/** Training outputs: the objective, with infeasible trials placed above the worst feasible one. */
function targets(trials: readonly Trial[]): number[] {
  const feasible = trials.filter((t) => t.evaluation.violation <= 0).map((t) => t.evaluation.objectives[0]!);
  const worst = feasible.length > 0 ? Math.max(...feasible) : 0;
  const spread = feasible.length > 1 ? worst - Math.min(...feasible) || 1 : 1;
  return trials.map((t) => (t.evaluation.violation > 0 ? worst + spread * (1 + t.evaluation.violation) : t.evaluation.objectives[0]!));
}

function trainingSet(trials: readonly Trial[], max: number): Trial[] {
  if (trials.length <= max) return [...trials];
  const ranked = trials.map((_, i) => i).sort((a, b) => compareScalar(trials[a]!.evaluation, trials[b]!.evaluation));
  const keep = new Set(ranked.slice(0, Math.floor(max / 2)));
  for (let i = trials.length - 1; keep.size < max; i--) keep.add(i);
  return [...keep].sort((a, b) => a - b).map((i) => trials[i]!);
}

function model(state: State, ctx: MethodContext): { gp: GpModel; best: number } | null {
  const train = trainingSet(state.trials, num(ctx.params, 'maxTrainingPoints'));
  const xs = train.map((t) => features(ctx, t.candidate));
  const ys = targets(train);
  // Hyperparameters are re-chosen every refitEvery trials; between refits the last choice is reused.
  let gp: GpModel | null = null;
  if (state.trials.length - state.fittedAt >= num(ctx.params, 'refitEvery') || state.fittedAt === 0) {
    gp = fitGpByLikelihood(xs, ys, lengthScales, noises);
    if (gp) { state.lengthScale = gp.lengthScale; state.noise = gp.noise; state.fittedAt = state.trials.length; }
  } else gp = fitGpByLikelihood(xs, ys, [state.lengthScale], [state.noise]);
  return gp ? { gp, best: Math.min(...ys) } : null;
}

function proposeBox(space: BoxSpace, state: State, ctx: MethodContext, count: number): Candidate[] {
  const { rng } = ctx;
  const m = model(state, ctx);
  const d = space.lower.length;
  const toX = (u: readonly number[]): Candidate => ({ x: u.map((v, i) => space.lower[i]! + v * (space.upper[i]! - space.lower[i]!)) });
  if (!m) return Array.from({ length: count }, () => toX(Array.from({ length: d }, () => rng.next())));
  const score = (u: number[]): number => { const p = predictGp(m.gp, u); return logExpectedImprovement(p.mean, p.sd, m.best); };
  const clip = (v: number): number => Math.min(1, Math.max(0, v));
  const pool: { u: number[]; s: number }[] = [];
  for (let i = 0; i < num(ctx.params, 'randomCandidates'); i++) { const u = Array.from({ length: d }, () => rng.next()); pool.push({ u, s: score(u) }); }
  const ranked = state.trials.map((_, i) => i).sort((a, b) => compareScalar(state.trials[a]!.evaluation, state.trials[b]!.evaluation)).slice(0, 5);
  for (const i of ranked) {
    const base = features(ctx, state.trials[i]!.candidate);
    for (let j = 0; j < 10; j++) { const u = base.map((v) => clip(v + 0.05 * rng.normal())); pool.push({ u, s: score(u) }); }
  }
  pool.sort((a, b) => b.s - a.s);
  const out: Candidate[] = [];
  for (const start of pool.slice(0, count)) {
    let cur = start;
    for (const radius of [0.02, 0.005, 0.001]) {
      for (let j = 0; j < 8; j++) {
        const u = cur.u.map((v) => clip(v + radius * rng.normal()));
        const s = score(u);
        if (s > cur.s) cur = { u, s };
      }
    }
    out.push(toX(cur.u));
  }
  return out;
}

function proposeSubset(space: SubsetSpace, state: State, ctx: MethodContext, count: number): Candidate[] {
  const { rng } = ctx;
  const seen = new Set(state.trials.map((t) => candidateKey(t.candidate)));
  const pool = new Map<string, SubsetCandidate>();
  const add = (c: SubsetCandidate): void => { const k = candidateKey(c); if (!seen.has(k)) pool.set(k, c); };
  const ranked = state.trials.map((_, i) => i).sort((a, b) => compareScalar(state.trials[a]!.evaluation, state.trials[b]!.evaluation)).slice(0, 5);
  for (const i of ranked) for (let j = 0; j < 40; j++) add(neighbourSubset(space, state.trials[i]!.candidate as SubsetCandidate, rng));
  for (let j = 0; j < num(ctx.params, 'randomCandidates') / 2; j++) add(randomSubset(space, rng));
  const m = model(state, ctx);
  const cands = [...pool.values()];
  if (cands.length === 0) return [randomSubset(space, rng)];
  if (!m) return cands.slice(0, count);
  const scored = cands.map((c) => { const p = predictGp(m.gp, subsetFeatures(space, c)); return { c, s: logExpectedImprovement(p.mean, p.sd, m.best) }; });
  scored.sort((a, b) => b.s - a.s);
  return scored.slice(0, count).map((x) => x.c);
}

const method: Method<State> = {
  init: () => ({ trials: [], lengthScale: 0.2, noise: 1e-6, fittedAt: 0 }),
  propose(state, ctx) {
    const { space, params, rng } = ctx;
    const startup = num(params, 'startupTrials');
    if (state.trials.length < startup) {
      return Array.from({ length: startup - state.trials.length }, () => randomCandidate(space, rng));
    }
    const q = num(params, 'batchSize');
    return space.kind === 'box' ? proposeBox(space, state, ctx, q) : proposeSubset(space, state, ctx, q);
  },
  ...trialHistory,
};

export const bayesianOptimisation = defineAlgorithm({
  id: 'gp-bo',
  title: 'Gaussian-process Bayesian optimisation',
  description: 'Matérn 5/2 GP with likelihood-chosen length scale and noise, log expected improvement maximised over random and local candidates.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    startupTrials: { default: 10, min: 2, max: 100_000, integer: true, doc: 'random trials before the GP (Optuna GPSampler n_startup_trials: 10)' },
    batchSize: { default: 1, min: 1, max: 1000, integer: true, doc: 'proposals per fitted model (1 = sequential, as Optuna)' },
    maxTrainingPoints: { default: 100, min: 10, max: 5000, integer: true, doc: 'GP training set cap: the best half and the most recent trials' },
    refitEvery: { default: 10, min: 1, max: 10_000, integer: true, doc: 'trials between hyperparameter searches' },
    randomCandidates: { default: 150, min: 1, max: 100_000, integer: true, doc: 'random points scored by the acquisition per proposal' },
  },
  method: method as Method<unknown>,
});
