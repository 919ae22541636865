// One job's optimisation run: the problem from the loaded matrix, the algorithm (named or recommended,
// created fresh or restored from a checkpoint), and the ask/tell loop that evaluates each generation through
// whatever evaluator it is given, checkpoints every N generations or M ms, reports progress and stops on
// request. Deterministic: with the same seed, a run resumed from any checkpoint ends exactly where an
// uninterrupted one does (the algorithm's state holds its RNG; evaluations depend on the candidate alone).
import { getAlgorithm, recommendAlgorithm } from '../algorithms/index.ts';
import type { Algorithm, AlgorithmState, Evaluation, SubsetCandidate } from '../algorithms/index.ts';
import { createPortfolioMatrix, createPortfolioProblem, type PortfolioProblem } from '../portfolio/index.ts';
import { jobError } from './errors.ts';
import { evaluationBudget, portfolioSpecOf, type JobSpec } from './job-spec.ts';
import type { LoadedMatrix } from './matrix-source.ts';

export interface ResolvedAlgorithm {
  readonly id: string;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** true when the recommender chose it; its reasons then say why */
  readonly recommended: boolean;
  readonly reasons: readonly string[];
}

/** Everything a resumed run needs besides the spec and the matrix. Plain msgpack-safe data. */
export interface RunCheckpoint {
  readonly algorithm: ResolvedAlgorithm;
  readonly state: AlgorithmState;
  readonly generation: number;
  readonly evaluations: number;
  /** time spent running, over every attempt (the wall-time budget counts this) */
  readonly runMs: number;
  readonly matrixDigest: string;
}

export interface RunProgress {
  readonly evaluations: number;
  /** the evaluation budget, or null for a wall-time-only job */
  readonly budget: number | null;
  readonly generation: number;
  readonly best: { readonly objectives: readonly number[]; readonly violation: number } | null;
  readonly evaluationsPerSec: number;
  readonly etaMs: number | null;
  readonly runMs: number;
}

/** pause and shutdown checkpoint before stopping; cancel and reassign just stop */
export type StopReason = 'pause' | 'shutdown' | 'cancel' | 'reassign';

export interface RunHooks {
  evaluate(candidates: readonly SubsetCandidate[]): Promise<Evaluation[]>;
  /** checkpoint after this many generations (0: never by count) … */
  readonly checkpointGenerations: number;
  /** … or this many ms since the last one (0: never by time) */
  readonly checkpointMs: number;
  /** resolves once the checkpoint is durable; a throw ends the run (e.g. fenced) */
  onCheckpoint(checkpoint: RunCheckpoint): Promise<void>;
  readonly progressMs: number;
  onProgress(progress: RunProgress): void;
  /** looked at between generations */
  stopRequested(): StopReason | null;
  now(): number;
}

export type RunOutcome =
  | { readonly kind: 'finished'; readonly algorithm: Algorithm; readonly checkpoint: RunCheckpoint }
  | { readonly kind: 'stopped'; readonly reason: StopReason; readonly checkpoint: RunCheckpoint };

/** The job's portfolio problem over a loaded matrix (shared memory kept: no copy of the values). */
export function buildProblem(loaded: LoadedMatrix, spec: JobSpec): PortfolioProblem {
  const nStrategies = loaded.strategyIds.length;
  if (spec.problem.kMax > nStrategies) {
    throw jobError('STRATA_JOB_MATRIX_EMPTY', `the universe has ${nStrategies} strategies, fewer than the portfolio size kMax ${spec.problem.kMax}`, { strategies: nStrategies, kMax: spec.problem.kMax });
  }
  const matrix = createPortfolioMatrix({
    nStrategies, nDays: loaded.days.length, pnl: loaded.pnl, trades: loaded.trades, firstDay: loaded.firstDay, lastDay: loaded.lastDay,
  });
  return createPortfolioProblem(matrix, portfolioSpecOf(spec));
}

export function resolveAlgorithm(spec: JobSpec, problem: PortfolioProblem): ResolvedAlgorithm {
  if (spec.algorithm.id !== 'recommend') return { id: spec.algorithm.id, params: spec.algorithm.params ?? {}, recommended: false, reasons: [] };
  const s = problem.space;
  const r = recommendAlgorithm({ nStrategies: s.nStrategies, kMin: s.kMin, kMax: s.kMax, nObjectives: s.nObjectives, budgetEvaluations: evaluationBudget(spec), weighted: s.weighted });
  return { id: r.id, params: r.params, recommended: true, reasons: r.reasons };
}

