// A pool of worker threads for CPU-bound work (piscina underneath). Work goes in batches: a batch of items is
// cut into tasks of many items each (a tiny task costs more to move than to compute), at most a few tasks
// per thread are in flight, and every task's buffers are transferred, not copied. A batch is cancelled by
// its AbortSignal: tasks not yet sent are dropped and the replies of those in flight are discarded (we do
// not hand the signal to piscina, which would kill the worker running the task and lose its warm state).
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { createError, StrataError } from './errors.ts';

export interface CpuPoolOptions {
  /** module (file: URL or path) exporting the task functions; each runs as `fn(task) => result` */
  readonly module: string | URL;
  /** worker threads: default the machine's available parallelism (from config: `pool.threads`) */
  readonly threads?: number;
  /** data handed to every worker once at start (SharedArrayBuffers inside stay shared) */
  readonly workerData?: unknown;
  /** tasks in flight per thread (default 2: one running, one ready) */
  readonly inFlightPerThread?: number;
  /** a thread idle this long exits, and threads start when tasks come (default: all threads start at once
   *  and stay; a long-running process whose pool is mostly idle should not hold them: each costs over 10 MiB) */
  readonly idleTimeoutMs?: number;
}

export interface BatchOptions<I, T> {
  /** the exported function of the module that runs one task */
  readonly fn: string;
  /** items per task (default: the batch split evenly over the threads, at most 1,024) */
  readonly taskSize?: number;
  /** builds a task from a slice of items; default: the slice itself */
  readonly pack?: (items: readonly I[]) => T;
  /** buffers of a task to transfer (they become unusable here) */
  readonly transfer?: (task: T) => ArrayBuffer[];
  readonly signal?: AbortSignal;
}

export interface CpuPoolStats {
  readonly threads: number;
  /** threads running now (fewer than `threads` when idle ones have exited, see idleTimeoutMs) */
  readonly liveThreads: number;
  readonly tasksCompleted: number;
  readonly tasksFailed: number;
  readonly batchesCancelled: number;
  /** errors of the pool itself, not of a task: a thread that failed with no task on it, or a reply that came after
   *  its task was settled (see the constructor) */
  readonly poolErrors: number;
}

/**
 * A piscina pool with a listener for its pool-level errors, which every piscina pool of the project needs. Piscina
 * emits `error` on the pool for what belongs to no task: a thread that failed while it ran none (it is replaced when
 * work comes) and a reply that arrives after its task was settled (a pool closed while the task ran). An
 * EventEmitter with no `error` listener throws, here from a MessagePort callback: an uncaught exception that ends
 * the process (seen in a CI run: `Unexpected message from Worker`, a parse pool closed mid-read). `onPoolError`
 * hears them (to count them); a task's own failure still reaches its caller through the task's promise.
 */
export function newPiscina(options: NonNullable<ConstructorParameters<typeof Piscina>[0]>, onPoolError: (err: unknown) => void): Piscina {
  const piscina = new Piscina(options);
  piscina.on('error', onPoolError);
  return piscina;
}

export class CpuPool {
  readonly threads: number;
  readonly #piscina: Piscina;
  readonly #inFlight: number;
  #closed = false;
  #stats = { tasksCompleted: 0, tasksFailed: 0, batchesCancelled: 0, poolErrors: 0 };

