// The embedded DuckDB store node (@duckdb/node-api): one instance per file, owned by one thread (see
// duckdb-file-registry.ts); appends go through the appender in 2,048-row data chunks inside a transaction,
// each column written whole into the chunk's vector memory (no per-cell calls); statements run on a
// serialised write connection or on reader connections, each under our own timeout; grouped appends share
// transactions on two more connections (duckdb-append-groups.ts).
import duckdb from '@duckdb/node-bindings';
import {
  BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBDecimalValue, DuckDBInstance, DuckDBTypeId, INTEGER, VARCHAR,
} from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBConnection, DuckDBMaterializedResult, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { NormalizedBatch, NormalizedColumn } from './column-batch.ts';
import type { Utf8Column } from '../columns/index.ts';
import { AppendGroups, DEFAULT_GROUP_IDLE_MS, DEFAULT_GROUP_ROWS } from './duckdb-append-groups.ts';
import { withDeadline } from './deadline.ts';
import { claimDatabaseFile } from './duckdb-file-registry.ts';
import { noSpaceError } from './no-space.ts';
import type { FileClaim } from './duckdb-file-registry.ts';
import { EngineError } from '../engine-error.ts';
import { storeError } from './errors.ts';
import { bigintToSafeNumber } from './int64.ts';
import { NumericColumnReader, TextColumnReader } from './duckdb-result-reader.ts';
import { ColumnBuilder, resultRows } from './result-set.ts';
import type { ResultColumn, ResultSet } from './result-set.ts';
import { createTableSql, TABLE_NAMES } from './schema.ts';
import type { ColumnSpec, ColumnType, TableName } from './schema.ts';
import { sqlLiteral, type SqlParam } from './sql-params.ts';
import { createStoreNode } from './store-node.ts';
import type { StoreDriver, StoreNode, StoreNodeOptions } from './store-node.ts';

export interface DuckDbNodeOptions extends StoreNodeOptions {
  /** a database file (created when missing) or ':memory:' */
  readonly path: string;
  /** extra connections for SELECTs so reads do not queue behind appends (default 1) */
  readonly readConnections?: number;
  /** rows per appender data chunk (default 2,048, DuckDB's vector size) */
  readonly chunkRows?: number;
  /** DuckDB's own worker threads for this instance (default: DuckDB's choice) */
  readonly threads?: number;
  /** WAL size that triggers an automatic checkpoint, in DuckDB's size syntax (default '64MB') */
  readonly checkpointThreshold?: string;
  /** the most memory DuckDB's buffer manager keeps for this node, MiB (its cache of the table's blocks and the
   *  rows of open transactions; beyond it, it evicts and spills to disk). Default: 128 for a database file
   *  (DEFAULT_FILE_MEMORY_LIMIT_MB), DuckDB's own (80 % of RAM) for an in-memory node, whose rows live there. */
  readonly memoryLimitMb?: number;
  /**
   * rows per row group of a database file (DuckDB's ROW_GROUP_SIZE, given when the file is attached; default
   * 65,536; a multiple of 2,048 from 2,048 to 1,048,576). In-memory nodes keep DuckDB's 122,880.
   */
  readonly rowGroupSize?: number;
  /** grouped appends commit after this many rows (default: one row group; 0: every append commits alone) */
  readonly groupCommitRows?: number;
  /** an open group commits after this long without grouped appends, ms (default 1,000) */
  readonly groupIdleMs?: number;
}

// DuckDB checkpoints whenever the WAL passes 16 MB: a 1 M-row ingest (8,192-row transactions) paid for a
// checkpoint every 16 MB of rows, each rewriting the table's open row group. At 64 MB the same ingest, its final checkpoint
// included, ran 1.2–1.4× faster with a lower peak RSS (500 vs 530–550 MiB); 256 MB was faster still but held
// the un-checkpointed rows in memory (660–680 MiB).
export const DEFAULT_CHECKPOINT_THRESHOLD = '64MB';

// A database file's row groups hold 65,536 rows instead of DuckDB's 122,880. A transaction of at least a row group
// of rows is written straight to the file, compressed by its COMMIT on DuckDB's threads; a smaller one, such as
// the last group of a file's ingest, goes to the WAL and is compressed again by the checkpoint after the ingest
// ended. Half-size row groups halve that tail at most. Measured on the 2-vCPU VM (2026-12-03, a 200 K-row CSV into a
// store file, interleaved runs): 205–216 K rows/s against 163–203 K, the closing checkpoint 19–28 ms against
// 102–128 ms, peak RSS 274–286 against 295–308 MiB; at 1 M rows, where the tail is a smaller share, the same within
// noise. Scans of 2 M trades (sum by day, one strategy, a 500-strategy P&L matrix, a full count) ran as fast,
// within the host's noise; the file is about 7 % bigger (more, smaller dictionaries). DuckDB keeps no row group size
// in the file: it is given each time the file is attached, and a file written with another size stays readable.
export const DEFAULT_ROW_GROUP_SIZE = 65_536;
const DUCKDB_VECTOR_SIZE = 2048;
const MAX_ROW_GROUP_SIZE = 1_048_576;

