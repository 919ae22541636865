// The job service: the facade the daemon and the CLI use. It spawns the scheduler actor (with its local
// runners and their shared CPU pool) in a given actor system and turns the actor protocol into promises:
// submit, cancel, pause, resume, reprioritise, get, list, result, algorithms, events. Refusals reject with
// the coded error ({ code, message, retryable, data }); match on `code`.
import { algorithms as registry, type AlgorithmInfo as EngineAlgorithmInfo } from '../../engine/algorithms/index.ts';
import { EngineError } from '../../engine/errors.ts';
import type { JobResult, JournalReplica, MatrixSource, Priority, RecoveryInfo } from '../../engine/jobs/index.ts';
import { createError, remote, type ActorRef, type ActorSystem } from '../../runtime/index.ts';
import {
  THREAD_RUNNER, algorithmRunnerBehaviour, createRunnerPool, matrixServerBehaviour, runnerCatalogue,
  runnerError, type RunnerCommand, type RunnerReceptionist, type RunnerMessage, type RunnerPool, type RunnerSettings, type SqlPushDown,
} from '../algorithm-runner/index.ts';
import { journalClosed, schedulerBehaviour, type SchedulerSettings } from './actor.ts';
import { schedulerError } from './errors.ts';
import type { DrainReply, JobEvent, JobListFilter, JobReply, JobView, ListReply, Refused, ResultReply, SchedulerMessage, SubmitReply } from './messages.ts';

export interface JobServiceOptions {
  readonly system: ActorSystem;
  /** the folder of the durable journal (jobs, checkpoints, results) */
  readonly dir: string;
  /** where runners load a job's P&L matrix */
  readonly matrixSource: MatrixSource;
  /** local runners (jobs running at once in this process); default 1 */
  readonly runners?: number;
  /** where the local runners run: 'main' (default: the loop on the main thread, generations in the CPU
   *  pool) or 'threads' (each runner on a worker thread of `system`, created with `threads: { count,
   *  behaviours: RUNNER_BEHAVIOURS }` or a catalogue spreading `runnerBehaviours`; the matrix is loaded on
   *  main and shared as SharedArrayBuffers; generations are evaluated on the runner's own thread) */
  readonly runnerPlacement?: 'main' | 'threads';
  /** how local runners evaluate generations: 'pool' (default, the CPU pool over the in-memory matrix) or
   *  'sql' (pushed down to the store through `sql`, e.g. storeClusterPushDown(store); main-thread runners only) */
  readonly evaluation?: 'pool' | 'sql';
  readonly sql?: SqlPushDown;
  /** runners on other members (spawned there with algorithmRunnerBehaviour); watched like local ones */
  readonly remoteRunners?: readonly ActorRef<RunnerCommand>[];
  /** take runners from a receptionist (a member's `receptionist`): every runner registered under
   *  RUNNER_SERVICE_KEY on any member is taken as it appears (together with `remoteRunners`, if any) */
  readonly receptionist?: RunnerReceptionist;
  /** CPU pool threads shared by the local runners (default: available parallelism; 1 with runnerPlacement
   *  'threads', where the pool is not used for evaluation) */
  readonly poolThreads?: number;
  /** a pool to use instead of creating one (it is not closed by close()) */
  readonly pool?: RunnerPool;
  /** the scheduler actor's name under /user (default 'job-scheduler') */
  readonly name?: string;
  /** a cluster singleton's fencing epoch */
  readonly epoch?: number;
  /** journal replication to other members (see journal-replica.ts), fixed or built from the epoch */
  readonly replica?: JournalReplica | ((epoch: number, journalPath: string) => JournalReplica);
  readonly scheduler?: Partial<SchedulerSettings>;
  readonly runner?: Partial<RunnerSettings>;
  /** a listener attached before the scheduler starts (so the events of recovered jobs are not missed) */
  readonly onEvent?: (event: JobEvent) => void;
  /** how long close() waits for running jobs to checkpoint and stop (default 10 s) */
  readonly drainTimeoutMs?: number;
  /** how long a command waits for the scheduler (default 30 s) */
  readonly askTimeoutMs?: number;
  /** runs before the scheduler opens its journal (SchedulerOptions.beforeOpen) */
  readonly beforeOpen?: (journalPath: string) => Promise<void>;
}