  constructor(options: CpuPoolOptions) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
      throw createError('STRATA_INVALID_OPTION', `pool threads must be a whole number in 1..1024, got ${String(threads)}`, { option: 'threads', value: threads });
    }
    const inFlight = options.inFlightPerThread ?? 2;
    if (!Number.isInteger(inFlight) || inFlight < 1) {
      throw createError('STRATA_INVALID_OPTION', `pool inFlightPerThread must be a whole number >= 1, got ${String(inFlight)}`, { option: 'inFlightPerThread', value: inFlight });
    }
    const idle = options.idleTimeoutMs ?? Number.POSITIVE_INFINITY;
    if (!(idle > 0)) {
      throw createError('STRATA_INVALID_OPTION', `pool idleTimeoutMs must be a positive number of ms, got ${String(idle)}`, { option: 'idleTimeoutMs', value: idle });
    }
    this.threads = threads;
    this.#inFlight = inFlight;
    this.#piscina = newPiscina(
      {
        filename: String(options.module instanceof URL ? options.module.href : options.module),
        minThreads: Number.isFinite(idle) ? 0 : threads,
        maxThreads: threads,
        idleTimeout: idle,
        workerData: options.workerData,
      },
      () => { this.#stats.poolErrors++; },
    );
  }

  /** Runs one task (prefer runBatch: one task per item is slow for small items). */
  run<T, R>(fn: string, task: T, options: { transfer?: ArrayBuffer[]; signal?: AbortSignal } = {}): Promise<R> {
    return this.runBatch<T, T, R>([task], {
      fn,
      taskSize: 1,
      pack: (items) => items[0]!,
      ...(options.transfer ? { transfer: () => options.transfer! } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }).then((r) => r[0]!);
  }

  /** Runs a batch as tasks over the pool; resolves with one result per task, in task order. */
  runBatch<I, T = readonly I[], R = unknown>(items: readonly I[], options: BatchOptions<I, T>): Promise<R[]> {
    if (this.#closed) return Promise.reject(createError('STRATA_POOL_TASK_FAILED', `the CPU pool (${this.threads} threads) is closed`, { reason: 'closed' }));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(this.#cancelled(items.length));
    const per = options.taskSize ?? Math.max(1, Math.min(1_024, Math.ceil(items.length / this.threads)));
    if (!Number.isInteger(per) || per < 1) {
      return Promise.reject(createError('STRATA_INVALID_OPTION', `taskSize must be a whole number >= 1, got ${String(per)}`, { option: 'taskSize', value: per }));
    }
    const nTasks = Math.ceil(items.length / per);
    const results: R[] = new Array<R>(nTasks);
    if (nTasks === 0) return Promise.resolve(results);
    const pack = options.pack ?? ((slice: readonly I[]) => slice as unknown as T);
    return new Promise<R[]>((resolve, reject) => {
      let next = 0;
      let active = 0;
      let done = 0;
      let settled = false;
      const settle = (error: StrataError | null) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(results);
      };
      const onAbort = () => {
        this.#stats.batchesCancelled++;
        settle(this.#cancelled(items.length));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const launch = () => {
        while (!settled && active < this.threads * this.#inFlight && next < nTasks) {
          const index = next++;
          let task: T;
          try {
            task = pack(items.slice(index * per, Math.min(items.length, (index + 1) * per)));
          } catch (err) {
            settle(createError('STRATA_POOL_TASK_FAILED', `packing task ${index} failed: ${(err as Error).message}`, { task: index }));
            return;
          }
          const transferList = options.transfer?.(task) ?? [];
          active++;
          (this.#piscina.run(task, { name: options.fn, transferList }) as Promise<R>).then(
            (result) => {
              active--;
              this.#stats.tasksCompleted++;
              if (settled) return;
              results[index] = result;
              if (++done === nTasks) settle(null);
              else launch();
            },
            (reason: unknown) => {
              active--;
              this.#stats.tasksFailed++;
              const e = reason as { code?: unknown; message?: unknown } | null;
              const cause = reason instanceof Error ? reason.message : String(reason);
              settle(
                createError('STRATA_POOL_TASK_FAILED', `task ${index} of ${nTasks} (${options.fn}) failed: ${cause}`, {
                  task: index,
                  fn: options.fn,
                  cause,
                  ...(typeof e?.code === 'string' ? { causeCode: e.code } : {}),
                }),
              );
            },
          );
        }
      };
      launch();
    });
  }

  stats(): CpuPoolStats {
    return { threads: this.threads, liveThreads: this.#piscina.threads.length, ...this.#stats };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.close({ force: true });
  }

  #cancelled(items: number): StrataError {
    return createError('STRATA_ASK_CANCELLED', `a CPU pool batch of ${items} items was cancelled`, { items });
  }
}