// A file node's DuckDB memory is capped by default. DuckDB keeps every block it wrote or read cached until its
// limit needs the room, so without a cap an ingest's peak RSS grew with the file: on the 2-vCPU VM (2026-12-03,
// the daemon's process settings, one store file) 217 / 268 / 349 / 468 MiB for 0.1 / 1 / 3 / 6 M rows, DuckDB's
// cache of the table 26 MiB at 1 M rows and 175 MiB at 6 M. With 128 MiB the cache stopped at ~90 MiB and a 6 M-row
// ingest peaked at 349 MiB, its time unchanged (20 vs 21 s). Reads past the cache come from the file (and the OS
// page cache); store.memoryLimitMb raises it for query-heavy nodes.
export const DEFAULT_FILE_MEMORY_LIMIT_MB = 128;

export const DEFAULT_CHUNK_ROWS = 2048;
/** below this DuckDB cannot hold one open row group of the trades table */
export const MIN_MEMORY_LIMIT_MB = 64;
// duckdb.ResultType.QUERY_RESULT: the bindings' enum is type-only through node-api's exports.
const QUERY_RESULT = 3;

const SQL_TYPE: Readonly<Record<ColumnType, DuckDBType>> = {
  text: VARCHAR, float64: DOUBLE, int32: INTEGER, int64: BIGINT, bool: BOOLEAN,
};

/** Runs tasks one at a time on one connection (DuckDB connections are not re-entrant). */
class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  pending = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.#tail.then(task, task);
    this.#tail = next.then(() => { this.pending--; }, () => { this.pending--; });
    return next;
  }

  drained(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}

interface Lane {
  readonly connection: DuckDBConnection;
  readonly queue: SerialQueue;
}

/** The catalog a database file is attached as. */
const STORE_CATALOG = 'strata_store';

function lockError(path: string, e: unknown): EngineError {
  const message = e instanceof Error ? e.message : String(e);
  if (/could not set lock|conflicting lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return storeError('STRATA_STORE_FILE_LOCKED',
      `DuckDB file ${path} is locked by another process${pid ? ` (pid ${pid})` : ''}; only one process may own a store file: ${message}`,
      { path, ...(pid ? { pid: Number(pid) } : {}) });
  }
  const full = noSpaceError(path, 'opening the file', message);
  if (full) return full;
  // a damaged or foreign file: nothing here deletes data, but the operator is told what to do with it
  const damaged = /not a valid DuckDB database file|Corrupt database file/i.test(message);
  return storeError('STRATA_STORE_OPEN_FAILED',
    `cannot open DuckDB file ${path}: ${message}${damaged ? `; move the file aside (e.g. to ${path}.damaged, with its .wal) and start again: a store cluster node is then rebuilt from the other replicas of its partitions (docs/store.md, "A node whose files were lost")` : ''}`,
    { path, ...(damaged ? { damaged: true } : {}) });
}

