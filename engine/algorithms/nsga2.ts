// NSGA-II (Deb et al. 2002) as pymoo runs it: binary tournament on rank then crowding distance, SBX +
// polynomial mutation (subset crossover + swap moves on subsets), duplicate elimination, and (mu + lambda)
// survival by non-dominated rank and crowding distance, feasible points first (constrained dominance).
import { crowdingDistance, nonDominatedSort } from './dominance.ts';
import { breed, gaParams } from './genetic-algorithm.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { candidateKey, randomCandidate } from './search-space.ts';
import type { Scored } from './types.ts';

export interface RankedMember extends Scored { rank: number; crowding: number }
export interface MoState { pop: RankedMember[] }

/** Rank-and-crowding survival of `size` members out of `members`. */
export function rankAndCrowding(members: readonly Scored[], size: number): RankedMember[] {
  const evals = members.map((m) => m.evaluation);
  const fronts = nonDominatedSort(evals);
  const out: RankedMember[] = [];
  fronts.forEach((front, rank) => {
    if (out.length >= size) return;
    const cd = crowdingDistance(evals, front);
    const ranked = front.map((i, p) => ({ ...members[i]!, rank, crowding: cd[p]! }));
    if (out.length + ranked.length <= size) out.push(...ranked);
    else {
      ranked.sort((a, b) => b.crowding - a.crowding);
      out.push(...ranked.slice(0, size - out.length));
    }
  });
  return out;
}

export function crowdedTournament(pop: readonly RankedMember[], ctx: MethodContext): RankedMember {
  const a = pop[ctx.rng.int(pop.length)]!, b = pop[ctx.rng.int(pop.length)]!;
  if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
  if (a.crowding !== b.crowding) return a.crowding > b.crowding ? a : b;
  return ctx.rng.next() < 0.5 ? a : b;
}

export function immigrateRanked(state: MoState, migrants: readonly Scored[], size: number): void {
  const keys = new Set(state.pop.map((s) => candidateKey(s.candidate)));
  const fresh = migrants.filter((m) => !keys.has(candidateKey(m.candidate)));
  state.pop = rankAndCrowding([...state.pop, ...fresh], size);
}

const method: Method<MoState> = {
  init: () => ({ pop: [] }),
  propose(state, ctx) {
    const size = num(ctx.params, 'popSize');
    if (state.pop.length < size) return Array.from({ length: size - state.pop.length }, () => randomCandidate(ctx.space, ctx.rng));
    return breed(state.pop, num(ctx.params, 'offspring') || size, ctx, () => crowdedTournament(state.pop, ctx));
  },
  learn(state, candidates, evaluations, ctx) {
    const merged = [...state.pop, ...candidates.map((c, i) => ({ candidate: c, evaluation: evaluations[i]! }))];
    state.pop = rankAndCrowding(merged, num(ctx.params, 'popSize'));
  },
  immigrate: (state, migrants, ctx) => immigrateRanked(state, migrants, num(ctx.params, 'popSize')),
  emigrate: (state, count) => [...state.pop].sort((a, b) => a.rank - b.rank || b.crowding - a.crowding).slice(0, count),
};

export const nsga2 = defineAlgorithm({
  id: 'nsga2',
  title: 'NSGA-II',
  description: 'Non-dominated sorting genetic algorithm II: rank and crowding-distance survival; pymoo defaults.',
  multiObjective: true,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: gaParams,
  method: method as Method<unknown>,
});
