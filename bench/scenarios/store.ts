// Store benchmarks, each next to raw DuckDB in the same run. The actor path (issue targets): bulk append through
// the StoreCluster (load-balancer + node-proxies, 3 worker-thread nodes, RF 2, counted per logical row) vs the
// bare chunked appender; point-query p50/p99 through the cluster vs a direct DuckDB query; the 500 × 2,000 daily
// P&L matrix by scatter-gather through the cluster vs one direct query. The backend layer beneath (one DuckDB
// node, no actors) is measured the same way (store.append, store.point-query, store.matrix-load).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'hdr-histogram-js';
import { pino } from 'pino';
import { createStoreCluster, type StoreCluster } from '../../actors/store/index.ts';
import { createSystem, type ActorSystem } from '../../runtime/index.ts';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBVector, DuckDBValue } from '@duckdb/node-api';
import {
  assemblePnlMatrix, createTableSql, openDuckDbNode, placePartitions, planReads, splitByPartition, TABLES,
} from '../../engine/store/index.ts';
import type { ColumnBatch, PartitionScheme, ResultSet, StoreNode } from '../../engine/store/index.ts';
import { compared, repeat, summarise } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';

const CHUNK = 2048;

function pnlBatch(strategies: number, days: number): ColumnBatch {
  const n = strategies * days;
  const ids: string[] = new Array<string>(n);
  const dayCol: string[] = new Array<string>(n);
  const dayNames = Array.from({ length: days }, (_, d) => new Date(Date.UTC(2015, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));
  const pnl = new Float64Array(n);
  let i = 0;
  for (let s = 0; s < strategies; s++) {
    for (let d = 0; d < days; d++) {
      ids[i] = `strategy-${s}`;
      dayCol[i] = dayNames[d]!;
      pnl[i] = Math.sin(s * 31 + d) * 1000;
      i++;
    }
  }
  return { rowCount: n, columns: { strategy_id: ids, trading_day: dayCol, zone: new Array<string>(n).fill('ALL'), pnl, n_trades: new Int32Array(n).fill(1), partition_id: new Int32Array(n) } };
}

/** The baseline: DuckDB's appender fed 2,048-row data chunks straight from the same arrays, no checks. */
async function rawAppend(con: DuckDBConnection, batch: ColumnBatch): Promise<void> {
  const appender = await con.createAppender('daily_pnl');
  const types = [VARCHAR, VARCHAR, VARCHAR, DOUBLE, INTEGER, INTEGER];
  const cols = ['strategy_id', 'trading_day', 'zone', 'pnl', 'n_trades', 'partition_id'].map((c) => batch.columns[c] as ArrayLike<DuckDBValue>);
  for (let start = 0; start < batch.rowCount; start += CHUNK) {
    const n = Math.min(CHUNK, batch.rowCount - start);
    const chunk = DuckDBDataChunk.create(types, n);
    cols.forEach((col, c) => {
      const v = chunk.getColumnVector(c) as DuckDBVector<DuckDBValue>;
      for (let i = 0; i < n; i++) v.setItem(i, col[start + i]!);
      v.flush();
    });
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
}

async function rawInstance(): Promise<{ con: DuckDBConnection; close(): void }> {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run(createTableSql(TABLES.daily_pnl));
  return { con, close() { con.disconnectSync(); inst.closeSync(); } };
}

async function benchAppend(quick: boolean, log: (l: string) => void): Promise<ReturnType<typeof compared>> {
  const batch = pnlBatch(quick ? 100 : 500, 2000);
  const runs = quick ? 2 : 5;
  const raw = await repeat(runs, async () => {
    const db = await rawInstance();
    const t = performance.now();
    await rawAppend(db.con, batch);
    const rate = batch.rowCount / ((performance.now() - t) / 1000);
    db.close();
    return rate;
  });
  const ours = await repeat(runs, async () => {
    const node = await openDuckDbNode({ path: ':memory:' });
    await node.ensureSchema();
    const t = performance.now();
    await node.append('daily_pnl', batch);
    const rate = batch.rowCount / ((performance.now() - t) / 1000);
    await node.close();
    return rate;
  });
  log(`append ${batch.rowCount} rows: ours ${Math.round(ours.median)} rows/s, raw ${Math.round(raw.median)} rows/s`);
  return { ...compared('store.append', 'throughput', 'rows/s', ours, { name: 'raw DuckDB appender, 2,048-row chunks, in memory', summary: raw }, { ratio: '>=0.7' }), note: 'backend layer only (validation + transaction + chunked appender); the issue target is for load-balancer + node-proxy at RF=2' };
}

/** Point-query latency of `ours` against a direct DuckDB connection over the same 200 × 500 table: rounds
 *  interleaved so drift on a shared machine hits both sides alike; p50 and p99 per round. */
async function comparePointQueries(quick: boolean, raw: (sql: string, k: readonly [string, string]) => Promise<unknown>, ours: (sql: string, k: readonly [string, string]) => Promise<unknown>): Promise<{ n: number; ours: { p50: number; p99: number }[]; raw: { p50: number; p99: number }[] }> {
  const batch = pnlBatch(200, 500);
  const sql = 'SELECT pnl FROM daily_pnl WHERE strategy_id = ? AND trading_day = ?';
  const n = quick ? 300 : 5000;
  const warmUp = quick ? 100 : 200;
  const rounds = quick ? 2 : 3;
  const keys = Array.from({ length: n }, (_, i) => [(batch.columns['strategy_id'] as string[])[(i * 7919) % batch.rowCount]!, (batch.columns['trading_day'] as string[])[(i * 7919) % batch.rowCount]!] as const);
  const measure = async (fn: (k: readonly [string, string]) => Promise<unknown>): Promise<{ p50: number; p99: number }> => {
    for (let i = 0; i < warmUp; i++) await fn(keys[i % keys.length]!);
    const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
    for (const k of keys) {
      const t = performance.now();
      await fn(k);
      h.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
    }
    return { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) };
  };
  const out = { n, ours: [] as { p50: number; p99: number }[], raw: [] as { p50: number; p99: number }[] };
  for (let round = 0; round < rounds; round++) {
    out.raw.push(await measure((k) => raw(sql, k)));
    out.ours.push(await measure((k) => ours(sql, k)));
  }
  return out;
}

async function benchPointQuery(quick: boolean, emit: (r: ReturnType<typeof compared>) => void, log: (l: string) => void): Promise<void> {
  const batch = pnlBatch(200, 500);
  const node = await openDuckDbNode({ path: ':memory:' });
  await node.ensureSchema();
  await node.append('daily_pnl', batch);
  const db = await rawInstance();
  await rawAppend(db.con, batch);
  const { n, ours, raw } = await comparePointQueries(quick, (sql, k) => db.con.run(sql, [k[0], k[1]]), (sql, k) => node.query(sql, [k[0], k[1]]));
  for (const pct of ['p50', 'p99'] as const) {
    const o = summarise(ours.map((x) => x[pct]));
    const r = summarise(raw.map((x) => x[pct]));
    log(`point query ${pct}: ours ${o.median} µs, direct ${r.median} µs`);
    emit({ ...compared('store.point-query', pct, 'µs', o, { name: 'direct DuckDB connection.run with the same parameters', summary: r }, { value: '<= baseline + 1000 µs' }), note: `overhead ${o.median - r.median} µs; ${n} queries per run, 200 × 500 rows table` });
  }
  await node.close();
  db.close();
}

/** The baseline for a matrix load: one direct query whose (strategy, day, pnl) cells are read into arrays, as a
 *  consumer of the direct query must. */
async function directMatrix(con: DuckDBConnection, sql: string, cells: number): Promise<Float64Array> {
  const r = await con.run(sql, ['ALL']);
  const out = new Float64Array(cells);
  let i = 0;
  for (let c = 0; c < r.chunkCount; c++) {
    const chunk = r.getChunk(c);
    const pv = chunk.getColumnVector(2);
    const sv = chunk.getColumnVector(0);
    const dv = chunk.getColumnVector(1);
    for (let k = 0; k < chunk.rowCount; k++) { sv.getItem(k); dv.getItem(k); out[i++ % out.length] = pv.getItem(k) as number; }
  }
  return out;
}

async function benchMatrix(quick: boolean, emit: (r: ReturnType<typeof compared>) => void, log: (l: string) => void): Promise<void> {
  const strategies = 500;
  const days = 2000;
  const batch = pnlBatch(strategies, days);
  const ids = Array.from({ length: strategies }, (_, s) => `strategy-${s}`);
  const dayNames = [...new Set(batch.columns['trading_day'] as string[])].sort();
  const sql = 'SELECT strategy_id, trading_day, pnl FROM daily_pnl WHERE zone = ?';

  const db = await rawInstance();
  await rawAppend(db.con, batch);

  const scheme: PartitionScheme = { kind: 'hash', partitionCount: 24 };
  const names = ['node-a', 'node-b', 'node-c'];
  const placement = placePartitions(names, scheme.partitionCount, 2);
  const nodes = new Map<string, StoreNode>();
  for (const name of names) {
    const node = await openDuckDbNode({ path: ':memory:' });
    await node.ensureSchema();
    nodes.set(name, node);
  }
  for (const [p, part] of splitByPartition(scheme, 'daily_pnl', batch)) {
    for (const name of placement.replicas[p]!) await nodes.get(name)!.append('daily_pnl', part);
  }
  const plan = planReads(placement, [...Array(scheme.partitionCount).keys()]);
  const runs = quick ? 2 : 5;
  const direct = await repeat(runs, async () => {
    const t = performance.now();
    await directMatrix(db.con, sql, strategies * days);
    return performance.now() - t;
  });
  const scatter = await repeat(runs, async () => {
    const t = performance.now();
    const partials: ResultSet[] = await Promise.all([...plan.byNode].map(([name, parts]) =>
      nodes.get(name)!.query(`${sql} AND partition_id IN (${parts.map(() => '?').join(', ')})`, ['ALL', ...parts])));
    const m = assemblePnlMatrix(ids, dayNames, partials);
    if (m.values.length !== strategies * days) throw new Error('matrix size');
    return performance.now() - t;
  });
  log(`500 × 2,000 matrix: scatter-gather ${scatter.median.toFixed(1)} ms, one direct query ${direct.median.toFixed(1)} ms`);
  emit({ ...compared('store.matrix-load', 'latency', 'ms', scatter, { name: 'one direct DuckDB query on one database, cells read into arrays', summary: direct }, { ratio: '<=2' }), note: '3 in-memory DuckDB nodes, 24 hash partitions, RF 2, one replica per partition read in parallel, merged by assemblePnlMatrix' });
  for (const node of nodes.values()) await node.close();
  db.close();
}

/** A fresh cluster of 3 in-memory DuckDB nodes, each on its own worker thread, RF 2. */
async function openCluster(): Promise<{ system: ActorSystem; cluster: StoreCluster; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-store-'));
  const system = createSystem({ name: 'bench-store', logger: pino({ level: 'silent' }), codecCheck: false });
  const cluster = createStoreCluster({
    system, dir, replicationFactor: 2, placement: 'thread',
    nodes: ['n1', 'n2', 'n3'].map((name) => ({ name, kind: 'duckdb' as const, path: ':memory:' })),
  });
  await cluster.ready;
  return {
    system, cluster,
    async close() { await cluster.close(); await system.terminate(); rmSync(dir, { recursive: true, force: true }); },
  };
}

async function benchClusterAppend(quick: boolean, log: (l: string) => void): Promise<ReturnType<typeof compared>> {
  const batch = pnlBatch(quick ? 100 : 500, 2000);
  const logical: ColumnBatch = { rowCount: batch.rowCount, columns: { ...batch.columns, partition_id: undefined } };
  const runs = quick ? 2 : 5;
  const raw: number[] = [];
  const ours: number[] = [];
  // One long-lived cluster and one raw database, as in a running daemon (fresh worker threads would time cold
  // code); runs interleaved after one warm-up each, so drift on a shared machine hits both sides alike.
  const db = await rawInstance();
  const c = await openCluster();
  for (let r = 0; r <= runs; r++) {
    let t = performance.now();
    await rawAppend(db.con, batch);
    const rawRate = batch.rowCount / ((performance.now() - t) / 1000);
    t = performance.now();
    await c.cluster.append('daily_pnl', logical);
    const ourRate = batch.rowCount / ((performance.now() - t) / 1000);
    if (r > 0) { raw.push(rawRate); ours.push(ourRate); }
  }
  await c.close();
  db.close();
  const o = summarise(ours);
  const b = summarise(raw);
  log(`cluster append ${batch.rowCount} logical rows (RF 2): ${Math.round(o.median)} rows/s, raw appender ${Math.round(b.median)} rows/s`);
  return { ...compared('store.cluster-append', 'throughput', 'rows/s', o, { name: 'raw DuckDB appender, 2,048-row chunks, one in-memory database', summary: b }, { ratio: '>=0.7' }), note: 'StoreCluster.append into one long-lived cluster (3 worker-thread in-memory nodes, RF 2: 2 replicas per row), rows/s per logical row; raw appender into one long-lived database; one warm-up run each' };
}

async function benchClusterPointQuery(quick: boolean, emit: (r: ReturnType<typeof compared>) => void, log: (l: string) => void): Promise<void> {
  const batch = pnlBatch(200, 500);
  const c = await openCluster();
  await c.cluster.append('daily_pnl', { rowCount: batch.rowCount, columns: { ...batch.columns, partition_id: undefined } });
  const db = await rawInstance();
  await rawAppend(db.con, batch);
  const { n, ours, raw } = await comparePointQueries(quick, (sql, k) => db.con.run(sql, [k[0], k[1]]), (sql, k) => c.cluster.query(sql, [k[0], k[1]], { strategyIds: [k[0]] }));
  for (const pct of ['p50', 'p99'] as const) {
    const o = summarise(ours.map((x) => x[pct]));
    const r = summarise(raw.map((x) => x[pct]));
    log(`cluster point query ${pct}: ${o.median} µs, direct ${r.median} µs`);
    emit({ ...compared('store.cluster-point-query', pct, 'µs', o, { name: 'direct DuckDB connection.run with the same parameters', summary: r }, { value: '<= baseline + 1000 µs' }), note: `overhead ${o.median - r.median} µs: facade ask → load-balancer → node-proxy → node's worker thread and back; ${n} queries per run` });
  }
  await c.close();
  db.close();
}

async function benchClusterMatrix(quick: boolean, emit: (r: ReturnType<typeof compared>) => void, log: (l: string) => void): Promise<void> {
  const strategies = 500;
  const days = 2000;
  const batch = pnlBatch(strategies, days);
  const ids = Array.from({ length: strategies }, (_, s) => `strategy-${s}`);
  const sql = 'SELECT strategy_id, trading_day, pnl FROM daily_pnl WHERE zone = ?';
  const db = await rawInstance();
  await rawAppend(db.con, batch);
  const c = await openCluster();
  await c.cluster.append('daily_pnl', { rowCount: batch.rowCount, columns: { ...batch.columns, partition_id: undefined } });
  const runs = quick ? 1 : 5;
  const direct: number[] = [];
  const scatter: number[] = [];
  for (let r = 0; r <= runs; r++) {
    let t = performance.now();
    await directMatrix(db.con, sql, strategies * days);
    const d = performance.now() - t;
    t = performance.now();
    const m = await c.cluster.pnlMatrix(ids);
    if (m.values.length !== strategies * days) throw new Error(`matrix size ${m.values.length}`);
    const s = performance.now() - t;
    if (r > 0) { direct.push(d); scatter.push(s); }
  }
  const o = summarise(scatter);
  const b = summarise(direct);
  log(`cluster 500 × 2,000 matrix: ${o.median.toFixed(1)} ms, one direct query ${b.median.toFixed(1)} ms`);
  emit({ ...compared('store.cluster-matrix-load', 'latency', 'ms', o, { name: 'one direct DuckDB query on one database, cells read into arrays', summary: b }, { ratio: '<=2' }), note: 'StoreCluster.pnlMatrix: 3 worker-thread in-memory nodes, 64 hash partitions, RF 2, one replica per partition, per-node statements in parallel, assembled in order' });
  await c.close();
  db.close();
}

export const scenario: Scenario = {
  area: 'store',
  description: 'StoreCluster (load-balancer + node-proxies on worker threads) and one DuckDB store node vs raw DuckDB: bulk append, point-query latency, 500 × 2,000 P&L matrix',
  async run(ctx) {
    ctx.emit(await benchClusterAppend(ctx.quick, ctx.log));
    await benchClusterPointQuery(ctx.quick, ctx.emit, ctx.log);
    await benchClusterMatrix(ctx.quick, ctx.emit, ctx.log);
    // the backend layer alone (one node, no load-balancer) only in the full profile: the targets are
    // the cluster figures above, and the quick profile has a 2-minute budget for all areas
    if (ctx.quick) { ctx.log('backend-layer figures (store.append, store.point-query, store.matrix-load): full profile only'); return; }
    ctx.emit(await benchAppend(ctx.quick, ctx.log));
    await benchPointQuery(ctx.quick, ctx.emit, ctx.log);
    await benchMatrix(ctx.quick, ctx.emit, ctx.log);
  },
};