function queryError(label: string, sql: string, e: unknown): unknown {
  if (e instanceof EngineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const firstWords = sql.trim().split(/\s+/).slice(0, 3).join(' ');
  return noSpaceError(label, sql.startsWith('append to ') ? sql : `"${firstWords.length > 60 ? firstWords.slice(0, 60) + '…' : firstWords} …"`, message)
    ?? storeError('STRATA_STORE_QUERY_FAILED', `${label}: ${message} — in ${JSON.stringify(sql.length > 500 ? sql.slice(0, 500) + '…' : sql)}`, { node: label, sql });
}

// Integers bind as BIGINT and other numbers as DOUBLE, mirroring how the literals rendered for HeavyDB parse.
function toDuckValue(p: SqlParam): DuckDBValue {
  if (typeof p === 'number' && Number.isSafeInteger(p)) return BigInt(p);
  return p;
}

// Non-integral (or huge integral) doubles are typed explicitly: left to inference, an integral double such as
// 2^53 or 1.7976931348623157e308 binds as a BIGINT and fails.
function paramType(p: SqlParam): DuckDBType | undefined {
  return typeof p === 'number' && !Number.isSafeInteger(p) ? DOUBLE : undefined;
}

export async function openDuckDbNode(options: DuckDbNodeOptions): Promise<StoreNode> {
  const memory = options.path === ':memory:' || options.path === '';
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!(Number.isSafeInteger(rowGroupSize) && rowGroupSize >= DUCKDB_VECTOR_SIZE && rowGroupSize <= MAX_ROW_GROUP_SIZE && rowGroupSize % DUCKDB_VECTOR_SIZE === 0)) {
    throw storeError('STRATA_STORE_OPEN_FAILED', `rowGroupSize ${String(rowGroupSize)} is not a multiple of ${DUCKDB_VECTOR_SIZE} from ${DUCKDB_VECTOR_SIZE} to ${MAX_ROW_GROUP_SIZE}`, { option: 'rowGroupSize' });
  }
  const groupRows = options.groupCommitRows ?? (memory ? DEFAULT_GROUP_ROWS : rowGroupSize);
  if (!Number.isSafeInteger(groupRows) || groupRows < 0) {
    throw storeError('STRATA_STORE_OPEN_FAILED', `groupCommitRows ${String(groupRows)} is not a non-negative integer`, { option: 'groupCommitRows' });
  }
  const limitMb = options.memoryLimitMb ?? (memory ? undefined : DEFAULT_FILE_MEMORY_LIMIT_MB);
  if (limitMb !== undefined && !(Number.isSafeInteger(limitMb) && limitMb >= MIN_MEMORY_LIMIT_MB)) {
    throw storeError('STRATA_STORE_OPEN_FAILED', `memoryLimitMb ${String(limitMb)} is not a whole number of MiB of at least ${MIN_MEMORY_LIMIT_MB}`, { option: 'memoryLimitMb' });
  }
  const claim: FileClaim | null = memory ? null : claimDatabaseFile(options.path);
  const label = claim ? claim.path : ':memory:';
  let instance: DuckDBInstance;
  try {
    const config: Record<string, string> = {};
    if (options.threads) config['threads'] = String(options.threads);
    if (!memory) config['checkpoint_threshold'] = options.checkpointThreshold ?? DEFAULT_CHECKPOINT_THRESHOLD;
    if (limitMb !== undefined) config['memory_limit'] = `${limitMb}MiB`;
    // The file is attached to an in-memory instance rather than opened as it, because only ATTACH takes a row
    // group size; spills go where they would for the file itself.
    if (claim) config['temp_directory'] = `${claim.path}.tmp`;
    instance = await DuckDBInstance.create(':memory:', config);
  } catch (e) {
    claim?.release();
    throw lockError(label, e);
  }
  // every connection works in the file's database (a connection's default database is its own setting)
  const connect = async (): Promise<DuckDBConnection> => {
    const c = await instance.connect();
    if (claim) await c.run(`USE ${STORE_CATALOG}`);
    return c;
  };
  const lanes: Lane[] = [];
  try {
    if (claim) {
      const c = await instance.connect();
      try {
        await c.run(`ATTACH ${sqlLiteral(claim.path)} AS ${STORE_CATALOG} (ROW_GROUP_SIZE ${rowGroupSize})`);
      } finally {
        c.disconnectSync();
      }
    }
    for (let i = 0; i < 1 + Math.max(0, options.readConnections ?? 1); i++) {
      lanes.push({ connection: await connect(), queue: new SerialQueue() });
    }
  } catch (e) {
    for (const l of lanes) l.connection.disconnectSync();
    instance.closeSync();
    claim?.release();
    throw lockError(label, e);
  }
  const writer = lanes[0]!;
  const readers = lanes.length > 1 ? lanes.slice(1) : [writer];
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const bulk: Lane[] = [];
  if (groupRows > 0) {
    try {
      for (let i = 0; i < 2; i++) bulk.push({ connection: await connect(), queue: new SerialQueue() });
    } catch (e) {
      for (const l of lanes) l.connection.disconnectSync();
      instance.closeSync();
      claim?.release();
      throw lockError(label, e);
    }
  }

  const onLane = <T>(lane: Lane, operation: string, timeoutMs: number, work: (c: DuckDBConnection) => Promise<T>): Promise<T> =>
    withDeadline(label, operation, timeoutMs, (signal) =>
      lane.queue.run(async () => {
        if (signal.aborted) throw signal.reason as Error;
        // A timed-out statement is interrupted so the lane frees up instead of running on unseen.
        const interrupt = (): void => lane.connection.interrupt();
        signal.addEventListener('abort', interrupt, { once: true });
        try {
          return await work(lane.connection);
        } finally {
          signal.removeEventListener('abort', interrupt);
        }
      }));

  const groups = groupRows > 0
    ? new AppendGroups([(op, ms, work) => onLane(bulk[0]!, op, ms, work), (op, ms, work) => onLane(bulk[1]!, op, ms, work)], {
      label, groupRows, idleMs: options.groupIdleMs ?? DEFAULT_GROUP_IDLE_MS, commitTimeoutMs: options.timeoutMs ?? 30_000,
    })
    : null;
  // Every write on the writer connection first commits the open groups: a journal entry or a delete written
  // after grouped rows never overtakes them.
  const onWriter = <T>(operation: string, timeoutMs: number, work: (c: DuckDBConnection) => Promise<T>): Promise<T> =>
    onLane(writer, operation, timeoutMs, async (c) => {
      if (groups) await groups.settle();
      return work(c);
    });

  const pickReader = (): Lane => readers.reduce((best, l) => (l.queue.pending < best.queue.pending ? l : best));

  const driver: StoreDriver = {
    kind: 'duckdb',
    label,

    run(sql, params, timeoutMs) {
      const work = async (c: DuckDBConnection): Promise<ResultSet> => {
        try {
          const result = params.length
            ? await c.run(sql, params.map(toDuckValue), params.map(paramType) as DuckDBType[])
            : await c.run(sql);
          return readResult(label, result);
        } catch (e) {
          throw queryError(label, sql, e);
        }
      };
      return /^\s*(SELECT|WITH)\b/i.test(sql) ? onLane(pickReader(), 'query', timeoutMs, work) : onWriter('query', timeoutMs, work);
    },

    appendBatch(batch, timeoutMs, group) {
      if (group !== undefined && groups) {
        // cut where the current group is full, so each group that fills is whole row groups (AppendGroups.room)
        const parts: Promise<void>[] = [];
        for (let from = 0; from < batch.rowCount || from === 0;) {
          const to = Math.min(batch.rowCount, from + groups.room());
          const start = from;
          parts.push(groups.append(group, to - from, timeoutMs, async (c) => {
            try {
              await appendChunks(c, batch, chunkRows, start, to);
            } catch (e) {
              throw queryError(label, `append to ${batch.table.name}`, e);
            }
          }));
          from = to;
          if (to >= batch.rowCount) break;
        }
        return parts.length === 1 ? parts[0]! : Promise.all(parts).then(() => undefined);
      }
      return onWriter(`append to ${batch.table.name}`, timeoutMs, async (c) => {
        await c.run('BEGIN TRANSACTION');
        try {
          await appendChunks(c, batch, chunkRows);
          await c.run('COMMIT');
        } catch (e) {
          await c.run('ROLLBACK').catch(() => undefined);
          throw queryError(label, `append to ${batch.table.name}`, e);
        }
      });
    },

    tableSql: (spec) => createTableSql(spec, duckDbColumnStorage),

    async ping(timeoutMs) {
      await onLane(pickReader(), 'ping', timeoutMs, (c) => c.run('SELECT 1'));
    },

    version(timeoutMs) {
      return onLane(pickReader(), 'version', timeoutMs, async (c) => {
        const r = await c.runAndReadAll('SELECT version() AS v');
        return `DuckDB ${String(r.getRows()[0]?.[0] ?? 'unknown')}`;
      });
    },

    async syncAppends(group) {
      await groups?.sync(group);
    },

    async settleAppends() {
      await groups?.settle();
    },

    async close() {
      if (groups) {
        await groups.settle();
        groups.dispose();
      }
      await Promise.all([...lanes, ...bulk].map((l) => l.queue.drained()));
      // The checkpoint that closing would run synchronously on this thread (a node in-line: the main thread,
      // serially for each node) runs here on libuv's pool instead, so the nodes of a store closing together
      // checkpoint at the same time and the thread stays free. Closing then has nothing left to write. Should
      // it fail (another transaction still open), closing checkpoints as before.
      if (claim) await writer.connection.run(`CHECKPOINT ${STORE_CATALOG}`).catch(() => undefined);
      for (const l of [...lanes, ...bulk]) {
        closeAppenders(l.connection);
        l.connection.disconnectSync();
      }
      instance.closeSync();
      claim?.release();
    },
  };
  return createStoreNode(driver, options);
}

