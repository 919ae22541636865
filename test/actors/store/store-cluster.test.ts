// The StoreCluster facade over real worker-thread DuckDB nodes: replicated appends, point reads, scattered
// reads merged in order, the P&L matrix, kv, status with breaker/latency figures, hostile strategy names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTITIONS_MARKER } from '../../../actors/store/index.ts';
import { partitionOf, DEFAULT_SCHEME, HASH_FILTER_BITS, resultRows, resultColumn } from '../../../engine/store/index.ts';
import { collidingWith } from '../../support/hash-collision.ts';
import { day, pnlBatch, startCluster, type ClusterHarness } from './cluster-harness.ts';

/** strategies rows for `ids`, each active from `first` to `last` */
function strategiesRows(ids: readonly string[], first: string, last: string) {
  return {
    rowCount: ids.length,
    columns: {
      strategy_id: [...ids], strategy_name: [...ids], source_format: ids.map(() => 'test'), source_file: ids.map(() => 'x.csv'),
      strategy_type: ids.map(() => 'UNKNOWN'), currency: ids.map(() => 'INR'), first_trading_day: ids.map(() => first), last_trading_day: ids.map(() => last),
    },
  };
}

describe('store cluster on worker threads', () => {
  let h: ClusterHarness;
  const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);

  beforeAll(async () => {
    h = await startCluster({ nodes: 3, replicationFactor: 2 });
    await h.cluster.append('daily_pnl', pnlBatch(ids, 30));
  });
  afterAll(async () => { await h.close(); });

  it('stores every row on exactly replicationFactor nodes', async () => {
    const s = await h.cluster.status();
    expect(s.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
    for (const n of s.nodes) {
      expect(n.phase).toBe('serving');
      expect(n.breaker).toBe('closed');
      expect(n.hosting).toBe('thread');
      expect(n.threadId).not.toBeNull();
    }
    const r = await h.cluster.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
    const total = (resultColumn(r, 'n').values as Float64Array).reduce((a, b) => a + b, 0);
    expect(total).toBe(600);
    const held = s.nodes.reduce((a, n) => a + n.partitions.length, 0);
    expect(held).toBe(64 * 2);
  });

  it('stores a numeric column that is all null in a large batch (not mistaken for text)', async () => {
    const n = 200;
    const days = Array.from({ length: n }, (_, i) => `2021-${String(1 + Math.floor(i / 28)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`);
    await h.cluster.append('daily_pnl', {
      rowCount: n,
      columns: {
        strategy_id: days.map(() => 'all-null-trades'), trading_day: days, zone: days.map(() => 'ALL'),
        pnl: new Float64Array(n).fill(1.5), n_trades: days.map(() => null), partition_id: days.map(() => partitionOf(DEFAULT_SCHEME, 'all-null-trades')),
      },
    } as never);
    const r = await h.cluster.query('SELECT COUNT(*) AS n, COUNT(n_trades) AS t FROM daily_pnl WHERE strategy_id = ?', ['all-null-trades'], { strategyIds: ['all-null-trades'] });
    expect(resultRows(r)[0]).toMatchObject({ n: 200, t: 0 });
    await h.cluster.deleteStrategies(['all-null-trades']);
  });

  it('answers a point read from one replica', async () => {
    const r = await h.cluster.query('SELECT trading_day, pnl FROM daily_pnl WHERE strategy_id = ? ORDER BY trading_day', ['s3'], { strategyIds: ['s3'] });
    expect(r.rowCount).toBe(30);
    const expected = (pnlBatch(ids, 30).columns['pnl'] as Float64Array).subarray(3 * 30, 4 * 30);
    expect(Array.from(resultColumn(r, 'pnl').values as Float64Array)).toEqual(Array.from(expected));
  });

  it('merges scattered partials in ORDER BY order', async () => {
    const r = await h.cluster.query(`SELECT strategy_id, trading_day FROM daily_pnl WHERE ${PARTITIONS_MARKER} ORDER BY strategy_id, trading_day`, [], { orderBy: ['strategy_id', 'trading_day'] });
    const rows = resultRows(r).map((x) => [x['strategy_id'] as string, x['trading_day'] as string] as const);
    expect(rows).toHaveLength(600);
    const after = (a: readonly [string, string], b: readonly [string, string]): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
    expect(rows.findIndex((x, i) => i > 0 && after(rows[i - 1]!, x))).toBe(-1);
  });

  it('refuses a statement no single node can answer without the partitions marker', async () => {
    await expect(h.cluster.query('SELECT COUNT(*) AS n FROM daily_pnl')).rejects.toMatchObject({ code: 'STRATA_LB_UNSCOPED_QUERY' });
    await expect(h.cluster.query('DELETE FROM daily_pnl WHERE strategy_id = ?', ['s1'], { strategyIds: ['s1'] })).rejects.toMatchObject({ code: 'STRATA_LB_NOT_A_READ' });
  });

  it('loads the P&L matrix by scatter-gather in the order asked', async () => {
    const asked = [...ids].reverse();
    const m = await h.cluster.pnlMatrix(asked, '2020-01-05', '2020-01-14');
    expect(m.strategyIds).toEqual(asked);
    expect(m.days).toHaveLength(10);
    expect(m.days[0]).toBe('2020-01-05');
    const one = (pnlBatch(ids, 30).columns['pnl'] as Float64Array).subarray(19 * 30, 20 * 30);
    expect(Array.from(m.values.subarray(0, 10))).toEqual(Array.from(one.subarray(4, 14)));
    // each strategy's trades over the same days come with the matrix, as SUM(n_trades) gives them
    const sums = await h.cluster.query(`SELECT strategy_id, SUM(n_trades) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER} AND zone = 'ALL' AND trading_day BETWEEN '2020-01-05' AND '2020-01-14' GROUP BY strategy_id`, []);
    const byId = new Map(resultRows(sums).map((x) => [x['strategy_id'] as string, Number(x['n'])]));
    expect(m.trades).toBeDefined();
    expect(Array.from(m.trades!)).toEqual(asked.map((id) => byId.get(id)));
    expect(Array.from(m.trades!).every((n) => n === 10)).toBe(true);
  });

  it('loads a matrix of more strategies on a node than a list tested per row takes (the hash-filter form), and leaves out the others it lets through', async () => {
    // 600 strategies: ~200 on each node's share (one serving replica per partition, spread evenly), past LIST_CONTAINS_MAX (128)
    const many = Array.from({ length: 600 }, (_, i) => `many-${i}`);
    await h.cluster.append('daily_pnl', pnlBatch(many, 4, 1, 100));
    // and 700 more stored strategies: the asked ones are under half of what their partitions hold, so the nodes
    // do not read those partitions whole
    const bystanders = Array.from({ length: 700 }, (_, i) => `bystander-${i}`);
    await h.cluster.append('strategies', strategiesRows([...many, ...bystanders], day(100), day(103)));
    // a strategy not asked for whose hash lands on an asked one's bit, in the same partition (so on the same
    // node's share): the filter lets its rows through, with days and trade counts the matrix must not get
    const other = await collidingWith(many[7]!, HASH_FILTER_BITS, (s) => partitionOf(DEFAULT_SCHEME, s) === partitionOf(DEFAULT_SCHEME, many[7]!));
    await h.cluster.append('daily_pnl', pnlBatch([other], 6, 5, 96));
    try {
      const stored = await h.cluster.query('SELECT COUNT(*) AS n FROM daily_pnl WHERE strategy_id = ?', [other], { strategyIds: [other] });
      expect(resultRows(stored)[0]).toMatchObject({ n: 6 });
      const asked = [...many].reverse();
      const m = await h.cluster.pnlMatrix(asked);
      expect(m.strategyIds).toEqual(asked);
      expect(m.days).toEqual([100, 101, 102, 103].map((d) => day(d)));
      const pnl = pnlBatch(many, 4, 1, 100).columns['pnl'] as Float64Array;
      // every cell is the stored one: asked[k] is many[599 - k]
      for (let k = 0; k < asked.length; k++) {
        expect(Array.from(m.values.subarray(k * 4, k * 4 + 4)), asked[k]).toEqual(Array.from(pnl.subarray((599 - k) * 4, (599 - k) * 4 + 4)));
      }
      expect(Array.from(m.trades!).every((n) => n === 4)).toBe(true);
    } finally {
      await h.cluster.deleteStrategies([...many, ...bystanders, other]);
    }
  });

  it('reads whole partitions when a node\'s share is most of what they hold, and keeps the asked strategies\' cells and days only', async () => {
    // 900 strategies with their strategies rows; 700 asked (~230 on each node's share, past LIST_CONTAINS_MAX, and
    // more than half of its partitions' strategies), and the 200 others have two extra days the matrix must not get
    const all = Array.from({ length: 900 }, (_, i) => `whole-${i}`);
    const asked = all.filter((_, i) => i % 9 !== 0 && i % 9 !== 4);
    const others = all.filter((id) => !asked.includes(id));
    await h.cluster.append('strategies', strategiesRows(all, day(200), day(203)));
    await h.cluster.append('daily_pnl', pnlBatch(asked, 4, 3, 200));
    await h.cluster.append('daily_pnl', pnlBatch(others, 6, 4, 198));
    try {
      const m = await h.cluster.pnlMatrix(asked);
      expect(m.days).toEqual([200, 201, 202, 203].map((d) => day(d)));
      const pnl = pnlBatch(asked, 4, 3, 200).columns['pnl'] as Float64Array;
      for (let k = 0; k < asked.length; k++) expect(Array.from(m.values.subarray(k * 4, k * 4 + 4)), asked[k]).toEqual(Array.from(pnl.subarray(k * 4, k * 4 + 4)));
      expect(Array.from(m.trades!).every((n) => n === 4)).toBe(true);
      // a fifth of them: the id-list form, the same cells
      const few = asked.filter((_, i) => i % 5 === 0);
      const f = await h.cluster.pnlMatrix(few);
      expect(f.days).toEqual(m.days);
      for (let k = 0; k < few.length; k++) {
        const at = asked.indexOf(few[k]!);
        expect(Array.from(f.values.subarray(k * 4, k * 4 + 4)), few[k]).toEqual(Array.from(pnl.subarray(at * 4, at * 4 + 4)));
      }
    } finally {
      await h.cluster.deleteStrategies(all);
    }
  });

  it('stores hostile strategy names and values verbatim', async () => {
    const hostile = [`it's "quoted"`, 'a,b;c', "'; DROP TABLE daily_pnl; --", 'ünïcödé 🚀 策略', 'back\\slash %_?', '?', 'x\ny\tz'];
    const n = hostile.length;
    await h.cluster.append('strategies', {
      rowCount: n,
      columns: {
        strategy_id: hostile.map((s) => `id:${s}`), strategy_name: hostile, source_format: new Array<string>(n).fill('tv'),
        source_file: hostile.map((s) => `${s}.csv`), strategy_type: new Array<string>(n).fill('TV'), currency: new Array<string>(n).fill('INR'),
      },
    });
    for (const name of hostile) {
      const id = `id:${name}`;
      const r = await h.cluster.query('SELECT strategy_name, source_file FROM strategies WHERE strategy_id = ?', [id], { strategyIds: [id] });
      expect(resultRows(r)).toEqual([{ strategy_name: name, source_file: `${name}.csv` }]);
    }
    const all = await h.cluster.query(`SELECT strategy_name FROM strategies WHERE ${PARTITIONS_MARKER} AND strategy_name = ?`, ["'; DROP TABLE daily_pnl; --"]);
    expect(all.rowCount).toBe(1);
    expect(partitionOf(DEFAULT_SCHEME, `id:${hostile[2]}`)).toBeGreaterThanOrEqual(0);
  });

  it('keeps kv entries on every node and reads back the newest', async () => {
    await h.cluster.kvPut('jobs', [{ key: 'j1', value: 'one' }, { key: 'j2', value: 'two' }]);
    await h.cluster.kvPut('jobs', [{ key: 'j1', value: 'uno' }]);
    expect((await h.cluster.kvGet('jobs', 'j1'))?.value).toBe('uno');
    expect((await h.cluster.kvList('jobs')).map((e) => e.key)).toEqual(['j1', 'j2']);
    await h.cluster.kvDelete('jobs', ['j2']);
    expect(await h.cluster.kvGet('jobs', 'j2')).toBeNull();
  });

  it('reports per-operation latency percentiles and in-flight counts', async () => {
    // nothing runs now but the health checks (every 100 ms here, each counted while in flight): the counts
    // come back to 0 between them
    let s = await h.cluster.status();
    for (let i = 0; i < 50 && s.nodes.some((n) => n.inFlight !== 0); i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await h.cluster.status();
    }
    for (const n of s.nodes) {
      expect(n.inFlight).toBe(0);
      const q = n.latency['query'];
      expect(q?.count).toBeGreaterThan(0);
      expect(q!.p50).toBeLessThanOrEqual(q!.p99);
      expect(n.latency['append']?.count).toBeGreaterThan(0);
    }
    expect((await h.cluster.health()).ok).toBe(true);
  });
});

