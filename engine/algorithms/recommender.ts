// The algorithm recommender: picks an algorithm and its parameters from the problem's size, objective
// count, weights and evaluation budget, and says why, one reason per rule that fired.
import { algorithmError } from './errors.ts';
import type { ParamValue } from './params.ts';
import { subsetCount } from './search-space.ts';

export interface ProblemProfile {
  readonly nStrategies: number;
  readonly kMin: number;
  readonly kMax: number;
  readonly nObjectives: number;
  readonly budgetEvaluations: number;
  readonly weighted: boolean;
}

export interface Recommendation {
  readonly id: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly reasons: string[];
}

/** Population size that leaves at least `generations` generations in the budget, within [lo, hi]. */
function populationFor(budget: number, generations: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.floor(budget / generations)));
}

export function recommendAlgorithm(p: ProblemProfile): Recommendation {
  const { nStrategies: n, kMin, kMax, nObjectives, budgetEvaluations: budget, weighted } = p;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(kMin) && Number.isInteger(kMax) && kMin >= 1 && kMin <= kMax && kMax <= n && Number.isInteger(nObjectives) && nObjectives >= 1 && Number.isInteger(budget) && budget >= 1)) {
    throw algorithmError('STRATA_ALGORITHM_INVALID_SPACE', `cannot recommend for ${JSON.stringify(p)}: needs integers 1 <= kMin <= kMax <= nStrategies, nObjectives >= 1, budget >= 1`, { profile: p });
  }
  const size = subsetCount({ kind: 'subset', nStrategies: n, kMin, kMax, weighted, weightMin: 0, weightMax: 1, nObjectives });
  const sizeText = Number.isFinite(size) && size < 1e15 ? size.toLocaleString('en-GB') : `about 10^${Math.round(Math.log10(size)) || '>300'}`;
  const reasons: string[] = [];

  if (nObjectives >= 2) {
    const pop = populationFor(budget, 50, 20, 100);
    if (pop < 100) reasons.push(`the budget of ${budget} evaluations leaves 50 generations only with a population of ${pop} (pymoo's default is 100)`);
    if (nObjectives === 2) {
      reasons.unshift(`two objectives over ${sizeText} candidate subsets: NSGA-II's crowding distance spreads the Pareto front evenly, and it is pymoo's default for bi-objective problems`);
      if (budget >= 200_000 && n >= 200) {
        reasons.push(`a large budget (${budget}) on ${n} strategies: islands of NSGA-II evaluate in parallel batches and migration keeps diversity`);
        return { id: 'island-model', params: { island: 'nsga2', islandPopulation: pop }, reasons };
      }
      return { id: 'nsga2', params: { popSize: pop }, reasons };
    }
    reasons.unshift(`${nObjectives} objectives over ${sizeText} candidate subsets: crowding distance loses its grip beyond two, MOEA/D's weight vectors (PBI decomposition) keep the front spread`);
    return { id: 'moead', params: { popSize: pop }, reasons };
  }

  if (!weighted && size <= budget) {
    reasons.push(`the budget (${budget}) covers all ${sizeText} subsets: exhaustive search evaluates each once and is guaranteed to find the optimum`);
    return { id: 'grid-search', params: {}, reasons };
  }
  if (budget <= 150 && n <= 40) {
    reasons.push(`a very small budget (${budget}) on ${n} strategies: a Gaussian-process model (expected improvement) makes the most of each evaluation, and its cubic cost is negligible at this size`);
    return { id: 'gp-bo', params: {}, reasons };
  }
  if (budget <= 500) {
    reasons.push(`a small budget (${budget}): TPE models good and bad subsets from few trials (Optuna's default sampler) and stays cheap as trials accumulate`);
    return { id: 'tpe', params: {}, reasons };
  }
  if (weighted && n <= 50) {
    reasons.push(`weights are continuous: CMA-ES adapts a full covariance over the ${2 * n + (kMax > kMin ? 1 : 0)} random-key and weight coordinates, and IPOP restarts guard against local optima`);
    return { id: 'cma-es', params: {}, reasons };
  }
  if (weighted) {
    reasons.push(`weights are continuous and there are ${n} strategies: differential evolution scales to high-dimensional random keys where CMA-ES's covariance becomes too costly`);
    return { id: 'differential-evolution', params: {}, reasons };
  }
  if (budget >= 100_000 && n >= 200) {
    reasons.push(`a large budget (${budget}) over ${sizeText} subsets: GA islands run as independent batches on many threads or machines, and ring migration keeps them from converging together`);
    return { id: 'island-model', params: { island: 'genetic-algorithm', islandPopulation: 50 }, reasons };
  }
  if (budget <= 5000) {
    reasons.push(`a moderate budget (${budget}) over ${sizeText} subsets: a k-NN surrogate pre-screens offspring so evaluations go to the most promising`);
    return { id: 'surrogate-assisted', params: { popSize: populationFor(budget, 40, 20, 50) }, reasons };
  }
  reasons.push(`${sizeText} subsets and a budget of ${budget}: the genetic algorithm's subset crossover recombines good partial portfolios, robust without tuning`);
  return { id: 'genetic-algorithm', params: { popSize: populationFor(budget, 50, 20, 100) }, reasons };
}
