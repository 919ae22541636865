// What every algorithm reports whatever its internals: the best point (feasible first, then the first
// objective) and a bounded archive of non-dominated feasible points, thinned by crowding distance.
import { compareScalar, crowdingDistance, dominatesObjectives } from './dominance.ts';
import type { Scored } from './types.ts';

export const frontCapacity = 100;

/** The `count` best of a list by the feasible-first scalar order (for emigrants). */
export function topScored(items: readonly Scored[], count: number): Scored[] {
  return [...items].sort((a, b) => compareScalar(a.evaluation, b.evaluation)).slice(0, count);
}

export function betterOf(best: Scored | null, s: Scored): Scored {
  return best === null || compareScalar(s.evaluation, best.evaluation) < 0 ? s : best;
}

/** Adds s to a non-dominated feasible archive (in place); thins to the capacity once it doubles. */
export function addToFront(front: Scored[], s: Scored, capacity = frontCapacity): void {
  if (s.evaluation.violation > 0) return;
  const f = s.evaluation.objectives;
  for (const o of front) {
    const g = o.evaluation.objectives;
    if (dominatesObjectives(g, f) || g.every((v, i) => v === f[i])) return;
  }
  for (let i = front.length - 1; i >= 0; i--) if (dominatesObjectives(f, front[i]!.evaluation.objectives)) front.splice(i, 1);
  front.push(s);
  if (front.length >= 2 * capacity) thinFront(front, capacity);
}

/** Removes the most crowded points until capacity remain: a quarter of the excess per round (at least
 *  one), recomputing distances between rounds, so thinning stays cheap without opening big gaps. */
export function thinFront(front: Scored[], capacity: number): void {
  while (front.length > capacity) {
    const evals = front.map((s) => s.evaluation);
    const d = crowdingDistance(evals, evals.map((_, i) => i));
    const drop = Math.max(1, Math.ceil((front.length - capacity) / 4));
    const order = d.map((_, i) => i).sort((a, b) => d[a]! - d[b]! || a - b).slice(0, drop);
    const gone = new Set(order);
    const kept = front.filter((_, i) => !gone.has(i));
    front.length = 0;
    front.push(...kept);
  }
}
