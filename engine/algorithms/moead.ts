// MOEA/D (Zhang & Li 2007) with pymoo's defaults: Das-Dennis weight vectors (one subproblem each), 20
// neighbours, mating within the neighbourhood with probability 0.9, Tchebycheff decomposition for two
// objectives and PBI for more, SBX (probability 1, eta 20) + polynomial mutation. The generation is the
// batch of one offspring per subproblem; the replacements are then applied in subproblem order.
import { polynomialMutation, sbx } from './box-operators.ts';
import { paretoIndices } from './dominance.ts';
import { randomCandidate } from './search-space.ts';
import { num, str } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { crossoverSubsets, mutateSubset } from './subset-encoding.ts';
import { latticeDivisions, simplexLattice } from './test-problems.ts';
import type { Candidate, Evaluation, Scored, SubsetCandidate } from './types.ts';

interface State { weights: number[][]; neighbours: number[][]; pop: Scored[]; ideal: number[]; order: number[] }

function decomposition(ctx: MethodContext): 'tchebycheff' | 'pbi' {
  const d = str(ctx.params, 'decomposition');
  if (d === 'tchebycheff' || d === 'pbi') return d;
  return ctx.space.nObjectives > 2 ? 'pbi' : 'tchebycheff';
}

/** Scalarised value of an evaluation for one weight vector; infeasible points rank after every feasible one. */
function scalarise(e: Evaluation, w: readonly number[], ideal: readonly number[], kind: 'tchebycheff' | 'pbi'): number {
  if (e.violation > 0) return 1e100 + e.violation;
  const f = e.objectives;
  const m = f.length;
  if (kind === 'tchebycheff') {
    let v = -Infinity;
    for (let i = 0; i < m; i++) v = Math.max(v, Math.max(w[i]!, 1e-6) * Math.abs(f[i]! - ideal[i]!));
    return v;
  }
  let norm2 = 0, dot = 0;
  for (let i = 0; i < m; i++) { norm2 += w[i]! * w[i]!; dot += (f[i]! - ideal[i]!) * w[i]!; }
  const norm = Math.sqrt(norm2);
  const d1 = dot / norm;
  let d2 = 0;
  for (let i = 0; i < m; i++) d2 += (f[i]! - ideal[i]! - (d1 * w[i]!) / norm) ** 2;
  return d1 + 5 * Math.sqrt(d2);
}

function offspring(state: State, i: number, ctx: MethodContext): Candidate {
  const { space, params, rng } = ctx;
  const pool = rng.next() < num(params, 'neighbourMating') ? state.neighbours[i]! : state.pop.map((_, j) => j);
  const a = state.pop[pool[rng.int(pool.length)]!]!.candidate, b = state.pop[pool[rng.int(pool.length)]!]!.candidate;
  if (space.kind === 'box') {
    const [c1, c2] = rng.next() < num(params, 'crossoverProb')
      ? sbx(space, (a as { x: number[] }).x, (b as { x: number[] }).x, num(params, 'sbxEta'), 0.5, rng)
      : [[...(a as { x: number[] }).x], [...(b as { x: number[] }).x]];
    const child = rng.next() < 0.5 ? c1 : c2;
    return { x: polynomialMutation(space, child, num(params, 'pmEta'), 1 / space.lower.length, rng) };
  }
  const child = rng.next() < num(params, 'crossoverProb') ? crossoverSubsets(space, a as SubsetCandidate, b as SubsetCandidate, rng) : (a as SubsetCandidate);
  return mutateSubset(space, child, num(params, 'subsetMutation'), rng);
}

