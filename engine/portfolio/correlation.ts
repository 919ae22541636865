// The strategies' pairwise Pearson correlation matrix over a day window, computed once per problem (N²·D/2
// multiply-adds) into a SharedArrayBuffer so pool workers read it; candidates then cost k(k−1)/2 look-ups.
import type { PortfolioMatrix } from './matrix.ts';

/** corr[i * N + j] for every pair, 1 on the diagonal of a non-constant row; 0 for a constant row. */
export function computeCorrelationMatrix(matrix: PortfolioMatrix, dayStart = 0, dayEnd = matrix.nDays): Float64Array {
  const { nStrategies: N, nDays } = matrix;
  const n = dayEnd - dayStart;
  const z = new Float64Array(N * n);
  for (let s = 0; s < N; s++) {
    const row = s * nDays + dayStart;
    let mean = 0;
    for (let d = 0; d < n; d++) mean += matrix.pnl[row + d]!;
    mean /= n;
    let ss = 0;
    for (let d = 0; d < n; d++) {
      const v = matrix.pnl[row + d]! - mean;
      z[s * n + d] = v;
      ss += v * v;
    }
    // a constant row correlates with nothing: leave it all zeros
    const scale = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let d = 0; d < n; d++) z[s * n + d] = z[s * n + d]! * scale;
  }
  const corr = new Float64Array(new SharedArrayBuffer(N * N * Float64Array.BYTES_PER_ELEMENT));
  for (let i = 0; i < N; i++) {
    const a = i * n;
    for (let j = i; j < N; j++) {
      const b = j * n;
      let dot = 0;
      for (let d = 0; d < n; d++) dot += z[a + d]! * z[b + d]!;
      // rounding can leave |dot| a hair above 1
      const r = dot > 1 ? 1 : dot < -1 ? -1 : dot;
      corr[i * N + j] = r;
      corr[j * N + i] = r;
    }
  }
  return corr;
}
