// The one narrow interface every store node offers (DuckDB file or HeavyDB server), and its engine-independent
// half: schema, validation, checksums, partition copy/delete and the kv journal are built here once on top of a
// backend's StoreDriver (run a statement, append a batch, ping, version, close).
import { normalizeBatch, assertStorableText } from './column-batch.ts';
import type { ColumnBatch, ColumnInput, NormalizedBatch } from './column-batch.ts';
import { storeError } from './errors.ts';
import { checksumPartitions } from './partition-checksum.ts';
import type { PartitionChecksum } from './partition-checksum.ts';
import type { ResultSet } from './result-set.ts';
import { createTableSql, PARTITION_COLUMN, PARTITIONED_TABLES, TABLE_NAMES, tableSpec, TABLES } from './schema.ts';
import type { PartitionedTableName, TableName, TableSpec } from './schema.ts';
import { checkParams } from './sql-params.ts';
import type { SqlParam } from './sql-params.ts';

export type StoreKind = 'duckdb' | 'heavydb';

export interface NodeHealth {
  readonly kind: StoreKind;
  readonly label: string;
  readonly version: string;
  /** round trip of the ping, in ms */
  readonly pingMs: number;
  readonly rowCounts: Readonly<Record<TableName, number>>;
  /** epoch ms */
  readonly checkedAt: number;
}

export interface KvEntry {
  readonly key: string;
  readonly value: string;
  /** epoch ms, strictly increasing per node */
  readonly updatedAt: number;
}

export interface CallOptions {
  readonly timeoutMs?: number;
}

export interface AppendOptions extends CallOptions {
  /**
   * Defers durability to the writer named here (an ingest passes its file's content hash): the rows may wait in
   * a transaction shared with other grouped appends, and are durable once `syncAppends(group)` resolves, or
   * once any other write on this node has run. Without it, the rows are durable when the append resolves.
   */
  readonly group?: string;
}

export interface StoreNode {
  readonly kind: StoreKind;
  /** the file path or the URL without password: for logs and inspection */
  readonly label: string;
  /** Creates the tables that are missing; existing tables and rows are left alone. */
  ensureSchema(options?: CallOptions): Promise<void>;
  /** Appends a columnar batch; all-or-nothing per call on DuckDB, per HeavyDB load call on HeavyDB. */
  append(table: TableName, batch: ColumnBatch, options?: AppendOptions): Promise<void>;
  /**
   * Makes every grouped append so far durable and answers how many rows of `group` this node instance
   * acknowledged since the group's last sync (a writer that sent more knows rows were lost: a node restarted
   * in between answers 0); rejects with STRATA_STORE_APPEND_LOST when grouped rows of `group` were rolled back.
   * A node that commits every append only counts.
   */
  syncAppends(group: string, options?: CallOptions): Promise<{ readonly rows: number }>;
  /** One statement with `?` placeholders; rows come back as columns (empty for statements without rows). */
  query(sql: string, params?: readonly SqlParam[], options?: CallOptions): Promise<ResultSet>;
  health(options?: CallOptions): Promise<NodeHealth>;
  /** Checksums of the given partitions (every partition present when omitted), sorted by partition. */
  partitionChecksums(table: PartitionedTableName, partitions?: readonly number[], options?: CallOptions): Promise<PartitionChecksum[]>;
  /** The rows of some partitions as a batch that `append` on another node accepts unchanged. */
  exportPartitions(table: PartitionedTableName, partitions: readonly number[], options?: CallOptions): Promise<ColumnBatch>;
  deletePartitions(partitions: readonly number[], tables?: readonly PartitionedTableName[], options?: CallOptions): Promise<void>;
  deleteStrategies(strategyIds: readonly string[], tables?: readonly PartitionedTableName[], options?: CallOptions): Promise<void>;
  /** Durable key/value entries for jobs: a put replaces the keys' values. */
  putEntries(ns: string, entries: readonly { readonly key: string; readonly value: string }[], options?: CallOptions): Promise<void>;
  readEntries(ns: string, keys?: readonly string[], options?: CallOptions): Promise<KvEntry[]>;
  deleteEntries(ns: string, keys: readonly string[], options?: CallOptions): Promise<void>;
  close(): Promise<void>;
}

/** What a backend implements; everything else is shared. Params arrive already checked against placeholders. */
export interface StoreDriver {
  readonly kind: StoreKind;
  readonly label: string;
  run(sql: string, params: readonly SqlParam[], timeoutMs: number): Promise<ResultSet>;
  /** `group`: see AppendOptions; a driver without group commit treats every append as ungrouped. */
  appendBatch(batch: NormalizedBatch, timeoutMs: number, group?: string): Promise<void>;
  syncAppends?(group: string, timeoutMs: number): Promise<void>;
  /** Commits every open group (before reads that must see all acknowledged rows: checksums, exports). */
  settleAppends?(): Promise<void>;
  ping(timeoutMs: number): Promise<void>;
  version(timeoutMs: number): Promise<string>;
  close(): Promise<void>;
  /** the engine's CREATE TABLE for a table (default: `createTableSql`, the subset every engine parses) */
  tableSql?(spec: TableSpec): string;
}

