// The job service in one process with real pool threads: a job's lifecycle and result, idempotency keys,
// admission refusals, field-level spec errors, fencing, pause/resume/cancel/reprioritise, and recovery when
// a pool thread or a runner actor dies under a running job (the result stays identical bit for bit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeneratedMatrixSource, jobError, type JournalReplica, type MatrixSource } from '../../../engine/jobs/index.ts';
import { algorithmRunnerBehaviour, createRunnerPool, type RunnerMessage } from '../../../actors/algorithm-runner/index.ts';
import type { JobEvent, RunnerReportReply } from '../../../actors/job-scheduler/index.ts';
import type { ActorRef } from '../../../runtime/index.ts';
import { UNIVERSE, createTempDirs, jobSpec, resultBytes, startService } from './support.ts';

const temp = createTempDirs();
let reference = '';

beforeAll(async () => {
  const h = await startService(temp.make());
  const { job } = await h.service.submit(jobSpec());
  await h.service.whenFinished(job.id, 30_000);
  reference = resultBytes(await h.service.result(job.id));
  await h.close();
});
afterAll(() => temp.cleanup());

describe('job service', () => {
  it('runs a job through queued, started, checkpointed and completed to a full result', async () => {
    const h = await startService(temp.make());
    const events: JobEvent[] = [];
    h.service.onEvent((e) => events.push(e));
    const viaActor: string[] = [];
    const subscriber = h.system.spawn<JobEvent>(() => ({ receive(e) { viaActor.push(e.type); } }), { name: 'subscriber' });
    h.service.scheduler.tell({ type: 'job.subscribe', subscriber });
    const { job, duplicate } = await h.service.submit(jobSpec());
    expect(duplicate).toBe(false);
    expect(job.status).toBe('queued');
    const done = await h.service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    const result = await h.service.result(job.id);
    expect(resultBytes(result)).toBe(reference);
    expect(result.evaluations).toBe(4_000);
    expect(result.best?.strategyIds).toHaveLength(5);
    expect(result.best?.equity).toHaveLength(result.days.count);
    expect(result.best?.drawdown.every((d) => d >= 0)).toBe(true);
    expect(result.best?.walkForward?.folds).toHaveLength(2);
    expect(result.best?.deflatedSharpe?.trials).toBe(4_000);
    expect(result.best?.bootstrap?.sharpe.lower).toBeLessThanOrEqual(result.best!.bootstrap!.sharpe.upper);
    expect(result.stateDigest).toMatch(/^[0-9a-f]{64}$/);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('job.queued');
    expect(types).toContain('job.started');
    expect(types).toContain('job.checkpointed');
    expect(types).toContain('job.progressed');
    expect(types.filter((t) => t === 'job.completed')).toHaveLength(1);
    const progressed = events.find((e) => e.type === 'job.progressed');
    expect(progressed && progressed.type === 'job.progressed' && progressed.progress.budget).toBe(4_000);
    expect(h.service.algorithms().map((a) => a.id)).toContain('nsga2');
    await until(() => viaActor.includes('job.completed'));
    expect(viaActor.filter((t) => t !== 'job.progressed')).toEqual(types.filter((t) => t !== 'job.progressed'));
    await h.close();
  });

  it('creates one job for duplicate submissions with the same idempotency key', async () => {
    const dir = temp.make();
    const h = await startService(dir, { runners: 0 });
    const outcomes = await Promise.all([1, 2, 3].map(() => h.service.submit(jobSpec(), { idempotencyKey: 'same-key' })));
    expect(new Set(outcomes.map((o) => o.job.id)).size).toBe(1);
    expect(outcomes.filter((o) => o.duplicate)).toHaveLength(2);
    const inSpec = await h.service.submit(jobSpec({ idempotencyKey: 'same-key', seed: 5 }));
    expect(inSpec.duplicate).toBe(true);
    expect(await h.service.list()).toHaveLength(1);
    await h.close();
    // the key survives a restart (it is in the journal)
    const again = await startService(dir, { runners: 0 });
    expect((await again.service.submit(jobSpec(), { idempotencyKey: 'same-key' })).duplicate).toBe(true);
    await again.close();
  });

  it('refuses a malformed spec with every offending field', async () => {
    const h = await startService(temp.make(), { runners: 0 });
    const bad = { ...jobSpec(), dateRange: { from: '2020-13-01', to: '2019-01-01' }, problem: { objectives: ['nope'], kMin: 4, kMax: 2 }, algorithm: { id: 'magic' }, budget: {}, extra: 1 };
    const err = await h.service.submit(bad).catch((e: unknown) => e) as { code: string; data: { issues: { path: string; message: string }[] } };
    expect(err.code).toBe('STRATA_JOB_INVALID_SPEC');
    const paths = err.data.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['dateRange.from', 'problem.objectives.0', 'algorithm.id', 'budget', '(spec)']));
    expect(await h.service.list()).toHaveLength(0);
    await h.close();
  });

  it('refuses a job when the queue is full, naming the bound', async () => {
    const h = await startService(temp.make(), { runners: 0, scheduler: { limits: { maxQueued: 10, maxQueuedPerLevel: 10, maxQueuedPerOwner: 2 } } });
    await h.service.submit(jobSpec({ owner: 'ana' }));
    await h.service.submit(jobSpec({ owner: 'ana' }));
    const err = await h.service.submit(jobSpec({ owner: 'ana' })).catch((e: unknown) => e) as { code: string; message: string; retryable: boolean };
    expect(err.code).toBe('STRATA_JOB_QUEUE_FULL');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('owner "ana" has 2 queued jobs');
    expect((await h.service.submit(jobSpec({ owner: 'bo' }))).job.owner).toBe('bo');
    const late = await h.service.submit(jobSpec({ deadline: Date.now() - 1_000 })).catch((e: unknown) => e) as { code: string };
    expect(late.code).toBe('STRATA_JOB_DEADLINE_PASSED');
    await h.close();
  });

  it('refuses a second service on a journal that another one holds, at once', async () => {
    const dir = temp.make();
    const h = await startService(dir, { runners: 0 });
    const t0 = Date.now();
    await expect(startService(dir, { runners: 0 })).rejects.toMatchObject({ code: 'STRATA_JOB_JOURNAL_LOCKED' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    await h.close();
  });

  it('refuses what its journal cannot make durable, then restarts on a fresh open and goes on', async () => {
    let failing = false;
    const replica: JournalReplica = {
      async replicate() { if (failing) throw new Error('replica member unreachable'); },
      async replaceAll() {},
    };
    const h = await startService(temp.make(), { replica });
    failing = true;
    const err = await h.service.submit(jobSpec(), { idempotencyKey: 'retry-me' }).catch((e: unknown) => e) as { code: string; retryable: boolean };
    expect(err.code).toBe('STRATA_JOB_JOURNAL_WRITE_FAILED');
    expect(err.retryable).toBe(true);
    failing = false;
    // supervision restarts the scheduler on a fresh open of its journal; the client retries with its key
    let outcome: { job: { id: string } } | null = null;
    await untilAsync(async () => { outcome = await h.service.submit(jobSpec(), { idempotencyKey: 'retry-me' }).catch(() => null); return outcome !== null; });
    const done = await h.service.whenFinished(outcome!.job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(await h.service.list()).toHaveLength(1);
    await h.close();
  });

  it('compacts its journal while jobs run and recovers every job and result from it', async () => {
    const dir = temp.make();
    const h = await startService(dir, { runners: 2, scheduler: { compactEveryRecords: 15, retainFinished: 3 } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await h.service.submit(jobSpec({ seed: i, budget: { evaluations: 600 } }))).job.id);
    for (const id of ids) expect((await h.service.whenFinished(id, 30_000)).status).toBe('completed');
    const listedBefore = (await h.service.list()).map((j) => j.id);
    const results = await Promise.all(listedBefore.map(async (id) => resultBytes(await h.service.result(id))));
    await h.close();
    const again = await startService(dir, { runners: 0 });
    const listed = (await again.service.list()).map((j) => j.id);
    // the oldest finished jobs were forgotten at a compaction (at least 3 kept); the kept ones keep their results
    expect(listed).toEqual(listedBefore);
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(listed.length).toBeLessThan(6);
    expect(listed).toEqual(ids.slice(ids.length - listed.length));
    expect(await Promise.all(listed.map(async (id) => resultBytes(await again.service.result(id))))).toEqual(results);
    await expect(again.service.get(ids[0]!)).rejects.toMatchObject({ code: 'STRATA_JOB_UNKNOWN' });
    const next = await again.service.submit(jobSpec());
    expect(next.job.id).toBe('job-000007');
    await again.close();
  });

  it('refuses reports and starts from a stale epoch', async () => {
    const dir = temp.make();
    const first = await startService(dir, { runners: 0 });
    const oldEpoch = first.service.epoch;
    const { job } = await first.service.submit(jobSpec());
    await first.close();
    const h = await startService(dir, { runners: 0 });
    expect(h.service.epoch).toBeGreaterThan(oldEpoch);
    // a runner of the old scheduler reports a checkpoint: refused, nothing recorded
    const reply = await h.system.ask<import('../../../actors/job-scheduler/index.ts').SchedulerMessage, RunnerReportReply>(h.service.scheduler, (replyTo) => ({
      type: 'runner.completed', jobId: job.id, epoch: oldEpoch, assignment: `${oldEpoch}.${job.id}.1`, replyTo,
      result: { algorithm: { id: 'x', params: {}, recommended: false, reasons: [] }, evaluations: 1, generations: 1, nStrategies: 1, days: { first: 'a', last: 'b', count: 1 }, best: null, front: [], stateDigest: '', matrixDigest: '' },
    }));
    expect(reply.type).toBe('runner.report.rejected');
    expect(reply.type === 'runner.report.rejected' && reply.error.code).toBe('STRATA_JOB_STALE_EPOCH');
    expect((await h.service.get(job.id)).status).toBe('queued');
    // a runner that has seen a newer epoch refuses an older scheduler's start
    const pool = createRunnerPool({ threads: 1 });
    const runner = h.system.spawn(algorithmRunnerBehaviour({ matrixSource: createGeneratedMatrixSource(UNIVERSE), pool }), { name: 'lone-runner' });
    const reports: string[] = [];
    const sink = h.system.spawn<import('../../../actors/job-scheduler/index.ts').RunnerReport>(() => ({ receive(m) { reports.push(m.type === 'runner.refused' ? m.error.code : m.type); } }), { name: 'sink' });
    const start = (epoch: number) => ({ type: 'runner.start' as const, jobId: job.id, epoch, assignment: `${epoch}.${job.id}.9`, spec: jobSpec() as never, checkpoint: null, scheduler: sink });
    runner.tell(start(h.service.epoch + 5));
    runner.tell({ type: 'runner.stop', epoch: h.service.epoch + 5, assignment: `${h.service.epoch + 5}.${job.id}.9`, reason: 'cancel' });
    runner.tell(start(h.service.epoch));
    await until(() => reports.includes('STRATA_JOB_STALE_EPOCH'));
    await pool.close();
    await h.close();
  });

  it('pauses and resumes a job, which then completes with the uninterrupted result', async () => {
    const h = await startService(temp.make());
    const { job } = await h.service.submit(jobSpec());
    await waitForEvent(h.service, job.id, 'job.checkpointed');
    const paused = await h.service.pause(job.id);
    expect(paused.status).toBe('paused');
    await expect(h.service.pause(job.id)).rejects.toMatchObject({ code: 'STRATA_JOB_INVALID_TRANSITION' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.service.get(job.id)).status).toBe('paused');
    await h.service.resume(job.id);
    const done = await h.service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.attempts).toBe(2);
    expect(resultBytes(await h.service.result(job.id))).toBe(reference);
    await h.close();
  });

  it('checkpoints running jobs on close and resumes them from there at the next start', async () => {
    const dir = temp.make();
    const h = await startService(dir, { runner: { checkpointGenerations: 0, checkpointMs: 0, progressMs: 20 } });
    const { job } = await h.service.submit(jobSpec());
    await untilAsync(async () => ((await h.service.get(job.id)).progress?.evaluations ?? 0) >= 400);
    await h.close(); // no periodic checkpoints: the only checkpoint is the shutdown's
    let resolveFrom!: (n: number) => void;
    const resumedFrom = new Promise<number>((resolve) => { resolveFrom = resolve; });
    const again = await startService(dir, { onEvent: (e) => { if (e.type === 'job.started' && e.id === job.id) resolveFrom(e.fromEvaluations); } });
    const done = await again.service.whenFinished(job.id, 30_000);
    expect(await resumedFrom).toBeGreaterThanOrEqual(400);
    expect(done.status).toBe('completed');
    expect(resultBytes(await again.service.result(job.id))).toBe(reference);
    await again.close();
  });

  it('cancels queued and running jobs and reprioritises a queued one', async () => {
    const h = await startService(temp.make());
    const a = (await h.service.submit(jobSpec({ budget: { evaluations: 200_000 } }))).job;
    const b = (await h.service.submit(jobSpec({ priority: 'low' }))).job;
    const c = (await h.service.submit(jobSpec({ priority: 'low', seed: 3 }))).job;
    await untilAsync(async () => (await h.service.get(a.id)).status === 'running');
    expect((await h.service.reprioritise(c.id, 'critical')).priority).toBe('critical');
    const queued = await h.service.list({ status: ['queued'] });
    expect(queued.map((j) => j.id)).toEqual([b.id, c.id]);
    const cStart = queued.find((j) => j.id === c.id)!.expectedStartAt!;
    const bStart = queued.find((j) => j.id === b.id)!.expectedStartAt!;
    expect(cStart).toBeLessThanOrEqual(bStart); // critical goes first
    expect((await h.service.cancel(b.id)).status).toBe('cancelled');
    expect((await h.service.cancel(a.id)).status).toBe('cancelled');
    await expect(h.service.cancel(a.id)).rejects.toMatchObject({ code: 'STRATA_JOB_INVALID_TRANSITION' });
    await expect(h.service.result(a.id)).rejects.toMatchObject({ code: 'STRATA_JOB_NOT_FINISHED' });
    await expect(h.service.get('job-999999')).rejects.toMatchObject({ code: 'STRATA_JOB_UNKNOWN' });
    const done = await h.service.whenFinished(c.id, 30_000);
    expect(done.status).toBe('completed');
    await h.close();
  });

  it('resumes from the last checkpoint when a pool thread is terminated under the job', async () => {
    const h = await startService(temp.make());
    const { job } = await h.service.submit(jobSpec());
    // a random point: after 1–4 checkpoints (the job has about 20)
    const seed = Date.now();
    const after = 1 + (seed % 4);
    let seen = 0;
    await new Promise<void>((resolve) => { const off = h.service.onEvent((e) => { if (e.type === 'job.checkpointed' && ++seen === after) { off(); resolve(); } }); });
    h.service.pool.terminateThreadOnNextTask();
    const done = await h.service.whenFinished(job.id, 30_000);
    expect(done.status, `after ${after} checkpoints`).toBe('completed');
    expect(done.interruptions).toBe(1);
    expect(done.lastError?.code).toBe('STRATA_JOB_RUNNER_LOST');
    expect(resultBytes(await h.service.result(job.id))).toBe(reference);
    await h.close();
  });

  it('reassigns the job of a runner that stops (deathwatch) and resumes it from its checkpoint', async () => {
    const pool = createRunnerPool({ threads: 2 });
    const dir = temp.make();
    const h0 = await startService(dir, { runners: 0, pool });
    const runners: ActorRef<RunnerMessage>[] = [1, 2].map((n) => h0.system.spawn(algorithmRunnerBehaviour({
      matrixSource: createGeneratedMatrixSource(UNIVERSE), pool, settings: { checkpointGenerations: 2, checkpointMs: 0 },
    }), { name: `member-runner-${n}` }));
    for (const r of runners) h0.service.scheduler.tell({ type: 'runner.register', runner: r });
    const { job } = await h0.service.submit(jobSpec());
    await waitForEvent(h0.service, job.id, 'job.checkpointed');
    const view = await h0.service.get(job.id);
    const victim = runners.find((r) => view.runner?.endsWith((r as unknown as { path: string }).path.split('/').at(-1)!))!;
    h0.system.stop(victim);
    const done = await h0.service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.interruptions).toBe(1);
    expect(done.attempts).toBe(2);
    expect(resultBytes(await h0.service.result(job.id))).toBe(reference);
    await h0.close();
    await pool.close();
  });

  it('retries a retryable failure with backoff and fails a job over its failure budget', async () => {
    let loads = 0;
    const inner = createGeneratedMatrixSource(UNIVERSE);
    const flaky: MatrixSource = { async load(q) { loads++; if (loads === 1) throw jobError('STRATA_JOB_MATRIX_LOAD_FAILED', 'node down'); return inner.load(q); } };
    const h = await startService(temp.make(), { matrixSource: flaky });
    const events: JobEvent[] = [];
    h.service.onEvent((e) => events.push(e));
    const { job } = await h.service.submit(jobSpec());
    const done = await h.service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.failures).toBe(1);
    expect(events.some((e) => e.type === 'job.retrying')).toBe(true);
    await h.close();

    const broken: MatrixSource = { async load() { throw jobError('STRATA_JOB_MATRIX_LOAD_FAILED', 'node down for good'); } };
    const h2 = await startService(temp.make(), { matrixSource: broken });
    const j2 = (await h2.service.submit(jobSpec())).job;
    const failed = await h2.service.whenFinished(j2.id, 30_000);
    expect(failed.status).toBe('failed');
    expect(failed.lastError?.code).toBe('STRATA_JOB_FAILURE_BUDGET');
    expect(failed.lastError?.message).toContain('node down for good');
    const j3 = (await h2.service.submit(jobSpec({ problem: { objectives: ['ratio'], kMin: 5, kMax: 50 } }))).job;
    expect((await h2.service.whenFinished(j3.id, 30_000)).status).toBe('failed');
    await h2.close();
  });
});

function waitForEvent(service: import('../../../actors/job-scheduler/index.ts').JobService, id: string, type: JobEvent['type']): Promise<void> {
  return new Promise((resolve) => {
    const off = service.onEvent((e) => { if (e.id === id && e.type === type) { off(); resolve(); } });
  });
}

async function until(fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function untilAsync(fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
