// The CPU pool the runners of one process share (runtime/cpu-pool.ts over piscina, worker.ts): a job's
// generation is packed once, cut into tasks of many candidates, evaluated on all threads and read back in
// order. A thread that dies under a task fails that generation with STRATA_RUNNER_THREAD_LOST (piscina
// replaces the thread); the job then resumes from its last checkpoint.
import { availableParallelism } from 'node:os';
import type { Evaluation, SubsetCandidate } from '../../engine/algorithms/index.ts';
import { packCandidates, readEvaluations, type PortfolioProblem } from '../../engine/portfolio/index.ts';
import { CpuPool } from '../../runtime/index.ts';
import { runnerError } from './errors.ts';
import type { EvaluateTask } from './worker.ts';

export const RUNNER_WORKER = new URL('./worker.ts', import.meta.url);

export interface RunnerPoolOptions {
  /** worker threads (default: available parallelism) */
  readonly threads?: number;
  /** most candidates per task (default 256) */
  readonly taskSize?: number;
  /** a thread idle this long exits; threads start again with the next job (default 30 s: a daemon's pool is
   *  idle between jobs, and each idle thread holds tens of MiB) */
  readonly idleTimeoutMs?: number;
}

export const RUNNER_POOL_IDLE_MS = 30_000;

export interface RunnerPool {
  readonly threads: number;
  evaluate(key: string, problem: PortfolioProblem, candidates: readonly SubsetCandidate[], signal?: AbortSignal): Promise<Evaluation[]>;
  /** Fault injection (tests, benchmarks): the thread that takes the next task exits, as if killed. */
  terminateThreadOnNextTask(): void;
  close(): Promise<void>;
}

export function createRunnerPool(options: RunnerPoolOptions = {}): RunnerPool {
  const threads = options.threads ?? Math.max(1, availableParallelism());
  const taskSize = options.taskSize ?? 256;
  const faults = new Int32Array(new SharedArrayBuffer(4));
  const pool = new CpuPool({ module: RUNNER_WORKER, threads, workerData: { faults }, idleTimeoutMs: options.idleTimeoutMs ?? RUNNER_POOL_IDLE_MS });
  let closed = false;
  return {
    threads,
    async evaluate(key, problem, candidates, signal) {
      if (closed) throw runnerError('STRATA_RUNNER_POOL_CLOSED', `the runner pool (${threads} threads) is closed`, { threads });
      if (candidates.length === 0) return [];
      const nObjectives = problem.space.nObjectives;
      const per = Math.max(8, Math.min(taskSize, Math.ceil(candidates.length / threads)));
      let parts: Float64Array[];
      try {
        parts = await pool.runBatch<SubsetCandidate, EvaluateTask, Float64Array>(candidates, {
          fn: 'evaluateJobBatch',
          taskSize: per,
          pack: (slice) => ({ key, problem, ...packCandidates(slice, problem.matrix.nStrategies, problem.space.weighted) }),
          transfer: (t) => [t.starts.buffer as ArrayBuffer, t.indices.buffer as ArrayBuffer, ...(t.weights ? [t.weights.buffer as ArrayBuffer] : [])],
          ...(signal ? { signal } : {}),
        });
      } catch (e) {
        const err = e as { code?: string; message?: string };
        if (closed) throw runnerError('STRATA_RUNNER_POOL_CLOSED', `the runner pool closed during a batch of ${candidates.length}`, { threads });
        if (err.code === 'STRATA_POOL_TASK_FAILED') throw runnerError('STRATA_RUNNER_THREAD_LOST', `a pool thread failed under a batch of ${candidates.length} candidates: ${err.message ?? ''}`, { cause: err.message ?? '' });
        throw e;
      }
      const stride = nObjectives + 1;
      const out = new Float64Array(candidates.length * stride);
      let at = 0;
      for (const p of parts) { out.set(p, at); at += p.length; }
      return readEvaluations(out, candidates.length, nObjectives);
    },
    terminateThreadOnNextTask() { Atomics.store(faults, 0, 1); },
    async close() {
      if (closed) return;
      closed = true;
      await pool.close();
    },
  };
}
