// The store service over one embedded DuckDB store node (engine/store), used while the partitioned
// StoreCluster facade (actors/store) is not available: a health loop keeps the node's state and ping
// latency percentiles, the ingest sink is the node's own (journal in its kv table), and the matrix source
// reads the node directly. Quorum is simply "the node answers".
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createStoreNodeSink, type IngestSink } from '../../actors/ingest/index.ts';
import { createStoreMatrixSource, type MatrixSource } from '../../engine/jobs/index.ts';
import { DUCKDB_MEMORY_SQL, duckDbMemoryOf, openDuckDbNode, resultColumn, type StoreNode } from '../../engine/store/index.ts';
import { toErrorData } from '../../runtime/index.ts';
import type { StoreEvent, StoreNodeView, StoreService, StoreStatus, Unsubscribe } from './services.ts';

export interface SingleNodeStoreOptions {
  readonly dir: string;
  readonly healthIntervalMs: number;
  readonly timeoutMs?: number;
  /** the most memory DuckDB keeps, MiB (undefined: DuckDB's default) */
  readonly memoryLimitMb?: number;
}

const LATENCY_WINDOW = 200;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function openSingleNodeStore(o: SingleNodeStoreOptions): Promise<StoreService> {
  await mkdir(o.dir, { recursive: true });
  const file = join(o.dir, 'node-1.duckdb');
  const node: StoreNode = await openDuckDbNode({ path: file, ...(o.memoryLimitMb === undefined ? {} : { memoryLimitMb: o.memoryLimitMb }) });
  await node.ensureSchema();
  const listeners = new Set<(e: StoreEvent) => void>();
  const pings: number[] = [];
  let view: StoreNodeView = {
    name: 'node-1', label: node.label, kind: node.kind, state: 'up', breaker: null, latencyMs: null, inFlight: null,
    rowCounts: null, lastError: null, checkedAt: Date.now(), memoryBytes: null, hostHeapBytes: null, pid: null,
  };
  let closed = false;

  const check = async (): Promise<void> => {
    const previous = view.state;
    try {
      const h = await node.health({ timeoutMs: o.timeoutMs ?? 5_000 });
      const memoryBytes = duckDbMemoryOf(await node.query(DUCKDB_MEMORY_SQL, [], { timeoutMs: o.timeoutMs ?? 5_000 }));
      pings.push(h.pingMs);
      if (pings.length > LATENCY_WINDOW) pings.shift();
      const sorted = [...pings].sort((a, b) => a - b);
      view = { ...view, state: 'up', latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }, rowCounts: h.rowCounts, lastError: null, checkedAt: h.checkedAt, memoryBytes };
    } catch (e) {
      if (closed) return;
      view = { ...view, state: 'down', lastError: toErrorData(e), checkedAt: Date.now() };
    }
    if (view.state !== previous) for (const fn of listeners) fn({ type: 'store.node.changed', node: view, previous });
  };
  await check();
  let running: Promise<void> | null = null;
  const timer = setInterval(() => { if (!running) running = check().finally(() => { running = null; }); }, o.healthIntervalMs);
  timer.unref();

  const status = (): StoreStatus => ({ mode: 'single-node', nodes: [view], quorum: view.state === 'up', replicationFactor: 1 });
  const sink = createStoreNodeSink(node);
  const source = createStoreMatrixSource({ nodes: [{ node }] });

  return {
    mode: 'single-node',
    status,
    async refresh() { await check(); return status(); },
    ingestSink: (): IngestSink => sink,
    matrixSource: (): MatrixSource => source,
    async dayRange(zone = 'ALL') {
      const r = await node.query('SELECT MIN(trading_day) AS f, MAX(trading_day) AS t, COUNT(DISTINCT strategy_id) AS n FROM daily_pnl WHERE zone = ?', [zone]);
      const from = resultColumn(r, 'f').values[0];
      const to = resultColumn(r, 't').values[0];
      if (typeof from !== 'string' || typeof to !== 'string') return null;
      return { from, to, strategies: Number(resultColumn(r, 'n').values[0] ?? 0) };
    },
    onEvent(fn): Unsubscribe { listeners.add(fn); return () => listeners.delete(fn); },
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      await node.close();
    },
  };
}