/**
 * DuckDB's compression method for a text column whose spread of values the schema knows: dictionary for
 * repeated values, FSST for mostly distinct ones. These are what DuckDB's own analysis picks for them (checked
 * with pragma_storage_info on generated trades); naming them spares the checkpoint trying the other methods on
 * every segment (a dictionary of every distinct key, an FSST symbol table for ten zone names). Measured on the
 * 2-vCPU VM (2026-12-03), a 200 K-row CSV into a store file, four interleaved pairs: 171–180 vs 154–158 K rows/s,
 * process CPU 1.63–1.70 vs 1.75–2.00 s. Into the default 3-node, RF 2 store (1 M rows) the effect was lost in the
 * noise (159–188 vs 160–194 K rows/s). DuckDB falls back on its own where a method cannot apply (an all-null
 * segment is stored uncompressed). Tables created before keep what they were created with.
 */
export function duckDbColumnStorage(column: ColumnSpec): string {
  if (column.type !== 'text' || column.values === undefined) return '';
  return column.values === 'repeated' ? ' USING COMPRESSION dictionary' : ' USING COMPRESSION fsst';
}

/**
 * DuckDB's own memory: what its buffer manager tracks (cached blocks of the file, in-memory tables, hash tables,
 * transaction-local data), the figure `memoryLimitMb` caps. A node-proxy's health check reads it, so an
 * operator sees which node holds how much (GET /api/v1/store/cluster, /metrics).
 */
export const DUCKDB_MEMORY_SQL = 'SELECT sum(memory_usage_bytes)::DOUBLE AS memory_bytes FROM duckdb_memory()';

/**
 * DUCKDB_MEMORY_SQL with each table's exact row count beside it (`<table>_rows`), in one statement: what a
 * node-proxy's health check runs every ROW_COUNT_EVERY_CHECKS checks, so `strata nodes` and the console show rows per node.
 * `count(*)` scans each table (about 16 ms for 9 M rows here); DuckDB's own estimate (`duckdb_tables()`) would be
 * free but keeps counting deleted rows, which a catch-up leaves behind.
 */
export const DUCKDB_HEALTH_COUNTS_SQL = `SELECT (${DUCKDB_MEMORY_SQL}) AS memory_bytes, ${
  TABLE_NAMES.map((t) => `(SELECT count(*)::DOUBLE FROM ${t}) AS ${t}_rows`).join(', ')}`;

/** A node-proxy's health check also counts rows (DUCKDB_HEALTH_COUNTS_SQL) on its first and every tenth check
 *  (every 10 s with the default 1 s health interval). */
export const ROW_COUNT_EVERY_CHECKS = 10;

/** The row counts of a DUCKDB_HEALTH_COUNTS_SQL result, or null when it has none. */
export function duckDbRowCountsOf(result: ResultSet): Record<TableName, number> | null {
  if (result.rowCount < 1) return null;
  const row = resultRows(result)[0]!;
  const out = {} as Record<TableName, number>;
  for (const t of TABLE_NAMES) {
    const v = Number(row[`${t}_rows`]);
    if (!Number.isFinite(v)) return null;
    out[t] = v;
  }
  return out;
}

