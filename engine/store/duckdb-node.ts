// The embedded DuckDB store node (@duckdb/node-api): one instance per file, owned by one thread (see
// duckdb-file-registry.ts); appends go through the appender in 2,048-row data chunks inside a transaction;
// statements run on a serialised write connection or on reader connections, each under our own timeout.
import {
  BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBDecimalValue, DuckDBInstance, DuckDBTypeId, INTEGER, VARCHAR,
} from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBType, DuckDBValue, DuckDBVector } from '@duckdb/node-api';
import type { NormalizedBatch, NormalizedColumn } from './column-batch.ts';
import { withDeadline } from './deadline.ts';
import { claimDatabaseFile } from './duckdb-file-registry.ts';
import type { FileClaim } from './duckdb-file-registry.ts';
import { EngineError } from '../engine-error.ts';
import { storeError } from './errors.ts';
import { bigintToSafeNumber } from './int64.ts';
import { ColumnBuilder } from './result-set.ts';
import type { ResultSet } from './result-set.ts';
import type { ColumnType } from './schema.ts';
import type { SqlParam } from './sql-params.ts';
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
}

export const DEFAULT_CHUNK_ROWS = 2048;
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

function lockError(path: string, e: unknown): EngineError {
  const message = e instanceof Error ? e.message : String(e);
  if (/could not set lock|conflicting lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return storeError('STRATA_STORE_FILE_LOCKED',
      `DuckDB file ${path} is locked by another process${pid ? ` (pid ${pid})` : ''}; only one process may own a store file: ${message}`,
      { path, ...(pid ? { pid: Number(pid) } : {}) });
  }
  return storeError('STRATA_STORE_OPEN_FAILED', `cannot open DuckDB file ${path}: ${message}`, { path });
}

function queryError(label: string, sql: string, e: unknown): unknown {
  if (e instanceof EngineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return storeError('STRATA_STORE_QUERY_FAILED', `${label}: ${message} — in ${JSON.stringify(sql.length > 500 ? sql.slice(0, 500) + '…' : sql)}`, { node: label, sql });
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
  const claim: FileClaim | null = memory ? null : claimDatabaseFile(options.path);
  const label = claim ? claim.path : ':memory:';
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(claim ? claim.path : ':memory:', options.threads ? { threads: String(options.threads) } : {});
  } catch (e) {
    claim?.release();
    throw lockError(label, e);
  }
  const lanes: Lane[] = [];
  try {
    for (let i = 0; i < 1 + Math.max(0, options.readConnections ?? 1); i++) {
      lanes.push({ connection: await instance.connect(), queue: new SerialQueue() });
    }
  } catch (e) {
    instance.closeSync();
    claim?.release();
    throw lockError(label, e);
  }
  const writer = lanes[0]!;
  const readers = lanes.length > 1 ? lanes.slice(1) : [writer];
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;

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

  const pickReader = (): Lane => readers.reduce((best, l) => (l.queue.pending < best.queue.pending ? l : best));

  const driver: StoreDriver = {
    kind: 'duckdb',
    label,

    run(sql, params, timeoutMs) {
      const lane = /^\s*(SELECT|WITH)\b/i.test(sql) ? pickReader() : writer;
      return onLane(lane, 'query', timeoutMs, async (c) => {
        try {
          const result = params.length
            ? await c.run(sql, params.map(toDuckValue), params.map(paramType) as DuckDBType[])
            : await c.run(sql);
          return readResult(label, result);
        } catch (e) {
          throw queryError(label, sql, e);
        }
      });
    },

    appendBatch(batch, timeoutMs) {
      return onLane(writer, `append to ${batch.table.name}`, timeoutMs, async (c) => {
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

    async ping(timeoutMs) {
      await onLane(pickReader(), 'ping', timeoutMs, (c) => c.run('SELECT 1'));
    },

    version(timeoutMs) {
      return onLane(pickReader(), 'version', timeoutMs, async (c) => {
        const r = await c.runAndReadAll('SELECT version() AS v');
        return `DuckDB ${String(r.getRows()[0]?.[0] ?? 'unknown')}`;
      });
    },

    async close() {
      await Promise.all(lanes.map((l) => l.queue.drained()));
      for (const l of lanes) l.connection.disconnectSync();
      instance.closeSync();
      claim?.release();
    },
  };
  return createStoreNode(driver, options);
}

async function appendChunks(c: DuckDBConnection, batch: NormalizedBatch, chunkRows: number): Promise<void> {
  const appender = await c.createAppender(batch.table.name);
  try {
    const types = batch.columns.map((col) => SQL_TYPE[col.type]);
    for (let start = 0; start < batch.rowCount; start += chunkRows) {
      const n = Math.min(chunkRows, batch.rowCount - start);
      const chunk = DuckDBDataChunk.create(types, n);
      batch.columns.forEach((col, i) => fillVector(chunk.getColumnVector(i), col, start, n));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function fillVector(vector: DuckDBVector, col: NormalizedColumn, start: number, n: number): void {
  const v = vector as DuckDBVector<DuckDBValue>;
  switch (col.type) {
    case 'text':
      for (let i = 0; i < n; i++) v.setItem(i, col.values[start + i] ?? null);
      break;
    case 'float64':
    case 'int32': {
      const nulls = col.nulls;
      for (let i = 0; i < n; i++) v.setItem(i, nulls && nulls[start + i] ? null : col.values[start + i]!);
      break;
    }
    case 'int64': {
      const nulls = col.nulls;
      for (let i = 0; i < n; i++) v.setItem(i, nulls && nulls[start + i] ? null : col.values[start + i]!);
      break;
    }
    case 'bool': {
      const nulls = col.nulls;
      for (let i = 0; i < n; i++) v.setItem(i, nulls && nulls[start + i] ? null : col.values[start + i] === 1);
      break;
    }
  }
  v.flush();
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
  const builders = names.map((name, i) => new ColumnBuilder(name, columnTypeOf(label, name, types[i]!), total));
  for (let ci = 0; ci < result.chunkCount; ci++) {
    const chunk = result.getChunk(ci);
    const rows = chunk.rowCount;
    builders.forEach((b, c) => {
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
  return { rowCount: total, columns: builders.map((b) => b.build()) };
}
