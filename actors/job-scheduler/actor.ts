// The job-scheduler actor: owns the durable journal (engine/jobs/journal.ts) and the state folded from it,
// admits jobs (spec validation, idempotency keys, queue bounds), dispatches queued jobs to idle runners by
// priority level, fair share and deadline, watches the runners and requeues the job of a lost one from its
// last checkpoint, applies cancel / pause / resume / reprioritise, records checkpoints and results, and
// answers queries. Every reply to a client waits until what it reports is durable (fsync'd, replicated).
// Fencing: its epoch is above every epoch in the journal (and the cluster singleton's epoch when given);
// runner reports from another epoch or for an assignment that is no longer current are refused.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ActorRef, AnyActorRef, Behaviour, Placement, RemoteBehaviour } from '../../runtime/index.ts';
import {
  DEFAULT_QUEUE_LIMITS, admission, applyRecord, dispatchOrder, emptyJournalState, evaluationBudget, expectedStarts, isFinished,
  jobIdOf, journalDamageMessage, openJournal, parseJobSpec, pickNext, slaStatus, snapshotRecords,
  type ErrorInfo, type Journal, type JournalRecord, type JournalReplica, type JournalState, type JobLifecycle,
  type PersistedJob, type QueueEntry, type QueueLimits, type RecoveryInfo, type RunProgress, type JobSpec, type StopReason,
} from '../../engine/jobs/index.ts';
import { RUNNER_SERVICE_KEY, type RunnerCommand, type RunnerReceptionist, type RunnerMessage } from '../algorithm-runner/index.ts';
import { DEFAULT_RETRY_POLICY, initialLifecycle, nextLifecycle, type JobMachineEvent, type RetryPolicy } from './machine.ts';
import type { JobEvent, JobView, Refused, RunnerReport, SchedulerMessage } from './messages.ts';

export const JOURNAL_FILE = 'jobs.journal';

export interface SchedulerSettings {
  readonly limits: QueueLimits;
  readonly retry: RetryPolicy;
  /** retry timers and SLA checks */
  readonly tickMs: number;
  /** compact the journal after this many appended records */
  readonly compactEveryRecords: number;
  /** finished jobs kept through a compaction (older ones are forgotten) */
  readonly retainFinished: number;
  /** evaluations per second assumed before any job has reported its speed (ETA of queued jobs) */
  readonly assumedEvaluationsPerSec: number;
  /** fsync every append (false only for benchmarks that measure the difference) */
  readonly fsync: boolean;
}

export const DEFAULT_SCHEDULER_SETTINGS: SchedulerSettings = {
  limits: DEFAULT_QUEUE_LIMITS, retry: DEFAULT_RETRY_POLICY, tickMs: 250, compactEveryRecords: 2_000, retainFinished: 1_000,
  assumedEvaluationsPerSec: 20_000, fsync: true,
};

export interface SchedulerOptions {
  /** the folder holding the journal */
  readonly dir: string;
  /** the cluster singleton's fencing epoch (the scheduler's epoch is above it and above the journal's) */
  readonly epoch?: number;
  /** local runners spawned as children, named `runner-<epoch>-<n>` */
  readonly localRunners?: {
    readonly count: number;
    /** a function behaviour (main thread), or a catalogue behaviour (`remote(...)`) placed on a worker thread */
    readonly behaviour: Behaviour<RunnerMessage> | RemoteBehaviour<RunnerMessage>;
    readonly placement?: Placement;
    /** called with each local runner as it is spawned (before any job is sent to it) */
    readonly onSpawned?: (runner: ActorRef<RunnerMessage>) => void;
  };
  /** take runners from a receptionist (a member's cluster receptionist): every runner listed under
   *  RUNNER_SERVICE_KEY, on any member, is taken and watched; idle ones that leave the listing are dropped */
  readonly receptionist?: RunnerReceptionist;
  /** where the journal is replicated before an append is acknowledged: fixed, or built once the epoch is known */
  readonly replica?: JournalReplica | ((epoch: number, journalPath: string) => JournalReplica);
  readonly settings?: Partial<SchedulerSettings>;
  /** in-process listener (the service facade); remote listeners use `job.subscribe` */
  readonly onEvent?: (event: JobEvent) => void;
  /** the epoch the scheduler runs under, once its journal is open */
  /** once the journal is replayed and the epoch durable; `journal`: what opening the journal found (a cut tail, damage skipped) */
  readonly onReady?: (info: { readonly epoch: number; readonly recoveredJobs: number; readonly journal: RecoveryInfo }) => void;
  /** the journal could not be opened (held by another live process, corrupt, unwritable) */
  readonly onStartFailed?: (error: Refused) => void;
  /** runs before the journal is opened, e.g. to put the newest copy the other members hold in its place
   *  (adoptNewestJournal); a failure is a failed start */
  readonly beforeOpen?: (journalPath: string) => Promise<void>;
}

