// Matrix sources over a real (in-memory) DuckDB store node: the universe filter, the date range and zone,
// strategy-major values with 0 outside each strategy's active days, trade counts, and the empty-universe
// refusal; the StoreCluster adapter gives the same matrix through the facade's query + pnlMatrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreMatrixSource, matrixDigest, type MatrixQuery } from '../../../engine/jobs/index.ts';
import { assemblePnlMatrix, HASH_FILTER_BITS, openDuckDbNode, type SqlParam, type StoreNode } from '../../../engine/store/index.ts';
import { collidingWith } from '../../support/hash-collision.ts';
import { createStoreClusterMatrixSource } from '../../../actors/algorithm-runner/index.ts';

let node: StoreNode;
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'];

beforeAll(async () => {
  node = await openDuckDbNode({ path: ':memory:' });
  await node.ensureSchema();
  const ids = ['s1', 's2', 's3'];
  await node.append('strategies', {
    rowCount: 3,
    columns: {
      strategy_id: ids, strategy_name: ['One', 'Two', 'Three'], source_format: ['F', 'F', 'F'], source_file: [null, null, null],
      source_sheet: [null, null, null], source_column: [null, null, null], underlying: ['NIFTY', 'BANKNIFTY', 'NIFTY'],
      strategy_type: ['ORB', 'ORB', 'TBS'], currency: ['INR', 'INR', 'INR'], margin_required: [null, null, null],
      first_trading_day: ['2024-01-01', '2024-01-02', '2024-01-01'], last_trading_day: ['2024-01-04', '2024-01-03', '2024-01-04'],
      partition_id: new Int32Array([0, 1, 2]),
    },
  });
  // s1 every day, s2 on days 2-3, s3 on days 1 and 4 only (a gap inside its active range)
  const rows: [string, string, number, number][] = [
    ['s1', DAYS[0]!, 10, 1], ['s1', DAYS[1]!, -5, 2], ['s1', DAYS[2]!, 7.5, 1], ['s1', DAYS[3]!, 1, 1],
    ['s2', DAYS[1]!, 100, 3], ['s2', DAYS[2]!, -40, 3],
    ['s3', DAYS[0]!, 2, 1], ['s3', DAYS[3]!, 3, 1],
  ];
  await node.append('daily_pnl', {
    rowCount: rows.length,
    columns: {
      strategy_id: rows.map((r) => r[0]), trading_day: rows.map((r) => r[1]), zone: rows.map(() => 'ALL'),
      pnl: new Float64Array(rows.map((r) => r[2])), n_trades: rows.map((r) => r[3]),
      partition_id: new Int32Array(rows.map((r) => Number(r[0].slice(1)) - 1)),
    },
  });
});
afterAll(async () => { await node.close(); });

const query = (over: Partial<MatrixQuery> = {}): MatrixQuery => ({ universe: {}, dateRange: { from: '2024-01-01', to: '2024-01-31' }, zone: 'ALL', ...over });

