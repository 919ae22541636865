// Builds a StoreCluster: validates the options, resolves node specs to hosts (DuckDB files on their own
// thread or process, HeavyDB or custom nodes in-line), spawns the load-balancer actor (which spawns one
// node-proxy per node) and turns asks to it into promises.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineError } from '../../engine/engine-error.ts';
import { DEFAULT_REPLICATION_FACTOR, DEFAULT_SCHEME, MIN_MEMORY_LIMIT_MB, openDuckDbNode, openHeavyDbNode, partitionCount, partitionOf, validateScheme, type KvEntry, type PnlMatrix, type ResultSet } from '../../engine/store/index.ts';
import type { ActorRef } from '../../runtime/index.ts';
import {
  loadBalancerBehaviour, POLICIES,
  type ClusterStatus, type LbCommand, type LbReply, type ResolvedNode, type StoreClusterEvent,
} from '../load-balancer/index.ts';
import { fromHostError, type HostSpec } from '../node-proxy/index.ts';
import { storeClusterError } from './errors.ts';
import type { ClusterHealth, NodeHosting, NodeSpec, StoreCluster, StoreClusterOptions } from './store-cluster.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HOSTINGS: readonly NodeHosting[] = ['thread', 'shared-thread', 'process', 'inline'];
// The facade's own wait beyond the store call timeout: retries and backoff happen inside the load-balancer.
const ASK_MARGIN_MS = 30_000;
const MAX_NODES = 31;

function invalid(message: string, data: Record<string, unknown> = {}): EngineError {
  return storeClusterError('STRATA_STORE_CLUSTER_INVALID_OPTIONS', message, data);
}

function resolveNode(spec: NodeSpec, dir: string, defaultHosting: NodeHosting, timeoutMs: number): ResolvedNode {
  if (!NAME.test(spec.name)) throw invalid(`node name ${JSON.stringify(spec.name)} must be 1–64 letters, digits, '_', '.', '-'`, { node: spec.name });
  const weight = spec.weight ?? 1;
  if (!(weight > 0) || !Number.isFinite(weight)) throw invalid(`node ${spec.name}: weight ${weight} must be a positive number`, { node: spec.name, weight });
  let host: HostSpec;
  if (spec.kind === 'duckdb') {
    const hosting = spec.hosting ?? defaultHosting;
    if (!HOSTINGS.includes(hosting)) throw invalid(`node ${spec.name}: hosting ${JSON.stringify(hosting)} is not one of ${HOSTINGS.join(', ')}`, { node: spec.name });
    const path = spec.path ?? join(dir, `${spec.name}.duckdb`);
    if (path === ':memory:' && hosting === 'process') throw invalid(`node ${spec.name}: an in-memory node cannot live in a child process (its data would die with it unseen)`, { node: spec.name });
    const filePath = path === ':memory:' ? path : resolve(path);
    const rc = spec.readConnections;
    if (rc !== undefined && (!Number.isInteger(rc) || rc < 0 || rc > 64)) throw invalid(`node ${spec.name}: readConnections ${rc} is not an integer in 0..64`, { node: spec.name });
    const th = spec.duckdbThreads;
    if (th !== undefined && (!Number.isInteger(th) || th < 1 || th > 256)) throw invalid(`node ${spec.name}: duckdbThreads ${th} is not an integer in 1..256`, { node: spec.name });
    const ml = spec.memoryLimitMb;
    if (ml !== undefined && (!Number.isSafeInteger(ml) || ml < MIN_MEMORY_LIMIT_MB)) throw invalid(`node ${spec.name}: memoryLimitMb ${ml} is not a whole number of MiB of at least ${MIN_MEMORY_LIMIT_MB}`, { node: spec.name });
    const pool = { ...(rc === undefined ? {} : { readConnections: rc }), ...(th === undefined ? {} : { threads: th }), ...(ml === undefined ? {} : { memoryLimitMb: ml }) };
    host = hosting === 'inline'
      ? { hosting: 'inline', open: () => openDuckDbNode({ path: filePath, timeoutMs, ...pool }) }
      : { hosting, name: spec.name, config: { path: filePath, timeoutMs, ...pool } };
  } else if (spec.kind === 'heavydb') {
    const url = spec.url;
    host = { hosting: 'inline', open: () => openHeavyDbNode({ url, timeoutMs }) };
  } else if (spec.kind === 'custom') {
    host = { hosting: 'inline', open: spec.open };
  } else {
    throw invalid(`node kind ${JSON.stringify((spec as { kind?: unknown }).kind)} is not duckdb, heavydb or custom`, {});
  }
  return { host, weight, kind: spec.kind };
}

