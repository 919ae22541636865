// SQL push-down evaluation (runner option evaluation: 'sql'): each generation's per-day partial sums are
// computed by the store — here the StoreCluster facade over three embedded DuckDB nodes with two replicas per
// partition, scattered over the partitions and merged by the runner — and the metrics come from the merged
// series. For the same seed, the best portfolio is the one the CPU pool finds on the in-memory matrix.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreCluster } from '../../../actors/store/index.ts';
import { RUNNER_BEHAVIOURS, createStoreClusterMatrixSource, storeClusterPushDown, type SqlPushDown } from '../../../actors/algorithm-runner/index.ts';
import { createGeneratedMatrixSource, type JobResult } from '../../../engine/jobs/index.ts';
import { createJobService } from '../../../actors/job-scheduler/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { createTempDirs, jobSpec, seedStore, startService } from './support.ts';

const temp = createTempDirs();
afterAll(() => temp.cleanup());

const U = { nStrategies: 16, nDays: 120, seed: 23 } as const;

describe('SQL push-down evaluation', () => {
  it('finds the same best portfolio as the CPU pool for the same seed, over the StoreCluster facade', async () => {
    const system = createSystem({ name: 'sql-jobs', logger: pino({ level: 'silent' }) });
    const store = createStoreCluster({ system, dir: temp.make(), nodes: 3, replicationFactor: 2, placement: 'inline' });
    await store.ready;
    await seedStore(store, U);
    const matrixSource = createStoreClusterMatrixSource(store);
    const spec = jobSpec({ dateRange: { from: '2020-01-01', to: '2020-12-31' }, problem: { objectives: ['ratio'], kMin: 4, kMax: 4 }, budget: { evaluations: 600 } });

    const pushDown = storeClusterPushDown(store);
    let statements = 0;
    const counted: SqlPushDown = { run: (statementFor) => { statements++; return pushDown.run(statementFor); } };
    const results: JobResult[] = [];
    for (const evaluation of ['pool', 'sql'] as const) {
      const h = await startService(temp.make(), { matrixSource, evaluation, ...(evaluation === 'sql' ? { sql: counted } : {}) });
      const { job } = await h.service.submit(spec);
      expect((await h.service.whenFinished(job.id, 30_000)).status).toBe('completed');
      results.push(await h.service.result(job.id));
      await h.close();
    }
    const [pool, sql] = results as [JobResult, JobResult];
    expect(sql.evaluations).toBe(pool.evaluations);
    // every generation went to the store: at least one statement per 16 candidates
    expect(statements).toBeGreaterThanOrEqual(Math.ceil(sql.evaluations / 16));
    expect(sql.best!.strategyIds).toEqual(pool.best!.strategyIds);
    for (const [i, v] of pool.best!.objectives.entries()) expect(sql.best!.objectives[i]).toBeCloseTo(v, 9);
    expect(sql.best!.metrics.netProfit).toBeCloseTo(pool.best!.metrics.netProfit, 6);
    await store.close();
    await system.terminate();
  }, 40_000);

  it('refuses evaluation sql without a push-down target, or with runners on worker threads', async () => {
    const dir = temp.make();
    await expect(startService(dir, { evaluation: 'sql' })).rejects.toMatchObject({ code: 'STRATA_RUNNER_INVALID_OPTION' });
    const threaded = createSystem({ name: 'sql-threads', logger: pino({ level: 'silent' }), threads: { count: 1, behaviours: RUNNER_BEHAVIOURS } });
    await expect(createJobService({
      system: threaded, dir, matrixSource: createGeneratedMatrixSource(U), runnerPlacement: 'threads', evaluation: 'sql', sql: { run: () => Promise.resolve([]) },
    })).rejects.toMatchObject({ code: 'STRATA_RUNNER_INVALID_OPTION' });
    await threaded.terminate();
  });
});
