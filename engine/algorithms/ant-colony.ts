// Ant colony optimisation. On subsets: MAX-MIN ant system (Stützle & Hoos 2000): ants pick a size and then
// strategies one by one with probability proportional to pheromone; pheromone evaporates and the
// iteration-best and best-so-far ants deposit, within [tauMin, tauMax]; weights are drawn around the best
// ant's weights. In a box: ACO_R (Socha & Dorigo 2008), a solution archive sampled by Gaussian kernels.
import { compareScalar, isBetter } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { clampWeight, randomWeight } from './subset-encoding.ts';
import { randomVector } from './search-space.ts';
import type { Candidate, Evaluation, Scored, SubsetCandidate, SubsetSpace } from './types.ts';

interface SubsetState { kind: 'subset'; tau: number[]; tauSize: number[]; best: Scored | null }
interface BoxState { kind: 'box'; archive: { x: number[]; evaluation: Evaluation }[] }
type State = SubsetState | BoxState;

function tauBounds(space: SubsetSpace, rho: number): [number, number] {
  const max = 1 / rho;
  return [max / (2 * space.nStrategies), max];
}

function roulette(values: readonly number[], ctx: MethodContext): number {
  const total = values.reduce((s, v) => s + v, 0);
  let r = ctx.rng.next() * total;
  for (let i = 0; i < values.length; i++) {
    r -= values[i]!;
    if (r < 0) return i;
  }
  return values.length - 1;
}

function constructAnt(space: SubsetSpace, st: SubsetState, ctx: MethodContext): SubsetCandidate {
  const alpha = num(ctx.params, 'alpha');
  const k = space.kMin + roulette(st.tauSize, ctx);
  const weights = st.tau.map((t) => Math.pow(t, alpha));
  const chosen: number[] = [];
  for (let j = 0; j < k; j++) {
    const i = roulette(weights, ctx);
    chosen.push(i);
    weights[i] = 0;
  }
  chosen.sort((a, b) => a - b);
  if (!space.weighted) return { indices: chosen };
  const bestW = new Map((st.best?.candidate as SubsetCandidate | undefined)?.indices.map((i, p) => [i, (st.best!.candidate as SubsetCandidate).weights![p]!]) ?? []);
  const spread = 0.1 * (space.weightMax - space.weightMin);
  return {
    indices: chosen,
    weights: chosen.map((i) => (bestW.has(i) && ctx.rng.next() < 0.8 ? clampWeight(space, bestW.get(i)! + spread * ctx.rng.normal()) : randomWeight(space, ctx.rng))),
  };
}

function deposit(space: SubsetSpace, st: SubsetState, c: SubsetCandidate, amount: number): void {
  for (const i of c.indices) st.tau[i]! += amount;
  st.tauSize[c.indices.length - space.kMin]! += amount;
}

/** ACO_R kernel weights: rank-based Gaussian with width q*k. */
function kernelWeights(k: number, q: number): number[] {
  return Array.from({ length: k }, (_, l) => Math.exp(-(l * l) / (2 * q * q * k * k)) / (q * k * Math.sqrt(2 * Math.PI)));
}

