// A finished job's result: the best portfolio with every metric, its equity curve and drawdown series,
// walk-forward out-of-sample figures, the deflated Sharpe ratio and bootstrap intervals, the Pareto front,
// the number of candidates evaluated and digests of the algorithm's final state and of the data. Nothing
// here depends on time or placement, so a resumed run's result equals an uninterrupted run's bit for bit.
import { createHash } from 'node:crypto';
import { getAlgorithm } from '../algorithms/index.ts';
import type { Algorithm, Scored, SubsetCandidate } from '../algorithms/index.ts';
import { createPortfolioEvaluator, createSeededRandom, type PortfolioEvaluator, type PortfolioMetrics, type PortfolioProblem } from '../portfolio/index.ts';
import { deflatedSharpeOfSeries, portfolioConfidenceIntervals, trialSharpeVariance, walkForward, type ConfidenceInterval } from '../stats/index.ts';
import { encodeFrame } from './journal.ts';
import type { JobSpec } from './job-spec.ts';
import type { LoadedMatrix } from './matrix-source.ts';
import type { ResolvedAlgorithm, RunCheckpoint } from './run-loop.ts';

export interface PortfolioReport {
  readonly strategyIds: readonly string[];
  readonly indices: readonly number[];
  readonly weights: readonly number[] | null;
  readonly objectives: readonly number[];
  readonly violation: number;
  readonly metrics: PortfolioMetrics;
}

export interface WalkForwardReport {
  readonly folds: readonly {
    readonly inSample: { readonly from: string; readonly to: string };
    readonly outOfSample: { readonly from: string; readonly to: string };
    readonly strategyIds: readonly string[];
    readonly inSampleNetProfit: number;
    readonly outOfSampleNetProfit: number;
    readonly outOfSampleSharpe: number;
  }[];
  readonly outOfSample: PortfolioMetrics;
  readonly efficiency: number;
}

export interface BestReport extends PortfolioReport {
  /** cumulative P&L per day */
  readonly equity: readonly number[];
  /** running peak (from 0) minus equity per day, ≥ 0 */
  readonly drawdown: readonly number[];
  readonly walkForward: WalkForwardReport | null;
  readonly deflatedSharpe: {
    readonly sharpePerPeriod: number; readonly expectedMaxSharpe: number; readonly probability: number;
    readonly trials: number; readonly trialSharpeVariance: number;
  } | null;
  readonly bootstrap: { readonly ratio: ConfidenceInterval; readonly sharpe: ConfidenceInterval } | null;
}

export interface JobResult {
  readonly algorithm: ResolvedAlgorithm;
  readonly evaluations: number;
  readonly generations: number;
  readonly nStrategies: number;
  readonly days: { readonly first: string; readonly last: string; readonly count: number };
  readonly best: BestReport | null;
  readonly front: readonly PortfolioReport[];
  /** sha-256 of the algorithm's final state (msgpack) */
  readonly stateDigest: string;
  readonly matrixDigest: string;
}

/** Trial Sharpe variance sample: seeded random candidates of the space stand in for the trials' spread. */
const SHARPE_SAMPLE = 256;

function report(evaluator: PortfolioEvaluator, ids: readonly string[], s: Scored): PortfolioReport {
  const c = s.candidate as SubsetCandidate;
  return {
    strategyIds: c.indices.map((i) => ids[i]!), indices: [...c.indices], weights: c.weights ? [...c.weights] : null,
    objectives: [...s.evaluation.objectives], violation: s.evaluation.violation, metrics: evaluator.metrics(c),
  };
}

function dailySeries(problem: PortfolioProblem, c: SubsetCandidate): Float64Array {
  const { matrix, dayStart, dayEnd } = problem;
  const out = new Float64Array(dayEnd - dayStart);
  c.indices.forEach((s, j) => {
    const w = c.weights ? c.weights[j]! : 1;
    const row = s * matrix.nDays;
    for (let d = dayStart; d < dayEnd; d++) out[d - dayStart] = out[d - dayStart]! + w * matrix.pnl[row + d]!;
  });
  return out;
}

function randomCandidate(rng: ReturnType<typeof createSeededRandom>, problem: PortfolioProblem): SubsetCandidate {
  const { nStrategies, kMin, kMax, weighted, weightMin, weightMax } = problem.space;
  const k = kMin + rng.int(kMax - kMin + 1);
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(rng.int(nStrategies));
  const indices = [...chosen].sort((a, b) => a - b);
  return weighted ? { indices, weights: indices.map(() => weightMin + rng.next() * (weightMax - weightMin)) } : { indices };
}

function tryOrNull<T>(fn: () => T): T | null {
  try { return fn(); } catch { return null; }
}

export function stateDigest(checkpoint: RunCheckpoint): string {
  return createHash('sha256').update(encodeFrame(checkpoint.state)).digest('hex');
}

