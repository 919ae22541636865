// k-nearest-neighbour regression, the learned model of the surrogate-assisted algorithm: the prediction at
// a point is the inverse-distance-weighted mean of the k nearest training outputs. No fitting step, so the
// model is exactly reproducible from the training points kept in the checkpointed state. The distance is
// supplied by the caller: Euclidean on vectors, or a sparse one on subsets (O(k), not O(N)).

/** `squaredDistance(i)` is the squared distance from the query to training point i. */
export function predictKnn(count: number, ys: readonly number[], squaredDistance: (i: number) => number, k: number): number {
  const kk = Math.min(k, count);
  const bestD = new Float64Array(kk).fill(Infinity);
  const bestY = new Float64Array(kk);
  for (let i = 0; i < count; i++) {
    const d2 = squaredDistance(i);
    if (d2 >= bestD[kk - 1]!) continue;
    let r = kk - 1;
    while (r > 0 && bestD[r - 1]! > d2) { bestD[r] = bestD[r - 1]!; bestY[r] = bestY[r - 1]!; r--; }
    bestD[r] = d2;
    bestY[r] = ys[i]!;
  }
  let num = 0, den = 0;
  for (let r = 0; r < kk; r++) {
    if (bestD[r] === 0) return bestY[r]!;
    const w = 1 / Math.sqrt(bestD[r]!);
    num += w * bestY[r]!;
    den += w;
  }
  return den > 0 ? num / den : 0;
}

export function euclidean2(a: readonly number[], b: readonly number[]): number {
  let d2 = 0;
  for (let j = 0; j < a.length; j++) d2 += (a[j]! - b[j]!) ** 2;
  return d2;
}
