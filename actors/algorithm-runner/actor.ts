// The algorithm-runner actor: takes one job at a time from its scheduler, loads the P&L matrix through its
// MatrixSource (into SharedArrayBuffers), runs the engine's ask/tell loop with each generation evaluated in
// the shared CPU pool, and reports progress, checkpoints (each acknowledged by the scheduler once durable),
// and the result or the failure. The loop runs beside the mailbox, so stop commands are read while it runs.
// Fencing: a start from an epoch older than one already seen is refused, and a refused checkpoint or result
// (stale assignment or epoch) ends the run silently: a stale runner never completes anything.
// The same runner runs on a worker thread of the system (thread-runner.ts): there the matrix comes from the
// main thread's matrix server as SharedArrayBuffers and each generation is evaluated on the runner's thread.
import type { ActorContext, ActorRef, Behaviour } from '../../runtime/index.ts';
import type { Evaluation, SubsetCandidate } from '../../engine/algorithms/index.ts';
import type { PortfolioProblem } from '../../engine/portfolio/index.ts';
import { EngineError } from '../../engine/errors.ts';
// engine/jobs' own modules, not its index: this file runs on worker threads too, which must not load the
// store's drivers (native addons) that the index's store matrix source brings
import { buildJobResult } from '../../engine/jobs/job-result.ts';
import type { ErrorInfo } from '../../engine/jobs/job-records.ts';
import { matrixDigest, matrixQueryOf, type LoadedMatrix, type MatrixQuery, type MatrixSource } from '../../engine/jobs/matrix-source.ts';
import { buildProblem, runJobLoop, type RunCheckpoint, type StopReason } from '../../engine/jobs/run-loop.ts';
import type { RunnerReport, RunnerReportReply } from '../job-scheduler/index.ts';
import { RUNNER_SERVICE_KEY, type RunnerCommand, type RunnerMessage, type RunnerReceptionist } from './messages.ts';
import type { MatrixRequest } from './matrix-server.ts';
import { createSqlEvaluation, type SqlPushDown } from './sql-evaluation.ts';
import { runnerError } from './errors.ts';
import type { RunnerPool } from './runner-pool.ts';

export interface RunnerSettings {
  /** checkpoint every this many generations (0: never by count) … */
  readonly checkpointGenerations: number;
  /** … or this many ms since the last one (0: never by time) */
  readonly checkpointMs: number;
  readonly progressMs: number;
  /** how long a checkpoint or the result may wait for the scheduler's acknowledgement */
  readonly reportTimeoutMs: number;
  /** loaded matrices kept for the next job on the same data */
  readonly matrixCache: number;
  /** a runner on a worker thread: how long it waits for the main thread's matrix server to load a matrix */
  readonly matrixTimeoutMs: number;
}

export const DEFAULT_RUNNER_SETTINGS: RunnerSettings = {
  checkpointGenerations: 0, checkpointMs: 2_000, progressMs: 500, reportTimeoutMs: 30_000, matrixCache: 2, matrixTimeoutMs: 120_000,
};

/** Where a runner gets its matrices and evaluates its generations. */
export interface RunnerEngine {
  /** the job's matrix; `jobId` lets a cache keep it for that job only */
  load(query: MatrixQuery, jobId: string): Promise<LoadedMatrix>;
  evaluate(key: string, problem: PortfolioProblem, batch: readonly SubsetCandidate[], signal: AbortSignal, job: JobMatrix): Promise<Evaluation[]>;
}

/** The job's matrix as the store knows it (SQL push-down names strategies and days, not matrix rows). */
export interface JobMatrix {
  readonly strategyIds: readonly string[];
  readonly days: readonly string[];
  readonly zone: string;
}

/** How a runner on a worker thread builds its engine once attached (thread-runner.ts). */
export type AttachEngine = (ctx: ActorContext<RunnerMessage>, matrices: ActorRef<MatrixRequest>, settings: RunnerSettings) => RunnerEngine;

export interface RunnerOptions {
  readonly matrixSource: MatrixSource;
  readonly pool: RunnerPool;
  readonly settings?: Partial<RunnerSettings>;
  /** offer the runner under RUNNER_SERVICE_KEY here (a member's cluster receptionist): schedulers that
   *  subscribe to the listing take it; it leaves the listing when it stops or its member goes down */
  readonly receptionist?: RunnerReceptionist;
  /** 'pool' (default): generations are evaluated in the CPU pool on the in-memory matrix; 'sql': pushed down
   *  to the store as per-day partial sums (`sql`, e.g. storeClusterPushDown(store)), merged here */
  readonly evaluation?: 'pool' | 'sql';
  readonly sql?: SqlPushDown;
}

interface Current {
  readonly cmd: Extract<RunnerCommand, { type: 'runner.start' }>;
  stop: StopReason | null;
  readonly abort: AbortController;
}

const FENCED = new Set(['STRATA_JOB_STALE_EPOCH', 'STRATA_JOB_STALE_ASSIGNMENT', 'STRATA_JOB_UNKNOWN']);

