// A job reads the store as it is when the job starts: strategies ingested after an earlier job with the same query
// are in the next job's universe, whether its runner is on the main thread or on a worker thread (where the matrix
// comes from the matrix server). Regression: both kept matrices by query alone, so every later job ran on the
// universe of the first one (a daemon fed 160 files kept optimising over the first 2).
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobService, type JobService } from '../../../actors/job-scheduler/index.ts';
import { RUNNER_BEHAVIOURS } from '../../../actors/algorithm-runner/index.ts';
import { createGeneratedMatrixSource, type MatrixSource } from '../../../engine/jobs/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { createTempDirs, jobSpec, startService } from './support.ts';

const temp = createTempDirs();
afterAll(() => temp.cleanup());

/** A store stand-in whose universe grows, as it would after an ingest; counts its loads. */
function growingStore(nStrategies: number) {
  let current = createGeneratedMatrixSource({ nStrategies, nDays: 200, seed: 4 });
  let loads = 0;
  const source: MatrixSource = { async load(q) { loads++; return current.load(q); } };
  return {
    source,
    get loads() { return loads; },
    grow(n: number) { current = createGeneratedMatrixSource({ nStrategies: n, nDays: 200, seed: 4 }); },
  };
}

async function strategiesSeenBy(service: JobService, spec: Record<string, unknown>): Promise<number> {
  const { job } = await service.submit(spec);
  expect((await service.whenFinished(job.id, 30_000)).status).toBe('completed');
  return (await service.result(job.id)).nStrategies;
}

const spec = jobSpec({ budget: { evaluations: 1_000 }, validation: { walkForwardFolds: 0, bootstrapResamples: 0 } });

describe('matrix freshness', () => {
  it('gives a later job with the same query the strategies ingested since the last one (runners on main)', async () => {
    const store = growingStore(12);
    const h = await startService(temp.make(), { matrixSource: store.source });
    try {
      expect(await strategiesSeenBy(h.service, spec)).toBe(12);
      store.grow(15);
      expect(await strategiesSeenBy(h.service, spec)).toBe(15);
      expect(store.loads).toBe(2);
    } finally {
      await h.close();
    }
  }, 40_000);

  it('gives a later job with the same query the strategies ingested since the last one (runners on worker threads)', async () => {
    const store = growingStore(12);
    const system = createSystem({ name: 'jobs-fresh', codecCheck: true, logger: pino({ level: 'silent' }), threads: { count: 1, behaviours: RUNNER_BEHAVIOURS } });
    const service = await createJobService({
      system, dir: temp.make(), matrixSource: store.source, runners: 1, runnerPlacement: 'threads',
      runner: { checkpointGenerations: 2, checkpointMs: 0, progressMs: 50 }, scheduler: { tickMs: 20 },
    });
    try {
      expect(await strategiesSeenBy(service, spec)).toBe(12);
      store.grow(15);
      expect(await strategiesSeenBy(service, spec)).toBe(15);
      expect(store.loads).toBe(2);
    } finally {
      await service.close();
      await system.terminate();
    }
  }, 40_000);
});
