// Batch evaluation in a piscina pool over the shared matrix: the problem (SharedArrayBuffers inside) goes to
// each worker once at start; a batch of candidates is packed, cut into tasks of many candidates (tiny tasks
// cost more than they compute), moved to the workers and the results moved back. Cancellable by AbortSignal.
import { availableParallelism } from 'node:os';
import { newPiscina } from '../../runtime/cpu-pool.ts';
import type { Evaluation, SubsetCandidate } from '../algorithms/types.ts';
import { packCandidates } from './candidate-batch.ts';
import type { CandidateBatch } from './candidate-batch.ts';
import { EngineError } from '../errors.ts';
import { portfolioError } from './errors.ts';
import { readEvaluations } from './evaluator.ts';
import type { PoolTask } from './pool-worker.ts';
import type { PortfolioProblem } from './problem.ts';

export interface EvaluationPoolOptions {
  /** worker threads; default: available parallelism. */
  readonly threads?: number;
  /** most candidates per task; default 512. A batch smaller than threads × taskSize is split evenly. */
  readonly taskSize?: number;
}

export interface EvaluationPool {
  readonly threads: number;
  readonly nObjectives: number;
  evaluate(candidates: readonly SubsetCandidate[], options?: { readonly signal?: AbortSignal }): Promise<Evaluation[]>;
  /** objectives then violation per candidate, stride nObjectives + 1 */
  evaluatePacked(batch: CandidateBatch, options?: { readonly signal?: AbortSignal }): Promise<Float64Array>;
  close(): Promise<void>;
}

const MIN_TASK = 16;
const IN_FLIGHT_PER_THREAD = 2;

export function createEvaluationPool(problem: PortfolioProblem, options: EvaluationPoolOptions = {}): EvaluationPool {
  const threads = options.threads ?? availableParallelism();
  const taskSize = options.taskSize ?? 512;
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `pool threads must be an integer in 1 … 256, got ${String(threads)}`, { threads });
  }
  if (!Number.isInteger(taskSize) || taskSize < 1) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `pool taskSize must be a positive integer, got ${String(taskSize)}`, { taskSize });
  }
  const nObjectives = problem.space.nObjectives;
  const { nStrategies } = problem.matrix;
  const weighted = problem.space.weighted;
  // pool-level errors (a thread failing with no task, a reply after close) are heard and dropped: a task's failure
  // still rejects its own promise
  const piscina = newPiscina(
    { filename: new URL('./pool-worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads, idleTimeout: Number.POSITIVE_INFINITY, workerData: { problem } },
    () => undefined,
  );
  let closed = false;

  function evaluatePacked(batch: CandidateBatch, opts: { readonly signal?: AbortSignal } = {}): Promise<Float64Array> {
    if (closed) return Promise.reject(portfolioError('STRATA_PORTFOLIO_POOL_CLOSED', `evaluation pool (${threads} threads) is closed`, { threads }));
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(cancelled(batch.count));
    const stride = nObjectives + 1;
    const out = new Float64Array(batch.count * stride);
    const per = Math.max(MIN_TASK, Math.min(taskSize, Math.ceil(batch.count / threads)));
    const nTasks = Math.ceil(batch.count / per);
    if (nTasks === 0) return Promise.resolve(out);
    // We dispatch tasks ourselves, at most IN_FLIGHT_PER_THREAD per thread, instead of queueing them all in
    // piscina with the signal: piscina aborts a running task by killing its worker (and can then trip over
    // the dead worker's late reply). Cancelling here drops the tasks not yet sent and discards the replies of
    // the few in flight, which finish within one task's time.
    return new Promise<Float64Array>((resolve, reject) => {
      let next = 0;
      let active = 0;
      let finished = 0;
      let settled = false;
      const settle = (error: EngineError | null): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(out);
      };
      const onAbort = (): void => settle(cancelled(batch.count));
      signal?.addEventListener('abort', onAbort, { once: true });
      const launch = (): void => {
        while (!settled && active < threads * IN_FLIGHT_PER_THREAD && next < nTasks) {
          const from = next++ * per;
          const to = Math.min(batch.count, from + per);
          const task = sliceTask(batch, from, to);
          const transfer: ArrayBuffer[] = [task.starts.buffer as ArrayBuffer, task.indices.buffer as ArrayBuffer];
          if (task.weights) transfer.push(task.weights.buffer as ArrayBuffer);
          active++;
          (piscina.run(task, { name: 'evaluateBatch', transferList: transfer }) as Promise<Float64Array>).then(
            (part) => {
              active--;
              if (settled) return;
              out.set(part, from * stride);
              if (++finished === nTasks) settle(null);
              else launch();
            },
            (reason: unknown) => {
              active--;
              if (reason instanceof EngineError) return settle(reason);
              const cause = reason instanceof Error ? reason.message : String(reason);
              settle(portfolioError('STRATA_PORTFOLIO_POOL_TASK_FAILED', `an evaluation pool task failed: ${cause}`, { cause }));
            },
          );
        }
      };
      launch();
    });
  }

  return {
    threads,
    nObjectives,
    evaluatePacked,
    async evaluate(candidates, opts = {}) {
      const batch = packCandidates(candidates, nStrategies, weighted);
      return readEvaluations(await evaluatePacked(batch, opts), batch.count, nObjectives);
    },
    async close() {
      if (closed) return;
      closed = true;
      await piscina.close({ force: true });
    },
  };
}

/** Candidates [from, to) of a batch as a task with its own (transferable) buffers. */
function sliceTask(batch: CandidateBatch, from: number, to: number): PoolTask {
  const a = batch.starts[from]!;
  const b = batch.starts[to]!;
  const starts = new Int32Array(to - from + 1);
  for (let c = from; c <= to; c++) starts[c - from] = batch.starts[c]! - a;
  return {
    count: to - from,
    starts,
    indices: batch.indices.slice(a, b),
    weights: batch.weights ? batch.weights.slice(a, b) : null,
  };
}

function cancelled(count: number): EngineError {
  return portfolioError('STRATA_PORTFOLIO_CANCELLED', `batch evaluation of ${count} candidates was cancelled`, { count });
}
