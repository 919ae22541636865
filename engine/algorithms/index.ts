// The public surface of the optimisation algorithms: the ask/tell contract, the registry, the recommender,
// the seeded RNG, the Pareto tools and quality indicators, and the standard test problems.
export type {
  Algorithm, AlgorithmFactory, AlgorithmInfo, AlgorithmState, BoxSpace, Budget, Candidate, Evaluation, Scored,
  SearchSpace, SubsetCandidate, SubsetSpace, VectorCandidate,
} from './types.ts';
export { algorithms, getAlgorithm } from './registry.ts';
export { recommendAlgorithm } from './recommender.ts';
export type { ProblemProfile, Recommendation } from './recommender.ts';
export { catalogue, algorithmError } from './errors.ts';
export { Rng, seedRng } from './rng.ts';
export type { RngState } from './rng.ts';
export { compareScalar, dominates, nonDominatedSort, crowdingDistance, paretoIndices } from './dominance.ts';
export { hypervolume } from './hypervolume.ts';
export { invertedGenerationalDistance } from './igd.ts';
export { validateSpace, subsetCount } from './search-space.ts';
export { warmStartFrom } from './streaming.ts';
export { islandMethods } from './island-model.ts';
export { testProblems, sphere, rastrigin, rosenbrock, ackley, zdt1, zdt2, zdt3, zdt4, zdt6, dtlz2, simplexLattice } from './test-problems.ts';
export type { TestProblem } from './test-problems.ts';
export type { ParamSpec, ParamSpecs, ParamValue, Params } from './params.ts';
