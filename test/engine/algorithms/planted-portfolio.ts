// A small synthetic portfolio problem with a planted best subset, for the algorithm tests: strategies ×
// days of daily P&L in one Float64Array (strategy-major); objective = -(net profit / max drawdown) of the
// summed (or weighted) P&L. The planted strategies drift up with independent noise; "trap" strategies
// drift up faster alone but crash together, so subsets holding several of them are bad. A brute-force
// oracle confirms the planted subset is the unique best.
import { Rng, seedRng } from '../../../engine/algorithms/index.ts';
import type { Candidate, Evaluation, SubsetCandidate, SubsetSpace } from '../../../engine/algorithms/index.ts';

export interface PlantedProblem {
  readonly space: SubsetSpace;
  readonly planted: readonly number[];
  readonly pnl: Float64Array;
  readonly days: number;
  evaluate(c: Candidate): Evaluation;
  ratio(indices: readonly number[], weights?: readonly number[]): number;
}

export function createPlantedPortfolio(options: {
  nStrategies: number; kMin: number; kMax: number; plantedSize: number; seed: number;
  weighted?: boolean; nObjectives?: number; days?: number;
}): PlantedProblem {
  const { nStrategies: n, plantedSize } = options;
  const days = options.days ?? 250;
  const rng = new Rng(seedRng(options.seed));
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const planted = order.slice(0, plantedSize).sort((a, b) => a - b);
  const traps = new Set(order.slice(plantedSize, plantedSize + 3));
  const crashStart = 100 + rng.int(days - 140);
  const pnl = new Float64Array(n * days);
  const plantedSet = new Set(planted);
  for (let s = 0; s < n; s++) {
    const drift = plantedSet.has(s) ? 0.4 : traps.has(s) ? 0.6 : 0.02 + 0.12 * rng.next();
    for (let d = 0; d < days; d++) {
      let v = drift + rng.normal();
      if (traps.has(s) && d >= crashStart && d < crashStart + 20) v -= 4; // the shared crash
      pnl[s * days + d] = v;
    }
  }
  const curve = new Float64Array(days);
  const ratio = (indices: readonly number[], weights?: readonly number[]): number => {
    curve.fill(0);
    indices.forEach((s, p) => {
      const w = weights?.[p] ?? 1;
      const base = s * days;
      for (let d = 0; d < days; d++) curve[d]! += w * pnl[base + d]!;
    });
    let equity = 0, peak = 0, maxDrawdown = 0;
    for (let d = 0; d < days; d++) {
      equity += curve[d]!;
      if (equity > peak) peak = equity;
      if (peak - equity > maxDrawdown) maxDrawdown = peak - equity;
    }
    return equity / Math.max(maxDrawdown, 1e-9);
  };
  const space: SubsetSpace = {
    kind: 'subset', nStrategies: n, kMin: options.kMin, kMax: options.kMax,
    weighted: options.weighted ?? false, weightMin: 0.5, weightMax: 1.5, nObjectives: options.nObjectives ?? 1,
  };
  return {
    space, planted, pnl, days, ratio,
    evaluate(c) {
      const sub = c as SubsetCandidate;
      const r = ratio(sub.indices, sub.weights);
      // A second objective (for the Pareto methods): fewer strategies is better, so the front is
      // small but the planted subset stays its best-ratio end.
      const objectives = space.nObjectives === 1 ? [-r] : [-r, sub.indices.length];
      return { objectives, violation: 0 };
    },
  };
}

/** Every subset of size kMin..kMax, for the brute-force oracle. */
export function bruteForceBest(p: PlantedProblem): number[] {
  let best: number[] = [], bestRatio = -Infinity;
  const rec = (start: number, chosen: number[]): void => {
    if (chosen.length >= p.space.kMin) {
      const r = p.ratio(chosen);
      if (r > bestRatio) { bestRatio = r; best = [...chosen]; }
    }
    if (chosen.length === p.space.kMax) return;
    for (let i = start; i < p.space.nStrategies; i++) { chosen.push(i); rec(i + 1, chosen); chosen.pop(); }
  };
  rec(0, []);
  return best;
}