interface Live {
  assignment: string | null;
  runner: AnyActorRef | null;
  progress: RunProgress | null;
}

interface RunnerSlot {
  readonly ref: ActorRef<RunnerCommand>;
  /** the assignment it was given last, until it reports runner.idle */
  busyWith: { readonly jobId: string; readonly assignment: string } | null;
  readonly local: boolean;
  /** taken from the receptionist's listing (dropped when it leaves the listing while idle) */
  readonly listed: boolean;
}

// A journal closed by a stopped scheduler finishes closing before a restarted one opens the same file.
const closing = new Map<string, Promise<void>>();

/** Resolves once a stopped scheduler of this folder has closed its journal. */
export function journalClosed(dir: string): Promise<void> {
  return closing.get(join(dir, JOURNAL_FILE)) ?? Promise.resolve();
}

const refused = (code: string, message: string, data: Record<string, unknown> = {}, retryable = false): Refused => ({ code, message, retryable, data });

function toRefused(e: unknown): Refused {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown; data?: unknown };
  return {
    code: typeof err.code === 'string' ? err.code : 'STRATA_JOB_INVALID_SPEC',
    message: String(err.message ?? e),
    retryable: err.retryable === true,
    data: (err.data && typeof err.data === 'object' ? err.data : {}) as Record<string, unknown>,
  };
}

