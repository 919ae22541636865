// Orderings of evaluations: the feasible-first scalar order of single-objective methods, constrained Pareto
// dominance (Deb's rules, as pymoo), fast non-dominated sorting and crowding distance.
import type { Evaluation } from './types.ts';

/** Negative when a is better: feasible before infeasible, smaller violation, then smaller first objective. */
export function compareScalar(a: Evaluation, b: Evaluation): number {
  const av = a.violation > 0, bv = b.violation > 0;
  if (av !== bv) return av ? 1 : -1;
  if (av) return a.violation - b.violation;
  return a.objectives[0]! - b.objectives[0]!;
}

export function isBetter(a: Evaluation, b: Evaluation): boolean {
  return compareScalar(a, b) < 0;
}

/** Pareto dominance on objectives only. */
export function dominatesObjectives(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) strictly = true;
  }
  return strictly;
}

/** Constrained dominance: a feasible point dominates an infeasible one; two infeasible ones compare by violation. */
export function dominates(a: Evaluation, b: Evaluation): boolean {
  const av = a.violation > 0, bv = b.violation > 0;
  if (av || bv) {
    if (!av) return true;
    if (!bv) return false;
    return a.violation < b.violation;
  }
  return dominatesObjectives(a.objectives, b.objectives);
}

/** Fast non-dominated sort (Deb et al. 2002): indices grouped by front, best front first. */
export function nonDominatedSort(evals: readonly Evaluation[]): number[][] {
  const n = evals.length;
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(evals[i]!, evals[j]!)) { dominating[i]!.push(j); dominatedBy[j]!++; }
      else if (dominates(evals[j]!, evals[i]!)) { dominating[j]!.push(i); dominatedBy[i]!++; }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    current = next;
  }
  return fronts;
}

/** Crowding distance of the points `members` (indices into evals); boundary points get Infinity. */
export function crowdingDistance(evals: readonly Evaluation[], members: readonly number[]): number[] {
  const m = members.length;
  const dist = new Array<number>(m).fill(0);
  if (m <= 2) return dist.fill(Infinity);
  const nObj = evals[members[0]!]!.objectives.length;
  const values = new Float64Array(m);
  const order = new Array<number>(m);
  for (let o = 0; o < nObj; o++) {
    for (let r = 0; r < m; r++) { values[r] = evals[members[r]!]!.objectives[o]!; order[r] = r; }
    order.sort((a, b) => values[a]! - values[b]! || a - b);
    const lo = values[order[0]!]!, hi = values[order[m - 1]!]!;
    dist[order[0]!] = Infinity;
    dist[order[m - 1]!] = Infinity;
    const range = hi - lo;
    if (range <= 0) continue;
    for (let r = 1; r < m - 1; r++) dist[order[r]!]! += (values[order[r + 1]!]! - values[order[r - 1]!]!) / range;
  }
  return dist;
}

/** Indices of the first (non-dominated) front among feasible points only. */
export function paretoIndices(evals: readonly Evaluation[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < evals.length; i++) {
    const e = evals[i]!;
    if (e.violation > 0) continue;
    let dominated = false;
    for (let j = 0; j < evals.length && !dominated; j++) {
      const o = evals[j]!;
      if (j !== i && o.violation <= 0 && dominatesObjectives(o.objectives, e.objectives)) dominated = true;
    }
    if (!dominated) out.push(i);
  }
  return out;
}
