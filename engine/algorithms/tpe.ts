// Tree-structured Parzen estimator (Bergstra et al. 2011) with Optuna's defaults: 10 random startup
// trials, gamma(n) = min(ceil(0.1 n), 25) good trials, 24 candidates drawn from l(x) and scored by
// log l(x) - log g(x), independent (univariate) estimators per dimension. On subsets every strategy is a
// categorical include/exclude variable and the size is a categorical over kMin..kMax; candidates are drawn
// from the good trials' inclusion rates and scored by the same likelihood ratio.
import { trialHistory, type Trial } from './trial-history.ts';
import { compareScalar } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { buildParzen, logDensity, observationWeights, sampleParzen } from './parzen-estimator.ts';
import type { Parzen } from './parzen-estimator.ts';
import { randomSubset } from './subset-encoding.ts';
import { candidateKey, randomCandidate } from './search-space.ts';
import type { BoxSpace, Candidate, Evaluation, SubsetCandidate, SubsetSpace } from './types.ts';

interface State { trials: Trial[] }

const seenSets = new WeakMap<Trial[], { size: number; keys: Set<string> }>();

function seenKeys(trials: Trial[]): Set<string> {
  let entry = seenSets.get(trials);
  if (!entry) { entry = { size: 0, keys: new Set() }; seenSets.set(trials, entry); }
  for (; entry.size < trials.length; entry.size++) entry.keys.add(candidateKey(trials[entry.size]!.candidate));
  return entry.keys;
}

/** Good and bad trials in chronological order, each with Optuna's observation weights. */
export function splitTrials<T extends { evaluation: Evaluation }>(trials: readonly T[], gammaFraction: number, gammaMax: number): { below: T[]; above: T[] } {
  const n = trials.length;
  const nBelow = Math.max(1, Math.min(Math.ceil(gammaFraction * n), gammaMax));
  const ranked = trials.map((_, i) => i).sort((a, b) => compareScalar(trials[a]!.evaluation, trials[b]!.evaluation) || a - b);
  const isBelow = new Set(ranked.slice(0, nBelow));
  return { below: trials.filter((_, i) => isBelow.has(i)), above: trials.filter((_, i) => !isBelow.has(i)) };
}

function proposeBox(space: BoxSpace, state: State, ctx: MethodContext): Candidate {
  const { params, rng } = ctx;
  const { below, above } = splitTrials(state.trials, num(params, 'gammaFraction'), num(params, 'gammaMax'));
  const d = space.lower.length;
  const norm = (t: Trial, j: number): number => ((t.candidate as { x: number[] }).x[j]! - space.lower[j]!) / (space.upper[j]! - space.lower[j]!);
  const wb = observationWeights(below.length), wa = observationWeights(above.length);
  const prior = num(params, 'priorWeight');
  const ls: Parzen[] = [], gs: Parzen[] = [];
  for (let j = 0; j < d; j++) {
    ls.push(buildParzen(below.map((t) => norm(t, j)), wb, prior));
    gs.push(buildParzen(above.map((t) => norm(t, j)), wa, prior));
  }
  let best: number[] = [], bestScore = -Infinity;
  for (let c = 0; c < num(params, 'eiCandidates'); c++) {
    const u = ls.map((l) => sampleParzen(l, rng));
    const score = u.reduce((s, v, j) => s + logDensity(ls[j]!, v) - logDensity(gs[j]!, v), 0);
    if (score > bestScore) { bestScore = score; best = u; }
  }
  return { x: best.map((v, j) => space.lower[j]! + v * (space.upper[j]! - space.lower[j]!)) };
}

interface Categorical { include: number[]; sizes: number[] }

function categorical(space: SubsetSpace, trials: readonly Trial[], prior: number): Categorical {
  const w = observationWeights(trials.length);
  const total = w.reduce((s, v) => s + v, 0) + prior;
  const midK = (space.kMin + space.kMax) / 2;
  const include = new Array<number>(space.nStrategies).fill((prior * midK) / space.nStrategies);
  const sizes = new Array<number>(space.kMax - space.kMin + 1).fill(prior / (space.kMax - space.kMin + 1));
  trials.forEach((t, i) => {
    const c = t.candidate as SubsetCandidate;
    for (const j of c.indices) include[j]! += w[i]!;
    sizes[c.indices.length - space.kMin]! += w[i]!;
  });
  return { include: include.map((v) => Math.min(1 - 1e-9, v / total)), sizes: sizes.map((v) => v / total) };
}

