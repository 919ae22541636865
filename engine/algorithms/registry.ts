// The algorithm registry: every algorithm by its stable id, as job specs and the CLI name them.
import { antColony } from './ant-colony.ts';
import { bayesianOptimisation } from './bayesian-optimisation.ts';
import { cmaEs } from './cma-es.ts';
import { differentialEvolution } from './differential-evolution.ts';
import { algorithmError } from './errors.ts';
import { geneticAlgorithm } from './genetic-algorithm.ts';
import { gridSearch } from './grid-search.ts';
import { hillClimbing } from './hill-climbing.ts';
import { islandModel } from './island-model.ts';
import { moead } from './moead.ts';
import { nsga2 } from './nsga2.ts';
import { particleSwarm } from './particle-swarm.ts';
import { quantumInspired } from './quantum-inspired.ts';
import { randomSearch } from './random-search.ts';
import { simulatedAnnealing } from './simulated-annealing.ts';
import { spea2 } from './spea2.ts';
import { streaming } from './streaming.ts';
import { surrogateAssisted } from './surrogate-assisted.ts';
import { tpe } from './tpe.ts';
import type { AlgorithmFactory } from './types.ts';

export const algorithms: readonly AlgorithmFactory[] = [
  randomSearch, gridSearch, hillClimbing, simulatedAnnealing, geneticAlgorithm, differentialEvolution,
  particleSwarm, antColony, cmaEs, tpe, bayesianOptimisation, nsga2, spea2, moead, surrogateAssisted,
  quantumInspired, islandModel, streaming,
];

const byId = new Map(algorithms.map((a) => [a.id, a]));

export function getAlgorithm(id: string): AlgorithmFactory {
  const found = byId.get(id);
  if (!found) throw algorithmError('STRATA_ALGORITHM_UNKNOWN', `unknown algorithm "${id}" (known: ${[...byId.keys()].join(', ')})`, { id });
  return found;
}
