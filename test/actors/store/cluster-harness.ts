// Test support for the store cluster: a temp folder, an actor system with the codec check on, a cluster over
// real DuckDB files, synthetic daily P&L batches, and helpers to wait for events and compare replicas.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createStoreCluster, PARTITIONS_MARKER, type StoreCluster, type StoreClusterEvent, type StoreClusterOptions } from '../../../actors/store/index.ts';
import { noSpaceError, openDuckDbNode, PARTITIONED_TABLES, partitionsToCopy, resultColumn, storeError, type ColumnBatch, type PartitionChecksum, type StoreNode } from '../../../engine/store/index.ts';
import { createSystem, type ActorSystem } from '../../../runtime/index.ts';
import { createEventLog } from '../../support/event-log.ts';

export interface ClusterHarness {
  readonly dir: string;
  readonly system: ActorSystem;
  readonly cluster: StoreCluster;
  readonly events: StoreClusterEvent[];
  waitFor(pred: (e: StoreClusterEvent) => boolean, timeoutMs?: number): Promise<StoreClusterEvent>;
  close(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startCluster(options: Partial<Omit<StoreClusterOptions, 'system'>> = {}): Promise<ClusterHarness> {
  const dir = options.dir ?? tempDir('strata-cluster-');
  const system = createSystem({ name: 'store-test', logger: pino({ level: 'silent' }) });
  const cluster = createStoreCluster({ system, dir, healthIntervalMs: 100, ...options });
  const log = createEventLog<StoreClusterEvent>('store');
  cluster.onEvent((e) => log.push(e));
  await cluster.ready;
  return {
    dir,
    system,
    cluster,
    events: log.events,
    waitFor: (pred, timeoutMs = 15_000) => log.waitFor(pred, timeoutMs),
    async close() {
      await cluster.close();
      await system.terminate();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a cluster, runs `fn` with it and closes it, whatever `fn` does. */
export async function withCluster<T>(options: Partial<Omit<StoreClusterOptions, 'system'>>, fn: (h: ClusterHarness) => Promise<T>): Promise<T> {
  const h = await startCluster(options);
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}

export const day = (d: number): string => new Date(Date.UTC(2020, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);

/** daily_pnl rows for strategies × days; pnl is a function of (strategy index, day, salt). */
export function pnlBatch(ids: readonly string[], days: number, salt = 0, firstDay = 0): ColumnBatch {
  const n = ids.length * days;
  const sid: string[] = [];
  const td: string[] = [];
  const pnl = new Float64Array(n);
  let i = 0;
  ids.forEach((id, s) => {
    for (let d = 0; d < days; d++) {
      sid.push(id);
      td.push(day(firstDay + d));
      pnl[i++] = Math.round(Math.sin(s * 7 + d + salt) * 10_000) / 100;
    }
  });
  return { rowCount: n, columns: { strategy_id: sid, trading_day: td, zone: new Array<string>(n).fill('ALL'), pnl, n_trades: new Int32Array(n).fill(1) } };
}

/** Per table, the partitions whose checksums differ between two node files (opened after the cluster closed). */
export async function replicaDifferences(pathA: string, pathB: string, partitions: readonly number[]): Promise<number[]> {
  const a = await openDuckDbNode({ path: pathA });
  const b = await openDuckDbNode({ path: pathB });
  try {
    const out = new Set<number>();
    for (const table of PARTITIONED_TABLES) {
      const ca: PartitionChecksum[] = await a.partitionChecksums(table, partitions);
      const cb: PartitionChecksum[] = await b.partitionChecksums(table, partitions);
      for (const p of partitionsToCopy(ca, cb)) out.add(p);
    }
    return [...out].sort((x, y) => x - y);
  } finally {
    await a.close();
    await b.close();
  }
}

/** A DuckDB file node whose calls fail with a retryable timeout while `faulty.on` is set (a node that is up but
 *  does not answer), for a cluster's `{ kind: 'custom', open }` node spec. */
export function faultyFileNode(path: string, faulty: { on: boolean }): () => Promise<StoreNode> {
  return faultyNode(() => openDuckDbNode({ path }), faulty);
}

/** The node `open` makes, its calls (all but close) failing with a retryable timeout while `faulty.on` is set. */
export function faultyNode(open: () => Promise<StoreNode>, faulty: { on: boolean }): () => Promise<StoreNode> {
  return async () => {
    const node = await open();
    return new Proxy(node, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function' || prop === 'close') return v;
        return (...args: unknown[]) => (faulty.on
          ? Promise.reject(storeError('STRATA_STORE_TIMEOUT', 'injected timeout', {}))
          : (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
  };
}

/** When a full-disk node refuses writes: while `on`; `afterAppends` turns `on` at that append (counted in `appends`
 *  over every node sharing the object), so a file fails half-way. */
export interface DiskFull { on: boolean; appends?: number; afterAppends?: number | null }

const WRITES = new Set(['append', 'deletePartitions', 'deleteStrategies', 'putEntries', 'deleteEntries', 'syncAppends']);

/** A DuckDB file node whose writes are refused with the error a full disk gives (STRATA_STORE_NO_SPACE) while
 *  `full.on`, for a cluster's `{ kind: 'custom', open }` node spec. */
export function fullDiskNode(path: string, full: DiskFull): () => Promise<StoreNode> {
  return async () => {
    const node = await openDuckDbNode({ path });
    return new Proxy(node, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function' || !WRITES.has(String(prop))) return v;
        return (...args: unknown[]) => {
          if (prop === 'append' && full.afterAppends != null) {
            full.appends = (full.appends ?? 0) + 1;
            if (full.appends === full.afterAppends) full.on = true;
          }
          return full.on
            ? Promise.reject(noSpaceError(path, String(prop), `IO Error: Could not write file "${path}.wal": No space left on device`))
            : (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  };
}

/** Rows per strategy in daily_pnl, read scattered (each partition once, from one of its replicas). */
export async function countsPerStrategy(h: ClusterHarness): Promise<Map<string, number>> {
  const r = await h.cluster.query(`SELECT strategy_id, COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER} GROUP BY strategy_id`);
  const ids = resultColumn(r, 'strategy_id').values as string[];
  const n = resultColumn(r, 'n').values as Float64Array;
  const out = new Map<string, number>();
  for (let i = 0; i < r.rowCount; i++) out.set(ids[i]!, (out.get(ids[i]!) ?? 0) + n[i]!);
  return out;
}