/** The bytes of a DUCKDB_MEMORY_SQL result, or null when it has none. */
export function duckDbMemoryOf(result: ResultSet): number | null {
  const col = result.columns.find((c) => c.name === 'memory_bytes');
  if (!col || result.rowCount < 1) return null;
  const v = Number(resultRows(result)[0]!['memory_bytes']);
  return Number.isFinite(v) ? v : null;
}

/**
 * What a connection appends to a table with, kept for the connection's life: DuckDB's appender, one data chunk
 * and the writer that fills it. The bindings expose no way to free an appender or a data chunk; their native
 * memory (the appender's own chunk and buffers, the chunk's vectors and string heaps) goes when the garbage
 * collector finalises the wrapper, and V8 does not know how big that memory is. An appender and a chunk per
 * batch, as before, left tens of MiB of DuckDB memory waiting for a collection: a 1 M-row FORMAT_1 ingest into
 * one file node held 72 MiB of glibc's main heap at its end against 35 MiB with collections forced (2-vCPU VM,
 * 2026-12-05). An appender outlives transactions (each flush goes into the connection's current one), so one
 * per table serves every batch.
 */
interface Appending {
  readonly appender: DuckDBAppender;
  readonly chunk: DuckDBDataChunk;
  readonly vectors: duckdb.Vector[];
  readonly writer: ChunkWriter;
}

const appendings = new WeakMap<DuckDBConnection, Map<string, Appending>>();

async function appendingFor(c: DuckDBConnection, batch: NormalizedBatch, chunkRows: number): Promise<Appending> {
  let byTable = appendings.get(c);
  if (!byTable) appendings.set(c, byTable = new Map());
  // a normalized batch has every column of its table, in the table's order
  const found = byTable.get(batch.table.name);
  if (found) return found;
  const types = batch.columns.map((col) => SQL_TYPE[col.type]);
  const appender = await c.createAppender(batch.table.name);
  const chunk = DuckDBDataChunk.create(types, chunkRows);
  const made: Appending = {
    appender, chunk, writer: new ChunkWriter(chunkRows),
    vectors: batch.columns.map((_, i) => duckdb.data_chunk_get_vector(chunk.chunk, i)),
  };
  byTable.set(batch.table.name, made);
  return made;
}

/** Closes a connection's appenders (before it disconnects); they hold nothing unflushed. */
function closeAppenders(c: DuckDBConnection): void {
  for (const a of appendings.get(c)?.values() ?? []) {
    try { a.appender.closeSync(); } catch { /* closing a connection's appender cannot lose rows: each batch was flushed */ }
  }
  appendings.delete(c);
}

/** Appends rows [from, to) of a batch (default all) in data chunks of `chunkRows`. */
async function appendChunks(c: DuckDBConnection, batch: NormalizedBatch, chunkRows: number, from = 0, to = batch.rowCount): Promise<void> {
  const a = await appendingFor(c, batch, chunkRows);
  try {
    for (let start = from; start < to; start += chunkRows) {
      // between chunks the thread serves other work (a node in-line shares the main thread with the API); the
      // connection's serial queue keeps any other statement on it waiting until this append is done
      if (start > from) await new Promise<void>((resolve) => setImmediate(resolve));
      const n = Math.min(chunkRows, to - start);
      a.chunk.reset();
      batch.columns.forEach((col, i) => a.writer.fill(a.vectors[i]!, col, start, n));
      a.chunk.rowCount = n;
      a.appender.appendDataChunk(a.chunk);
    }
    a.appender.flushSync();
  } catch (e) {
    // An appender whose flush failed still holds the rows it could not write: it is dropped (not closed:
    // closing flushes again and fails with "transaction is aborted", which would hide the real reason), and
    // the next batch gets a new one.
    appendings.get(c)?.delete(batch.table.name);
    try { a.appender.clear(); } catch { /* the first error is the one to report */ }
    throw e;
  } finally {
    a.writer.forgetBatch();
  }
}

// DuckDB's string_t is 16 bytes: a uint32 length, then either the string itself when it has at most 12 UTF-8
// bytes (inlined), or a 4-byte prefix and a pointer into the vector's string heap.
const STRING_T_BYTES = 16;
const INLINE_STRING_BYTES = 12;

/**
 * Writes whole columns into data-chunk vectors: numeric columns are one memory copy per chunk, their null masks
 * one validity copy; strings of up to 12 UTF-8 bytes (ISO days, zones, most ids) are encoded as inlined string_t
 * structs into one buffer copied at once (ASCII written char by char, dictionary values encoded once each), and
 * only longer strings go through DuckDB's per-element string assignment.
 */
class ChunkWriter {
  readonly #strings: Uint8Array;
  readonly #validity: BigUint64Array;
  // 12 bytes: a string whose UTF-8 form does not fit is not inlined
  readonly #utf8Scratch = new Uint8Array(INLINE_STRING_BYTES);
  // the encoded dictionaries of the batch being written (forgotten after it: a writer outlives its batches)
  readonly #byDictionary = new Map<readonly string[], Uint32Array>();
  // #strings as 32-bit words (its byte offset is 0 and its length a multiple of 16)
  readonly #words: Uint32Array;
  readonly #encoder = new TextEncoder();
  // the long strings of one chunk's column, end to end, and where each row's bytes lie in it
  #heap: Uint8Array = new Uint8Array(64 * 1024);
  #longAt = new Int32Array(0);
  #longBytes = new Int32Array(0);