describe('createStoreCluster options', () => {
  it('refuses invalid options before starting anything', async () => {
    const { createStoreCluster } = await import('../../../actors/store/index.ts');
    const { createSystem } = await import('../../../runtime/index.ts');
    const { pino } = await import('pino');
    const system = createSystem({ name: 'options-test', logger: pino({ level: 'silent' }) });
    const dir = (await import('./cluster-harness.ts')).tempDir('strata-options-');
    try {
      const bad: Parameters<typeof createStoreCluster>[0][] = [
        { system, dir, nodes: 0 },
        { system, dir, nodes: [{ name: 'a', kind: 'duckdb' }, { name: 'a', kind: 'duckdb' }] },
        { system, dir, nodes: [{ name: 'has space', kind: 'duckdb' }] },
        { system, dir, replicationFactor: 0 },
        { system, dir, policy: 'random' as never },
        { system, dir, placement: 'cloud' as never },
        { system, dir, nodes: [{ name: 'm', kind: 'duckdb', path: ':memory:', hosting: 'process' }] },
        { system, dir, nodes: [{ name: 'r', kind: 'duckdb', readConnections: -1 }] },
        { system, dir, nodes: [{ name: 'w', kind: 'duckdb', weight: 0 }] },
        { system, dir, nodes: [{ name: 't', kind: 'duckdb', duckdbThreads: 0 }] },
        { system, dir, nodes: [{ name: 'l', kind: 'duckdb', memoryLimitMb: 10 }] },
        { system, dir, nodes: [{ name: 'l', kind: 'duckdb', memoryLimitMb: 100.5 }] },
        { system, dir, nodes: 32 },
      ];
      for (const options of bad) expect(() => createStoreCluster(options)).toThrow(expect.objectContaining({ code: 'STRATA_STORE_CLUSTER_INVALID_OPTIONS' }));
      expect(system.snapshot().children.find((c) => c.path === '/user')?.children ?? []).toEqual([]);
    } finally {
      await system.terminate();
    }
  });

  /** The distinct values of a DuckDB setting over the nodes of a new cluster (RF 1, every partition asked). */
  async function settingOnNodes(nodes: NonNullable<Parameters<typeof import('../../../actors/store/index.ts').createStoreCluster>[0]['nodes']>, setting: string): Promise<string[]> {
    const { createStoreCluster } = await import('../../../actors/store/index.ts');
    const { PARTITIONS_MARKER } = await import('../../../actors/load-balancer/index.ts');
    const { createSystem } = await import('../../../runtime/index.ts');
    const { pino } = await import('pino');
    const harness = await import('./cluster-harness.ts');
    const system = createSystem({ name: 'setting-test', logger: pino({ level: 'silent' }) });
    const dir = harness.tempDir('strata-setting-');
    const cluster = createStoreCluster({ system, dir, replicationFactor: 1, nodes });
    try {
      await cluster.ready;
      const r = await cluster.query(`SELECT current_setting('${setting}')::VARCHAR AS v FROM (SELECT range::INTEGER AS partition_id FROM range(4096)) WHERE ${PARTITIONS_MARKER} GROUP BY 1`);
      return [...new Set(r.columns[0]!.values as string[])].sort();
    } finally {
      await cluster.close();
      await system.terminate();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  }

  it("caps a node's DuckDB memory on its thread and in its child process when memoryLimitMb is given", async () => {
    expect(await settingOnNodes([{ name: 'capped', kind: 'duckdb', memoryLimitMb: 96, hosting: 'thread' }, { name: 'forked', kind: 'duckdb', memoryLimitMb: 80, hosting: 'process' }], 'memory_limit'))
      .toEqual(['80.0 MiB', '96.0 MiB']);
  });

  it('runs a node with the DuckDB threads given, on its thread and in its child process', async () => {
    expect(await settingOnNodes([{ name: 'one', kind: 'duckdb', duckdbThreads: 1, hosting: 'thread' }, { name: 'three', kind: 'duckdb', duckdbThreads: 3, hosting: 'process' }], 'threads'))
      .toEqual(['1', '3']);
  });
});

describe('appends to node threads', () => {
  it('sends big typed arrays as copies: the caller keeps its arrays whole, and the stored rows are the sent ones', async () => {
    // without the codec check, whose copy of every message would hide what the node-proxy itself sends
    const check = process.env['STRATA_CODEC_CHECK'];
    process.env['STRATA_CODEC_CHECK'] = '0';
    const h = await startCluster({ nodes: 2, replicationFactor: 2, placement: 'thread' }).finally(() => { if (check === undefined) delete process.env['STRATA_CODEC_CHECK']; else process.env['STRATA_CODEC_CHECK'] = check; });
    try {
      const big = pnlBatch(['big-a', 'big-b'], 2_500, 3); // 5,000 rows: a 40 KB Float64Array of P&L
      const pnl = big.columns['pnl'] as Float64Array;
      const expected = pnl.reduce((a, b) => a + b, 0);
      await h.cluster.append('daily_pnl', big);
      expect((pnl.buffer as ArrayBuffer).detached).toBe(false);
      expect(pnl.reduce((a, b) => a + b, 0)).toBe(expected);
      const rows = resultRows(await h.cluster.query(`SELECT strategy_id, COUNT(*) AS n, SUM(pnl) AS s FROM daily_pnl WHERE ${PARTITIONS_MARKER} GROUP BY strategy_id ORDER BY strategy_id`, [], { orderBy: ['strategy_id'] }));
      expect(rows.map((r) => [r['strategy_id'], Number(r['n'])])).toEqual([['big-a', 2_500], ['big-b', 2_500]]);
      expect(rows.reduce((a, r) => a + Number(r['s']), 0)).toBeCloseTo(expected, 6);
    } finally {
      await h.close();
    }
  });
});
