// Genetic algorithm, as pymoo's GA: binary tournament selection, SBX crossover and polynomial mutation on
// vectors (subset crossover and swap/add/remove mutation on subsets), duplicate elimination and elitist
// (mu + lambda) survival of the fittest, feasible first.
import { polynomialMutation, sbx } from './box-operators.ts';
import { compareScalar } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { crossoverSubsets, mutateSubset } from './subset-encoding.ts';
import { candidateKey, randomCandidate } from './search-space.ts';
import type { Candidate, Scored, SubsetCandidate } from './types.ts';

export interface PopulationState { pop: Scored[] }

export function binaryTournament(pop: readonly Scored[], ctx: MethodContext): Scored {
  const a = pop[ctx.rng.int(pop.length)]!, b = pop[ctx.rng.int(pop.length)]!;
  return compareScalar(a.evaluation, b.evaluation) <= 0 ? a : b;
}

/** Offspring of two parents by the space's crossover and mutation (pymoo defaults on vectors). */
export function mate(a: Candidate, b: Candidate, ctx: MethodContext): Candidate[] {
  const { space, params, rng } = ctx;
  if (space.kind === 'box') {
    const x1 = (a as { x: number[] }).x, x2 = (b as { x: number[] }).x;
    const [c1, c2] = rng.next() < num(params, 'crossoverProb') ? sbx(space, x1, x2, num(params, 'sbxEta'), 0.5, rng) : [[...x1], [...x2]];
    const pm = 1 / space.lower.length;
    return [{ x: polynomialMutation(space, c1, num(params, 'pmEta'), pm, rng) }, { x: polynomialMutation(space, c2, num(params, 'pmEta'), pm, rng) }];
  }
  const child = rng.next() < num(params, 'crossoverProb') ? crossoverSubsets(space, a as SubsetCandidate, b as SubsetCandidate, rng) : (a as SubsetCandidate);
  return [mutateSubset(space, child, num(params, 'subsetMutation'), rng)];
}

/** n distinct offspring not already in the population (pymoo eliminates duplicates, retrying a bounded number of times). */
export function breed(pop: readonly Scored[], n: number, ctx: MethodContext, select: () => Scored = () => binaryTournament(pop, ctx)): Candidate[] {
  const seen = new Set(pop.map((s) => candidateKey(s.candidate)));
  const out: Candidate[] = [];
  for (let tries = 0; out.length < n && tries < 100 * n; tries++) {
    for (const c of mate(select().candidate, select().candidate, ctx)) {
      const key = candidateKey(c);
      if (out.length >= n || seen.has(key)) continue;
      seen.add(key);
      out.push(c);
    }
  }
  while (out.length < n) out.push(randomCandidate(ctx.space, ctx.rng)); // a converged population: inject fresh points
  return out;
}

export function sortByFitness(pop: Scored[]): Scored[] {
  return pop.sort((a, b) => compareScalar(a.evaluation, b.evaluation));
}

/** Migrants replace the worst members (or seed a population that has not been evaluated yet). */
export function immigrateByFitness(state: PopulationState, migrants: readonly Scored[], size: number): void {
  const keys = new Set(state.pop.map((s) => candidateKey(s.candidate)));
  const fresh = migrants.filter((m) => !keys.has(candidateKey(m.candidate)));
  sortByFitness(state.pop);
  state.pop = sortByFitness([...state.pop.slice(0, Math.max(0, Math.min(state.pop.length, size - fresh.length))), ...fresh]).slice(0, size);
}

const method: Method<PopulationState> = {
  init: () => ({ pop: [] }),
  propose(state, ctx) {
    const size = num(ctx.params, 'popSize');
    if (state.pop.length < size) return Array.from({ length: size - state.pop.length }, () => randomCandidate(ctx.space, ctx.rng));
    return breed(state.pop, num(ctx.params, 'offspring') || size, ctx);
  },
  learn(state, candidates, evaluations, ctx) {
    const merged = [...state.pop, ...candidates.map((c, i) => ({ candidate: c, evaluation: evaluations[i]! }))];
    state.pop = sortByFitness(merged).slice(0, num(ctx.params, 'popSize'));
  },
  immigrate: (state, migrants, ctx) => immigrateByFitness(state, migrants, num(ctx.params, 'popSize')),
  emigrate: (state, count) => sortByFitness([...state.pop]).slice(0, count),
};

export const gaParams = {
  popSize: { default: 100, min: 2, max: 100_000, integer: true, doc: 'population size (pymoo GA: 100)' },
  offspring: { default: 0, min: 0, max: 100_000, integer: true, doc: 'offspring per generation; 0 = popSize (pymoo)' },
  crossoverProb: { default: 0.9, min: 0, max: 1, doc: 'crossover probability (pymoo SBX: 0.9)' },
  sbxEta: { default: 15, min: 1, max: 100, doc: 'SBX distribution index (pymoo: 15)' },
  pmEta: { default: 20, min: 1, max: 100, doc: 'polynomial mutation distribution index (pymoo: 20); per-variable probability 1/n' },
  subsetMutation: { default: 0.5, min: 0, max: 1, doc: 'subsets: probability of a swap/add/remove/reweight move per child' },
} as const;

export const geneticAlgorithm = defineAlgorithm({
  id: 'genetic-algorithm',
  title: 'Genetic algorithm',
  description: 'pymoo GA: tournament selection, SBX + polynomial mutation (subset crossover + swap moves on subsets), elitist survival.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: gaParams,
  method: method as Method<unknown>,
});
