// Runners on the runtime's worker threads (job service option runnerPlacement: 'threads'): each runner is a
// catalogue behaviour placed on a thread of the system, the matrix is loaded on main by the matrix server and
// reaches the thread as SharedArrayBuffer handles (never copied), generations are evaluated on the runner's
// thread, and the result is built there. Same result as runners on main with the CPU pool; a terminated
// worker thread loses no job.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobService, type JobEvent } from '../../../actors/job-scheduler/index.ts';
import { RUNNER_BEHAVIOURS } from '../../../actors/algorithm-runner/index.ts';
import { createGeneratedMatrixSource } from '../../../engine/jobs/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { until } from './job-harness.ts';
import { createTempDirs, jobSpec, resultBytes, startService } from './support.ts';

const temp = createTempDirs();
afterAll(() => temp.cleanup());

// large enough that a copied matrix would show in the bytes main sends to its threads (1.6 MB of values)
const WIDE = { nStrategies: 200, nDays: 1_000, seed: 5 } as const;
const wideSpec = (overrides: Record<string, unknown> = {}): Record<string, unknown> =>
  jobSpec({ dateRange: { from: '2020-01-01', to: '2023-12-31' }, budget: { evaluations: 6_000 }, ...overrides });

function threadSystem(name: string) {
  return createSystem({ name, codecCheck: true, logger: pino({ level: 'silent' }), threads: { count: 2, behaviours: RUNNER_BEHAVIOURS } });
}

async function referenceResult(spec: Record<string, unknown>): Promise<string> {
  const ref = await startService(temp.make(), { matrixSource: createGeneratedMatrixSource(WIDE) });
  const { job } = await ref.service.submit(spec);
  expect((await ref.service.whenFinished(job.id, 30_000)).status).toBe('completed');
  const bytes = resultBytes(await ref.service.result(job.id));
  await ref.close();
  return bytes;
}

describe('runners on worker threads', () => {
  it('runs jobs on runners placed on worker threads, sharing the matrix, with the same result as the CPU pool', async () => {
    const specs = [wideSpec(), wideSpec({ seed: 3, algorithm: { id: 'simulated-annealing' } })];
    const references = [await referenceResult(specs[0]!), await referenceResult(specs[1]!)];
    const system = threadSystem('jobs-threads');
    const service = await createJobService({
      system, dir: temp.make(), matrixSource: createGeneratedMatrixSource(WIDE), runners: 2, runnerPlacement: 'threads',
      runner: { checkpointGenerations: 2, checkpointMs: 0, progressMs: 50 }, scheduler: { tickMs: 20 },
    });
    const sentBefore = system.networkStats().sentBytes;
    const jobs = await Promise.all(specs.map(async (s) => (await service.submit(s)).job));
    for (const [i, job] of jobs.entries()) {
      expect((await service.whenFinished(job.id, 30_000)).status).toBe('completed');
      expect(resultBytes(await service.result(job.id))).toBe(references[i]);
    }
    // both threads hosted a runner, and what main sent them is far below one copy of the matrix
    expect(system.threads!.addresses().every((a) => a !== null)).toBe(true);
    const sent = system.networkStats().sentBytes - sentBefore;
    expect(sent).toBeLessThan((WIDE.nStrategies * WIDE.nDays * 8) / 4);
    await service.close();
    await system.terminate();
  }, 40_000);

  it('resumes from the last checkpoint when the runner\'s worker thread is terminated', async () => {
    const spec = wideSpec({ budget: { evaluations: 10_000 } });
    const reference = await referenceResult(spec);
    const system = threadSystem('jobs-threads-kill');
    const service = await createJobService({
      system, dir: temp.make(), matrixSource: createGeneratedMatrixSource(WIDE), runners: 1, runnerPlacement: 'threads',
      runner: { checkpointGenerations: 2, checkpointMs: 0, progressMs: 50 },
      scheduler: { tickMs: 20, retry: { maxFailures: 2, maxInterruptions: 10, backoff: { minMs: 20, maxMs: 100, factor: 2, jitter: 0.2 } } },
    });
    const events: JobEvent[] = [];
    service.onEvent((e) => events.push(e));
    const { job } = await service.submit(spec);
    await until(() => events.some((e) => e.type === 'job.checkpointed' && e.id === job.id), 'a checkpoint', 20_000);
    await Promise.all(system.threads!.workers().map((w) => w.terminate()));
    const done = await service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.interruptions).toBeGreaterThanOrEqual(1);
    const resumedFrom = events.flatMap((e) => (e.type === 'job.started' && e.id === job.id ? [e.fromEvaluations] : []));
    expect(resumedFrom.length).toBeGreaterThanOrEqual(2);
    expect(resumedFrom.at(-1)).toBeGreaterThan(0);
    expect(resultBytes(await service.result(job.id))).toBe(reference);
    await service.close();
    await system.terminate();
  }, 40_000);

  it('refuses runnerPlacement threads on a system without worker threads', async () => {
    const system = createSystem({ name: 'jobs-no-threads', logger: pino({ level: 'silent' }) });
    await expect(createJobService({ system, dir: temp.make(), matrixSource: createGeneratedMatrixSource(WIDE), runnerPlacement: 'threads' }))
      .rejects.toMatchObject({ code: 'STRATA_INVALID_PLACEMENT' });
    await system.terminate();
  });
});