function weightParzen(space: SubsetSpace, trials: readonly Trial[], index: number, prior: number): Parzen | null {
  const range = space.weightMax - space.weightMin;
  const values: number[] = [];
  for (const t of trials) {
    const c = t.candidate as SubsetCandidate;
    const p = c.indices.indexOf(index);
    if (p >= 0 && range > 0) values.push((c.weights![p]! - space.weightMin) / range);
  }
  return values.length > 0 ? buildParzen(values, observationWeights(values.length), prior) : null;
}

function proposeSubset(space: SubsetSpace, state: State, ctx: MethodContext): Candidate {
  const { params, rng } = ctx;
  const { below, above } = splitTrials(state.trials, num(params, 'gammaFraction'), num(params, 'gammaMax'));
  const prior = num(params, 'priorWeight');
  const l = categorical(space, below, prior), g = categorical(space, above, prior);
  const seen = seenKeys(state.trials);
  const ratioIn = l.include.map((p, i) => Math.log(p / g.include[i]!));
  const ratioOut = l.include.map((p, i) => Math.log((1 - p) / (1 - g.include[i]!)));
  let best: SubsetCandidate | null = null, bestScore = -Infinity, bestSeen = true;
  for (let c = 0; c < num(params, 'eiCandidates'); c++) {
    let r = rng.next(), s = 0;
    for (; s < l.sizes.length - 1; s++) { r -= l.sizes[s]!; if (r < 0) break; }
    const k = space.kMin + s;
    const pool = [...l.include];
    const indices: number[] = [];
    for (let j = 0; j < k; j++) {
      const total = pool.reduce((a, v) => a + v, 0);
      let x = rng.next() * total, i = 0;
      for (; i < pool.length - 1; i++) { x -= pool[i]!; if (x < 0 && pool[i]! > 0) break; }
      while (pool[i] === 0) i = (i + 1) % pool.length;
      indices.push(i);
      pool[i] = 0;
    }
    indices.sort((a, b) => a - b);
    const member = new Set(indices);
    let score = Math.log(l.sizes[s]! / g.sizes[s]!);
    for (let i = 0; i < space.nStrategies; i++) score += member.has(i) ? ratioIn[i]! : ratioOut[i]!;
    let cand: SubsetCandidate = { indices };
    if (space.weighted) {
      const weights = indices.map((i) => {
        const lw = weightParzen(space, below, i, prior);
        const u = lw ? sampleParzen(lw, rng) : rng.next();
        const gw = weightParzen(space, above, i, prior);
        if (lw && gw) score += logDensity(lw, u) - logDensity(gw, u);
        return space.weightMin + u * (space.weightMax - space.weightMin);
      });
      cand = { indices, weights };
    }
    const isSeen = seen.has(candidateKey(cand));
    // An unseen candidate beats any seen one: re-evaluating a known subset teaches nothing.
    if ((bestSeen && !isSeen) || (isSeen === bestSeen && score > bestScore)) { best = cand; bestScore = score; bestSeen = isSeen; }
  }
  return best ?? randomSubset(space, rng);
}

const method: Method<State> = {
  init: () => ({ trials: [] }),
  propose(state, ctx) {
    const { space, params, rng } = ctx;
    const startup = num(params, 'startupTrials');
    if (state.trials.length < startup) {
      return Array.from({ length: startup - state.trials.length }, () => randomCandidate(space, rng));
    }
    const out: Candidate[] = [];
    for (let b = 0; b < num(params, 'batchSize'); b++) out.push(space.kind === 'box' ? proposeBox(space, state, ctx) : proposeSubset(space, state, ctx));
    return out;
  },
  ...trialHistory,
};

export const tpe = defineAlgorithm({
  id: 'tpe',
  title: 'Tree-structured Parzen estimator',
  description: 'Optuna-style TPE: Parzen estimators of good and bad trials, 24 candidates per proposal scored by l/g; categorical inclusion variables on subsets.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    startupTrials: { default: 10, min: 1, max: 100_000, integer: true, doc: 'random trials before modelling (Optuna n_startup_trials: 10)' },
    eiCandidates: { default: 24, min: 1, max: 10_000, integer: true, doc: 'candidates scored per proposal (Optuna n_ei_candidates: 24)' },
    gammaFraction: { default: 0.1, min: 0.01, max: 0.5, doc: 'fraction of trials counted as good (Optuna gamma: ceil(0.1 n))' },
    gammaMax: { default: 25, min: 1, max: 100_000, integer: true, doc: 'cap on good trials (Optuna: 25)' },
    priorWeight: { default: 1, min: 0, max: 100, doc: 'weight of the prior kernel (Optuna prior_weight: 1.0)' },
    batchSize: { default: 1, min: 1, max: 10_000, integer: true, doc: 'proposals per generation from the same model (Optuna: 1, sequential)' },
  },
  method: method as Method<unknown>,
});