const method: Method<State> = {
  init(ctx) {
    const m = ctx.space.nObjectives;
    const target = num(ctx.params, 'popSize');
    // One objective: every subproblem is the same, so MOEA/D degenerates to a steady-state GA of popSize.
    const weights = m === 1 ? Array.from({ length: target }, () => [1]) : simplexLattice(m, latticeDivisions(m, target));
    const t = Math.min(num(ctx.params, 'neighbours'), weights.length);
    const neighbours = weights.map((w) => weights.map((v, j) => ({ j, d: Math.hypot(...w.map((x, k) => x - v[k]!)) }))
      .sort((a, b) => a.d - b.d || a.j - b.j).slice(0, t).map((e) => e.j));
    return { weights, neighbours, pop: [], ideal: new Array<number>(m).fill(Infinity), order: [] };
  },
  propose(state, ctx) {
    if (state.pop.length < state.weights.length) return Array.from({ length: state.weights.length - state.pop.length }, () => randomCandidate(ctx.space, ctx.rng));
    state.order = ctx.rng.shuffle(state.weights.map((_, i) => i));
    return state.order.map((i) => offspring(state, i, ctx));
  },
  learn(state, candidates, evaluations, ctx) {
    const updateIdeal = (e: Evaluation): void => {
      if (e.violation <= 0) e.objectives.forEach((v, k) => { if (v < state.ideal[k]!) state.ideal[k] = v; });
    };
    if (state.pop.length < state.weights.length) {
      candidates.forEach((c, i) => { state.pop.push({ candidate: c, evaluation: evaluations[i]! }); updateIdeal(evaluations[i]!); });
      return;
    }
    const kind = decomposition(ctx);
    state.order.forEach((sub, r) => {
      const e = evaluations[r]!;
      updateIdeal(e);
      const pool = ctx.rng.next() < num(ctx.params, 'neighbourMating') ? state.neighbours[sub]! : state.pop.map((_, j) => j);
      for (const j of pool) {
        const w = state.weights[j]!;
        if (scalarise(e, w, state.ideal, kind) < scalarise(state.pop[j]!.evaluation, w, state.ideal, kind)) {
          state.pop[j] = { candidate: candidates[r]!, evaluation: e };
        }
      }
    });
  },
  emigrate(state, count) {
    const evals = state.pop.map((s) => s.evaluation);
    return paretoIndices(evals).slice(0, count).map((i) => state.pop[i]!);
  },
  immigrate(state, migrants, ctx) {
    // Before initialisation migrants seed subproblems; afterwards each replaces every subproblem it solves better.
    const kind = decomposition(ctx);
    for (const m of migrants) {
      if (state.pop.length < state.weights.length) { state.pop.push(m); }
      if (m.evaluation.violation <= 0) m.evaluation.objectives.forEach((v, k) => { if (v < state.ideal[k]!) state.ideal[k] = v; });
      state.pop.forEach((s, j) => {
        const w = state.weights[j]!;
        if (scalarise(m.evaluation, w, state.ideal, kind) < scalarise(s.evaluation, w, state.ideal, kind)) state.pop[j] = m;
      });
    }
  },
};

export const moead = defineAlgorithm({
  id: 'moead',
  title: 'MOEA/D',
  description: 'Decomposition into weighted subproblems solved together with neighbourhood mating; Tchebycheff (2 objectives) or PBI (3+).',
  multiObjective: true,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    popSize: { default: 100, min: 2, max: 100_000, integer: true, doc: 'target number of weight vectors (the largest Das-Dennis lattice not above it)' },
    neighbours: { default: 20, min: 2, max: 10_000, integer: true, doc: 'neighbourhood size T (pymoo n_neighbors: 20)' },
    neighbourMating: { default: 0.9, min: 0, max: 1, doc: 'probability of mating and replacing within the neighbourhood (pymoo: 0.9)' },
    decomposition: { default: 'auto', choices: ['auto', 'tchebycheff', 'pbi'], doc: 'auto = Tchebycheff for 2 objectives, PBI (theta 5) for more (pymoo)' },
    crossoverProb: { default: 1, min: 0, max: 1, doc: 'SBX probability (pymoo MOEA/D: 1.0)' },
    sbxEta: { default: 20, min: 1, max: 100, doc: 'SBX distribution index (pymoo MOEA/D: 20)' },
    pmEta: { default: 20, min: 1, max: 100, doc: 'polynomial mutation distribution index (pymoo: 20)' },
    subsetMutation: { default: 0.5, min: 0, max: 1, doc: 'subsets: probability of a swap/add/remove/reweight move per child' },
  },
  method: method as Method<unknown>,
});