export interface StoreNodeOptions {
  /** default timeout of every call, ms (30 s) */
  readonly timeoutMs?: number;
  /** timeout of health(), ms (5 s) */
  readonly healthTimeoutMs?: number;
}

// Groups whose rows were acknowledged and not yet synced; bounded so writers that never sync (a crashed ingest)
// cannot grow it: the oldest are forgotten first (their sync then answers 0, as after a restart).
const MAX_GROUPS = 1_024;

// IN lists are split so no statement carries thousands of literals or parameters.
const IN_CHUNK = 500;

function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const marks = (n: number): string => new Array<string>(n).fill('?').join(', ');

export function createStoreNode(driver: StoreDriver, options: StoreNodeOptions = {}): StoreNode {
  const defaultTimeout = options.timeoutMs ?? 30_000;
  const healthTimeout = options.healthTimeoutMs ?? 5_000;
  let closed = false;
  let closing: Promise<void> | null = null;
  let lastStamp = 0;
  const acknowledged = new Map<string, number>();
  const t = (o?: CallOptions): number => o?.timeoutMs ?? defaultTimeout;

  const open = (): void => {
    if (closed) throw storeError('STRATA_STORE_CLOSED', `${driver.label}: store node is closed`, { node: driver.label });
  };
  const run = (sql: string, params: readonly SqlParam[], timeoutMs: number): Promise<ResultSet> => {
    open();
    checkParams(sql, params);
    return driver.run(sql, params, timeoutMs);
  };
  const partitionedTables = (tables: readonly PartitionedTableName[]): readonly PartitionedTableName[] => {
    for (const name of tables) if (!tableSpec(name).partitioned) throw storeError('STRATA_STORE_UNKNOWN_TABLE', `${name} is not a partitioned table`, { table: name });
    return tables;
  };
  const deleteWhereIn = async (table: TableName, column: string, values: readonly SqlParam[], timeoutMs: number, extra = '', extraParams: readonly SqlParam[] = []): Promise<void> => {
    for (const part of chunks(values)) {
      await run(`DELETE FROM ${table} WHERE ${extra}${column} IN (${marks(part.length)})`, [...extraParams, ...part], timeoutMs);
    }
  };

  const node: StoreNode = {
    kind: driver.kind,
    label: driver.label,

    async ensureSchema(o) {
      for (const name of TABLE_NAMES) await run(driver.tableSql?.(TABLES[name]) ?? createTableSql(TABLES[name]), [], t(o));
    },

    async append(table, batch, o) {
      open();
      const normalized = normalizeBatch(tableSpec(table), batch);
      if (normalized.rowCount === 0) return;
      await driver.appendBatch(normalized, t(o), o?.group);
      if (o?.group !== undefined) {
        const before = acknowledged.get(o.group) ?? 0;
        acknowledged.delete(o.group);
        acknowledged.set(o.group, before + normalized.rowCount);
        if (acknowledged.size > MAX_GROUPS) acknowledged.delete(acknowledged.keys().next().value!);
      }
    },

    async syncAppends(group, o) {
      open();
      const rows = acknowledged.get(group) ?? 0;
      acknowledged.delete(group);
      await driver.syncAppends?.(group, t(o));
      return { rows };
    },

    async query(sql, params = [], o) {
      return run(sql, params, t(o));
    },

    async health(o) {
      open();
      const timeoutMs = o?.timeoutMs ?? healthTimeout;
      const started = performance.now();
      await driver.ping(timeoutMs);
      const pingMs = performance.now() - started;
      const version = await driver.version(timeoutMs);
      const counts = {} as Record<TableName, number>;
      for (const name of TABLE_NAMES) {
        const r = await run(`SELECT COUNT(*) AS n FROM ${name}`, [], timeoutMs);
        const c = r.columns[0];
        counts[name] = c && c.type !== 'text' ? Number(c.values[0] ?? 0) : 0;
      }
      return { kind: driver.kind, label: driver.label, version, pingMs, rowCounts: counts, checkedAt: Date.now() };
    },

    async partitionChecksums(table, partitions, o) {
      partitionedTables([table]);
      await driver.settleAppends?.();
      const spec = TABLES[table];
      const cols = spec.columns.map((c) => c.name).join(', ');
      if (!partitions) {
        const all = await run(`SELECT ${cols} FROM ${table}`, [], t(o));
        return checksumPartitions(all, PARTITION_COLUMN);
      }
      const out: PartitionChecksum[] = [];
      for (const part of chunks(partitions)) {
        const r = await run(`SELECT ${cols} FROM ${table} WHERE ${PARTITION_COLUMN} IN (${marks(part.length)})`, part, t(o));
        out.push(...checksumPartitions(r, PARTITION_COLUMN, part));
      }
      return out.sort((a, b) => a.partition - b.partition);
    },

    async exportPartitions(table, partitions, o) {
      partitionedTables([table]);
      // a copy must hold every acknowledged row, grouped ones included
      await driver.settleAppends?.();
      const spec = TABLES[table];
      const cols = spec.columns.map((c) => c.name).join(', ');
      const parts: ResultSet[] = [];
      for (const part of chunks(partitions)) {
        parts.push(await run(`SELECT ${cols} FROM ${table} WHERE ${PARTITION_COLUMN} IN (${marks(part.length)})`, part, t(o)));
      }
      return resultToBatch(parts, spec.columns.map((c) => c.name));
    },

    async deletePartitions(partitions, tables = PARTITIONED_TABLES, o) {
      for (const table of partitionedTables(tables)) await deleteWhereIn(table, PARTITION_COLUMN, partitions, t(o));
    },

    async deleteStrategies(strategyIds, tables = PARTITIONED_TABLES, o) {
      for (const table of partitionedTables(tables)) await deleteWhereIn(table, 'strategy_id', strategyIds, t(o));
    },

    async putEntries(ns, entries, o) {
      if (entries.length === 0) return;
      // Append the new versions first, then drop older ones: a crash in between leaves two versions and
      // readEntries picks the newest, so no put is ever half-lost without transactions.
      const stamp = Math.max(Date.now(), lastStamp + 1);
      lastStamp = stamp;
      await node.append('kv', {
        rowCount: entries.length,
        columns: {
          ns: entries.map(() => ns),
          entry_key: entries.map((e) => e.key),
          entry_value: entries.map((e) => e.value),
          updated_at: new Float64Array(entries.length).fill(stamp),
        },
      }, o);
      await deleteWhereIn('kv', 'entry_key', entries.map((e) => e.key), t(o), 'ns = ? AND updated_at < ? AND ', [ns, stamp]);
    },

    async readEntries(ns, keys, o) {
      assertStorableText(ns, 'kv namespace');
      const results: ResultSet[] = [];
      const base = 'SELECT entry_key, entry_value, updated_at FROM kv WHERE ns = ?';
      if (keys === undefined) results.push(await run(`${base} ORDER BY entry_key, updated_at`, [ns], t(o)));
      else for (const part of chunks(keys)) results.push(await run(`${base} AND entry_key IN (${marks(part.length)}) ORDER BY entry_key, updated_at`, [ns, ...part], t(o)));
      const latest = new Map<string, KvEntry>();
      for (const r of results) {
        const [k, v, u] = r.columns;
        for (let i = 0; i < r.rowCount; i++) {
          const key = k!.values[i] as string;
          const updatedAt = Number(u!.values[i]);
          const prev = latest.get(key);
          if (!prev || prev.updatedAt <= updatedAt) latest.set(key, { key, value: v!.values[i] as string, updatedAt });
        }
      }
      lastStamp = Math.max(lastStamp, ...[...latest.values()].map((e) => e.updatedAt));
      return [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async deleteEntries(ns, keys, o) {
      await deleteWhereIn('kv', 'entry_key', keys, t(o), 'ns = ? AND ', [ns]);
    },

    close() {
      if (!closing) {
        closed = true;
        closing = driver.close();
      }
      return closing;
    },
  };
  return node;
}

/** Result sets (same columns) as one ColumnBatch in the same column order, nulls kept. */
export function resultToBatch(results: readonly ResultSet[], names: readonly string[]): ColumnBatch {
  const rowCount = results.reduce((n, r) => n + r.rowCount, 0);
  const columns: Record<string, ColumnInput> = {};
  for (const name of names) {
    const parts = results.map((r) => r.columns.find((c) => c.name === name));
    const first = parts.find((c) => c !== undefined);
    if (!first) { columns[name] = new Array<null>(rowCount).fill(null); continue; }
    const hasNulls = parts.some((c) => c && c.type !== 'text' && c.nulls !== null);
    if (first.type === 'text' || hasNulls) {
      const out: (string | number | boolean | null)[] = [];
      for (const c of parts) {
        if (!c) continue;
        for (let i = 0; i < c.values.length; i++) {
          if (c.type !== 'text' && c.nulls && c.nulls[i]) out.push(null);
          else if (c.type === 'bool') out.push(c.values[i] === 1);
          else out.push(c.values[i]!);
        }
      }
      columns[name] = out as ColumnInput;
      continue;
    }
    const Ctor = first.type === 'int32' ? Int32Array : first.type === 'bool' ? Uint8Array : Float64Array;
    const out = new Ctor(rowCount);
    let at = 0;
    for (const c of parts) {
      if (!c || c.type === 'text') continue;
      out.set(c.values as never, at);
      at += c.values.length;
    }
    columns[name] = out;
  }
  return { rowCount, columns };
}