  constructor(rows: number) {
    this.#strings = new Uint8Array(Math.max(1, rows) * STRING_T_BYTES);
    this.#words = new Uint32Array(this.#strings.buffer);
    this.#validity = new BigUint64Array(Math.ceil(Math.max(1, rows) / 64));
  }

  /** Lets go of what the last batch's columns left here (their encoded dictionaries). */
  forgetBatch(): void {
    this.#byDictionary.clear();
  }

  fill(vector: duckdb.Vector, col: NormalizedColumn, start: number, n: number): void {
    if (col.type === 'text') {
      if (col.dictionary) this.#fillCodes(vector, col.dictionary.values, col.dictionary.codes, start, n);
      else if (col.utf8) this.#fillUtf8(vector, col.utf8, start, n);
      else this.#fillText(vector, col.values, start, n);
      return;
    }
    const values = col.values;
    const width = values.BYTES_PER_ELEMENT;
    duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + start * width, n * width);
    if (col.nulls) this.#writeValidity(vector, (i) => col.nulls![start + i] === 0, n);
  }

  #fillText(vector: duckdb.Vector, values: readonly (string | null)[], start: number, n: number): void {
    const out = this.#strings;
    // zeroed once per chunk: null and long entries stay all-zero, inline ones pad with zeros as DuckDB expects
    out.fill(0, 0, n * STRING_T_BYTES);
    let long: number[] | null = null;
    let hasNull = false;
    for (let i = 0; i < n; i++) {
      const s = values[start + i];
      if (s === null || s === undefined) { hasNull = true; continue; }
      if (!this.#writeInline(s, out, i * STRING_T_BYTES)) (long ??= []).push(i);
    }
    if (long) this.#writeLong(vector, long, (i) => values[start + i]!, out);
    duckdb.copy_data_to_vector(vector, 0, out.buffer as ArrayBuffer, out.byteOffset, n * STRING_T_BYTES);
    if (hasNull) this.#writeValidity(vector, (i) => values[start + i] !== null && values[start + i] !== undefined, n);
  }

  /**
   * A column already in UTF-8 (utf8-column.ts): values of up to 12 bytes are inlined; if any is longer, the
   * chunk's whole byte range goes to DuckDB's string heap in one call and each long value's string_t points
   * into that copy (see #writeLong for the layout).
   */
  #fillUtf8(vector: duckdb.Vector, col: Utf8Column, start: number, n: number): void {
    const out = this.#strings;
    const { utf8, offsets, nulls } = col;
    out.fill(0, 0, n * STRING_T_BYTES);
    let firstLong = -1;
    let longs = 0;
    for (let i = 0; i < n; i++) {
      if (nulls !== null && nulls[start + i] === 1) continue;
      const a = offsets[start + i]!, length = offsets[start + i + 1]! - a;
      const at = i * STRING_T_BYTES;
      if (length <= INLINE_STRING_BYTES) {
        out[at] = length;
        for (let k = 0; k < length; k++) out[at + 4 + k] = utf8[a + k]!;
      } else {
        if (firstLong < 0) firstLong = i;
        longs++;
      }
    }
    if (longs > 0) {
      const base = offsets[start]!;
      const heap = copyToHeap(vector, utf8.subarray(base, offsets[start + n]!));
      const o = new DataView(out.buffer, out.byteOffset, out.byteLength);
      for (let i = firstLong; i < n; i++) {
        if (nulls !== null && nulls[start + i] === 1) continue;
        const a = offsets[start + i]!, length = offsets[start + i + 1]! - a;
        if (length > INLINE_STRING_BYTES) writeStringRef(out, o, i * STRING_T_BYTES, utf8, a, length, heap, a - base);
      }
    }
    duckdb.copy_data_to_vector(vector, 0, out.buffer as ArrayBuffer, out.byteOffset, n * STRING_T_BYTES);
    if (nulls !== null) this.#writeValidity(vector, (i) => nulls[start + i] !== 1, n);
  }

  /**
   * Writes `s` as an inlined string_t at `at` of a zeroed buffer, or returns false when its UTF-8 form is longer
   * than 12 bytes. ASCII (ids, ISO days, keys) is written char by char: no encoder call, no allocation and no
   * cache lookup per value, which a column of unique short keys (trade keys) would otherwise pay on every row.
   */
  #writeInline(s: string, out: Uint8Array, at: number): boolean {
    const length = s.length;
    if (length > INLINE_STRING_BYTES) return false;
    for (let j = 0; j < length; j++) {
      const c = s.charCodeAt(j);
      if (c > 0x7f) return this.#writeInlineUtf8(s, out, at);
      out[at + 4 + j] = c;
    }
    out[at] = length; // the uint32 length, little-endian: at most 12 fits its first byte
    return true;
  }

  #writeInlineUtf8(s: string, out: Uint8Array, at: number): boolean {
    const scratch = this.#utf8Scratch;
    const { read, written } = this.#encoder.encodeInto(s, scratch);
    out.fill(0, at, at + STRING_T_BYTES); // the ASCII prefix written before the first other character
    if (read < s.length) return false;
    out.set(scratch.subarray(0, written), at + 4);
    out[at] = written;
    return true;
  }

  // A dictionary column: each distinct value is encoded once per batch (as four 32-bit words, all zero for a
  // value too long to inline), then every row is a four-word copy.
  #fillCodes(vector: duckdb.Vector, dictionary: readonly string[], codes: Int32Array, start: number, n: number): void {
    let encoded = this.#byDictionary.get(dictionary);
    if (!encoded) {
      encoded = new Uint32Array(dictionary.length * 4 + 1);
      // written in place as inlined string_t structs; a value too long to inline leaves its four words zero
      const bytes = new Uint8Array(encoded.buffer);
      for (let d = 0; d < dictionary.length; d++) this.#writeInline(dictionary[d]!, bytes, d * STRING_T_BYTES);
      if (this.#byDictionary.size >= 64) this.#byDictionary.clear();
      this.#byDictionary.set(dictionary, encoded);
    }
    const out = this.#strings;
    const words = this.#words;
    let long: number[] | null = null;
    let hasNull = false;
    for (let i = 0; i < n; i++) {
      const c = codes[start + i]!;
      const w = i * 4;
      if (c < 0) { words[w] = 0; words[w + 1] = 0; words[w + 2] = 0; words[w + 3] = 0; hasNull = true; continue; }
      const e = c * 4;
      // the first word is the length: 0 marks a value that is not inlined (or the empty string, also zero words)
      words[w] = encoded[e]!; words[w + 1] = encoded[e + 1]!; words[w + 2] = encoded[e + 2]!; words[w + 3] = encoded[e + 3]!;
      if (encoded[e] === 0 && dictionary[c]!.length > 0) (long ??= []).push(i);
    }
    if (long) this.#writeLong(vector, long, (i) => dictionary[codes[start + i]!]!, out);
    duckdb.copy_data_to_vector(vector, 0, out.buffer as ArrayBuffer, out.byteOffset, n * STRING_T_BYTES);
    if (hasNull) this.#writeValidity(vector, (i) => codes[start + i]! >= 0, n);
  }

  /**
   * The strings too long to inline (over 12 UTF-8 bytes: timestamps, strategy ids) of one chunk's column: their
   * bytes are laid end to end in one buffer (a value equal to the previous long one is laid once), handed to
   * DuckDB in one call that copies it into the vector's string heap, and each row's string_t (length, 4-byte
   * prefix, pointer) is written into `out` pointing into that copy. The layout of duckdb_string_t is part of
   * DuckDB's C API; one call per chunk replaces one `vector_assign_string_element` per value (a quarter
   * microsecond each: 0.7 s of a 1 M-row ingest).
   */
  #writeLong(vector: duckdb.Vector, rows: readonly number[], valueOf: (row: number) => string, out: Uint8Array): void {
    let heap: Uint8Array = this.#heap;
    const offsets = this.#longAt.length >= rows.length ? this.#longAt : (this.#longAt = new Int32Array(rows.length));
    const lengths = this.#longBytes.length >= rows.length ? this.#longBytes : (this.#longBytes = new Int32Array(rows.length));
    let size = 0;
    let previous: string | null = null;
    for (let k = 0; k < rows.length; k++) {
      const s = valueOf(rows[k]!);
      if (s === previous) {
        offsets[k] = offsets[k - 1]!;
        lengths[k] = lengths[k - 1]!;
        continue;
      }
      previous = s;
      // at most 3 UTF-8 bytes per UTF-16 unit
      if (size + s.length * 3 > heap.length) heap = this.#heap = growBytes(heap, size + s.length * 3);
      const at = size;
      let ascii = true;
      for (let j = 0; j < s.length; j++) {
        const c = s.charCodeAt(j);
        if (c > 0x7f) { ascii = false; break; }
        heap[at + j] = c;
      }
      size += ascii ? s.length : this.#encoder.encodeInto(s, heap.subarray(at)).written;
      offsets[k] = at;
      lengths[k] = size - at;
    }
    const copy = copyToHeap(vector, heap.subarray(0, size));
    const o = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let k = 0; k < rows.length; k++) writeStringRef(out, o, rows[k]! * STRING_T_BYTES, heap, offsets[k]!, lengths[k]!, copy, offsets[k]!);
  }

  #writeValidity(vector: duckdb.Vector, valid: (i: number) => boolean, n: number): void {
    const words = this.#validity;
    const count = Math.ceil(n / 64);
    words.fill(0n, 0, count);
    for (let w = 0; w < count; w++) {
      // Bits are built in two 32-bit halves: BigInt arithmetic per row would cost more than the copy saves.
      let lo = 0;
      let hi = 0;
      const base = w * 64;
      for (let b = 0; b < 32 && base + b < n; b++) if (valid(base + b)) lo |= 1 << b;
      for (let b = 0; b < 32 && base + 32 + b < n; b++) if (valid(base + 32 + b)) hi |= 1 << b;
      words[w] = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    }
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, words.buffer as ArrayBuffer, words.byteOffset, count * 8);
  }
}