export function schedulerBehaviour(options: SchedulerOptions): Behaviour<SchedulerMessage> {
  const settings: SchedulerSettings = { ...DEFAULT_SCHEDULER_SETTINGS, ...options.settings };
  return (ctx) => {
    let journal: Journal<JournalRecord> | null = null;
    let state: JournalState = emptyJournalState();
    let epoch = 0;
    let lastAppend: Promise<void> = Promise.resolve();
    let compacting: Promise<void> | null = null;
    let compactions = 0;
    const held: { records: JournalRecord[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
    const idempotency = new Map<string, string>();
    const live = new Map<string, Live>();
    const runners = new Map<string, RunnerSlot>();
    const subscribers = new Map<string, ActorRef<JobEvent>>();
    const running: Record<string, number> = {};
    const lastServed: Record<string, number> = {};
    let serveTick = 0;
    let localCount = 0;
    let rate = settings.assumedEvaluationsPerSec;
    let unsubscribeListing: (() => void) | null = null;
    // runners that refused this scheduler's epoch (they serve a newer scheduler): never taken again
    const refusedRunners = new Set<string>();
    // graceful shutdown: the jobs still to checkpoint and stop, and who waits for them
    let draining: { readonly pending: Set<string>; readonly checkpointed: string[]; readonly replyTo: ActorRef<import('./messages.ts').DrainReply> } | null = null;

    const now = (): number => ctx.clock.now();
    const liveOf = (id: string): Live => {
      let l = live.get(id);
      if (!l) { l = { assignment: null, runner: null, progress: null }; live.set(id, l); }
      return l;
    };
    const ownerOf = (j: PersistedJob): string => j.spec.owner ?? 'default';

    function emit(event: JobEvent): void {
      try { options.onEvent?.(event); } catch (e) { ctx.log.warn({ err: e }, 'job event listener threw'); }
      for (const s of subscribers.values()) s.tell(event);
    }

    // --- durability: every record is applied to the in-memory state at once and appended in order; a reply
    // or an event that reports it waits for `lastAppend` (the journal acknowledges appends in order).
    function persist(records: JournalRecord[]): Promise<void> {
      for (const r of records) state = applyRecord(state, r);
      const p = compacting
        ? new Promise<void>((resolve, reject) => held.push({ records, resolve, reject }))
        : journal!.append(records);
      lastAppend = p;
      p.catch((e: unknown) => ctx.self.tell({ type: 'scheduler.journal-failed', error: toRefused(e) }));
      maybeCompact();
      return p;
    }

    function maybeCompact(): void {
      if (compacting || !journal || journal.appendedRecords() < settings.compactEveryRecords) return;
      const image = snapshotRecords(state, settings.retainFinished, ++compactions);
      const kept = new Set((image[0] as Extract<JournalRecord, { t: 'snapshot' }>).jobs.map((j) => j.id));
      const forgotten = [...state.jobs.keys()].filter((id) => !kept.has(id));
      for (const id of forgotten) { state.jobs.delete(id); live.delete(id); }
      for (const [k, id] of idempotency) if (!state.jobs.has(id)) idempotency.delete(k);
      compacting = journal.compact(image).then(() => {
        compacting = null;
        const waiting = held.splice(0);
        if (waiting.length > 0) {
          const p = journal!.append(waiting.flatMap((w) => w.records));
          lastAppend = p;
          p.then(() => { for (const w of waiting) w.resolve(); }, (e: unknown) => { for (const w of waiting) w.reject(e); });
        }
      }, (e: unknown) => {
        compacting = null;
        for (const w of held.splice(0)) w.reject(e);
        ctx.self.tell({ type: 'scheduler.journal-failed', error: toRefused(e) });
      });
    }

    /** Runs `fn` once everything appended so far is durable; `failed` when the journal could not make it so
     *  (then nothing was acknowledged, and the scheduler restarts on a fresh open of its journal). */
    const afterDurable = (fn: () => void, failed?: (error: Refused) => void): void => {
      void lastAppend.then(fn, (e: unknown) => failed?.(toRefused(e)));
    };

    function transitionJob(id: string, event: JobMachineEvent): JobLifecycle | null {
      const job = state.jobs.get(id);
      if (!job) return null;
      const next = nextLifecycle(job.life, event);
      if (!next) return null;
      const t = now();
      persist([{ t: 'state', id, life: next, at: t }]);
      return next;
    }

    // --- views
    function expectedRunMs(j: PersistedJob): number {
      const l = live.get(j.id);
      if (l?.progress?.etaMs != null) return l.progress.etaMs;
      if (j.spec.budget.wallTimeMs !== undefined && j.spec.budget.evaluations === undefined) return Math.max(0, j.spec.budget.wallTimeMs - (j.checkpoint?.runMs ?? 0));
      const left = evaluationBudget(j.spec) - (j.checkpoint?.evaluations ?? 0);
      const byEvals = (Math.max(0, left) * 1000) / Math.max(1, rate);
      return j.spec.budget.wallTimeMs !== undefined ? Math.min(byEvals, j.spec.budget.wallTimeMs) : byEvals;
    }

    function queueEntries(): QueueEntry[] {
      const out: QueueEntry[] = [];
      for (const j of state.jobs.values()) {
        if (j.life.status !== 'queued') continue;
        out.push({ id: j.id, priority: j.priority, owner: ownerOf(j), seq: j.seq, deadline: j.spec.deadline ?? null, remainingMs: expectedRunMs(j) });
      }
      return out;
    }

    function expectations(): Map<string, number> {
      const t = now();
      const freeAt: number[] = [];
      for (const slot of runners.values()) {
        const j = slot.busyWith ? state.jobs.get(slot.busyWith.jobId) : undefined;
        freeAt.push(j ? t + expectedRunMs(j) : t);
      }
      return expectedStarts(dispatchOrder(queueEntries(), { running, lastServed }), freeAt, t);
    }

    function viewOf(j: PersistedJob, starts: Map<string, number> | null): JobView {
      const l = live.get(j.id);
      const t = now();
      let expectedStartAt: number | null = null;
      let expectedFinishAt: number | null = null;
      if (j.life.status === 'running') {
        expectedStartAt = j.life.startedAt;
        expectedFinishAt = t + expectedRunMs(j);
      } else if (j.life.status === 'queued' && starts) {
        expectedStartAt = starts.get(j.id) ?? null;
        expectedFinishAt = expectedStartAt === null ? null : expectedStartAt + expectedRunMs(j);
      }
      return {
        id: j.id, seq: j.seq, status: j.life.status, priority: j.priority, owner: ownerOf(j), algorithm: j.spec.algorithm.id,
        idempotencyKey: j.spec.idempotencyKey ?? null, acceptedAt: j.acceptedAt, startedAt: j.life.startedAt, finishedAt: j.life.finishedAt,
        deadline: j.spec.deadline ?? null,
        sla: slaStatus({ deadline: j.spec.deadline ?? null, finishedAt: j.life.finishedAt, expectedFinishAt, expectedRunMs: expectedRunMs(j) }, t),
        expectedStartAt, expectedFinishAt,
        attempts: j.life.attempts, failures: j.life.failures, interruptions: j.life.interruptions, storeWaits: j.life.storeWaits ?? 0, checkpoints: j.life.checkpoints,
        // a finished job keeps no checkpoint: its result says how many evaluations it made
        checkpointEvaluations: j.checkpoint?.evaluations ?? j.result?.evaluations ?? 0,
        progress: l?.progress ?? null, lastError: j.life.lastError, runner: l?.runner ? pathOf(l.runner) : null,
        hasResult: j.result !== null,
      };
    }

    const pathOf = (ref: AnyActorRef): string => (ref as unknown as { path: string }).path;

    // --- dispatch
    function pump(): void {
      if (draining) return;
      for (;;) {
        const idle = [...runners.values()].find((r) => r.busyWith === null);
        if (!idle) return;
        const next = pickNext(queueEntries(), { running, lastServed });
        if (!next) return;
        const job = state.jobs.get(next.id)!;
        const life = transitionJob(job.id, { type: 'dispatch', at: now() });
        if (!life) return;
        const assignment = `${epoch}.${job.id}.${life.attempts}`;
        const l = liveOf(job.id);
        release(job.id); // a previous runner still winding down (paused, then resumed at once) gives its share back
        l.assignment = assignment;
        l.runner = idle.ref;
        l.progress = null;
        idle.busyWith = { jobId: job.id, assignment };
        const owner = ownerOf(job);
        running[owner] = (running[owner] ?? 0) + 1;
        lastServed[owner] = ++serveTick;
        idle.ref.tell({ type: 'runner.start', jobId: job.id, epoch, assignment, spec: job.spec, checkpoint: job.checkpoint, scheduler: ctx.self });
        const started: JobEvent = { type: 'job.started', id: job.id, at: now(), attempt: life.attempts, runner: pathOf(idle.ref), fromEvaluations: job.checkpoint?.evaluations ?? 0 };
        afterDurable(() => emit(started));
      }
    }

    /** The job no longer runs on its runner: its owner's share goes down (the runner's slot is freed when the
     *  runner itself reports runner.idle, so a runner still winding down is never given a second job). */
    function release(id: string): void {
      const l = live.get(id);
      if (!l) return;
      if (l.runner) {
        const j = state.jobs.get(id);
        if (j) { const o = ownerOf(j); running[o] = Math.max(0, (running[o] ?? 0) - 1); }
      }
      l.runner = null;
      l.progress = null;
    }

    function stopOnRunner(id: string, reason: StopReason): void {
      const l = live.get(id);
      if (l?.runner && l.assignment) (l.runner as ActorRef<RunnerCommand>).tell({ type: 'runner.stop', epoch, assignment: l.assignment, reason });
    }

    function interrupt(id: string, reason: string): void {
      const life = transitionJob(id, { type: 'interrupt', at: now(), reason, policy: settings.retry });
      release(id);
      drained(id, false);
      if (!life) return;
      const l = live.get(id);
      if (l) l.assignment = null;
      const t = now();
      afterDurable(() => {
        if (life.status === 'failed') emit({ type: 'job.failed', id, at: t, error: life.lastError! });
        else emit({ type: 'job.interrupted', id, at: t, reason });
      });
    }

    function addRunner(ref: ActorRef<RunnerCommand>, local: boolean, listed = false): void {
      const path = pathOf(ref);
      if (runners.has(path) || refusedRunners.has(path)) return;
      runners.set(path, { ref, busyWith: null, local, listed });
      ctx.watch(ref);
    }

    /** The receptionist's listing changed: take new runners, drop idle listed ones that left it (a busy one
     *  stays until it reports idle or deathwatch reports it gone). */
    function runnersListed(refs: readonly ActorRef<RunnerCommand>[]): void {
      const present = new Set<string>();
      for (const ref of refs) {
        const path = pathOf(ref);
        present.add(path);
        const known = runners.get(path);
        if (known && (known.ref as { address?: string }).address !== (ref as { address?: string }).address) {
          ctx.log.warn({ runner: path }, 'two runners share one path on different members: only the first is used (name runners uniquely)');
        }
        addRunner(ref, false, true);
      }
      for (const [path, slot] of runners) {
        if (slot.listed && slot.busyWith === null && !present.has(path)) { runners.delete(path); ctx.unwatch(slot.ref); }
      }
      pump();
    }

    function spawnLocalRunner(): void {
      if (!options.localRunners) return;
      localCount++;
      // named by epoch too: a restarted scheduler never collides with its predecessor's runners still stopping
      const { behaviour, placement, onSpawned } = options.localRunners;
      const ref = ctx.spawn(behaviour, { name: `runner-${epoch}-${localCount}`, ...(placement !== undefined ? { placement } : {}) });
      onSpawned?.(ref);
      addRunner(ref, true);
    }

    // --- runner reports
    function fenceCheck(r: Exclude<RunnerReport, { type: 'runner.idle' }>): Refused | null {
      if (r.epoch !== epoch) {
        return refused('STRATA_JOB_STALE_EPOCH', `report ${r.type} for ${r.assignment} carries epoch ${r.epoch}; the scheduler runs under epoch ${epoch}`, { epoch: r.epoch, current: epoch });
      }
      const job = state.jobs.get(r.jobId);
      if (!job) return refused('STRATA_JOB_UNKNOWN', `no job ${r.jobId}`, { id: r.jobId });
      const l = live.get(r.jobId);
      if (!l || l.assignment !== r.assignment || isFinished(job.life.status)) {
        return refused('STRATA_JOB_STALE_ASSIGNMENT', `report ${r.type} for ${r.assignment}: job ${r.jobId} is ${job.life.status}, current assignment ${l?.assignment ?? 'none'}`, { assignment: r.assignment, current: l?.assignment ?? null });
      }
      return null;
    }

    function onReport(r: RunnerReport): void {
      if (r.type === 'runner.idle') {
        const slot = runners.get(pathOf(r.runner));
        if (slot) slot.busyWith = null;
        pump();
        return;
      }
      const bad = fenceCheck(r);
      if (bad) {
        if (r.type === 'runner.checkpointed' || r.type === 'runner.completed') r.replyTo.tell({ type: 'runner.report.rejected', error: bad });
        else ctx.log.debug({ code: bad.code, report: r.type }, bad.message);
        return;
      }
      const id = r.jobId;
      const t = now();
      switch (r.type) {
        case 'runner.progressed': {
          liveOf(id).progress = r.progress;
          if (r.progress.evaluationsPerSec > 0) rate = 0.8 * rate + 0.2 * r.progress.evaluationsPerSec;
          emit({ type: 'job.progressed', id, at: t, progress: r.progress });
          return;
        }
        case 'runner.checkpointed': {
          const job = state.jobs.get(id)!;
          const life = nextLifecycle(job.life, { type: 'checkpointed' });
          persist([
            { t: 'checkpoint', id, epoch, assignment: r.assignment, checkpoint: r.checkpoint },
            ...(life ? [{ t: 'state' as const, id, life, at: t }] : []),
          ]);
          const reply = r.replyTo;
          afterDurable(() => {
            reply.tell({ type: 'runner.report.ok' });
            emit({ type: 'job.checkpointed', id, at: t, evaluations: r.checkpoint.evaluations, generation: r.checkpoint.generation });
          });
          return;
        }
        case 'runner.completed': {
          const job = state.jobs.get(id)!;
          const life = nextLifecycle(job.life, { type: 'complete', at: t });
          if (!life) {
            r.replyTo.tell({ type: 'runner.report.rejected', error: refused('STRATA_JOB_INVALID_TRANSITION', `job ${id} is ${job.life.status}; a result is not taken`, { id, status: job.life.status }) });
            return;
          }
          persist([{ t: 'result', id, epoch, assignment: r.assignment, result: r.result }, { t: 'state', id, life, at: t }]);
          release(id);
          live.get(id)!.assignment = null;
          const reply = r.replyTo;
          afterDurable(() => {
            reply.tell({ type: 'runner.report.ok' });
            emit({ type: 'job.completed', id, at: t, evaluations: r.result.evaluations, best: r.result.best ? [...r.result.best.objectives] : null });
          });
          drained(id, false);
          pump();
          return;
        }
        case 'runner.failed': {
          if (r.error.code === 'STRATA_RUNNER_THREAD_LOST' || r.error.code === 'STRATA_RUNNER_POOL_CLOSED') {
            interrupt(id, `${r.error.code}: ${r.error.message}`);
          } else {
            const life = transitionJob(id, { type: 'fail', at: t, error: r.error, policy: settings.retry, draw: Math.random() });
            release(id);
            live.get(id)!.assignment = null;
            if (life?.status === 'backingOff') afterDurable(() => emit({ type: 'job.retrying', id, at: t, retryAt: life.retryAt!, error: r.error }));
            else if (life) afterDurable(() => emit({ type: 'job.failed', id, at: t, error: life.lastError! }));
          }
          drained(id, false);
          pump();
          return;
        }
        case 'runner.stopped': {
          if (r.reason === 'shutdown') {
            // checkpointed for a graceful shutdown: it stays `running` in the journal and resumes at the next start
            release(id);
            drained(id, true);
            return;
          }
          // the job was paused or cancelled (already journaled), or reassigned
          release(id);
          const job = state.jobs.get(id)!;
          if (job.life.status === 'running') interrupt(id, `runner stopped (${r.reason})`);
          pump();
          return;
        }
        case 'runner.refused': {
          const slotRef = live.get(id)?.runner;
          release(id);
          interrupt(id, `runner refused: ${r.error.code} ${r.error.message}`);
          if (r.error.code === 'STRATA_JOB_STALE_EPOCH' && slotRef) {
            // a runner that has seen a newer epoch belongs to a newer scheduler: this one is stale
            ctx.log.warn({ runner: pathOf(slotRef) }, 'a runner refused this scheduler\'s epoch; not dispatching to it again');
            runners.delete(pathOf(slotRef));
            refusedRunners.add(pathOf(slotRef));
          }
          pump();
          return;
        }
      }
    }

    // --- client commands
    function command(id: string, replyTo: ActorRef<import('./messages.ts').JobReply>, act: (job: PersistedJob) => Refused | null): void {
      const job = state.jobs.get(id);
      if (!job) {
        replyTo.tell({ type: 'job.command.rejected', error: refused('STRATA_JOB_UNKNOWN', `no job ${JSON.stringify(id)}`, { id }) });
        return;
      }
      const bad = act(job);
      if (bad) { replyTo.tell({ type: 'job.command.rejected', error: bad }); return; }
      afterDurable(
        () => { const j = state.jobs.get(id); if (j) replyTo.tell({ type: 'job.command.ok', job: viewOf(j, expectations()) }); },
        (error) => replyTo.tell({ type: 'job.command.rejected', error }),
      );
    }

    const invalid = (job: PersistedJob, what: string): Refused =>
      refused('STRATA_JOB_INVALID_TRANSITION', `cannot ${what} job ${job.id}: it is ${job.life.status}`, { id: job.id, status: job.life.status });

    function submit(m: Extract<SchedulerMessage, { type: 'job.submit' }>): void {
      let spec: JobSpec;
      try {
        const input = m.idempotencyKey !== null && m.spec && typeof m.spec === 'object' ? { ...(m.spec as object), idempotencyKey: m.idempotencyKey } : m.spec;
        spec = parseJobSpec(input);
      } catch (e) {
        m.replyTo.tell({ type: 'job.submit.rejected', error: toRefused(e) });
        return;
      }
      const key = spec.idempotencyKey;
      if (key !== undefined) {
        const existing = idempotency.get(key);
        const job = existing ? state.jobs.get(existing) : undefined;
        if (job) {
          afterDurable(
            () => m.replyTo.tell({ type: 'job.submit.ok', job: viewOf(state.jobs.get(job.id) ?? job, null), duplicate: true }),
            (error) => m.replyTo.tell({ type: 'job.submit.rejected', error }),
          );
          return;
        }
      }
      const t = now();
      const priority = spec.priority ?? 'normal';
      const owner = spec.owner ?? 'default';
      const no = admission(queueEntries(), { priority, owner, deadline: spec.deadline ?? null }, t, settings.limits);
      if (no) {
        m.replyTo.tell({ type: 'job.submit.rejected', error: refused(no.code, no.reason, no.data, no.code === 'STRATA_JOB_QUEUE_FULL') });
        return;
      }
      const seq = state.nextSeq;
      const id = jobIdOf(seq);
      persist([{ t: 'accepted', id, seq, spec, acceptedAt: t, life: initialLifecycle() }]);
      if (key !== undefined) idempotency.set(key, id);
      const accepted = viewOf(state.jobs.get(id)!, expectations()); // the job as accepted, sent once durable
      afterDurable(() => {
        m.replyTo.tell({ type: 'job.submit.ok', job: accepted, duplicate: false });
        emit({ type: 'job.queued', id, at: t, priority });
        ctx.self.tell({ type: 'scheduler.tick' });
      }, (error) => m.replyTo.tell({ type: 'job.submit.rejected', error })); // not acknowledged: retry with the key
    }

    function tick(): void {
      const t = now();
      for (const j of state.jobs.values()) {
        if (j.life.status === 'backingOff' && j.life.retryAt !== null && j.life.retryAt <= t) transitionJob(j.id, { type: 'retryDue', at: t });
      }
      pump();
    }

    async function start(): Promise<void> {
      mkdirSync(options.dir, { recursive: true });
      const path = join(options.dir, JOURNAL_FILE);
      await closing.get(path);
      await options.beforeOpen?.(path);
      // the replica may depend on the epoch, which depends on what the journal holds: forward to it once built
      let replica: JournalReplica | null = null;
      const forward: JournalReplica = {
        replicate: (frames) => (replica ? replica.replicate(frames) : Promise.resolve()),
        replaceAll: (image) => (replica ? replica.replaceAll(image) : Promise.resolve()),
      };
      journal = await openJournal<JournalRecord>({ path, fsync: settings.fsync, ...(options.replica ? { replica: forward } : {}) });
      const rec = journal.recovery;
      if (rec.skipped.length > 0) ctx.log.error({ code: 'STRATA_JOB_JOURNAL_CORRUPT', path, skipped: rec.skipped, damagedCopy: rec.damagedCopy, records: rec.records }, journalDamageMessage(rec));
      if (rec.truncatedBytes > 0 && !rec.created) ctx.log.warn({ path, bytes: rec.truncatedBytes, reason: rec.tornReason }, `the job journal ended in a torn write (${rec.tornReason}): ${rec.truncatedBytes} bytes cut; every acknowledged record is before it`);
      for (const r of journal.recovered) state = applyRecord(state, r);
      epoch = Math.max(state.epoch + 1, (options.epoch ?? 0));
      if (options.replica) replica = typeof options.replica === 'function' ? options.replica(epoch, journal.path) : options.replica;
      // the epoch is durable before anything runs under it: a later scheduler always gets a larger one
      await persist([{ t: 'epoch', epoch, at: now() }]);
      for (const j of state.jobs.values()) {
        if (j.spec.idempotencyKey !== undefined) idempotency.set(j.spec.idempotencyKey, j.id);
        if (j.life.status === 'running') {
          liveOf(j.id);
          interrupt(j.id, `scheduler restarted (epoch ${epoch}); resuming from ${j.checkpoint ? `the checkpoint at ${j.checkpoint.evaluations} evaluations` : 'the start'}`);
        }
    }
    for (let i = 0; i < (options.localRunners?.count ?? 0); i++) spawnLocalRunner();
    if (options.receptionist) {
      // the listener runs outside this actor's turn: it only tells, the listing is applied in receive
      unsubscribeListing = options.receptionist.subscribe(RUNNER_SERVICE_KEY, (refs) => ctx.self.tell({ type: 'scheduler.runners-listed', runners: [...refs] }));
    }
    ctx.timers.startPeriodic('tick', { type: 'scheduler.tick' }, settings.tickMs);
    await lastAppend;
    options.onReady?.({ epoch, recoveredJobs: state.jobs.size, journal: journal.recovery });
    pump();
    }

    return {
      async started() {
        try {
          await start();
        } catch (e) {
          // a journal that cannot be opened (locked, corrupt) is reported at once instead of restart after restart
          options.onStartFailed?.(toRefused(e));
          throw e;
        }
      },
      receive(m) {
        switch (m.type) {
          case 'job.submit': submit(m); return;
          case 'job.cancel':
            command(m.id, m.replyTo, (job) => {
              const wasRunning = job.life.status === 'running';
              const life = transitionJob(job.id, { type: 'cancel', at: now() });
              if (!life) return invalid(job, 'cancel');
              if (wasRunning) stopOnRunner(job.id, 'cancel');
              const l = live.get(job.id);
              if (l) l.assignment = null;
              release(job.id);
              afterDurable(() => emit({ type: 'job.cancelled', id: job.id, at: now() }));
              pump();
              return null;
            });
            return;
          case 'job.pause':
            command(m.id, m.replyTo, (job) => {
              const wasRunning = job.life.status === 'running';
              const life = transitionJob(job.id, { type: 'pause' });
              if (!life) return invalid(job, 'pause');
              // the runner checkpoints and stops; its slot is freed when it reports runner.stopped
              if (wasRunning) stopOnRunner(job.id, 'pause');
              afterDurable(() => emit({ type: 'job.paused', id: job.id, at: now() }));
              return null;
            });
            return;
          case 'job.resume':
            command(m.id, m.replyTo, (job) => {
              const life = transitionJob(job.id, { type: 'resume' });
              if (!life) return invalid(job, 'resume');
              afterDurable(() => { emit({ type: 'job.resumed', id: job.id, at: now() }); ctx.self.tell({ type: 'scheduler.tick' }); });
              return null;
            });
            return;
          case 'job.reprioritise':
            command(m.id, m.replyTo, (job) => {
              if (isFinished(job.life.status)) return invalid(job, 'reprioritise');
              persist([{ t: 'priority', id: job.id, priority: m.priority, at: now() }]);
              afterDurable(() => emit({ type: 'job.reprioritised', id: job.id, at: now(), priority: m.priority }));
              return null;
            });
            return;
          case 'job.get':
            command(m.id, m.replyTo, () => null);
            return;
          case 'job.list': {
            const starts = expectations();
            const f = m.filter;
            const jobs = [...state.jobs.values()]
              .filter((j) => (!f.status || f.status.includes(j.life.status)) && (!f.owner || ownerOf(j) === f.owner) && (!f.priority || j.priority === f.priority))
              .sort((a, b) => a.seq - b.seq)
              .map((j) => viewOf(j, starts));
            afterDurable(() => m.replyTo.tell({ type: 'job.list.ok', jobs }), () => m.replyTo.tell({ type: 'job.list.ok', jobs }));
            return;
          }
          case 'job.result': {
            const job = state.jobs.get(m.id);
            if (!job) m.replyTo.tell({ type: 'job.result.rejected', error: refused('STRATA_JOB_UNKNOWN', `no job ${JSON.stringify(m.id)}`, { id: m.id }) });
            else if (!job.result) m.replyTo.tell({ type: 'job.result.rejected', error: refused('STRATA_JOB_NOT_FINISHED', `job ${m.id} is ${job.life.status}: no result yet`, { id: m.id, status: job.life.status }, true) });
            else { const result = job.result; afterDurable(() => m.replyTo.tell({ type: 'job.result.ok', result }), (error) => m.replyTo.tell({ type: 'job.result.rejected', error })); }
            return;
          }
          case 'job.subscribe': subscribers.set(pathOf(m.subscriber), m.subscriber); ctx.watch(m.subscriber); return;
          case 'job.unsubscribe': subscribers.delete(pathOf(m.subscriber)); return;
          case 'runner.register': addRunner(m.runner, false); pump(); return;
          case 'scheduler.drain': {
            const pending = new Set<string>();
            for (const j of state.jobs.values()) {
              const l = live.get(j.id);
              if (j.life.status === 'running' && l?.runner && l.assignment) { pending.add(j.id); stopOnRunner(j.id, 'shutdown'); }
            }
            draining = { pending, checkpointed: [], replyTo: m.replyTo };
            drained(null, false);
            return;
          }
          case 'scheduler.tick': tick(); return;
          case 'scheduler.runners-listed': runnersListed(m.runners); return;
          case 'scheduler.journal-failed':
            // nothing more can be made durable: fail, so supervision restarts the scheduler on a fresh open
            throw Object.assign(new Error(m.error.message), { code: m.error.code });
          default:
            onReport(m);
        }
      },
      terminated(event) {
        subscribers.delete(event.path);
        const slot = runners.get(event.path);
        if (!slot) return;
        runners.delete(event.path);
        const busy = slot.busyWith;
        if (busy && live.get(busy.jobId)?.assignment === busy.assignment) interrupt(busy.jobId, `runner ${event.path} terminated (${event.reason}${event.error ? `: ${event.error.code}` : ''})`);
        if (slot.local) spawnLocalRunner();
        pump();
      },
      restarting() { stopListing(); releaseJournal(); },
      stopping() { stopListing(); releaseJournal(); },
    };

    /** A job left the drain (stopped with its checkpoint, or finished anyway); the reply goes when none is left. */
    function drained(id: string | null, checkpointed: boolean): void {
      if (!draining) return;
      if (id !== null && draining.pending.delete(id) && checkpointed) draining.checkpointed.push(id);
      if (draining.pending.size > 0) return;
      const { replyTo, checkpointed: done } = draining;
      afterDurable(() => replyTo.tell({ type: 'scheduler.drained', checkpointed: done }));
    }

    function stopListing(): void {
      unsubscribeListing?.();
      unsubscribeListing = null;
    }

    /** Closes the journal after the appends in flight; a restarted or new scheduler waits for it. */
    function releaseJournal(): void {
      const j = journal;
      journal = null;
      if (!j) return;
      const key = join(options.dir, JOURNAL_FILE);
      const p = lastAppend.catch(() => {}).then(() => j.close()).finally(() => closing.delete(key));
      closing.set(key, p);
    }
  };
}

export type { ErrorInfo };
