// Constraint violations of one packed candidate, summed into the single number the algorithms compare
// (0 = feasible, pymoo's convention). Each term is scaled to be dimensionless and comparable.
import type { ResolvedSpec } from './spec.ts';

/**
 * cardinality: portfolio sizes outside [kMin, kMax], in strategies;
 * correlation cap: Σ over chosen pairs of max(0, ρ_ij − cap);
 * minimum trades: Σ over chosen strategies of max(0, minTrades − trades_i) / minTrades;
 * weight bounds: Σ over chosen weights of the distance outside [weightMin, weightMax].
 */
export function candidateViolation(
  spec: ResolvedSpec, indices: Int32Array, weights: Float64Array | null, from: number, to: number,
  trades: Int32Array, correlation: Float64Array | null, nStrategies: number,
): number {
  const k = to - from;
  let v = 0;
  if (k < spec.kMin) v += spec.kMin - k;
  else if (k > spec.kMax) v += k - spec.kMax;
  const cap = spec.maxPairwiseCorrelation;
  if (cap !== null && correlation !== null) {
    for (let a = from; a < to; a++) {
      const row = indices[a]! * nStrategies;
      for (let b = a + 1; b < to; b++) {
        const r = correlation[row + indices[b]!]!;
        if (r > cap) v += r - cap;
      }
    }
  }
  if (spec.minTrades > 0) {
    for (let a = from; a < to; a++) {
      const t = trades[indices[a]!]!;
      if (t < spec.minTrades) v += (spec.minTrades - t) / spec.minTrades;
    }
  }
  if (weights !== null) {
    for (let a = from; a < to; a++) {
      const w = weights[a]!;
      if (w < spec.weightMin) v += spec.weightMin - w;
      else if (w > spec.weightMax) v += w - spec.weightMax;
    }
  }
  return v;
}

/** Mean of ρ_ij over the chosen pairs (unweighted); 0 for fewer than two strategies. */
export function meanCorrelationOf(indices: Int32Array, from: number, to: number, correlation: Float64Array, nStrategies: number): number {
  let sum = 0;
  let pairs = 0;
  for (let a = from; a < to; a++) {
    const row = indices[a]! * nStrategies;
    for (let b = a + 1; b < to; b++) {
      sum += correlation[row + indices[b]!]!;
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}