export interface SubmitOutcome {
  readonly job: JobView;
  /** true when the idempotency key named an existing job (no second job was created) */
  readonly duplicate: boolean;
}

/** What the service tells about an algorithm: the engine's registry entry without its factory. */
export type AlgorithmInfo = Pick<EngineAlgorithmInfo, 'id' | 'title' | 'description' | 'multiObjective' | 'supportsWeights' | 'defaults'>;

export interface JobService {
  /** the scheduler's fencing epoch */
  readonly epoch: number;
  /** what opening the journal found: a torn tail cut, damaged stretches skipped (and where the file was copied) */
  readonly journalRecovery: RecoveryInfo;
  readonly scheduler: ActorRef<SchedulerMessage>;
  readonly pool: RunnerPool;
  /** resolves once the job is durable; a duplicate idempotency key returns the first job */
  submit(spec: unknown, options?: { readonly idempotencyKey?: string }): Promise<SubmitOutcome>;
  cancel(id: string): Promise<JobView>;
  pause(id: string): Promise<JobView>;
  resume(id: string): Promise<JobView>;
  reprioritise(id: string, priority: Priority): Promise<JobView>;
  get(id: string): Promise<JobView>;
  /** jobs in acceptance order, with SLA status and expected start / finish */
  list(filter?: JobListFilter): Promise<JobView[]>;
  result(id: string): Promise<JobResult>;
  algorithms(): AlgorithmInfo[];
  /** queued / started / progressed / checkpointed / completed / failed / cancelled …; returns unsubscribe */
  onEvent(listener: (event: JobEvent) => void): () => void;
  /** resolves with the job's view once it is completed, failed or cancelled */
  whenFinished(id: string, timeoutMs?: number): Promise<JobView>;
  /** graceful shutdown: running jobs checkpoint and stop (they resume from there at the next start), then the
   *  scheduler and its runners stop and the journal is closed */
  close(): Promise<void>;
}

const fromRefused = (r: Refused): EngineError => new EngineError(r.code, r.retryable, r.message, r.data);