/**
 * Copies `bytes` into the vector's string heap in one call and returns the copy's address, read back from the
 * string_t DuckDB wrote for it. The copy is assigned to row 0 and only row 0's 16 bytes are read back
 * (vector_get_data returns a copy of the data it is asked for); every caller then writes the chunk's string_t
 * structs over rows 0 … n − 1, row 0 included.
 */
function copyToHeap(vector: duckdb.Vector, bytes: Uint8Array): { readonly low: number; readonly high: number } {
  duckdb.vector_assign_string_element_len(vector, 0, bytes);
  const written = duckdb.vector_get_data(vector, STRING_T_BYTES);
  const view = new DataView(written.buffer, written.byteOffset, written.byteLength);
  return { low: view.getUint32(8, true), high: view.getUint32(12, true) };
}

/**
 * Writes a string_t that is not inlined at `at` of `out` (viewed by `o`): the length, the value's first 4 bytes
 * (taken from `bytes` at `from`), and a pointer `offset` bytes past the heap copy at `heap`.
 */
function writeStringRef(out: Uint8Array, o: DataView, at: number, bytes: Uint8Array, from: number, length: number, heap: { readonly low: number; readonly high: number }, offset: number): void {
  o.setUint32(at, length, true);
  out[at + 4] = bytes[from]!; out[at + 5] = bytes[from + 1]!; out[at + 6] = bytes[from + 2]!; out[at + 7] = bytes[from + 3]!;
  const pointer = heap.low + offset;
  o.setUint32(at + 8, pointer >>> 0, true);
  o.setUint32(at + 12, (heap.high + (pointer > 0xffffffff ? 1 : 0)) >>> 0, true);
}