function errorInfo(e: unknown): ErrorInfo {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown; data?: { cause?: unknown } } | null;
  if (err && typeof err.code === 'string' && err.code.startsWith('STRATA_')) {
    // runtime errors carry no flag: a lost thread or member, a timeout or a full mailbox may pass
    const retryable = typeof err.retryable === 'boolean' ? err.retryable
      : ['STRATA_ASK_TIMEOUT', 'STRATA_MAILBOX_FULL', 'STRATA_THREAD_DIED', 'STRATA_CLUSTER_MEMBER_DOWN', 'STRATA_ACTOR_STOPPED', 'STRATA_POOL_TASK_FAILED'].includes(err.code);
    const cause = err.data && typeof err.data === 'object' && typeof err.data.cause === 'string' ? err.data.cause : undefined;
    return { code: err.code, message: String(err.message ?? err.code), retryable, ...(cause ? { cause } : {}) };
  }
  return { code: 'STRATA_RUNNER_CRASHED', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), retryable: true };
}

export function algorithmRunnerBehaviour(options: RunnerOptions): Behaviour<RunnerMessage> {
  let evaluate: RunnerEngine['evaluate'] = (key, problem, batch, signal) => options.pool.evaluate(key, problem, batch, signal);
  if (options.evaluation === 'sql') {
    if (!options.sql) throw runnerError('STRATA_RUNNER_INVALID_OPTION', 'evaluation \'sql\' needs a push-down target (option sql, e.g. storeClusterPushDown(store))', { evaluation: 'sql' });
    const sql = createSqlEvaluation(options.sql);
    evaluate = (key, problem, batch, _signal, job) => sql.evaluate(key, problem, batch, job);
  }
  const engine: RunnerEngine = { load: (query) => options.matrixSource.load(query), evaluate };
  return runnerBehaviour({ ...DEFAULT_RUNNER_SETTINGS, ...options.settings }, options.receptionist ?? null, engine, null);
}

/** The runner itself: with a fixed engine (main thread), or one built when `runner.attach` arrives (a worker
 *  thread, where a MatrixSource and the pool cannot travel); starts before the attach wait for it. */