export function createStoreCluster(options: StoreClusterOptions): StoreCluster {
  const system = options.system;
  const dir = resolve(options.dir);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const hosting = options.placement ?? 'thread';
  const policy = options.policy ?? 'least-outstanding';
  const replicationFactor = options.replicationFactor ?? DEFAULT_REPLICATION_FACTOR;
  const scheme = options.scheme ?? DEFAULT_SCHEME;
  const nodesOption = options.nodes ?? 3;
  if (!HOSTINGS.includes(hosting)) throw invalid(`placement ${JSON.stringify(hosting)} is not one of ${HOSTINGS.join(', ')}`);
  if (!POLICIES.includes(policy)) throw invalid(`policy ${JSON.stringify(policy)} is not one of ${POLICIES.join(', ')}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > 16) throw invalid(`replicationFactor ${replicationFactor} is not an integer in 1..16`);
  if (!(timeoutMs > 0)) throw invalid(`timeoutMs ${timeoutMs} must be positive`);
  try { validateScheme(scheme); } catch (e) { throw invalid((e as Error).message); }
  const specsIn: NodeSpec[] = typeof nodesOption === 'number'
    ? Array.from({ length: nodesOption }, (_, i) => ({ name: `n${i + 1}`, kind: 'duckdb' as const }))
    : [...nodesOption];
  if (specsIn.length === 0 || (typeof nodesOption === 'number' && (!Number.isInteger(nodesOption) || nodesOption < 1))) throw invalid(`a store cluster needs at least one node; got ${String(typeof nodesOption === 'number' ? nodesOption : 0)}`);
  // The load-balancer routes rows with a 32-bit node mask per partition.
  if (specsIn.length > MAX_NODES) throw invalid(`a store cluster has at most ${MAX_NODES} nodes; got ${specsIn.length}`);
  const names = specsIn.map((s) => s.name);
  if (new Set(names).size !== names.length) throw invalid(`duplicate node names in ${JSON.stringify(names)}`, { nodes: names });
  mkdirSync(dir, { recursive: true });
  const specs = new Map<string, ResolvedNode>();
  for (const s of specsIn) specs.set(s.name, resolveNode(s, dir, hosting, timeoutMs));

  const listeners = new Set<(e: StoreClusterEvent) => void>();
  const emit = (e: StoreClusterEvent): void => {
    for (const l of listeners) {
      try { l(e); } catch { /* a listener's failure is its own */ }
    }
  };
  const lb: ActorRef<LbCommand> = system.spawn(loadBalancerBehaviour({
    nodes: names,
    specs,
    replicationFactor,
    scheme,
    policy,
    retry: { attempts: options.retry?.attempts ?? 4, minMs: options.retry?.minMs ?? 5, maxMs: options.retry?.maxMs ?? 200 },
    proxy: {
      healthIntervalMs: options.healthIntervalMs ?? 1_000,
      healthTimeoutMs: Math.min(timeoutMs, 5_000),
      failureThreshold: options.breaker?.failureThreshold ?? 5,
      openMs: options.breaker?.openMs ?? 2_000,
    },
    emit,
    ...(options.hintWaitMs !== undefined ? { hintWaitMs: options.hintWaitMs } : {}),
  }), { name: options.name ?? 'store', supervision: { kind: 'one-for-one', maxRestarts: 10, withinMs: 60_000 } });

  let closed = false;
  let closing: Promise<void> | null = null;

  const ask = async <T>(build: (replyTo: ActorRef<LbReply>) => LbCommand, waitMs = timeoutMs + ASK_MARGIN_MS): Promise<T> => {
    if (closed) throw storeClusterError('STRATA_STORE_CLUSTER_CLOSED', 'the store cluster is closed', {});
    const reply = await system.ask<LbCommand, LbReply>(lb, build, { timeoutMs: waitMs });
    if (reply.type === 'lb.rejected') throw fromHostError(reply.error);
    return reply.value as T;
  };

  const status = (): Promise<ClusterStatus> => ask<ClusterStatus>((replyTo) => ({ type: 'lb.status', replyTo }), 10_000);

  // Ready once every node serves, or (after 10 s) once every partition has a serving replica.
  const ready = (async () => {
    const started = Date.now();
    for (;;) {
      const s = await status();
      if (s.nodes.every((n) => n.phase === 'serving')) return;
      if (Date.now() - started > 10_000 && s.unavailablePartitions.length === 0) return;
      if (Date.now() - started > 60_000) {
        throw storeClusterError('STRATA_STORE_CLUSTER_NOT_READY', `store cluster not ready after 60 s: ${s.nodes.filter((n) => n.phase !== 'serving').map((n) => `${n.name} ${n.connection}${n.lastError ? ` (${n.lastError.message})` : ''}`).join('; ')}`, {});
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  ready.catch(() => undefined);

  const cluster: StoreCluster = {
    get nodes() { return [...specs.keys()].sort(); },
    ready,

    append: (table, batch, o) => {
      const t = o?.timeoutMs ?? timeoutMs;
      return ask((replyTo) => ({ type: 'lb.append', table, batch, timeoutMs: t, ...(o?.group !== undefined ? { group: o.group } : {}), replyTo }), t * 4 + ASK_MARGIN_MS);
    },

    syncAppends: async (group, o) => {
      const t = o?.timeoutMs ?? timeoutMs;
      await ask((replyTo) => ({ type: 'lb.sync-appends', group, timeoutMs: t, replyTo }), t * 4 + ASK_MARGIN_MS);
    },

    query: (sql, params = [], o = {}) => {
      const t = o.timeoutMs ?? timeoutMs;
      let partitions: number[] | null = o.partitions ? [...o.partitions] : null;
      if (o.strategyIds) partitions = [...new Set([...(partitions ?? []), ...partitionsOf(o.strategyIds)])];
      return ask<ResultSet>((replyTo) => ({ type: 'lb.query', sql, params: [...params], partitions, orderBy: o.orderBy ? [...o.orderBy] : null, timeoutMs: t, replyTo }), t * 4 + ASK_MARGIN_MS);
    },

    pnlMatrix: (strategyIds, from, to, o = {}) => {
      const t = o.timeoutMs ?? timeoutMs;
      return ask<PnlMatrix>((replyTo) => ({ type: 'lb.matrix', strategyIds: [...strategyIds], from: from ?? null, to: to ?? null, zone: o.zone ?? 'ALL', timeoutMs: t, replyTo }), t * 4 + ASK_MARGIN_MS);
    },

    deleteStrategies: async (strategyIds) => {
      await ask((replyTo) => ({ type: 'lb.delete-strategies', strategyIds: [...strategyIds], timeoutMs, replyTo }));
    },

    kvPut: async (ns, entries) => {
      await ask((replyTo) => ({ type: 'lb.kv.put', ns, entries: entries.map((e) => ({ key: e.key, value: e.value })), timeoutMs, replyTo }));
    },
    kvGet: async (ns, key) => {
      const [e] = await ask<KvEntry[]>((replyTo) => ({ type: 'lb.kv.list', ns, keys: [key], timeoutMs, replyTo }));
      return e ?? null;
    },
    kvList: (ns, keys) => ask<KvEntry[]>((replyTo) => ({ type: 'lb.kv.list', ns, keys: keys ? [...keys] : null, timeoutMs, replyTo })),
    kvDelete: async (ns, keys) => {
      await ask((replyTo) => ({ type: 'lb.kv.delete', ns, keys: [...keys], timeoutMs, replyTo }));
    },

    health: async (): Promise<ClusterHealth> => {
      const s = await status();
      const up = s.nodes.filter((n) => n.up).length;
      return { ok: s.unavailablePartitions.length === 0, nodesUp: up, nodesTotal: s.nodes.length, unavailablePartitions: s.unavailablePartitions };
    },
    status,

    onEvent(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },

    async addNode(spec) {
      let name = spec?.name;
      if (!name) { let k = specs.size + 1; while (specs.has(`n${k}`)) k++; name = `n${k}`; }
      if (specs.has(name)) throw storeClusterError('STRATA_STORE_CLUSTER_INVALID_OPTIONS', `the store cluster already has a node named ${JSON.stringify(name)}`, { node: name });
      if (specs.size >= MAX_NODES) throw invalid(`a store cluster has at most ${MAX_NODES} nodes`);
      const resolved = resolveNode(spec ?? { name, kind: 'duckdb' }, dir, hosting, timeoutMs);
      specs.set(name, resolved);
      const n = name;
      await ask((replyTo) => ({ type: 'lb.add-node', name: n, replyTo }), 3_600_000);
      return name;
    },

    killNode(name) {
      lb.tell({ type: 'lb.kill-node', node: name });
    },

    close() {
      if (!closing) {
        closing = (async () => {
          try {
            await ask((replyTo) => ({ type: 'lb.close', replyTo }), 60_000);
          } catch {
            // the node-proxies end their hosts when stopped
          }
          closed = true;
          const stopped = new Promise<void>((r) => system.watch(lb, () => r()));
          system.stop(lb);
          await stopped;
        })();
      }
      return closing;
    },
  };

  function partitionsOf(ids: readonly string[]): number[] {
    return scheme.kind === 'hash'
      ? [...new Set(ids.map((id) => partitionOf(scheme, id)))]
      : Array.from({ length: partitionCount(scheme) }, (_, p) => p);
  }
  return cluster;
}
