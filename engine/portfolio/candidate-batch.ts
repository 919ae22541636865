// Candidates packed into flat typed arrays: the form a batch takes to cross into a pool worker (transferred,
// not cloned) and the form the kernels walk without allocating. Validation of indices and weights lives here.
import type { SubsetCandidate } from '../algorithms/types.ts';
import { portfolioError } from './errors.ts';

export interface CandidateBatch {
  readonly count: number;
  /** candidate c holds indices[starts[c] … starts[c + 1]). */
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  /** parallel to indices; null for an equal-weight problem. */
  readonly weights: Float64Array | null;
}

/** Packs candidates, checking each against the problem: indices ascending, unique, in range; weights present
 *  exactly when the problem is weighted, one finite weight per index. Portfolio size is a constraint, not an
 *  error: a candidate of the wrong size is evaluated and reported as infeasible. */
export function packCandidates(candidates: readonly SubsetCandidate[], nStrategies: number, weighted: boolean): CandidateBatch {
  const count = candidates.length;
  const starts = new Int32Array(count + 1);
  let total = 0;
  for (let c = 0; c < count; c++) {
    total += candidates[c]!.indices.length;
    starts[c + 1] = total;
  }
  const indices = new Int32Array(total);
  const weights = weighted ? new Float64Array(total) : null;
  for (let c = 0; c < count; c++) {
    const cand = candidates[c]!;
    const at = starts[c]!;
    const idx = cand.indices;
    let prev = -1;
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j]!;
      if (!Number.isInteger(i) || i < 0 || i >= nStrategies || i <= prev) {
        throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', `candidate ${c} has indices ${JSON.stringify(idx)}; they must be ascending, unique integers in 0..${nStrategies - 1}`, { candidate: c, indices: [...idx] });
      }
      indices[at + j] = i;
      prev = i;
    }
    if (weights === null) {
      if (cand.weights !== undefined) {
        throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', `candidate ${c} carries weights ${JSON.stringify(cand.weights)} but the problem has equal weights`, { candidate: c });
      }
    } else {
      const w = cand.weights;
      if (w === undefined || w.length !== idx.length) {
        throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', `candidate ${c} needs one weight per index (${idx.length}), got ${JSON.stringify(w)}`, { candidate: c });
      }
      for (let j = 0; j < w.length; j++) {
        if (!Number.isFinite(w[j])) {
          throw portfolioError('STRATA_PORTFOLIO_INVALID_CANDIDATE', `candidate ${c} has weight ${String(w[j])} at position ${j}; weights must be finite`, { candidate: c, position: j });
        }
        weights[at + j] = w[j]!;
      }
    }
  }
  return { count, starts, indices, weights };
}

/** The candidates of a batch back as plain data (for results and tests). */
export function unpackCandidates(batch: CandidateBatch): SubsetCandidate[] {
  const out: SubsetCandidate[] = [];
  for (let c = 0; c < batch.count; c++) {
    const a = batch.starts[c]!;
    const b = batch.starts[c + 1]!;
    const indices = Array.from(batch.indices.subarray(a, b));
    out.push(batch.weights ? { indices, weights: Array.from(batch.weights.subarray(a, b)) } : { indices });
  }
  return out;
}
