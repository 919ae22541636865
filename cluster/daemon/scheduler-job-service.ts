// The job service over the durable job-scheduler (actors/job-scheduler): journal, priority queue with SLA,
// runners sharing a CPU pool, recovery after any crash; reached in-process (the facade) or, in a cluster,
// through the singleton client (cluster-scheduler.ts). Views are cached from its events so metrics() stays
// synchronous. A standalone graceful drain pauses running jobs (a durable checkpoint each) and records them in
// <dir>/resume-on-start.json; the next start resumes exactly those, so a stop loses no work and leaves no
// job paused that the operator did not pause. A client with its own drain (the cluster's) uses that instead.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createJobService, type JobEvent as SchedulerEvent, type JobService as SchedulerFacade, type JobView as SchedulerView } from '../../actors/job-scheduler/index.ts';
import { PRIORITIES, type MatrixSource, type Priority } from '../../engine/jobs/index.ts';
import type { ActorSystem } from '../../runtime/index.ts';
import { FINISHED_JOB_STATES as FINISHED, JOB_STATES, type JobEvent, type JobService, type JobState, type JobView, type Unsubscribe } from './services.ts';
import { jobError, journalDamageMessage } from '../../engine/jobs/index.ts';

export interface SchedulerJobServiceOptions {
  readonly system: ActorSystem;
  readonly dir: string;
  readonly matrixSource: MatrixSource;
  readonly poolThreads: number;
  readonly log: Logger;
  /** finished jobs the scheduler keeps, and the daemon's views of them (default 1,000) */
  readonly retainFinished?: number;
  /** told when opening the journal found damage (skipped) it could not simply cut as a torn tail */
  readonly onJournalDamage?: (notice: { readonly code: string; readonly message: string }) => void;
}

/** What the daemon's job service needs of a scheduler: the facade in one process, or a client of the
 *  cluster singleton (which brings its own drain: the cluster's jobs are not paused when one member stops). */
export type SchedulerClient = Pick<SchedulerFacade, 'submit' | 'cancel' | 'pause' | 'resume' | 'reprioritise' | 'get' | 'list' | 'result' | 'algorithms' | 'onEvent' | 'close'> & {
  readonly drain?: () => Promise<void>;
};

const RESUME_FILE = 'resume-on-start.json';

/** The daemon's view of a scheduler's (or a journal's) job: what the API serves and `strata jobs show` prints. */
export function daemonJobView(j: SchedulerView): JobView {
  const p = j.progress;
  return {
    id: j.id, state: j.status, priority: j.priority, algorithm: j.algorithm, owner: j.owner || null,
    submittedAt: j.acceptedAt, startedAt: j.startedAt, finishedAt: j.finishedAt,
    progress: p ? {
      evaluations: p.evaluations, budget: p.budget, fraction: p.budget ? Math.min(1, p.evaluations / p.budget) : null,
      evaluationsPerSec: p.evaluationsPerSec, etaMs: p.etaMs, best: p.best ? [...p.best.objectives] : null,
    } : null,
    error: j.lastError ? { code: j.lastError.code, message: j.lastError.message } : null,
    run: {
      attempts: j.attempts, failures: j.failures, interruptions: j.interruptions, storeWaits: j.storeWaits, checkpoints: j.checkpoints,
      checkpointEvaluations: j.checkpointEvaluations, runner: j.runner, idempotencyKey: j.idempotencyKey,
      deadline: j.deadline, sla: j.sla, expectedStartAt: j.expectedStartAt, expectedFinishAt: j.expectedFinishAt, hasResult: j.hasResult,
    },
  };
}

export async function openSchedulerJobService(o: SchedulerJobServiceOptions): Promise<JobService> {
  const svc = await createJobService({
    system: o.system, dir: o.dir, matrixSource: o.matrixSource, poolThreads: Math.max(1, o.poolThreads),
    ...(o.retainFinished === undefined ? {} : { scheduler: { retainFinished: o.retainFinished } }),
  });
  if (svc.journalRecovery.skipped.length > 0) o.onJournalDamage?.({ code: 'STRATA_JOB_JOURNAL_CORRUPT', message: journalDamageMessage(svc.journalRecovery) });
  return schedulerJobService(svc, { dir: o.dir, log: o.log, ...(o.retainFinished === undefined ? {} : { retainFinished: o.retainFinished }) });
}

