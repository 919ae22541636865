// The in-process job runner: engine/jobs' validated spec, matrix source, ask/tell run loop and result report,
// one job at a time in priority order, evaluated in a worker pool (or on the main thread, yielding between
// generations so the API stays responsive). It is what the daemon runs while the durable job-scheduler facade
// (actors/job-scheduler) is not available: jobs and checkpoints live in memory, so a daemon restart loses
// them. A graceful shutdown still checkpoints the running job (pause) before the process exits.
import { randomUUID } from 'node:crypto';
import { algorithms } from '../../engine/algorithms/index.ts';
import {
  DEFAULT_QUEUE_LIMITS, PRIORITIES, buildJobResult, buildProblem, jobError, matrixDigest, matrixQueryOf, parseJobSpec, priorityOf, runJobLoop,
  type JobResult, type JobSpec, type MatrixSource, type RunCheckpoint, type StopReason,
} from '../../engine/jobs/index.ts';
import { createEvaluationPool, createPortfolioEvaluator, poolBatchEvaluator, threadBatchEvaluator, type BatchEvaluator } from '../../engine/portfolio/index.ts';
import { toErrorData } from '../../runtime/index.ts';
import type { Logger } from 'pino';
import { FINISHED_JOB_STATES, JOB_STATES, type AlgorithmView, type JobEvent, type JobService, type JobState, type JobView, type Unsubscribe } from './services.ts';

export interface LocalJobServiceOptions {
  readonly source: () => MatrixSource;
  /** pool threads per job; 0 evaluates on the main thread */
  readonly threads: number;
  readonly checkpointMs: number;
  readonly progressMs: number;
  readonly log: Logger;
  /** finished jobs kept with their results; the oldest beyond this are forgotten (default 1,000) */
  readonly retainFinished?: number;
}