function growBytes(bytes: Uint8Array, atLeast: number): Uint8Array {
  const grown = new Uint8Array(Math.max(atLeast, bytes.length * 2));
  grown.set(bytes);
  return grown;
}

function columnTypeOf(label: string, name: string, type: DuckDBType): ColumnType {
  switch (type.typeId) {
    case DuckDBTypeId.DOUBLE: case DuckDBTypeId.FLOAT: case DuckDBTypeId.DECIMAL: return 'float64';
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT: case DuckDBTypeId.USMALLINT: return 'int32';
    case DuckDBTypeId.BIGINT: case DuckDBTypeId.UBIGINT: case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.UINTEGER: return 'int64';
    case DuckDBTypeId.VARCHAR: case DuckDBTypeId.DATE: return 'text';
    case DuckDBTypeId.BOOLEAN: return 'bool';
    default:
      throw storeError('STRATA_STORE_UNSUPPORTED_TYPE', `${label}: result column ${JSON.stringify(name)} has type ${type.toString()}, which the store does not map`, { node: label, column: name, type: type.toString() });
  }
}

function readResult(label: string, result: DuckDBMaterializedResult): ResultSet {
  // DML returns a "Count" column in DuckDB but nothing in HeavyDB: statements without rows return no columns.
  if (result.returnType !== QUERY_RESULT) return { rowCount: 0, columns: [] };
  const names = result.columnNames();
  const types = result.columnTypes();
  const total = result.rowCount;
  // VARCHAR, DOUBLE and INTEGER columns (the hot ones) are read a vector at a time; the rest cell by cell.
  type Reader =
    | { readonly kind: 'text'; readonly name: string; readonly r: TextColumnReader }
    | { readonly kind: 'numeric'; readonly name: string; readonly type: 'float64' | 'int32'; readonly r: NumericColumnReader }
    | { readonly kind: 'cells'; readonly b: ColumnBuilder };
  const readers: Reader[] = names.map((name, i) => {
    const type = types[i]!;
    if (type.typeId === DuckDBTypeId.VARCHAR) return { kind: 'text', name, r: new TextColumnReader(total) };
    if (type.typeId === DuckDBTypeId.DOUBLE) return { kind: 'numeric', name, type: 'float64', r: new NumericColumnReader('float64', total) };
    if (type.typeId === DuckDBTypeId.INTEGER) return { kind: 'numeric', name, type: 'int32', r: new NumericColumnReader('int32', total) };
    return { kind: 'cells', b: new ColumnBuilder(name, columnTypeOf(label, name, type), total) };
  });
  for (let ci = 0; ci < result.chunkCount; ci++) {
    const chunk = result.getChunk(ci);
    const rows = chunk.rowCount;
    readers.forEach((reader, c) => {
      if (reader.kind !== 'cells') { reader.r.read(chunk, c, rows); return; }
      const b = reader.b;
      const vector = chunk.getColumnVector(c);
      const where = `${label}: column ${JSON.stringify(b.name)}`;
      for (let r = 0; r < rows; r++) {
        const v = vector.getItem(r);
        if (v === null) b.pushNull();
        else if (typeof v === 'number') b.pushNumber(v);
        else if (typeof v === 'bigint') b.pushNumber(bigintToSafeNumber(v, where));
        else if (typeof v === 'string') b.pushText(v);
        else if (typeof v === 'boolean') b.pushNumber(v ? 1 : 0);
        else if (v instanceof DuckDBDecimalValue) b.pushNumber(v.toDouble());
        else b.pushText(String(v));
      }
    });
  }
  const columns: ResultColumn[] = readers.map((reader) => {
    switch (reader.kind) {
      case 'cells': return reader.b.build();
      case 'text': return { name: reader.name, type: 'text', values: reader.r.values(), nulls: null, dictionary: { values: reader.r.dict, codes: reader.r.codes } };
      case 'numeric': return reader.type === 'float64'
        ? { name: reader.name, type: 'float64', values: reader.r.values as Float64Array, nulls: reader.r.nulls }
        : { name: reader.name, type: 'int32', values: reader.r.values as Int32Array, nulls: reader.r.nulls };
    }
  });
  return { rowCount: total, columns };
}