export function runnerBehaviour(settings: RunnerSettings, receptionist: RunnerReceptionist | null, fixed: RunnerEngine | null, attach: AttachEngine | null): Behaviour<RunnerMessage> {
  return (ctx) => {
    let engine: RunnerEngine | null = fixed;
    // the ref the scheduler knows this runner by (on a thread: the proxy on main, given with runner.attach)
    let publicSelf = ctx.self as ActorRef<RunnerCommand>;
    let heldStart: Extract<RunnerCommand, { type: 'runner.start' }> | null = null;
    let highestEpoch = 0;
    let current: Current | null = null;
    let pendingStart: Current['cmd'] | null = null;
    let lastScheduler: ActorRef<RunnerReport> | null = null;
    // Per job, never shared between jobs: a resumed run gets the data its checkpoints were made from, and a new job
    // with the same query reads the store again (a universe cached by query alone hid every later ingest).
    const matrices = new Map<string, Promise<{ loaded: LoadedMatrix; digest: string }>>();

    const report = (scheduler: ActorRef<RunnerReport>, r: RunnerReport): void => { scheduler.tell(r); };

    const loadMatrix = (cmd: Current['cmd']): Promise<{ loaded: LoadedMatrix; digest: string }> => {
      const query = matrixQueryOf(cmd.spec);
      // a job's query never changes: its id is the key
      const key = cmd.jobId;
      let p = matrices.get(key);
      if (!p) {
        p = engine!.load(query, cmd.jobId).then((loaded) => ({ loaded, digest: matrixDigest(loaded) }));
        p.catch(() => matrices.delete(key));
        matrices.set(key, p);
        while (matrices.size > settings.matrixCache) matrices.delete(matrices.keys().next().value!);
      }
      return p;
    };

    const acknowledged = async (cmd: Current['cmd'], build: (replyTo: ActorRef<RunnerReportReply>) => RunnerReport): Promise<void> => {
      const reply = await ctx.ask<RunnerReport, RunnerReportReply>(cmd.scheduler, build, { timeoutMs: settings.reportTimeoutMs });
      if (reply.type === 'runner.report.rejected') throw new EngineError(reply.error.code, reply.error.retryable, reply.error.message, reply.error.data);
    };

    async function run(cur: Current): Promise<void> {
      const { cmd } = cur;
      const base = { jobId: cmd.jobId, epoch: cmd.epoch, assignment: cmd.assignment };
      try {
        const { loaded, digest } = await loadMatrix(cmd);
        const problem = buildProblem(loaded, cmd.spec);
        const key = `${cmd.jobId}:${digest.slice(0, 16)}`;
        const job: JobMatrix = { strategyIds: loaded.strategyIds, days: loaded.days, zone: matrixQueryOf(cmd.spec).zone };
        const outcome = await runJobLoop(cmd.spec, problem, digest, cmd.checkpoint, {
          evaluate: (batch) => engine!.evaluate(key, problem, batch, cur.abort.signal, job),
          checkpointGenerations: settings.checkpointGenerations,
          checkpointMs: settings.checkpointMs,
          progressMs: settings.progressMs,
          onCheckpoint: (checkpoint: RunCheckpoint) => acknowledged(cmd, (replyTo) => ({ type: 'runner.checkpointed', ...base, checkpoint, replyTo })),
          onProgress: (progress) => report(cmd.scheduler, { type: 'runner.progressed', ...base, progress }),
          stopRequested: () => cur.stop,
          now: () => ctx.clock.now(),
        });
        if (outcome.kind === 'stopped') {
          report(cmd.scheduler, { type: 'runner.stopped', ...base, reason: outcome.reason });
          return;
        }
        const result = await buildJobResult(cmd.spec, problem, loaded, outcome.algorithm, outcome.checkpoint);
        // a pause or shutdown that came after the last generation is moot: the job is done, report it
        if (cur.stop === 'cancel' || cur.stop === 'reassign') {
          report(cmd.scheduler, { type: 'runner.stopped', ...base, reason: cur.stop });
          return;
        }
        await acknowledged(cmd, (replyTo) => ({ type: 'runner.completed', ...base, result, replyTo }));
      } catch (e) {
        const info = errorInfo(e);
        if (FENCED.has(info.code)) {
          ctx.log.info({ job: cmd.jobId, assignment: cmd.assignment, code: info.code }, 'fenced: stopping a stale assignment');
          return;
        }
        if (cur.stop) {
          report(cmd.scheduler, { type: 'runner.stopped', ...base, reason: cur.stop });
          return;
        }
        report(cmd.scheduler, { type: 'runner.failed', ...base, error: info });
      }
    }

    const begin = (cmd: Current['cmd']): void => {
      const cur: Current = { cmd, stop: null, abort: new AbortController() };
      current = cur;
      void run(cur).finally(() => ctx.self.tell({ type: 'runner.loop-ended', assignment: cmd.assignment }));
    };

    return {
      started() {
        receptionist?.register(RUNNER_SERVICE_KEY, ctx.self as ActorRef<RunnerCommand>);
      },
      receive(m) {
        switch (m.type) {
          case 'runner.attach': {
            if (!attach || engine) return;
            engine = attach(ctx, m.matrices, settings);
            publicSelf = m.self;
            const held = heldStart;
            heldStart = null;
            if (held) ctx.self.tell(held);
            return;
          }
          case 'runner.start': {
            if (!engine) { heldStart = m; return; }
            if (m.epoch < highestEpoch) {
              report(m.scheduler, {
                type: 'runner.refused', jobId: m.jobId, epoch: m.epoch, assignment: m.assignment,
                error: { code: 'STRATA_JOB_STALE_EPOCH', message: `runner ${ctx.path} refused ${m.assignment}: epoch ${m.epoch} is older than ${highestEpoch}`, retryable: false, data: { epoch: m.epoch, current: highestEpoch } },
              });
              return;
            }
            highestEpoch = m.epoch;
            lastScheduler = m.scheduler;
            if (current) {
              if (current.cmd.assignment === m.assignment) return; // a repeated start
              if (current.cmd.epoch < m.epoch) {
                // a newer scheduler took over: drop the stale run and take the new one when it has ended
                current.stop = 'reassign';
                current.abort.abort();
                pendingStart = m;
                return;
              }
              report(m.scheduler, {
                type: 'runner.refused', jobId: m.jobId, epoch: m.epoch, assignment: m.assignment,
                error: { code: 'STRATA_JOB_RUNNER_BUSY', message: `runner ${ctx.path} still runs ${current.cmd.assignment}`, retryable: true, data: { busyWith: current.cmd.assignment } },
              });
              return;
            }
            begin(m);
            return;
          }
          case 'runner.stop': {
            if (m.epoch < highestEpoch) return;
            if (current && current.cmd.assignment === m.assignment) {
              current.stop = m.reason;
              // pause and shutdown stop between generations and checkpoint; cancel and reassign abandon the batch
              if (m.reason === 'cancel' || m.reason === 'reassign') current.abort.abort();
            }
            if (pendingStart && pendingStart.assignment === m.assignment) pendingStart = null;
            if (heldStart && heldStart.assignment === m.assignment) heldStart = null;
            return;
          }
          case 'runner.loop-ended': {
            if (current && current.cmd.assignment === m.assignment) current = null;
            if (!current && pendingStart) {
              const next = pendingStart;
              pendingStart = null;
              begin(next);
            } else if (!current && lastScheduler) {
              lastScheduler.tell({ type: 'runner.idle', runner: publicSelf });
            }
            return;
          }
        }
      },
      stopping() {
        if (current) {
          current.stop = 'reassign';
          current.abort.abort();
        }
      },
    };
  };
}
