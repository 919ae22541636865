// Hypervolume of a set of points (minimisation) against a reference point: exact sweep in 2-D, exact
// slicing in 3-D (HSO: sweep the third objective, 2-D volume of each slab), and exact slicing for more
// objectives by recursion (exponential, fine for the small fronts it is used on).

export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const d = reference.length;
  const inside = points.filter((p) => p.every((v, i) => v < reference[i]!));
  if (inside.length === 0) return 0;
  if (d === 1) return reference[0]! - Math.min(...inside.map((p) => p[0]!));
  if (d === 2) return hypervolume2d(inside, reference);
  // Slice along the last objective: between consecutive distinct values the dominated region's
  // cross-section is the (d-1)-volume of the points at or below the slice.
  const sorted = [...inside].sort((a, b) => a[d - 1]! - b[d - 1]!);
  const subRef = reference.slice(0, d - 1);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const z = sorted[i]![d - 1]!;
    const zNext = i + 1 < sorted.length ? sorted[i + 1]![d - 1]! : reference[d - 1]!;
    if (zNext <= z) continue;
    const slab = sorted.slice(0, i + 1).map((p) => p.slice(0, d - 1));
    volume += hypervolume(slab, subRef) * (zNext - z);
  }
  return volume;
}

function hypervolume2d(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let volume = 0;
  let bestY = reference[1]!;
  for (const p of sorted) {
    if (p[1]! < bestY) {
      volume += (reference[0]! - p[0]!) * (bestY - p[1]!);
      bestY = p[1]!;
    }
  }
  return volume;
}
