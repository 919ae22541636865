// Island model: several copies of one population method evolve side by side, each with its own RNG
// stream and its own plain-data state, in lockstep generations; every migrationInterval generations the
// best `migrants` of each island replace the worst of the next island on a ring. A generation is the
// concatenation of the islands' generations, so the islands' asks and tells are separable plain data: a
// runner may ship island i's slice to any thread or machine, and the result is the same wherever it ran.
import { antColony } from './ant-colony.ts';
import { bayesianOptimisation } from './bayesian-optimisation.ts';
import { differentialEvolution } from './differential-evolution.ts';
import { algorithmError } from './errors.ts';
import { geneticAlgorithm } from './genetic-algorithm.ts';
import { hillClimbing } from './hill-climbing.ts';
import { moead } from './moead.ts';
import { nsga2 } from './nsga2.ts';
import { particleSwarm } from './particle-swarm.ts';
import { quantumInspired } from './quantum-inspired.ts';
import { simulatedAnnealing } from './simulated-annealing.ts';
import { spea2 } from './spea2.ts';
import { surrogateAssisted } from './surrogate-assisted.ts';
import { tpe } from './tpe.ts';
import { num, resolveParams, str } from './params.ts';
import type { ParamValue } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { AlgorithmDefinition, Method, MethodContext } from './method.ts';
import { Rng, seedRng } from './rng.ts';
import type { RngState } from './rng.ts';
import type { SearchSpace } from './types.ts';

/** Methods that send and take migrants, and the parameter islandPopulation sets (null: none). Left out:
 *  random and grid search (they learn nothing from migrants) and CMA-ES (a migrant has no place in a
 *  sampling distribution without biasing it). */
export const islandMethods: Readonly<Record<string, { definition: AlgorithmDefinition; sizeParam: string | null }>> = {
  'genetic-algorithm': { definition: geneticAlgorithm.definition, sizeParam: 'popSize' },
  'differential-evolution': { definition: differentialEvolution.definition, sizeParam: 'popSize' },
  'particle-swarm': { definition: particleSwarm.definition, sizeParam: 'swarmSize' },
  nsga2: { definition: nsga2.definition, sizeParam: 'popSize' },
  spea2: { definition: spea2.definition, sizeParam: 'popSize' },
  moead: { definition: moead.definition, sizeParam: 'popSize' },
  'surrogate-assisted': { definition: surrogateAssisted.definition, sizeParam: 'popSize' },
  'quantum-inspired': { definition: quantumInspired.definition, sizeParam: 'popSize' },
  'hill-climbing': { definition: hillClimbing.definition, sizeParam: 'neighbours' },
  'simulated-annealing': { definition: simulatedAnnealing.definition, sizeParam: 'chains' },
  'ant-colony': { definition: antColony.definition, sizeParam: 'ants' },
  tpe: { definition: tpe.definition, sizeParam: null },
  'gp-bo': { definition: bayesianOptimisation.definition, sizeParam: null },
};

/** Resolves the inner method's parameters, its population from `population`. */
export function innerParams(inner: string, population: number): Record<string, ParamValue> {
  const entry = islandMethods[inner]!;
  return resolveParams(inner, entry.definition.params, entry.sizeParam ? { [entry.sizeParam]: population } : {});
}

/** The inner method must search this kind of space. */
export function checkInnerSpace(algorithm: string, inner: string, space: SearchSpace): void {
  if (!islandMethods[inner]!.definition.spaces.includes(space.kind)) {
    throw algorithmError('STRATA_ALGORITHM_UNSUPPORTED_SPACE', `${algorithm}: ${inner} does not search ${space.kind} spaces`, { algorithm, inner, kind: space.kind });
  }
}

/** 'auto': DE in a box, the GA on subsets, NSGA-II for several objectives. */
export function resolveInner(choice: string, space: SearchSpace): string {
  if (choice !== 'auto') return choice;
  if (space.nObjectives > 1) return 'nsga2';
  return space.kind === 'box' ? 'differential-evolution' : 'genetic-algorithm';
}

interface Island { rng: RngState; state: unknown }
interface State { inner: string; innerParams: Record<string, ParamValue>; islands: Island[]; sizes: number[]; generation: number }

function islandContext(st: State, island: Island, ctx: MethodContext): MethodContext {
  const k = st.islands.length;
  return {
    space: ctx.space, params: st.innerParams, rng: new Rng(island.rng),
    maxEvaluations: Math.max(1, Math.floor(ctx.maxEvaluations / k)), evaluations: Math.floor(ctx.evaluations / k),
  };
}

const method: Method<State> = {
  init(ctx) {
    const inner = resolveInner(str(ctx.params, 'island'), ctx.space);
    const entry = islandMethods[inner]!;
    const base = ctx.rng.nextUint32();
    const st: State = { inner, innerParams: innerParams(inner, num(ctx.params, 'islandPopulation')), islands: [], sizes: [], generation: 0 };
    for (let i = 0; i < num(ctx.params, 'islands'); i++) {
      const island: Island = { rng: seedRng(base, i + 1), state: null };
      island.state = entry.definition.method.init(islandContext(st, island, ctx), []);
      st.islands.push(island);
    }
    return st;
  },
  propose(st, ctx) {
    const m = islandMethods[st.inner]!.definition.method;
    const parts = st.islands.map((island) => m.propose(island.state, islandContext(st, island, ctx)));
    st.sizes = parts.map((p) => p.length);
    return parts.flat();
  },
  learn(st, candidates, evaluations, ctx) {
    const m = islandMethods[st.inner]!.definition.method;
    let offset = 0;
    st.islands.forEach((island, i) => {
      const n = st.sizes[i]!;
      m.learn(island.state, candidates.slice(offset, offset + n), evaluations.slice(offset, offset + n), islandContext(st, island, ctx));
      offset += n;
    });
    st.generation++;
    if (st.islands.length > 1 && st.generation % num(ctx.params, 'migrationInterval') === 0) {
      const count = num(ctx.params, 'migrants');
      const outgoing = st.islands.map((island) => m.emigrate!(island.state, count, islandContext(st, island, ctx)));
      st.islands.forEach((island, i) => {
        const from = outgoing[(i + st.islands.length - 1) % st.islands.length]!;
        m.immigrate!(island.state, from, islandContext(st, island, ctx));
      });
    }
  },
};

export const islandModel = defineAlgorithm({
  id: 'island-model',
  title: 'Island model',
  description: 'Islands of any migrating method (GA, DE, PSO, NSGA-II, SPEA2, MOEA/D, surrogate-assisted, QEA, hill climbing, annealing, ACO, TPE, GP-BO) in lockstep with ring migration; each island is separable plain data.',
  multiObjective: true,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    island: { default: 'auto', choices: ['auto', ...Object.keys(islandMethods)], doc: 'method on every island; auto = DE (box), GA (subsets), NSGA-II (several objectives)' },
    islands: { default: 4, min: 1, max: 1024, integer: true, doc: 'number of islands' },
    islandPopulation: { default: 25, min: 4, max: 100_000, integer: true, doc: 'population of each island (neighbours, chains or ants for the trajectory methods; unused by TPE and GP-BO)' },
    migrationInterval: { default: 10, min: 1, max: 100_000, integer: true, doc: 'generations between migrations (M)' },
    migrants: { default: 2, min: 1, max: 1000, integer: true, doc: 'best members sent to the next island on the ring' },
  },
  checkSpace: (space, params) => checkInnerSpace('island-model', resolveInner(str(params, 'island'), space), space),
  method: method as Method<unknown>,
});