describe('matrix sources over the store', () => {
  it('loads the strategies × days matrix with active ranges and trade counts', async () => {
    const m = await createStoreMatrixSource({ nodes: [{ node }] }).load(query());
    expect(m.strategyIds).toEqual(['s1', 's2', 's3']);
    expect(m.days).toEqual(DAYS);
    expect(m.pnl.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...m.pnl]).toEqual([10, -5, 7.5, 1, 0, 100, -40, 0, 2, 0, 0, 3]);
    expect([...m.firstDay]).toEqual([0, 1, 0]);
    expect([...m.lastDay]).toEqual([3, 2, 3]);
    expect([...m.trades]).toEqual([5, 6, 2]);
  });

  it('applies the universe filter and the date range, and refuses an empty universe', async () => {
    const source = createStoreMatrixSource({ nodes: [{ node }] });
    const nifty = await source.load(query({ universe: { underlyings: ['NIFTY'], maxStrategies: 5 }, dateRange: { from: '2024-01-02', to: '2024-01-04' } }));
    expect(nifty.strategyIds).toEqual(['s1', 's3']);
    expect(nifty.days).toEqual(DAYS.slice(1));
    await expect(source.load(query({ universe: { underlyings: ['GOLD'] } }))).rejects.toMatchObject({ code: 'STRATA_JOB_MATRIX_EMPTY' });
    await expect(source.load(query({ zone: 'Zone 9' }))).rejects.toMatchObject({ code: 'STRATA_JOB_MATRIX_EMPTY' });
  });

  it('reads a universe longer than a list tested per row takes, every strategy once', async () => {
    // 300 strategies: past LIST_CONTAINS_MAX (128), so the hash-filter form
    const big = await openDuckDbNode({ path: ':memory:' });
    try {
      await big.ensureSchema();
      const n = 300;
      const ids = Array.from({ length: n }, (_, i) => `b-${String(i).padStart(3, '0')}`);
      const none = ids.map(() => null);
      await big.append('strategies', {
        rowCount: n,
        columns: {
          strategy_id: ids, strategy_name: ids, source_format: ids.map(() => 'F'), source_file: none, source_sheet: none, source_column: none,
          underlying: ids.map(() => 'NIFTY'), strategy_type: ids.map(() => 'ORB'), currency: ids.map(() => 'INR'), margin_required: none,
          first_trading_day: ids.map(() => DAYS[0]!), last_trading_day: ids.map(() => DAYS[1]!), partition_id: new Int32Array(n),
        },
      });
      await big.append('daily_pnl', {
        rowCount: 2 * n,
        columns: {
          strategy_id: ids.flatMap((id) => [id, id]), trading_day: ids.flatMap(() => [DAYS[0]!, DAYS[1]!]), zone: ids.flatMap(() => ['ALL', 'ALL']),
          pnl: new Float64Array(ids.flatMap((_, i) => [i, -i])), n_trades: ids.flatMap((_, i) => [1, i % 3]), partition_id: new Int32Array(2 * n),
        },
      });
      // a strategy outside the universe (another underlying) whose hash lands on a universe strategy's bit: the
      // hash filter lets its rows through, with days and trades the matrix must not get
      const other = await collidingWith(ids[5]!, HASH_FILTER_BITS);
      await big.append('strategies', {
        rowCount: 1,
        columns: {
          strategy_id: [other], strategy_name: [other], source_format: ['F'], source_file: [null], source_sheet: [null], source_column: [null],
          underlying: ['GOLD'], strategy_type: ['ORB'], currency: ['INR'], margin_required: [null],
          first_trading_day: [DAYS[0]!], last_trading_day: [DAYS[3]!], partition_id: new Int32Array(1),
        },
      });
      await big.append('daily_pnl', {
        rowCount: 2,
        columns: { strategy_id: [other, other], trading_day: [DAYS[2]!, DAYS[3]!], zone: ['ALL', 'ALL'], pnl: new Float64Array([5, 6]), n_trades: [9, 9], partition_id: new Int32Array(2) },
      });
      const m = await createStoreMatrixSource({ nodes: [{ node: big }] }).load(query({ universe: { underlyings: ['NIFTY'] } }));
      expect(m.strategyIds).toEqual(ids);
      expect(m.days).toEqual(DAYS.slice(0, 2));
      expect([...m.pnl]).toEqual(ids.flatMap((_, i) => [i, -i]));
      expect([...m.trades]).toEqual(ids.map((_, i) => 1 + (i % 3)));
    } finally {
      await big.close();
    }
  });

  it('gives the same matrix through the StoreCluster adapter', async () => {
    const facade = {
      // a one-node stand-in: the load-balancer's partition marker reads every partition
      query: (sql: string, params?: readonly SqlParam[]) => node.query(sql.replace('{{partitions}}', '1 = 1'), params ? [...params] : []),
      async pnlMatrix(ids: readonly string[], from?: string, to?: string, o?: { zone?: string }) {
        // n_trades too, as the load-balancer reads it: the trade counts come with the matrix
        const rs = await node.query(`SELECT strategy_id, trading_day, pnl, n_trades FROM daily_pnl WHERE zone = ? AND trading_day >= ? AND trading_day <= ? AND strategy_id IN (${ids.map(() => '?').join(', ')})`, [o?.zone ?? 'ALL', from ?? '0000', to ?? '9999', ...ids]);
        const ranges = new Map([['s1', { first: '2024-01-01', last: '2024-01-04' }], ['s2', { first: '2024-01-02', last: '2024-01-03' }], ['s3', { first: '2024-01-01', last: '2024-01-04' }]]);
        const days = [...new Set(rs.columns.find((c) => c.name === 'trading_day')!.values as string[])].sort();
        return assemblePnlMatrix(ids, days, [rs], { activeRange: new Map(ids.map((id) => [id, ranges.get(id)!])) });
      },
    };
    const direct = await createStoreMatrixSource({ nodes: [{ node }] }).load(query());
    const viaFacade = await createStoreClusterMatrixSource(facade).load(query());
    expect(matrixDigest(viaFacade)).toBe(matrixDigest(direct));
    expect([...viaFacade.trades]).toEqual([...direct.trades]);
    expect(viaFacade.trades.some((n) => n > 0)).toBe(true);
    // a matrix without trade counts (a store that did not read n_trades) is refused, not taken as zero trades
    const bare = { ...facade, pnlMatrix: async (...args: Parameters<typeof facade.pnlMatrix>) => { const m = await facade.pnlMatrix(...args); return { strategyIds: m.strategyIds, days: m.days, values: m.values }; } };
    await expect(createStoreClusterMatrixSource(bare).load(query())).rejects.toMatchObject({ code: 'STRATA_JOB_MATRIX_LOAD_FAILED', message: expect.stringMatching(/without trade counts/) });
    await expect(createStoreClusterMatrixSource({ ...facade, query: async () => { throw Object.assign(new Error('node down'), { code: 'STRATA_LB_NO_REPLICA' }); } }).load(query()))
      .rejects.toMatchObject({ code: 'STRATA_JOB_MATRIX_LOAD_FAILED' });
  });
});