/** The daemon's job service over a scheduler client; `dir` null: no resume-on-start file (the client drains). */
export async function schedulerJobService(svc: SchedulerClient, o: { readonly dir: string | null; readonly log: Logger; readonly retainFinished?: number }): Promise<JobService> {
  // Views of the scheduler's jobs, for metrics and events. Finished ones beyond what the scheduler keeps are
  // dropped, oldest first, as the scheduler forgets them: the cache of a daemon that runs for weeks stays bounded.
  const cache = new Map<string, JobView>();
  const retainFinished = o.retainFinished ?? 1_000;
  let finishedInCache = 0;
  // What metrics() reports, kept up to date here rather than summed over the views on every GET /api/v1/status
  // (up to retainFinished of them). Evaluations per job as far as known: the live progress, or what the
  // scheduler reports (a job faster than one progress interval has none); a dropped view's stay in the total,
  // which is a counter.
  const byState = {} as Record<JobState, number>;
  for (const s of JOB_STATES) byState[s] = 0;
  const evaluations = new Map<string, number>();
  let evaluationsTotal = 0;
  const running = new Set<string>();
  // `admit`: false for a finished job met in a listing or a lookup, which may name one whose view was dropped
  // already (brought back, its evaluations would count twice); events, commands and the first listing admit
  const remember = (v: JobView, reported: number, admit: boolean): void => {
    const prev = cache.get(v.id);
    if (prev === undefined && !admit && FINISHED.has(v.state)) return;
    if (prev !== undefined) {
      byState[prev.state]--;
      if (FINISHED.has(prev.state)) finishedInCache--;
    }
    cache.set(v.id, v);
    byState[v.state]++;
    if (v.state === 'running') running.add(v.id); else running.delete(v.id);
    const before = evaluations.get(v.id) ?? 0;
    const done = Math.max(before, v.progress?.evaluations ?? 0, reported);
    evaluations.set(v.id, done);
    evaluationsTotal += done - before;
    if (!FINISHED.has(v.state)) return;
    finishedInCache++;
    if (finishedInCache <= retainFinished) return;
    for (const [id, old] of cache) {
      if (finishedInCache <= retainFinished) break;
      if (!FINISHED.has(old.state) || id === v.id) continue;
      cache.delete(id);
      byState[old.state]--;
      finishedInCache--;
      evaluations.delete(id);
    }
  };
  const listeners = new Set<(e: JobEvent) => void>();
  const emit = (e: JobEvent): void => { for (const fn of listeners) fn(e); };
  const put = (v: JobView, type: JobEvent['type'] = 'job.changed', reported = 0): JobView => {
    remember(v, reported, true);
    emit({ type, job: v });
    return v;
  };
  let seeding: ReturnType<typeof setTimeout> | null = null;
  const seed = async (attempt: number): Promise<void> => {
    seeding = null;
    try {
      for (const j of await svc.list()) if (!cache.has(j.id)) remember(daemonJobView(j), j.checkpointEvaluations, true);
    } catch (e) {
      // a cluster's scheduler may not be running yet (this member is still joining) or be between holders:
      // try again for a while; events fill the cache meanwhile
      if (o.dir !== null) throw e;
      if (attempt === 0) o.log.info({ code: (e as { code?: string }).code }, 'the job scheduler does not answer yet; job metrics fill in once it does');
      if (attempt < 60) { seeding = setTimeout(() => void seed(attempt + 1), 1_000); seeding.unref(); }
    }
  };
  await seed(0);
  let draining = false;

  const offEvents = svc.onEvent((e: SchedulerEvent) => {
    if (e.type === 'job.progressed') {
      const prev = cache.get(e.id);
      if (prev) {
        const p = e.progress;
        put({ ...prev, state: 'running', progress: {
          evaluations: p.evaluations, budget: p.budget, fraction: p.budget ? Math.min(1, p.evaluations / p.budget) : null,
          evaluationsPerSec: p.evaluationsPerSec, etaMs: p.etaMs, best: p.best ? [...p.best.objectives] : null,
        } }, 'job.progress');
        return;
      }
    }
    if (e.type === 'job.checkpointed') return;
    void svc.get(e.id).then((j) => {
      const v = daemonJobView(j);
      const prev = cache.get(e.id)?.progress;
      // a finished job's view has no live progress: keep the last one seen, complete when it completed
      put(v.progress === null && prev ? { ...v, progress: v.state === 'completed' ? { ...prev, fraction: 1, etaMs: 0 } : prev } : v, 'job.changed', j.checkpointEvaluations);
    }, () => {});
  });

  // jobs a graceful stop paused are resumed now
  const resumeFile = o.dir === null ? null : join(o.dir, RESUME_FILE);
  if (resumeFile !== null) {
    try {
      const ids = JSON.parse(await readFile(resumeFile, 'utf8')) as string[];
      for (const id of ids) {
        try { put(daemonJobView(await svc.resume(id))); } catch (e) { o.log.warn({ id, err: e }, 'could not resume a job paused by the last shutdown'); }
      }
      await rm(resumeFile, { force: true });
    } catch {
      // nothing to resume
    }
  }

  const service: JobService = {
    mode: 'scheduler',
    async submit(spec) {
      if (draining) throw jobError('STRATA_JOB_QUEUE_FULL', 'the daemon is shutting down and admits no new jobs', { reason: 'shutting-down' });
      return put(daemonJobView((await svc.submit(spec)).job));
    },
    cancel: async (id) => put(daemonJobView(await svc.cancel(id))),
    pause: async (id) => put(daemonJobView(await svc.pause(id))),
    resume: async (id) => put(daemonJobView(await svc.resume(id))),
    async reprioritise(id, priority) {
      if (!(PRIORITIES as readonly string[]).includes(priority)) {
        throw jobError('STRATA_JOB_INVALID_SPEC', `priority ${JSON.stringify(priority)} is not one of ${PRIORITIES.join(', ')}`, { issues: [{ path: 'priority', message: `must be one of ${PRIORITIES.join(', ')}` }] });
      }
      return put(daemonJobView(await svc.reprioritise(id, priority as Priority)));
    },
    async get(id) {
      try { const j = await svc.get(id); const v = daemonJobView(j); remember(v, j.checkpointEvaluations, false); return v; } catch (e) {
        if ((e as { code?: string }).code === 'STRATA_JOB_UNKNOWN') return null;
        throw e;
      }
    },
    async list() {
      const listed = await svc.list();
      const all = listed.map(daemonJobView);
      all.forEach((v, i) => remember(v, listed[i]!.checkpointEvaluations, false));
      return all;
    },
    result: (id) => svc.result(id),
    algorithms: () => svc.algorithms(),
    metrics() {
      // runs on every GET /api/v1/status: the counts are kept by remember(); only running jobs are visited
      let evaluationsPerSec = 0;
      for (const id of running) evaluationsPerSec += cache.get(id)?.progress?.evaluationsPerSec ?? 0;
      return { byState: { ...byState }, evaluationsTotal, evaluationsPerSec };
    },
    onEvent(fn): Unsubscribe { listeners.add(fn); return () => listeners.delete(fn); },
    async drain() {
      if (draining) return;
      draining = true;
      if (svc.drain || resumeFile === null) { await svc.drain?.(); return; }
      const running = (await svc.list({ status: ['running'] })).map((j) => j.id);
      const paused: string[] = [];
      for (const id of running) {
        try { await svc.pause(id); paused.push(id); } catch (e) { o.log.warn({ id, err: e }, 'could not pause a running job; it resumes from its last checkpoint'); }
      }
      if (paused.length > 0) await writeFile(resumeFile, JSON.stringify(paused));
    },
    async close() {
      if (seeding) clearTimeout(seeding);
      offEvents();
      listeners.clear();
      await svc.close();
    },
  };
  return service;
}