/** The validation figures and reports of a finished run. Walk-forward re-optimises each fold in-thread. */
export async function buildJobResult(
  spec: JobSpec, problem: PortfolioProblem, loaded: LoadedMatrix, alg: Algorithm, final: RunCheckpoint,
): Promise<JobResult> {
  const evaluator = createPortfolioEvaluator(problem);
  const ids = loaded.strategyIds;
  const bestScored = alg.best();
  let best: BestReport | null = null;
  if (bestScored) {
    const base = report(evaluator, ids, bestScored);
    const c = bestScored.candidate as SubsetCandidate;
    const series = dailySeries(problem, c);
    const equity: number[] = [];
    const drawdown: number[] = [];
    let cum = 0;
    let peak = 0;
    for (const x of series) {
      cum += x;
      if (cum > peak) peak = cum;
      equity.push(cum);
      drawdown.push(peak - cum);
    }
    const ppy = spec.problem.periodsPerYear ?? 252;
    const rng = createSeededRandom((spec.seed ^ 0x5eed) >>> 0);
    const sample: number[] = [];
    for (let i = 0; i < SHARPE_SAMPLE; i++) sample.push(evaluator.metrics(randomCandidate(rng, problem)).sharpe / Math.sqrt(ppy));
    const variance = trialSharpeVariance(sample);
    const trials = Math.max(2, alg.evaluations());
    const dsr = tryOrNull(() => deflatedSharpeOfSeries(series, trials, variance));
    const resamples = spec.validation?.bootstrapResamples ?? 500;
    const bootstrap = resamples > 0 && series.length >= 2
      ? tryOrNull(() => portfolioConfidenceIntervals(series, { seed: spec.seed, resamples, ...(spec.problem.floor !== undefined ? { floor: spec.problem.floor } : {}), periodsPerYear: ppy }))
      : null;
    best = {
      ...base, equity, drawdown,
      walkForward: await walkForwardReport(spec, problem, loaded, final.algorithm),
      deflatedSharpe: dsr ? { sharpePerPeriod: dsr.moments.sharpe, expectedMaxSharpe: dsr.expectedMaxSharpe, probability: dsr.probability, trials, trialSharpeVariance: variance } : null,
      bootstrap: bootstrap ? { ratio: bootstrap.ratio, sharpe: bootstrap.sharpe } : null,
    };
  }
  return {
    algorithm: final.algorithm, evaluations: alg.evaluations(), generations: final.generation,
    nStrategies: ids.length, days: { first: loaded.days[0]!, last: loaded.days[loaded.days.length - 1]!, count: loaded.days.length },
    best, front: alg.front().map((s) => report(evaluator, ids, s)),
    stateDigest: stateDigest(final), matrixDigest: final.matrixDigest,
  };
}

/** Anchored walk-forward: each fold's in-sample choice is the same algorithm run with a small budget. */
async function walkForwardReport(spec: JobSpec, problem: PortfolioProblem, loaded: LoadedMatrix, resolved: ResolvedAlgorithm): Promise<WalkForwardReport | null> {
  const folds = spec.validation?.walkForwardFolds ?? 3;
  const nDays = problem.matrix.nDays;
  if (folds === 0) return null;
  const oos = Math.floor(nDays / (folds + 2));
  if (oos < 5) return null;
  const inSampleDays = nDays - folds * oos;
  const evaluations = spec.validation?.walkForwardEvaluations ?? Math.max(50, Math.min(1000, Math.floor((spec.budget.evaluations ?? 10_000) / 10)));
  const factory = getAlgorithm(resolved.id);
  const wf = await walkForward(problem.matrix, problem.spec, { inSampleDays, outOfSampleDays: oos, mode: 'anchored' }, (isProblem, window) => {
    const ev = createPortfolioEvaluator(isProblem);
    const alg = factory.create(isProblem.space, { seed: (spec.seed + 7919 * (window.index + 1)) >>> 0, budget: { maxEvaluations: evaluations }, params: resolved.params });
    while (!alg.done()) {
      const batch = alg.ask() as SubsetCandidate[];
      if (batch.length === 0) break;
      alg.tell(batch, ev.evaluate(batch));
    }
    const b = alg.best();
    return (b?.candidate as SubsetCandidate | undefined) ?? { indices: Array.from({ length: isProblem.space.kMin }, (_, i) => i) };
  });
  const day = (d: number): string => loaded.days[d]!;
  return {
    folds: wf.folds.map((f) => ({
      inSample: { from: day(f.window.inSample.start), to: day(f.window.inSample.end - 1) },
      outOfSample: { from: day(f.window.outOfSample.start), to: day(f.window.outOfSample.end - 1) },
      strategyIds: f.chosen.indices.map((i) => loaded.strategyIds[i]!),
      inSampleNetProfit: f.inSample.netProfit, outOfSampleNetProfit: f.outOfSample.netProfit, outOfSampleSharpe: f.outOfSample.sharpe,
    })),
    outOfSample: wf.outOfSample, efficiency: wf.efficiency,
  };
}
