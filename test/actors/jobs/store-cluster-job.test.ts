// A job whose P&L matrix comes through the store team's StoreCluster facade (load-balancer, node-proxies,
// three embedded DuckDB nodes, two replicas per partition): the same universe written to the store gives the
// same matrix digest and the same result, bit for bit, as the generated source it was written from.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreCluster } from '../../../actors/store/index.ts';
import { createStoreClusterMatrixSource } from '../../../actors/algorithm-runner/index.ts';
import { createGeneratedMatrixSource, generateUniverse, matrixDigest, matrixQueryOf, parseJobSpec } from '../../../engine/jobs/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { createTempDirs, jobSpec, resultBytes, startService } from './support.ts';

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
    const u = generateUniverse(U);
    const n = u.strategies.length;
    await store.append('strategies', {
      rowCount: n,
      columns: {
        strategy_id: u.strategies.map((s) => s.strategyId), strategy_name: u.strategies.map((s) => s.strategyId),
        source_format: u.strategies.map((s) => s.sourceFormat), underlying: u.strategies.map((s) => s.underlying),
        strategy_type: u.strategies.map((s) => s.strategyType), currency: u.strategies.map((s) => s.currency),
        first_trading_day: u.strategies.map(() => u.days[0]!), last_trading_day: u.strategies.map(() => u.days.at(-1)!),
      },
    });
    const rows = n * u.days.length;
    await store.append('daily_pnl', {
      rowCount: rows,
      columns: {
        strategy_id: Array.from({ length: rows }, (_, i) => u.strategies[Math.floor(i / u.days.length)]!.strategyId),
        trading_day: Array.from({ length: rows }, (_, i) => u.days[i % u.days.length]!),
        zone: new Array<string>(rows).fill('ALL'),
        pnl: u.values,
        n_trades: Array.from({ length: rows }, (_, i) => u.trades[Math.floor(i / u.days.length)]! / u.days.length),
      },
    });
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
