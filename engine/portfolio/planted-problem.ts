// A synthetic portfolio problem with a planted best subset, and the brute-force oracle that proves it: the
// algorithms' tests check that each one finds the planted subset within a small budget.
import type { Evaluation, SubsetSpace } from '../algorithms/types.ts';
import { createPortfolioEvaluator } from './evaluator.ts';
import type { PortfolioEvaluator } from './evaluator.ts';
import { portfolioError } from './errors.ts';
import { createPortfolioMatrix } from './matrix.ts';
import type { PortfolioMatrix } from './matrix.ts';
import { createPortfolioProblem } from './problem.ts';
import type { PortfolioProblem } from './problem.ts';
import { createSeededRandom } from './seeded-random.ts';
import type { PortfolioSpec } from './spec.ts';

export interface PlantedOptions {
  /** strategies, 2 … 25 */
  readonly n: number;
  /** planted subset size, 1 … min(4, n − 1) */
  readonly k: number;
  /** trading days, 200 … 10,000 (fewer lets luck beat the planted subset) */
  readonly days: number;
  readonly seed: number;
}

export interface PlantedProblem {
  readonly nStrategies: number;
  readonly nDays: number;
  /** the matrix values (strategy-major, shared memory) */
  readonly values: Float64Array;
  readonly matrix: PortfolioMatrix;
  /** single objective: maximise ratio (net profit / max drawdown), fixed size k, equal weights */
  readonly spec: PortfolioSpec;
  readonly problem: PortfolioProblem;
  readonly space: SubsetSpace;
  /** the planted subset, ascending: the unique best (bruteForceBest confirms it) */
  readonly best: readonly number[];
  /** a ready evaluator for this problem */
  readonly evaluator: PortfolioEvaluator;
}

/**
 * Planted strategy j earns μ⁺ + σ(e_j − e_{j+1 mod k}) + small noise, so the planted k together cancel their
 * shared noise and draw down little, while each member alone (and any partial subset) stays noisy;
 * decoys have i.i.d. noise and drifts up to about μ⁺, so no single strategy gives the answer away. With k = 1
 * the planted strategy simply has by far the best drift-to-noise ratio.
 */
export function createPlantedProblem(options: PlantedOptions): PlantedProblem {
  const { n, k, days, seed } = options;
  if (!Number.isInteger(n) || n < 2 || n > 25) bad(`n must be an integer in 2 … 25, got ${String(n)}`, { n });
  if (!Number.isInteger(k) || k < 1 || k > 4 || k >= n) bad(`k must be an integer in 1 … min(4, n − 1), got ${String(k)}`, { k, n });
  if (!Number.isInteger(days) || days < 200 || days > 10_000) bad(`days must be an integer in 200 … 10000, got ${String(days)}`, { days });
  if (!Number.isInteger(seed)) bad(`seed must be an integer, got ${String(seed)}`, { seed });
  const rng = createSeededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const best = order.slice(0, k).sort((a, b) => a - b);
  const sigma = 100;
  const plantedDrift = 0.08 * sigma;
  const values = new Float64Array(new SharedArrayBuffer(n * days * Float64Array.BYTES_PER_ELEMENT));
  const shared = Array.from({ length: k }, () => Float64Array.from({ length: days }, () => rng.normal()));
  for (let s = 0; s < n; s++) {
    const row = s * days;
    const slot = best.indexOf(s);
    if (slot >= 0) {
      const a = shared[slot]!;
      const b = shared[(slot + 1) % k]!;
      for (let d = 0; d < days; d++) {
        const common = k === 1 ? 0 : a[d]! - b[d]!;
        values[row + d] = (k === 1 ? 2 : 1) * plantedDrift + sigma * common + 0.2 * sigma * rng.normal();
      }
    } else {
      const drift = (rng.next() * 1.2 - 0.3) * plantedDrift;
      for (let d = 0; d < days; d++) values[row + d] = drift + sigma * rng.normal();
    }
  }
  const matrix = createPortfolioMatrix({
    nStrategies: n, nDays: days, pnl: values,
    trades: new Array<number>(n).fill(days),
  });
  const spec: PortfolioSpec = { objectives: ['ratio'], kMin: k, kMax: k };
  const problem = createPortfolioProblem(matrix, spec);
  return { nStrategies: n, nDays: days, values, matrix, spec, problem, space: problem.space, best, evaluator: createPortfolioEvaluator(problem) };
}

export interface BruteForceResult {
  readonly indices: readonly number[];
  readonly evaluation: Evaluation;
  /** subsets evaluated */
  readonly evaluated: number;
}

const MAX_SUBSETS = 5_000_000;
const CHUNK = 1024;

/**
 * The exact optimum of an equal-weight problem by enumerating every subset of size kMin … kMax: feasible
 * first (lowest violation), then lowest objectives[0], ties to the lexicographically first subset.
 */
export function bruteForceBest(problem: PortfolioProblem, evaluator: PortfolioEvaluator = createPortfolioEvaluator(problem)): BruteForceResult {
  const { nStrategies: n, kMin, kMax, weighted } = problem.space;
  if (weighted) bad('bruteForceBest enumerates subsets only; the problem is weighted', {});
  let total = 0;
  for (let k = kMin; k <= kMax; k++) total += binomial(n, k);
  if (total > MAX_SUBSETS) bad(`brute force would evaluate ${total} subsets (limit ${MAX_SUBSETS})`, { total });
  let bestIndices: number[] = [];
  let bestEval: Evaluation | null = null;
  let pending: number[][] = [];
  const flush = (): void => {
    const evals = evaluator.evaluate(pending.map((indices) => ({ indices })));
    evals.forEach((e, i) => {
      if (bestEval === null || e.violation < bestEval.violation || (e.violation === bestEval.violation && e.objectives[0]! < bestEval.objectives[0]!)) {
        bestEval = e;
        bestIndices = pending[i]!;
      }
    });
    pending = [];
  };
  for (let k = kMin; k <= kMax; k++) {
    const idx = Array.from({ length: k }, (_, i) => i);
    for (;;) {
      pending.push([...idx]);
      if (pending.length === CHUNK) flush();
      let i = k - 1;
      while (i >= 0 && idx[i] === n - k + i) i--;
      if (i < 0) break;
      idx[i]!++;
      for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
    }
  }
  if (pending.length) flush();
  return { indices: bestIndices, evaluation: bestEval!, evaluated: total };
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

function bad(message: string, data: Readonly<Record<string, unknown>>): never {
  throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', message, data);
}
