// Incremental evaluation for algorithms that move one strategy at a time: the current portfolio's daily series
// is kept, and a swap costs two row passes (subtract one strategy, add another) plus the metrics pass instead
// of k row passes. The series is rebuilt from scratch every REBUILD_EVERY commits so rounding cannot drift.
import type { Evaluation, SubsetCandidate } from '../algorithms/types.ts';
import { packCandidates } from './candidate-batch.ts';
import { candidateViolation, meanCorrelationOf } from './constraints.ts';
import { portfolioError } from './errors.ts';
import { kernelSettings, writeEvaluation } from './evaluator.ts';
import { fusedMetrics } from './fused-kernel.ts';
import type { PortfolioProblem } from './problem.ts';
import { METRIC_COUNT, METRIC_INDEX, resolveSpec } from './spec.ts';

export interface IncrementalEvaluator {
  /** Makes `candidate` the current portfolio and evaluates it. */
  load(candidate: SubsetCandidate): Evaluation;
  /** Evaluates the current portfolio with `remove` replaced by `add` (at `weight` in a weighted problem),
   *  without changing the current portfolio. */
  trySwap(remove: number, add: number, weight?: number): Evaluation;
  /** Makes the last trySwap the current portfolio. */
  commit(): void;
  current(): SubsetCandidate;
}

const REBUILD_EVERY = 64;
const ONE_ROW = new Int32Array(1);

export function createIncrementalEvaluator(problem: PortfolioProblem): IncrementalEvaluator {
  const { matrix, dayStart, dayEnd, correlation } = problem;
  const spec = resolveSpec(problem.spec, matrix.nStrategies);
  const settings = kernelSettings(spec, problem);
  const n = dayEnd - dayStart;
  const nDays = matrix.nDays;
  const nObjectives = spec.objectives.length;
  let series = new Float64Array(n);
  let trial = new Float64Array(n);
  const scratch = new Float64Array(n);
  const metrics = new Float64Array(METRIC_COUNT);
  const out = new Float64Array(nObjectives + 1);
  let indices: number[] = [];
  let weights: number[] = [];
  let pending: { indices: number[]; weights: number[] } | null = null;
  let commits = 0;

  function rebuild(): void {
    series.fill(0);
    // the same order as the fused kernel's day sums: rows ascending, weight times value
    for (let j = 0; j < indices.length; j++) {
      const row = indices[j]! * nDays + dayStart;
      const w = weights[j]!;
      if (spec.weighted) for (let d = 0; d < n; d++) series[d] = series[d]! + w * matrix.pnl[row + d]!;
      else for (let d = 0; d < n; d++) series[d] = series[d]! + matrix.pnl[row + d]!;
    }
  }

  function evaluateSeries(buf: Float64Array, idx: readonly number[], w: readonly number[]): Evaluation {
    let trades = 0;
    for (const s of idx) trades += matrix.trades[s]!;
    fusedMetrics(buf, ONE_ROW, null, 1, 0, n, trades, settings, scratch, metrics, 0);
    const packed = Int32Array.from(idx);
    const packedW = spec.weighted ? Float64Array.from(w) : null;
    if (correlation !== null) metrics[METRIC_INDEX.correlation] = meanCorrelationOf(packed, 0, packed.length, correlation, matrix.nStrategies);
    const v = candidateViolation(spec, packed, packedW, 0, packed.length, matrix.trades, correlation, matrix.nStrategies);
    writeEvaluation(spec, metrics, 0, v, out, 0);
    return { objectives: Array.from(out.subarray(0, nObjectives)), violation: out[nObjectives]! };
  }

  return {
    load(candidate) {
      const batch = packCandidates([candidate], matrix.nStrategies, spec.weighted);
      indices = Array.from(batch.indices);
      weights = batch.weights ? Array.from(batch.weights) : indices.map(() => 1);
      pending = null;
      commits = 0;
      rebuild();
      return evaluateSeries(series, indices, weights);
    },
    trySwap(remove, add, weight) {
      const at = indices.indexOf(remove);
      if (at < 0) {
        throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', `cannot swap out strategy ${remove}: it is not in the current portfolio ${JSON.stringify(indices)}`, { remove, indices: [...indices] });
      }
      if (!Number.isInteger(add) || add < 0 || add >= matrix.nStrategies || (add !== remove && indices.includes(add))) {
        throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', `cannot swap in strategy ${add}: outside 0..${matrix.nStrategies - 1} or already in ${JSON.stringify(indices)}`, { add, indices: [...indices] });
      }
      const wOut = weights[at]!;
      const wIn = spec.weighted ? (weight ?? wOut) : 1;
      if (!Number.isFinite(wIn)) throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', `swap weight must be finite, got ${String(weight)}`, { weight: String(weight) });
      const rowOut = remove * nDays + dayStart;
      const rowIn = add * nDays + dayStart;
      const pnl = matrix.pnl;
      if (spec.weighted) for (let d = 0; d < n; d++) trial[d] = series[d]! - wOut * pnl[rowOut + d]! + wIn * pnl[rowIn + d]!;
      else for (let d = 0; d < n; d++) trial[d] = series[d]! - pnl[rowOut + d]! + pnl[rowIn + d]!;
      const pairs = indices.map((s, j) => [s === remove ? add : s, j === at ? wIn : weights[j]!] as const).sort((a, b) => a[0] - b[0]);
      pending = { indices: pairs.map((p) => p[0]), weights: pairs.map((p) => p[1]) };
      return evaluateSeries(trial, pending.indices, pending.weights);
    },
    commit() {
      if (pending === null) throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', 'commit() without a trySwap() since the last load or commit', {});
      indices = pending.indices;
      weights = pending.weights;
      pending = null;
      [series, trial] = [trial, series];
      if (++commits % REBUILD_EVERY === 0) rebuild();
    },
    current() {
      return spec.weighted ? { indices: [...indices], weights: [...weights] } : { indices: [...indices] };
    },
  };
}