const method: Method<State> = {
  init({ space, params }) {
    if (space.kind === 'box') return { kind: 'box', archive: [] };
    const [, max] = tauBounds(space, num(params, 'evaporation'));
    return { kind: 'subset', tau: new Array<number>(space.nStrategies).fill(max), tauSize: new Array<number>(space.kMax - space.kMin + 1).fill(max), best: null };
  },
  propose(state, ctx) {
    const { space, params, rng } = ctx;
    const ants = num(params, 'ants');
    if (state.kind === 'subset') return Array.from({ length: ants }, () => constructAnt(space as SubsetSpace, state, ctx));
    if (space.kind !== 'box') return [];
    const k = num(params, 'archiveSize');
    if (state.archive.length < k) return Array.from({ length: k - state.archive.length }, () => ({ x: randomVector(space, rng) }));
    const w = kernelWeights(k, num(params, 'q'));
    const xi = num(params, 'xi');
    const d = space.lower.length;
    const out: Candidate[] = [];
    for (let a = 0; a < ants; a++) {
      const l = roulette(w, ctx);
      const guide = state.archive[l]!.x;
      const x: number[] = [];
      for (let j = 0; j < d; j++) {
        let spread = 0;
        for (const e of state.archive) spread += Math.abs(e.x[j]! - guide[j]!);
        const sigma = (xi * spread) / (k - 1);
        let v = guide[j]! + sigma * rng.normal();
        if (v < space.lower[j]! || v > space.upper[j]!) v = Math.min(space.upper[j]!, Math.max(space.lower[j]!, v));
        x.push(v);
      }
      out.push({ x });
    }
    return out;
  },
  learn(state, candidates, evaluations, { space, params }) {
    if (state.kind === 'box') {
      candidates.forEach((c, i) => state.archive.push({ x: (c as { x: number[] }).x, evaluation: evaluations[i]! }));
      state.archive.sort((a, b) => compareScalar(a.evaluation, b.evaluation));
      state.archive.length = Math.min(state.archive.length, num(params, 'archiveSize'));
      return;
    }
    const sub = space as SubsetSpace;
    const rho = num(params, 'evaporation');
    const [lo, hi] = tauBounds(sub, rho);
    let it = 0;
    for (let i = 1; i < evaluations.length; i++) if (isBetter(evaluations[i]!, evaluations[it]!)) it = i;
    const iterationBest: Scored = { candidate: candidates[it]!, evaluation: evaluations[it]! };
    if (state.best === null || isBetter(iterationBest.evaluation, state.best.evaluation)) state.best = iterationBest;
    state.tau = state.tau.map((t) => t * (1 - rho));
    state.tauSize = state.tauSize.map((t) => t * (1 - rho));
    deposit(sub, state, iterationBest.candidate as SubsetCandidate, 0.5);
    deposit(sub, state, state.best.candidate as SubsetCandidate, 0.5);
    state.tau = state.tau.map((t) => Math.min(hi, Math.max(lo, t)));
    state.tauSize = state.tauSize.map((t) => Math.min(hi, Math.max(lo, t)));
  },
  emigrate(state, count) {
    if (state.kind === 'subset') return state.best ? [state.best] : [];
    return state.archive.slice(0, count).map((a) => ({ candidate: { x: a.x }, evaluation: a.evaluation }));
  },
  immigrate(state, migrants, { params }) {
    if (state.kind === 'box') {
      for (const m of migrants) state.archive.push({ x: [...(m.candidate as { x: number[] }).x], evaluation: m.evaluation });
      state.archive.sort((a, b) => compareScalar(a.evaluation, b.evaluation));
      state.archive.length = Math.min(state.archive.length, num(params, 'archiveSize'));
      return;
    }
    // A better migrant becomes the best-so-far ant, which deposits from the next generation on.
    for (const m of migrants) if (state.best === null || isBetter(m.evaluation, state.best.evaluation)) state.best = m;
  },
};

export const antColony = defineAlgorithm({
  id: 'ant-colony',
  title: 'Ant colony optimisation',
  description: 'MAX-MIN ant system over strategies and sizes on subsets; ACO_R (archive of Gaussian kernels) in a box.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    ants: { default: 20, min: 1, max: 100_000, integer: true, doc: 'ants (candidates) per generation' },
    evaporation: { default: 0.1, min: 0.001, max: 1, doc: 'subsets: pheromone evaporation rate rho (MMAS)' },
    alpha: { default: 1, min: 0, max: 10, doc: 'subsets: pheromone exponent' },
    archiveSize: { default: 50, min: 3, max: 100_000, integer: true, doc: 'box: ACO_R archive size k (Socha & Dorigo: 50)' },
    q: { default: 0.1, min: 1e-6, max: 10, doc: 'box: ACO_R locality of the kernel choice' },
    xi: { default: 0.85, min: 0.01, max: 10, doc: 'box: ACO_R spread factor (Socha & Dorigo: 0.85)' },
  },
  method: method as Method<unknown>,
});