interface Entry {
  view: JobView;
  readonly spec: JobSpec;
  readonly seq: number;
  stop: StopReason | null;
  checkpoint: RunCheckpoint | null;
  result: JobResult | null;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export function createLocalJobService(o: LocalJobServiceOptions): JobService {
  const jobs = new Map<string, Entry>();
  const byKey = new Map<string, string>();
  const listeners = new Set<(e: JobEvent) => void>();
  let seq = 0;
  let running: Entry | null = null;
  let runningDone: Promise<void> | null = null;
  let draining = false;
  let closed = false;
  let evaluationsTotal = 0;
  let rate = 0;

  const retainFinished = o.retainFinished ?? 1_000;
  let finishedCount = 0;
  // jobs by state, kept as they change: GET /api/v1/status reads it on every request
  const byState = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const emit = (e: JobEvent): void => { for (const fn of listeners) fn(e); };
  // A job that finishes gives up its checkpoint (its result is kept), and the oldest finished jobs beyond
  // `retainFinished` are forgotten, results and all: a daemon that runs for weeks stays bounded in memory.
  const finished = (entry: Entry): void => {
    entry.checkpoint = null;
    if (++finishedCount <= retainFinished) return;
    for (const [id, e] of jobs) {
      if (finishedCount <= retainFinished) break;
      if (e === entry || !FINISHED_JOB_STATES.has(e.view.state)) continue;
      jobs.delete(id);
      byState[e.view.state]--;
      if (e.spec.idempotencyKey !== undefined && byKey.get(e.spec.idempotencyKey) === id) byKey.delete(e.spec.idempotencyKey);
      finishedCount--;
    }
  };
  const set = (entry: Entry, patch: Partial<JobView>, type: JobEvent['type'] = 'job.changed'): void => {
    const was = entry.view.state;
    entry.view = { ...entry.view, ...patch };
    byState[was]--;
    byState[entry.view.state]++;
    if (!FINISHED_JOB_STATES.has(was) && FINISHED_JOB_STATES.has(entry.view.state)) finished(entry);
    emit({ type, job: entry.view });
  };
  const find = (id: string): Entry => {
    const e = jobs.get(id);
    if (!e) throw jobError('STRATA_JOB_UNKNOWN', `no job has id ${JSON.stringify(id)}`, { id });
    return e;
  };
  const transition = (e: Entry, command: string): never => {
    throw jobError('STRATA_JOB_INVALID_TRANSITION', `cannot ${command} job ${e.view.id}: it is ${e.view.state}`, { id: e.view.id, state: e.view.state, command });
  };
  const next = (): Entry | null => {
    let best: Entry | null = null;
    for (const e of jobs.values()) {
      if (e.view.state !== 'queued') continue;
      const rank = (x: Entry) => PRIORITIES.indexOf(x.view.priority as (typeof PRIORITIES)[number]);
      if (!best || rank(e) < rank(best) || (rank(e) === rank(best) && e.seq < best.seq)) best = e;
    }
    return best;
  };

  const run = async (entry: Entry): Promise<void> => {
    set(entry, { state: 'running', startedAt: entry.view.startedAt ?? Date.now() });
    let evaluator: BatchEvaluator | null = null;
    try {
      const loaded = await o.source().load(matrixQueryOf(entry.spec));
      const problem = buildProblem(loaded, entry.spec);
      const digest = matrixDigest(loaded);
      evaluator = o.threads > 0 ? poolBatchEvaluator(createEvaluationPool(problem, { threads: o.threads })) : threadBatchEvaluator(createPortfolioEvaluator(problem));
      const ev = evaluator;
      const before = entry.checkpoint?.evaluations ?? 0;
      const outcome = await runJobLoop(entry.spec, problem, digest, entry.checkpoint, {
        evaluate: async (c) => {
          const r = await ev.evaluate(c);
          if (ev.kind === 'thread') await tick();
          return r;
        },
        checkpointGenerations: 0,
        checkpointMs: o.checkpointMs,
        onCheckpoint: async (cp) => { entry.checkpoint = cp; },
        progressMs: o.progressMs,
        onProgress: (p) => {
          rate = p.evaluationsPerSec;
          set(entry, {
            progress: {
              evaluations: p.evaluations, budget: p.budget, fraction: p.budget ? Math.min(1, p.evaluations / p.budget) : null,
              evaluationsPerSec: p.evaluationsPerSec, etaMs: p.etaMs, best: p.best ? [...p.best.objectives] : null,
            },
          }, 'job.progress');
        },
        stopRequested: () => entry.stop,
        now: () => performance.now(),
      });
      evaluationsTotal += outcome.checkpoint.evaluations - before;
      if (outcome.kind === 'finished') {
        entry.result = await buildJobResult(entry.spec, problem, loaded, outcome.algorithm, outcome.checkpoint);
        entry.checkpoint = outcome.checkpoint;
        set(entry, { state: 'completed', finishedAt: Date.now(), progress: entry.view.progress ? { ...entry.view.progress, fraction: 1, etaMs: 0 } : null });
      } else if (outcome.reason === 'cancel') {
        set(entry, { state: 'cancelled', finishedAt: Date.now() });
      } else {
        entry.checkpoint = outcome.checkpoint;
        set(entry, { state: draining || entry.stop === 'reassign' ? 'queued' : 'paused' });
      }
    } catch (e) {
      o.log.warn({ job: entry.view.id, err: toErrorData(e) }, 'job failed');
      set(entry, { state: 'failed', finishedAt: Date.now(), error: toErrorData(e) });
    } finally {
      entry.stop = null;
      await evaluator?.close();
      rate = 0;
    }
  };

  const pump = (): void => {
    if (running || draining || closed) return;
    const e = next();
    if (!e) return;
    running = e;
    runningDone = run(e).finally(() => {
      running = null;
      runningDone = null;
      pump();
    });
  };

  const service: JobService = {
    mode: 'local',

    async submit(input) {
      if (draining || closed) throw jobError('STRATA_JOB_QUEUE_FULL', 'the daemon is shutting down and admits no new jobs', { reason: 'shutting-down' });
      const spec = parseJobSpec(input);
      if (spec.idempotencyKey !== undefined) {
        const seen = byKey.get(spec.idempotencyKey);
        if (seen) return jobs.get(seen)!.view;
      }
      if (spec.deadline !== undefined && spec.deadline < Date.now()) {
        throw jobError('STRATA_JOB_DEADLINE_PASSED', `deadline ${spec.deadline} is in the past`, { deadline: spec.deadline });
      }
      const queued = [...jobs.values()].filter((e) => e.view.state === 'queued').length;
      if (queued >= DEFAULT_QUEUE_LIMITS.maxQueued) {
        throw jobError('STRATA_JOB_QUEUE_FULL', `the queue holds ${queued} jobs (limit ${DEFAULT_QUEUE_LIMITS.maxQueued})`, { limit: DEFAULT_QUEUE_LIMITS.maxQueued });
      }
      const id = `job-${(++seq).toString().padStart(4, '0')}-${randomUUID().slice(0, 8)}`;
      const entry: Entry = {
        spec, seq, stop: null, checkpoint: null, result: null,
        view: {
          id, state: 'queued', priority: priorityOf(spec), algorithm: spec.algorithm.id, owner: spec.owner ?? null,
          submittedAt: Date.now(), startedAt: null, finishedAt: null, progress: null, error: null, run: null,
        },
      };
      jobs.set(id, entry);
      byState.queued++;
      if (spec.idempotencyKey !== undefined) byKey.set(spec.idempotencyKey, id);
      emit({ type: 'job.changed', job: entry.view });
      pump();
      return entry.view;
    },

    async cancel(id) {
      const e = find(id);
      if (e.view.state === 'running') {
        e.stop = 'cancel';
        await runningDone;
      } else if (e.view.state === 'queued' || e.view.state === 'paused') {
        set(e, { state: 'cancelled', finishedAt: Date.now() });
      } else transition(e, 'cancel');
      return e.view;
    },

    async pause(id) {
      const e = find(id);
      if (e.view.state === 'running') {
        e.stop = 'pause';
        await runningDone;
      } else if (e.view.state === 'queued') set(e, { state: 'paused' });
      else transition(e, 'pause');
      return e.view;
    },

    async resume(id) {
      const e = find(id);
      if (e.view.state !== 'paused') transition(e, 'resume');
      set(e, { state: 'queued' });
      pump();
      return e.view;
    },

    async reprioritise(id, priority) {
      const e = find(id);
      if (!(PRIORITIES as readonly string[]).includes(priority)) {
        throw jobError('STRATA_JOB_INVALID_SPEC', `priority ${JSON.stringify(priority)} is not one of ${PRIORITIES.join(', ')}`, { issues: [{ path: 'priority', message: `must be one of ${PRIORITIES.join(', ')}` }] });
      }
      if (e.view.state !== 'queued' && e.view.state !== 'paused' && e.view.state !== 'running') transition(e, 'reprioritise');
      set(e, { priority });
      // a running job keeps its slot; a queued one is reordered by the next pump
      return e.view;
    },

    async get(id) { return jobs.get(id)?.view ?? null; },
    async list() { return [...jobs.values()].sort((a, b) => a.seq - b.seq).map((e) => e.view); },

    async result(id) {
      const e = find(id);
      if (e.view.state !== 'completed' || !e.result) {
        throw jobError('STRATA_JOB_NOT_FINISHED', `job ${id} has no result: it is ${e.view.state}`, { id, state: e.view.state });
      }
      return e.result;
    },

    algorithms(): readonly AlgorithmView[] {
      return algorithms.map((a) => ({ id: a.id, title: a.title, description: a.description, multiObjective: a.multiObjective, supportsWeights: a.supportsWeights, defaults: a.defaults }));
    },

    metrics() {
      return { byState: { ...byState }, evaluationsTotal, evaluationsPerSec: rate };
    },

    onEvent(fn): Unsubscribe { listeners.add(fn); return () => listeners.delete(fn); },

    async drain() {
      draining = true;
      if (running) {
        running.stop = 'pause';
        await runningDone;
      }
    },

    async close() {
      await service.drain();
      closed = true;
      listeners.clear();
    },
  };
  return service;
}
