// The public surface of engine/portfolio: the problem (matrix, spec, search space), the metric definitions,
// the evaluation kernels (fused, incremental, pool, SQL push-down), the evaluators the algorithm-runner calls,
// and the planted synthetic problem with its brute-force oracle.
export { catalogue, portfolioError } from './errors.ts';
export type { PortfolioErrorCode } from './errors.ts';

// the problem
export { createPortfolioMatrix, strategyRow } from './matrix.ts';
export type { PortfolioMatrix, PortfolioMatrixInput } from './matrix.ts';
export {
  DEFAULT_FLOOR, DEFAULT_PERIODS_PER_YEAR, METRIC_COUNT, METRIC_INDEX, METRIC_NAMES, METRIC_SENSE, resolveSpec, toSubsetSpace,
} from './spec.ts';
export type { MetricName, PortfolioSpec, ResolvedSpec, WeightBounds } from './spec.ts';
export { createPortfolioProblem, FLAT_RELATIVE } from './problem.ts';
export type { PortfolioProblem, ProblemOptions } from './problem.ts';

// metric definitions (reference implementations)
export {
  calmar, correlation, cvar, downsideDeviation, expectancy, maxDrawdown, maxDrawdownPct, meanPairwiseCorrelation,
  netProfit, profitFactor, ratio, sharpe, sortino, standardDeviation, tailDays, winRate,
} from './metrics.ts';
export type { Series } from './metrics.ts';
export { computeCorrelationMatrix } from './correlation.ts';

// kernels and evaluators
export { fusedMetrics, tailLoss } from './fused-kernel.ts';
export type { KernelSettings } from './fused-kernel.ts';
export { packCandidates, unpackCandidates } from './candidate-batch.ts';
export type { CandidateBatch } from './candidate-batch.ts';
export { candidateViolation, meanCorrelationOf } from './constraints.ts';
export { createPortfolioEvaluator, kernelSettings, readEvaluations, writeEvaluation } from './evaluator.ts';
export type { PortfolioEvaluator, PortfolioMetrics } from './evaluator.ts';
export { createIncrementalEvaluator } from './incremental-evaluator.ts';
export type { IncrementalEvaluator } from './incremental-evaluator.ts';
export { createEvaluationPool } from './evaluation-pool.ts';
export type { EvaluationPool, EvaluationPoolOptions } from './evaluation-pool.ts';
export { evaluateBySql, mergePartialSums, partialSumsSql } from './sql-push-down.ts';
export type { PartialSumsOptions, PartialSumsResult, SqlEvaluationOptions, SqlParam, SqlStatement } from './sql-push-down.ts';
export { poolBatchEvaluator, sqlBatchEvaluator, threadBatchEvaluator } from './batch-evaluator.ts';
export type { BatchEvaluator } from './batch-evaluator.ts';

// synthetic problems for tests
export { createSeededRandom } from './seeded-random.ts';
export type { SeededRandom } from './seeded-random.ts';
export { bruteForceBest, createPlantedProblem } from './planted-problem.ts';
export type { BruteForceResult, PlantedOptions, PlantedProblem } from './planted-problem.ts';
