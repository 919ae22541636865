// A portfolio problem: the matrix, the spec, the day window it is judged on and the correlation matrix when
// the spec needs one. Plain structured-clone data (SharedArrayBuffers inside), so a pool hands it to each
// worker once and the workers share the same memory.
import type { SubsetSpace } from '../algorithms/types.ts';
import { computeCorrelationMatrix } from './correlation.ts';
import { portfolioError } from './errors.ts';
import type { PortfolioMatrix } from './matrix.ts';
import { resolveSpec, toSubsetSpace } from './spec.ts';
import type { PortfolioSpec } from './spec.ts';

export interface PortfolioProblem {
  readonly matrix: PortfolioMatrix;
  readonly spec: PortfolioSpec;
  /** days [dayStart, dayEnd) of the matrix are the series the metrics see (walk-forward windows). */
  readonly dayStart: number;
  readonly dayEnd: number;
  /** N × N correlations over the window, or null when neither the objectives nor the constraints use them. */
  readonly correlation: Float64Array | null;
  readonly space: SubsetSpace;
  /** FLAT_RELATIVE × the largest |P&L| of the matrix: a day within it of 0 is flat (see KernelSettings). */
  readonly flatTolerance: number;
}

/** Far above the rounding residue of a few hundred additions, far below any real day's P&L. */
export const FLAT_RELATIVE = 1e-11;

export interface ProblemOptions {
  readonly dayStart?: number;
  readonly dayEnd?: number;
  /** a correlation matrix already computed over the same window (reused rather than recomputed). */
  readonly correlation?: Float64Array;
}

export function createPortfolioProblem(matrix: PortfolioMatrix, spec: PortfolioSpec, options: ProblemOptions = {}): PortfolioProblem {
  const resolved = resolveSpec(spec, matrix.nStrategies);
  const dayStart = options.dayStart ?? 0;
  const dayEnd = options.dayEnd ?? matrix.nDays;
  if (!Number.isInteger(dayStart) || !Number.isInteger(dayEnd) || dayStart < 0 || dayEnd > matrix.nDays || dayStart >= dayEnd) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `day window [${dayStart}, ${dayEnd}) must be non-empty and inside [0, ${matrix.nDays})`, { dayStart, dayEnd, nDays: matrix.nDays });
  }
  let correlation: Float64Array | null = null;
  if (resolved.needsCorrelation) {
    const given = options.correlation;
    if (given !== undefined && given.length !== matrix.nStrategies * matrix.nStrategies) {
      throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `correlation matrix has ${given.length} values, expected ${matrix.nStrategies ** 2}`, { length: given.length });
    }
    correlation = given ?? computeCorrelationMatrix(matrix, dayStart, dayEnd);
  }
  let maxAbs = 0;
  for (let i = 0; i < matrix.pnl.length; i++) {
    const v = Math.abs(matrix.pnl[i]!);
    if (v > maxAbs) maxAbs = v;
  }
  return {
    matrix, spec, dayStart, dayEnd, correlation, space: toSubsetSpace(spec, matrix.nStrategies),
    flatTolerance: FLAT_RELATIVE * maxAbs,
  };
}
