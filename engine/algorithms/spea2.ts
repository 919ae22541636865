// SPEA2 (Zitzler, Laumanns & Thiele 2001): strength-Pareto fitness (raw strength of the dominators plus a
// k-th nearest neighbour density), an archive of the non-dominated points truncated by iteratively
// removing the point closest to its neighbours, binary tournament on fitness; pymoo's operators.
import { dominates } from './dominance.ts';
import { breed, gaParams } from './genetic-algorithm.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { candidateKey, randomCandidate } from './search-space.ts';
import type { Scored } from './types.ts';

interface Member extends Scored { fitness: number }
interface State { archive: Member[] }

function normalisedObjectives(members: readonly Scored[]): number[][] {
  const m = members[0]!.evaluation.objectives.length;
  const lo = new Array<number>(m).fill(Infinity), hi = new Array<number>(m).fill(-Infinity);
  for (const s of members) s.evaluation.objectives.forEach((v, i) => { lo[i] = Math.min(lo[i]!, v); hi[i] = Math.max(hi[i]!, v); });
  return members.map((s) => s.evaluation.objectives.map((v, i) => (hi[i]! > lo[i]! ? (v - lo[i]!) / (hi[i]! - lo[i]!) : 0)));
}

/** Environmental selection: fitness of every member, the archive of `size`, truncated by nearest distances. */
export function spea2Select(members: readonly Scored[], size: number): Member[] {
  const n = members.length;
  const evals = members.map((s) => s.evaluation);
  const strength = new Array<number>(n).fill(0);
  const dominators: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(evals[i]!, evals[j]!)) { strength[i]!++; dominators[j]!.push(i); }
      else if (dominates(evals[j]!, evals[i]!)) { strength[j]!++; dominators[i]!.push(j); }
    }
  }
  const f = normalisedObjectives(members);
  const m = f[0]!.length;
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    dist[i * n + i] = Infinity;
    for (let j = i + 1; j < n; j++) {
      let d2 = 0;
      for (let o = 0; o < m; o++) d2 += (f[i]![o]! - f[j]![o]!) ** 2;
      dist[i * n + j] = dist[j * n + i] = Math.sqrt(d2);
    }
  }
  const kth = Math.max(1, Math.floor(Math.sqrt(n)));
  const k = Math.min(kth, n - 1);
  const nearest = new Float64Array(k);
  const fitness = members.map((_, i) => {
    const raw = dominators[i]!.reduce((s, d) => s + strength[d]!, 0);
    // k-th smallest distance by insertion into a sorted buffer of k.
    nearest.fill(Infinity);
    for (let j = 0; j < n; j++) {
      const d = dist[i * n + j]!;
      if (d >= nearest[k - 1]!) continue;
      let p = k - 1;
      while (p > 0 && nearest[p - 1]! > d) { nearest[p] = nearest[p - 1]!; p--; }
      nearest[p] = d;
    }
    return raw + 1 / (nearest[k - 1]! + 2);
  });
  let chosen = members.map((_, i) => i).filter((i) => fitness[i]! < 1);
  if (chosen.length < size) {
    chosen = members.map((_, i) => i).sort((a, b) => fitness[a]! - fitness[b]! || a - b).slice(0, size);
  } else if (chosen.length > size) {
    // Truncation: repeatedly drop the member whose sorted distances to the other survivors are
    // lexicographically smallest. Nearest distances are kept incrementally; the full sorted lists are
    // built only for members tied on the nearest distance.
    const alive = new Uint8Array(n);
    for (const i of chosen) alive[i] = 1;
    let remaining = chosen.length;
    const nearestOf = (i: number): number => {
      let d = Infinity;
      for (const j of chosen) if (alive[j] && j !== i && dist[i * n + j]! < d) d = dist[i * n + j]!;
      return d;
    };
    const nn = new Float64Array(n).fill(Infinity);
    for (const i of chosen) nn[i] = nearestOf(i);
    const sortedRow = (i: number): number[] => chosen.filter((j) => alive[j] && j !== i).map((j) => dist[i * n + j]!).sort((x, y) => x - y);
    const second = (i: number): number => {
      let a = Infinity, b = Infinity;
      for (const j of chosen) {
        if (!alive[j] || j === i) continue;
        const d = dist[i * n + j]!;
        if (d < a) { b = a; a = d; } else if (d < b) b = d;
      }
      return b;
    };
    while (remaining > size) {
      let min = Infinity;
      for (const i of chosen) if (alive[i] && nn[i]! < min) min = nn[i]!;
      const tied = chosen.filter((i) => alive[i] && nn[i] === min);
      let worst = tied[0]!;
      if (tied.length > 1) {
        // Usually two members tie (each other's nearest): the second-nearest distance decides.
        const seconds = tied.map(second);
        const minSecond = Math.min(...seconds);
        const still = tied.filter((_, t) => seconds[t] === minSecond);
        worst = still[0]!;
        let worstRow = still.length > 1 ? sortedRow(worst) : [];
        for (const i of still.slice(1)) {
          const row = sortedRow(i);
          for (let k = 0; k < row.length; k++) {
            if (row[k]! < worstRow[k]!) { worst = i; worstRow = row; break; }
            if (row[k]! > worstRow[k]!) break;
          }
        }
      }
      alive[worst] = 0;
      remaining--;
      for (const i of chosen) if (alive[i] && dist[i * n + worst] === nn[i]) nn[i] = nearestOf(i);
    }
    chosen = chosen.filter((i) => alive[i]);
  }
  return chosen.map((i) => ({ candidate: members[i]!.candidate, evaluation: members[i]!.evaluation, fitness: fitness[i]! }));
}

function tournament(archive: readonly Member[], ctx: MethodContext): Member {
  const a = archive[ctx.rng.int(archive.length)]!, b = archive[ctx.rng.int(archive.length)]!;
  return a.fitness <= b.fitness ? a : b;
}

const method: Method<State> = {
  init: () => ({ archive: [] }),
  propose(state, ctx) {
    const size = num(ctx.params, 'popSize');
    if (state.archive.length < size) return Array.from({ length: size - state.archive.length }, () => randomCandidate(ctx.space, ctx.rng));
    return breed(state.archive, num(ctx.params, 'offspring') || size, ctx, () => tournament(state.archive, ctx));
  },
  learn(state, candidates, evaluations, ctx) {
    const merged = [...state.archive, ...candidates.map((c, i) => ({ candidate: c, evaluation: evaluations[i]! }))];
    state.archive = spea2Select(merged, num(ctx.params, 'popSize'));
  },
  immigrate(state, migrants, ctx) {
    const keys = new Set(state.archive.map((s) => candidateKey(s.candidate)));
    state.archive = spea2Select([...state.archive, ...migrants.filter((m) => !keys.has(candidateKey(m.candidate)))], num(ctx.params, 'popSize'));
  },
  emigrate: (state, count) => [...state.archive].sort((a, b) => a.fitness - b.fitness).slice(0, count),
};

export const spea2 = defineAlgorithm({
  id: 'spea2',
  title: 'SPEA2',
  description: 'Strength Pareto evolutionary algorithm 2: strength + density fitness, archive truncation by nearest distances; pymoo defaults.',
  multiObjective: true,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: gaParams,
  method: method as Method<unknown>,
});
