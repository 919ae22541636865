// The single-thread evaluator: turns SubsetCandidates into the algorithms' Evaluations (objectives chosen by
// the spec, negated where the user maximises, plus the summed constraint violation) with the fused kernel.
// The pool workers and the SQL path reuse its pieces, so every path produces the same numbers.
import type { Evaluation, SubsetCandidate } from '../algorithms/types.ts';
import { packCandidates } from './candidate-batch.ts';
import type { CandidateBatch } from './candidate-batch.ts';
import { candidateViolation, meanCorrelationOf } from './constraints.ts';
import { fusedMetrics } from './fused-kernel.ts';
import type { KernelSettings } from './fused-kernel.ts';
import { meanPairwiseCorrelation } from './metrics.ts';
import type { PortfolioProblem } from './problem.ts';
import { METRIC_COUNT, METRIC_INDEX, METRIC_NAMES, resolveSpec } from './spec.ts';
import type { MetricName, ResolvedSpec } from './spec.ts';

export type PortfolioMetrics = Readonly<Record<MetricName, number>>;

export interface PortfolioEvaluator {
  readonly problem: PortfolioProblem;
  readonly spec: ResolvedSpec;
  readonly nObjectives: number;
  evaluate(candidates: readonly SubsetCandidate[]): Evaluation[];
  /** out[c * (nObjectives + 1) + i]: objective i of candidate c, then its violation. */
  evaluatePacked(batch: CandidateBatch, out: Float64Array): void;
  /** Like evaluatePacked for candidates [from, to) of a batch whose daily series are already summed (SQL
   *  push-down, incremental): series[(c − from) * windowDays + d]. out starts at candidate `from`. */
  evaluateSeries(batch: CandidateBatch, from: number, to: number, series: Float64Array, out: Float64Array): void;
  /** Every metric of one candidate, named (correlation computed from the rows when the problem has no matrix). */
  metrics(candidate: SubsetCandidate): PortfolioMetrics;
}

const CORR = METRIC_INDEX.correlation;

export function kernelSettings(spec: ResolvedSpec, problem: PortfolioProblem): KernelSettings {
  return { capital: spec.capital, floor: spec.floor, periodsPerYear: spec.periodsPerYear, needsTail: spec.needsTail, flatTolerance: problem.flatTolerance };
}

/** Objectives and violation of one candidate from its metric vector (m[mAt …]) into out[oAt …]. */
export function writeEvaluation(
  spec: ResolvedSpec, m: Float64Array, mAt: number, violation: number, out: Float64Array, oAt: number,
): void {
  const n = spec.objectiveIndex.length;
  for (let i = 0; i < n; i++) out[oAt + i] = spec.objectiveSign[i]! * m[mAt + spec.objectiveIndex[i]!]!;
  out[oAt + n] = violation;
}

export function readEvaluations(out: Float64Array, count: number, nObjectives: number): Evaluation[] {
  const stride = nObjectives + 1;
  const evaluations: Evaluation[] = new Array<Evaluation>(count);
  for (let c = 0; c < count; c++) {
    const at = c * stride;
    evaluations[c] = { objectives: Array.from(out.subarray(at, at + nObjectives)), violation: out[at + nObjectives]! };
  }
  return evaluations;
}

export function createPortfolioEvaluator(problem: PortfolioProblem): PortfolioEvaluator {
  const { matrix, dayStart, dayEnd, correlation } = problem;
  const spec = resolveSpec(problem.spec, matrix.nStrategies);
  const settings = kernelSettings(spec, problem);
  const nObjectives = spec.objectives.length;
  const nDays = matrix.nDays;
  const scratch = new Float64Array(dayEnd - dayStart);
  const metricBuf = new Float64Array(METRIC_COUNT);
  let offsets = new Int32Array(16);
  let weightBuf = new Float64Array(16);

  /** Metric vector of candidate c of a batch into metricBuf. */
  function metricsOf(batch: CandidateBatch, c: number): void {
    const from = batch.starts[c]!;
    const to = batch.starts[c + 1]!;
    const k = to - from;
    if (offsets.length < k) {
      offsets = new Int32Array(k);
      weightBuf = new Float64Array(k);
    }
    let trades = 0;
    for (let j = 0; j < k; j++) {
      const s = batch.indices[from + j]!;
      offsets[j] = s * nDays;
      trades += matrix.trades[s]!;
      if (batch.weights) weightBuf[j] = batch.weights[from + j]!;
    }
    fusedMetrics(matrix.pnl, offsets, batch.weights ? weightBuf : null, k, dayStart, dayEnd, trades, settings, scratch, metricBuf, 0);
    if (correlation !== null) metricBuf[CORR] = meanCorrelationOf(batch.indices, from, to, correlation, matrix.nStrategies);
  }

  function evaluatePacked(batch: CandidateBatch, out: Float64Array): void {
    const stride = nObjectives + 1;
    for (let c = 0; c < batch.count; c++) {
      metricsOf(batch, c);
      const from = batch.starts[c]!;
      const to = batch.starts[c + 1]!;
      const v = candidateViolation(spec, batch.indices, batch.weights, from, to, matrix.trades, correlation, matrix.nStrategies);
      writeEvaluation(spec, metricBuf, 0, v, out, c * stride);
    }
  }

  const seriesOffset = new Int32Array(1);
  function evaluateSeries(batch: CandidateBatch, from: number, to: number, series: Float64Array, out: Float64Array): void {
    const stride = nObjectives + 1;
    const nWindow = dayEnd - dayStart;
    for (let c = from; c < to; c++) {
      const a = batch.starts[c]!;
      const b = batch.starts[c + 1]!;
      let trades = 0;
      for (let j = a; j < b; j++) trades += matrix.trades[batch.indices[j]!]!;
      seriesOffset[0] = (c - from) * nWindow;
      fusedMetrics(series, seriesOffset, null, 1, 0, nWindow, trades, settings, scratch, metricBuf, 0);
      if (correlation !== null) metricBuf[CORR] = meanCorrelationOf(batch.indices, a, b, correlation, matrix.nStrategies);
      const v = candidateViolation(spec, batch.indices, batch.weights, a, b, matrix.trades, correlation, matrix.nStrategies);
      writeEvaluation(spec, metricBuf, 0, v, out, (c - from) * stride);
    }
  }

  return {
    problem,
    spec,
    nObjectives,
    evaluatePacked,
    evaluateSeries,
    evaluate(candidates) {
      const batch = packCandidates(candidates, matrix.nStrategies, spec.weighted);
      const out = new Float64Array(batch.count * (nObjectives + 1));
      evaluatePacked(batch, out);
      return readEvaluations(out, batch.count, nObjectives);
    },
    metrics(candidate) {
      const batch = packCandidates([candidate], matrix.nStrategies, spec.weighted);
      metricsOf(batch, 0);
      if (correlation === null) {
        metricBuf[CORR] = meanPairwiseCorrelation(candidate.indices.map((s) => matrix.pnl.subarray(s * nDays + dayStart, s * nDays + dayEnd)));
      }
      return Object.fromEntries(METRIC_NAMES.map((name, i) => [name, metricBuf[i]!])) as Record<MetricName, number>;
    },
  };
}
