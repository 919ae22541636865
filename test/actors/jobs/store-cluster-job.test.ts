// A job whose P&L matrix comes through the store team's StoreCluster facade (load-balancer, node-proxies,
// three embedded DuckDB nodes, two replicas per partition): the same universe written to the store gives the
// same matrix digest and the same result, bit for bit, as the generated source it was written from.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreCluster } from '../../../actors/store/index.ts';
import { createStoreClusterMatrixSource } from '../../../actors/algorithm-runner/index.ts';
import { createGeneratedMatrixSource, matrixDigest, matrixQueryOf, parseJobSpec } from '../../../engine/jobs/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { createTempDirs, jobSpec, resultBytes, seedStore, startService } from './support.ts';

const temp = createTempDirs();
afterAll(() => temp.cleanup());

const U = { nStrategies: 20, nDays: 150, seed: 21 } as const;

describe('jobs over the StoreCluster facade', () => {
  it('runs a job on the matrix loaded through the load-balancer with the generated-source result', async () => {
    const spec = jobSpec({ dateRange: { from: '2020-01-01', to: '2020-12-31' }, budget: { evaluations: 2_000 } });
    const generated = createGeneratedMatrixSource(U);
    const reference = await startService(temp.make(), { matrixSource: generated });
    const refJob = (await reference.service.submit(spec)).job;
    await reference.service.whenFinished(refJob.id, 30_000);
    const expected = resultBytes(await reference.service.result(refJob.id));
    await reference.close();

    const system = createSystem({ name: 'store-jobs', logger: pino({ level: 'silent' }) });
    const store = createStoreCluster({ system, dir: temp.make(), nodes: 3, replicationFactor: 2, placement: 'inline' });
    await store.ready;
    await seedStore(store, U);
    const source = createStoreClusterMatrixSource(store);
    const query = matrixQueryOf(parseJobSpec(spec));
    expect(matrixDigest(await source.load(query))).toBe(matrixDigest(await generated.load(query)));

    const h = await startService(temp.make(), { matrixSource: source });
    const { job } = await h.service.submit(spec);
    expect((await h.service.whenFinished(job.id, 30_000)).status).toBe('completed');
    expect(resultBytes(await h.service.result(job.id))).toBe(expected);
    await h.close();
    await store.close();
    await system.terminate();
  }, 40_000);
});