export async function createJobService(options: JobServiceOptions): Promise<JobService> {
  const { system } = options;
  const askTimeoutMs = options.askTimeoutMs ?? 30_000;
  const onThreads = options.runnerPlacement === 'threads';
  if (onThreads && system.threads === null) {
    throw createError('STRATA_INVALID_PLACEMENT', `runnerPlacement 'threads' needs worker threads: system ${system.name} was created without { threads: { count, behaviours } }`, { system: system.name });
  }
  if (onThreads && options.evaluation === 'sql') {
    throw runnerError('STRATA_RUNNER_INVALID_OPTION', 'evaluation \'sql\' runs on main-thread runners only (the store facade cannot cross a thread): use runnerPlacement \'main\'', { evaluation: 'sql', runnerPlacement: 'threads' });
  }
  if (options.evaluation === 'sql' && !options.sql) {
    throw runnerError('STRATA_RUNNER_INVALID_OPTION', 'evaluation \'sql\' needs a push-down target (option sql, e.g. storeClusterPushDown(store))', { evaluation: 'sql' });
  }
  const pool = options.pool ?? createRunnerPool(options.poolThreads !== undefined ? { threads: options.poolThreads } : onThreads ? { threads: 1 } : {});
  const listeners = new Set<(event: JobEvent) => void>(options.onEvent ? [options.onEvent] : []);
  let closed = false;
  let ready!: (info: { epoch: number; journal: RecoveryInfo }) => void;
  let startFailed!: (error: Refused) => void;
  const readyP = new Promise<{ epoch: number; journal: RecoveryInfo }>((resolve, reject) => { ready = resolve; startFailed = (e) => reject(fromRefused(e)); });
  const name = options.name ?? 'job-scheduler';
  const count = options.runners ?? 1;
  // runners on threads load through the matrix server on main (a MatrixSource cannot cross a thread)
  const matrices = onThreads && count > 0
    ? system.spawn(matrixServerBehaviour({ matrixSource: options.matrixSource, ...(options.runner?.matrixCache !== undefined ? { cache: options.runner.matrixCache } : {}) }), { name: `${name}-matrices` })
    : null;
  const localRunners = matrices
    ? {
      count,
      behaviour: remote(runnerCatalogue, THREAD_RUNNER, { settings: options.runner ?? {} }),
      placement: 'any' as const,
      onSpawned: (ref: ActorRef<RunnerMessage>) => { ref.tell({ type: 'runner.attach', matrices, self: ref as ActorRef<RunnerCommand> }); },
    }
    : {
      count,
      behaviour: algorithmRunnerBehaviour({
        matrixSource: options.matrixSource, pool, ...(options.runner ? { settings: options.runner } : {}),
        ...(options.evaluation ? { evaluation: options.evaluation } : {}), ...(options.sql ? { sql: options.sql } : {}),
      }),
    };
  const scheduler = system.spawn(schedulerBehaviour({
    dir: options.dir,
    ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
    localRunners,
    ...(options.replica ? { replica: options.replica } : {}),
    ...(options.receptionist ? { receptionist: options.receptionist } : {}),
    ...(options.scheduler ? { settings: options.scheduler } : {}),
    ...(options.beforeOpen ? { beforeOpen: options.beforeOpen } : {}),
    onEvent: (e) => { for (const l of listeners) { try { l(e); } catch { /* a listener's problem */ } } },
    onReady: (info) => ready(info),
    onStartFailed: (error) => startFailed(error),
  }), {
    name, mailbox: { capacity: 100_000, overflow: 'reject' },
    // a runner whose worker thread died is stopped, not restarted in place: deathwatch requeues its job from
    // the last checkpoint and the scheduler spawns a fresh runner
    ...(onThreads ? { supervision: { decide: () => 'stop' as const } } : {}),
  });
  const stopMatrices = async (): Promise<void> => {
    if (!matrices) return;
    await new Promise<void>((resolve) => { system.watch(matrices, () => resolve()); system.stop(matrices); });
  };
  let epoch: number;
  let journalRecovery: RecoveryInfo;
  try {
    ({ epoch, journal: journalRecovery } = await readyP);
  } catch (e) {
    // do not leave a scheduler restarting on a journal it cannot open
    await new Promise<void>((resolve) => { system.watch(scheduler, () => resolve()); system.stop(scheduler); });
    await stopMatrices();
    if (!options.pool) await pool.close();
    throw e;
  }
  for (const r of options.remoteRunners ?? []) scheduler.tell({ type: 'runner.register', runner: r });

  async function ask<R extends { type: string }>(build: (replyTo: ActorRef<R>) => SchedulerMessage): Promise<R> {
    if (closed) throw schedulerError('STRATA_SCHEDULER_CLOSED', 'the job service is closed');
    try {
      return await system.ask<SchedulerMessage, R>(scheduler, build as (replyTo: ActorRef<R>) => SchedulerMessage, { timeoutMs: askTimeoutMs });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw schedulerError('STRATA_SCHEDULER_UNAVAILABLE', `the job scheduler did not answer: ${err.code ?? ''} ${err.message ?? String(e)}`, { cause: err.code ?? 'unknown' });
    }
  }

  const service: JobService = {
    epoch,
    journalRecovery,
    scheduler,
    pool,
    ...schedulerCommands(ask),
    onEvent(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    async whenFinished(id, timeoutMs = 600_000) {
      const deadline = Date.now() + timeoutMs;
      return new Promise<JobView>((resolve, reject) => {
        let done = false;
        const check = async (): Promise<void> => {
          if (done) return;
          try {
            const job = await service.get(id);
            if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') { finish(); resolve(job); return; }
            if (Date.now() > deadline) { finish(); reject(schedulerError('STRATA_SCHEDULER_UNAVAILABLE', `job ${id} did not finish within ${timeoutMs} ms`, { id })); }
          } catch (e) { finish(); reject(e); }
        };
        const off = service.onEvent((e) => { if ('id' in e && e.id === id && (e.type === 'job.completed' || e.type === 'job.failed' || e.type === 'job.cancelled')) void check(); });
        const timer = setInterval(() => void check(), 1_000);
        const finish = (): void => { done = true; off(); clearInterval(timer); };
        void check();
      });
    },
    async close() {
      if (closed) return;
      try {
        await system.ask<SchedulerMessage, DrainReply>(scheduler, (replyTo) => ({ type: 'scheduler.drain', replyTo }), { timeoutMs: options.drainTimeoutMs ?? 10_000 });
      } catch { /* a scheduler that cannot drain in time still stops: its jobs resume from their last checkpoints */ }
      closed = true;
      await new Promise<void>((resolve) => {
        system.watch(scheduler, () => resolve());
        system.stop(scheduler);
      });
      await journalClosed(options.dir);
      await stopMatrices();
      if (!options.pool) await pool.close();
    },
  };
  return service;
}

/** How a job service reaches its scheduler: in process, or the cluster singleton on whichever member holds it. */
export type SchedulerAsk = <R extends { type: string }>(build: (replyTo: ActorRef<R>) => SchedulerMessage) => Promise<R>;

/** The scheduler's commands and queries as methods, over any way of asking it; refusals become coded errors. */
export function schedulerCommands(ask: SchedulerAsk): Pick<JobService, 'submit' | 'cancel' | 'pause' | 'resume' | 'reprioritise' | 'get' | 'list' | 'result' | 'algorithms'> {
  async function command(build: (replyTo: ActorRef<JobReply>) => SchedulerMessage): Promise<JobView> {
    const reply = await ask<JobReply>(build);
    if (reply.type === 'job.command.rejected') throw fromRefused(reply.error);
    return reply.job;
  }
  return {
    async submit(spec, opts = {}) {
      const reply = await ask<SubmitReply>((replyTo) => ({ type: 'job.submit', spec, idempotencyKey: opts.idempotencyKey ?? null, replyTo }));
      if (reply.type === 'job.submit.rejected') throw fromRefused(reply.error);
      return { job: reply.job, duplicate: reply.duplicate };
    },
    cancel: (id) => command((replyTo) => ({ type: 'job.cancel', id, replyTo })),
    pause: (id) => command((replyTo) => ({ type: 'job.pause', id, replyTo })),
    resume: (id) => command((replyTo) => ({ type: 'job.resume', id, replyTo })),
    reprioritise: (id, priority) => command((replyTo) => ({ type: 'job.reprioritise', id, priority, replyTo })),
    get: (id) => command((replyTo) => ({ type: 'job.get', id, replyTo })),
    async list(filter = {}) {
      return (await ask<ListReply>((replyTo) => ({ type: 'job.list', filter, replyTo }))).jobs as JobView[];
    },
    async result(id) {
      const reply = await ask<ResultReply>((replyTo) => ({ type: 'job.result', id, replyTo }));
      if (reply.type === 'job.result.rejected') throw fromRefused(reply.error);
      return reply.result;
    },
    algorithms: () => registry.map((a) => ({ id: a.id, title: a.title, description: a.description, multiObjective: a.multiObjective, supportsWeights: a.supportsWeights, defaults: a.defaults })),
  };
}
