// The store service over the StoreCluster facade (actors/store): embedded DuckDB nodes behind node-proxies
// and the load-balancer, partitioned and replicated. Status is refreshed by a loop (and at once on every
// node or breaker event), so status() stays cheap for /api/v1/status and /readyz.
import { createStoreCluster, createStoreClusterSink, PARTITIONS_MARKER, type ClusterHealth, type ClusterStatus, type NodeSpec, type NodeStatus, type StoreCluster } from '../../actors/store/index.ts';
import { createStoreClusterMatrixSource } from '../../actors/algorithm-runner/index.ts';
import { resultColumn } from '../../engine/store/index.ts';
import type { ActorSystem } from '../../runtime/index.ts';
import type { StoreEvent, StoreNodeView, StoreService, StoreStatus, Unsubscribe } from './services.ts';

export interface StoreClusterServiceOptions {
  readonly system: ActorSystem;
  readonly dir: string;
  /** embedded DuckDB nodes n1…nN */
  readonly nodes: number;
  /** HeavyDB servers (URLs with their passwords: never logged; nodes show their redacted label) */
  readonly heavydb?: readonly { readonly name: string; readonly url: string; readonly weight?: number }[];
  readonly replicationFactor: number;
  readonly healthIntervalMs: number;
  readonly hosting: 'thread' | 'shared-thread' | 'process' | 'inline';
  /** per embedded node: the most memory DuckDB keeps, MiB (undefined: DuckDB's default) */
  readonly memoryLimitMb?: number;
  /** per embedded node: DuckDB's worker threads (undefined: DuckDB's default, every core) */
  readonly duckdbThreads?: number;
}

function nodeView(n: NodeStatus): StoreNodeView {
  const lat = n.latency['query'] ?? n.latency['health'] ?? Object.values(n.latency)[0];
  return {
    name: n.name, label: n.label, kind: n.kind, state: n.phase === 'catchingUp' ? 'catching-up' : n.phase === 'starting' ? 'starting' : n.up ? 'up' : 'down', breaker: n.breaker,
    latencyMs: lat && lat.count > 0 ? { p50: lat.p50 / 1000, p99: lat.p99 / 1000 } : null, inFlight: n.inFlight, rowCounts: n.rowCounts,
    lastError: n.lastError ? { code: n.lastError.code, message: n.lastError.message } : null, checkedAt: n.lastHealthyAt ?? Date.now(), memoryBytes: n.memoryBytes, hostHeapBytes: n.hostMemory ? n.hostMemory.heapBytes + n.hostMemory.externalBytes : null, pid: n.pid,
  };
}

export async function openStoreClusterService(o: StoreClusterServiceOptions): Promise<StoreService> {
  const specs: NodeSpec[] = [
    ...Array.from({ length: o.nodes }, (_, i): NodeSpec => ({ name: `n${i + 1}`, kind: 'duckdb', ...(o.memoryLimitMb === undefined ? {} : { memoryLimitMb: o.memoryLimitMb }), ...(o.duckdbThreads === undefined ? {} : { duckdbThreads: o.duckdbThreads }) })),
    ...(o.heavydb ?? []).map((h): NodeSpec => ({ name: h.name, kind: 'heavydb', url: h.url, ...(h.weight !== undefined ? { weight: h.weight } : {}) })),
  ];
  const cluster: StoreCluster = createStoreCluster({
    system: o.system, dir: o.dir, nodes: specs, replicationFactor: Math.min(o.replicationFactor, specs.length), healthIntervalMs: o.healthIntervalMs, placement: o.hosting,
  });
  const listeners = new Set<(e: StoreEvent) => void>();
  // What the store reports before anyone listens (a node distrusted at start, its catch-up beginning) is kept,
  // within a bound, for the first listener: the daemon subscribes once the store is ready.
  const early: StoreEvent[] = [];
  const emit = (e: StoreEvent): void => {
    if (listeners.size === 0) { if (early.length < 200) early.push(e); return; }
    for (const fn of listeners) fn(e);
  };
  let kick = (): void => {};
  const off = cluster.onEvent((e) => {
    emit({ type: 'store.activity', event: e });
    if (e.type === 'store.node.down' || e.type === 'store.node.up' || e.type === 'store.breaker.changed' || e.type === 'store.catchup.finished') kick();
  });
  try {
    await cluster.ready;
  } catch (e) {
    off();
    await cluster.close().catch(() => {});
    throw e;
  }
  let last: { status: ClusterStatus; health: ClusterHealth } = { status: await cluster.status(), health: await cluster.health() };
  let views = new Map(last.status.nodes.map((n) => [n.name, nodeView(n)]));
  let closed = false;

  const refresh = async (): Promise<void> => {
    const [status, health] = await Promise.all([cluster.status(), cluster.health()]);
    if (closed) return;
    last = { status, health };
    const next = new Map(status.nodes.map((n) => [n.name, nodeView(n)]));
    for (const [name, v] of next) {
      const previous = views.get(name)?.state ?? null;
      if (previous !== v.state) emit({ type: 'store.node.changed', node: v, previous });
    }
    views = next;
  };
  let running: Promise<void> | null = null;
  kick = (): void => {
    if (running || closed) return;
    running = refresh().catch(() => {}).finally(() => { running = null; });
  };
  const timer = setInterval(kick, o.healthIntervalMs);
  timer.unref();

  const status = (): StoreStatus => ({ mode: 'cluster', nodes: [...views.values()], quorum: last.health.ok, replicationFactor: last.status.replicationFactor });
  const sink = createStoreClusterSink(cluster);
  // The runner's matrix source sends its universe and trade-count statements without the load-balancer's
  // partitions marker, which the load-balancer needs to scatter a statement over partitions no single node
  // holds. Both statements are partition-local (one row per strategy), so scoping them here is exact.
  const source = createStoreClusterMatrixSource({
    query: (sql, params, options) => cluster.query(
      !sql.includes(PARTITIONS_MARKER) && /\bWHERE\b/.test(sql) ? sql.replace(/\bWHERE\b/, `WHERE ${PARTITIONS_MARKER} AND`) : sql,
      params, options),
    pnlMatrix: (ids, from, to, options) => cluster.pnlMatrix(ids, from, to, options),
  });

  return {
    mode: 'cluster',
    status,
    async refresh() { await refresh(); return status(); },
    ingestSink: () => sink,
    matrixSource: () => source,
    async dayRange(zone = 'ALL') {
      // scattered over one replica of every partition: each node answers for its partitions, merged here
      const r = await cluster.query(`SELECT MIN(trading_day) AS f, MAX(trading_day) AS t, COUNT(DISTINCT strategy_id) AS n FROM daily_pnl WHERE zone = ? AND ${PARTITIONS_MARKER}`, [zone]);
      let from: string | null = null;
      let to: string | null = null;
      let strategies = 0;
      const fs = resultColumn(r, 'f').values;
      const ts = resultColumn(r, 't').values;
      const ns = resultColumn(r, 'n').values;
      for (let i = 0; i < r.rowCount; i++) {
        const f = fs[i];
        const t = ts[i];
        if (typeof f === 'string' && (from === null || f < from)) from = f;
        if (typeof t === 'string' && (to === null || t > to)) to = t;
        strategies += Number(ns[i] ?? 0);
      }
      return from !== null && to !== null ? { from, to, strategies } : null;
    },
    onEvent(fn): Unsubscribe {
      listeners.add(fn);
      for (const e of early.splice(0)) fn(e);
      return () => listeners.delete(fn);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      off();
      await running;
      await cluster.close();
    },
  };
}
