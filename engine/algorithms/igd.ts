// Inverted generational distance: the mean distance from each point of a reference front to its nearest
// point of the approximation (smaller is better; it measures convergence and spread together).

export function invertedGenerationalDistance(
  approximation: readonly (readonly number[])[],
  referenceFront: readonly (readonly number[])[],
): number {
  if (approximation.length === 0) return Infinity;
  let total = 0;
  for (const r of referenceFront) {
    let nearest = Infinity;
    for (const a of approximation) {
      let d2 = 0;
      for (let i = 0; i < r.length; i++) d2 += (r[i]! - a[i]!) ** 2;
      if (d2 < nearest) nearest = d2;
    }
    total += Math.sqrt(nearest);
  }
  return total / referenceFront.length;
}