/** The algorithm, fresh or restored from a checkpoint's state. */
export function createJobAlgorithm(spec: JobSpec, problem: PortfolioProblem, resolved: ResolvedAlgorithm, state: AlgorithmState | null): Algorithm {
  return getAlgorithm(resolved.id).create(problem.space, {
    seed: spec.seed, budget: { maxEvaluations: evaluationBudget(spec) }, params: resolved.params,
    ...(state ? { state } : {}),
  });
}

/**
 * Runs the ask/tell loop from `start` (a checkpoint or null) until the algorithm is done, the wall-time
 * budget is spent or a stop is requested. Each generation is asked whole (batch size never changes results).
 */
export async function runJobLoop(
  spec: JobSpec, problem: PortfolioProblem, matrixDigest: string, start: RunCheckpoint | null, hooks: RunHooks,
): Promise<RunOutcome> {
  if (start && start.matrixDigest !== matrixDigest) {
    throw jobError('STRATA_JOB_MATRIX_CHANGED', `the P&L data changed since the checkpoint (digest ${start.matrixDigest.slice(0, 12)}… now ${matrixDigest.slice(0, 12)}…)`, { was: start.matrixDigest, now: matrixDigest });
  }
  const resolved = start?.algorithm ?? resolveAlgorithm(spec, problem);
  const alg = createJobAlgorithm(spec, problem, resolved, start?.state ?? null);
  const budget = spec.budget.evaluations ?? null;
  const wallMs = spec.budget.wallTimeMs ?? null;
  let generation = start?.generation ?? 0;
  const priorRunMs = start?.runMs ?? 0;
  const segmentStart = hooks.now();
  const segmentEvals0 = alg.evaluations();
  let lastCheckpointAt = segmentStart;
  let lastCheckpointGen = generation;
  let lastProgressAt = Number.NEGATIVE_INFINITY;
  const runMs = (): number => priorRunMs + (hooks.now() - segmentStart);
  const checkpoint = (): RunCheckpoint => ({ algorithm: resolved, state: alg.checkpoint(), generation, evaluations: alg.evaluations(), runMs: runMs(), matrixDigest });

  // The ETA's rate is measured from the first report on: the first batch also pays for starting the pool's
  // threads and warming the code, and a job of a second was shown an ETA of a minute from it.
  let firstReport: { at: number; evaluations: number } | null = null;
  const progress = (): RunProgress => {
    const at = hooks.now();
    const done = alg.evaluations();
    const elapsed = at - segmentStart;
    const rate = elapsed > 0 ? ((done - segmentEvals0) * 1000) / elapsed : 0;
    let etaRate = 0;
    if (firstReport === null) firstReport = { at, evaluations: done };
    else if (at > firstReport.at && done > firstReport.evaluations) etaRate = ((done - firstReport.evaluations) * 1000) / (at - firstReport.at);
    let eta: number | null = budget !== null && done >= budget ? 0 : budget !== null && etaRate > 0 ? ((budget - done) * 1000) / etaRate : null;
    if (wallMs !== null) eta = Math.min(eta ?? Number.POSITIVE_INFINITY, Math.max(0, wallMs - runMs()));
    const best = alg.best();
    return {
      evaluations: done, budget, generation,
      best: best ? { objectives: best.evaluation.objectives, violation: best.evaluation.violation } : null,
      evaluationsPerSec: rate, etaMs: eta, runMs: runMs(),
    };
  };

  for (;;) {
    const stop = hooks.stopRequested();
    if (stop) {
      const cp = checkpoint();
      if (stop === 'pause' || stop === 'shutdown') await hooks.onCheckpoint(cp);
      return { kind: 'stopped', reason: stop, checkpoint: cp };
    }
    if (alg.done() || (wallMs !== null && runMs() >= wallMs)) break;
    const batch = alg.ask() as SubsetCandidate[];
    if (batch.length === 0) break;
    alg.tell(batch, await hooks.evaluate(batch));
    generation++;
    const now = hooks.now();
    if (now - lastProgressAt >= hooks.progressMs) {
      lastProgressAt = now;
      hooks.onProgress(progress());
    }
    const byCount = hooks.checkpointGenerations > 0 && generation - lastCheckpointGen >= hooks.checkpointGenerations;
    const byTime = hooks.checkpointMs > 0 && now - lastCheckpointAt >= hooks.checkpointMs;
    if ((byCount || byTime) && !alg.done()) {
      await hooks.onCheckpoint(checkpoint());
      lastCheckpointAt = hooks.now();
      lastCheckpointGen = generation;
    }
  }
  hooks.onProgress(progress());
  return { kind: 'finished', algorithm: alg, checkpoint: checkpoint() };
}
