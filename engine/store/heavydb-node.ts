// The HeavyDB store node: @heavyai/connector's generated Thrift client over HTTP with the binary protocol
// (the JSON protocol decodes quadratically on large results), parameters rendered as quoted literals (the
// Thrift API has no binds), columnar results narrowed to typed arrays, loads via load_table_binary_columnar.
import { Agent } from 'node:http';
import type { NormalizedBatch, NormalizedColumn } from './column-batch.ts';
import { EngineError } from '../engine-error.ts';
import { storeError } from './errors.ts';
import { callHeavyDb, heavyConnector, isDbException } from './heavydb-thrift.ts';
import { parseHeavyDbUrl } from './heavydb-url.ts';
import type { HeavyDbTarget } from './heavydb-url.ts';
import { int64ToThrift, thriftInt64ToSafeNumber } from './int64.ts';
import type { ThriftInt64 } from './int64.ts';
import { ColumnBuilder } from './result-set.ts';
import type { ResultSet } from './result-set.ts';
import type { ColumnType } from './schema.ts';
import { inlineParams } from './sql-params.ts';
import { createStoreNode } from './store-node.ts';
import type { StoreDriver, StoreNode, StoreNodeOptions } from './store-node.ts';

export interface HeavyDbNodeOptions extends StoreNodeOptions {
  /** heavydb://user:password@host:port/database */
  readonly url: string;
  /** timeout of connect, ms (10 s) */
  readonly connectTimeoutMs?: number;
  /** largest accepted reply, bytes (1 GiB) */
  readonly maxResponseBytes?: number;
  /** rows per load_table_binary_columnar call (100,000) */
  readonly loadRows?: number;
  /**
   * Reuse TCP connections between calls (default false: like @heavyai/connector, one connection per call,
   * which HeavyDB's HTTP server is known to handle).
   */
  readonly keepAlive?: boolean;
}

interface TColumnTypeLike { col_name: string; col_type: { type: number; scale?: number | null } }
interface TColumnLike { data: { int_col: (ThriftInt64 | number)[] | null; real_col: number[] | null; str_col: string[] | null }; nulls: boolean[] | null }
interface TQueryResultLike { row_set: { row_desc: TColumnTypeLike[] | null; columns: TColumnLike[] | null; is_columnar: boolean } | null }

/** HeavyDB's datum type codes (the connector loads on first use) */
const datumTypes = (): Readonly<Record<string, number>> => heavyConnector().commonTypes.TDatumType;

function isSessionProblem(msg: string): boolean {
  return /session/i.test(msg) && /(invalid|not valid|expired|not found)/i.test(msg);
}

export async function openHeavyDbNode(options: HeavyDbNodeOptions): Promise<StoreNode> {
  const target = parseHeavyDbUrl(options.url);
  const maxResponseBytes = options.maxResponseBytes ?? 2 ** 30;
  const loadRows = options.loadRows ?? 100_000;
  const agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: 8 }) : undefined;
  const call = <R>(method: string, args: readonly unknown[], timeoutMs: number): Promise<R> =>
    callHeavyDb<R>(target, method, args, { timeoutMs, maxResponseBytes, ...(agent ? { agent } : {}) });

  const connect = async (): Promise<string> => {
    try {
      return await call<string>('connect', [target.user, target.password, target.database], options.connectTimeoutMs ?? 10_000);
    } catch (e) {
      if (isDbException(e)) throw storeError('STRATA_STORE_AUTH_FAILED', `${target.label}: HeavyDB refused the login: ${e.error_msg}`, { node: target.label });
      throw e;
    }
  };
  let session = await connect();

  /** A call made with the session; an expired session is renewed once and the call repeated. */
  const withSession = async <R>(method: string, args: readonly unknown[], timeoutMs: number, sql: string): Promise<R> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call<R>(method, [session, ...args], timeoutMs);
      } catch (e) {
        if (!isDbException(e)) throw e;
        if (isSessionProblem(e.error_msg)) {
          if (attempt === 0) { session = await connect(); continue; }
          throw storeError('STRATA_STORE_SESSION_INVALID', `${target.label}: session still invalid after reconnecting: ${e.error_msg}`, { node: target.label });
        }
        throw storeError('STRATA_STORE_QUERY_FAILED', `${target.label}: ${e.error_msg} — in ${JSON.stringify(sql.length > 500 ? sql.slice(0, 500) + '…' : sql)}`, { node: target.label, sql });
      }
    }
  };

  const driver: StoreDriver = {
    kind: 'heavydb',
    label: target.label,

    async run(sql, params, timeoutMs) {
      const text = inlineParams(sql, params);
      const result = await withSession<TQueryResultLike>('sql_execute', [text, true, '0', -1, -1], timeoutMs, text);
      return readQueryResult(target, result);
    },

    async appendBatch(batch, timeoutMs) {
      const names = batch.columns.map((c) => c.spec.name);
      for (let start = 0; start < batch.rowCount; start += loadRows) {
        const end = Math.min(batch.rowCount, start + loadRows);
        const cols = batch.columns.map((c) => toTColumn(c, start, end));
        await withSession<void>('load_table_binary_columnar', [batch.table.name, cols, names], timeoutMs, `load_table_binary_columnar ${batch.table.name}`);
      }
    },

    async ping(timeoutMs) {
      await call<string>('get_version', [], timeoutMs);
    },

    async version(timeoutMs) {
      return `HeavyDB ${await call<string>('get_version', [], timeoutMs)}`;
    },

    async close() {
      try {
        await call<void>('disconnect', [session], options.connectTimeoutMs ?? 10_000);
      } catch (e) {
        // The server may be gone; closing must still succeed locally.
        if (!(e instanceof EngineError) && !isDbException(e)) throw e;
      } finally {
        agent?.destroy();
      }
    },
  };
  return createStoreNode(driver, options);
}

function toTColumn(col: NormalizedColumn, start: number, end: number): object {
  const n = end - start;
  const nulls = new Array<boolean>(n);
  let data: object;
  switch (col.type) {
    case 'text': {
      const s = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = col.values[start + i] ?? null;
        nulls[i] = v === null;
        s[i] = v ?? '';
      }
      data = { str_col: s };
      break;
    }
    case 'float64': {
      const r = new Array<number>(n);
      for (let i = 0; i < n; i++) { nulls[i] = !!col.nulls?.[start + i]; r[i] = nulls[i] ? 0 : col.values[start + i]!; }
      data = { real_col: r };
      break;
    }
    case 'int32':
    case 'bool': {
      const r = new Array<number>(n);
      for (let i = 0; i < n; i++) { nulls[i] = !!col.nulls?.[start + i]; r[i] = nulls[i] ? 0 : col.values[start + i]!; }
      data = { int_col: r };
      break;
    }
    case 'int64': {
      const r = new Array<number | { buffer: Buffer }>(n);
      for (let i = 0; i < n; i++) {
        nulls[i] = !!col.nulls?.[start + i];
        const v = nulls[i] ? 0n : col.values[start + i]!;
        r[i] = v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : int64ToThrift(v);
      }
      data = { int_col: r };
      break;
    }
  }
  return new (heavyConnector().heavyTypes.TColumn!)({ data, nulls });
}

function columnTypeOf(target: HeavyDbTarget, desc: TColumnTypeLike): ColumnType {
  const T = datumTypes();
  switch (desc.col_type.type) {
    case T['SMALLINT']: case T['INT']: case T['TINYINT']: return 'int32';
    case T['BIGINT']: return 'int64';
    case T['FLOAT']: case T['DOUBLE']: case T['DECIMAL']: return 'float64';
    case T['STR']: case T['DATE']: return 'text';
    case T['BOOL']: return 'bool';
    default:
      throw storeError('STRATA_STORE_UNSUPPORTED_TYPE', `${target.label}: result column ${JSON.stringify(desc.col_name)} has HeavyDB type ${desc.col_type.type}, which the store does not map`, { node: target.label, column: desc.col_name, type: desc.col_type.type });
  }
}

function isoDay(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

function readQueryResult(target: HeavyDbTarget, result: TQueryResultLike): ResultSet {
  const T = datumTypes();
  const rs = result.row_set;
  const desc = rs?.row_desc ?? [];
  if (!rs || desc.length === 0) return { rowCount: 0, columns: [] };
  if (!rs.is_columnar || !rs.columns) {
    throw storeError('STRATA_STORE_PROTOCOL_ERROR', `${target.label}: sql_execute returned rows although columns were requested`, { node: target.label });
  }
  const columns = desc.map((d, c) => {
    const col = rs.columns![c]!;
    const type = columnTypeOf(target, d);
    const where = `${target.label}: column ${JSON.stringify(d.col_name)}`;
    const kind = d.col_type.type;
    const n = col.nulls?.length ?? 0;
    const b = new ColumnBuilder(d.col_name, type, n);
    const scale = kind === T['DECIMAL'] ? 10 ** (d.col_type.scale ?? 0) : 1;
    for (let i = 0; i < n; i++) {
      if (col.nulls![i]) { b.pushNull(); continue; }
      if (kind === T['STR']) b.pushText(col.data.str_col![i]!);
      else if (kind === T['FLOAT'] || kind === T['DOUBLE']) b.pushNumber(col.data.real_col![i]!);
      else if (kind === T['DECIMAL']) b.pushNumber(thriftInt64ToSafeNumber(col.data.int_col![i]!, where) / scale);
      else if (kind === T['DATE']) b.pushText(isoDay(thriftInt64ToSafeNumber(col.data.int_col![i]!, where)));
      else b.pushNumber(thriftInt64ToSafeNumber(col.data.int_col![i]!, where));
    }
    return b.build();
  });
  const rowCount = rs.columns[0]?.nulls?.length ?? 0;
  return { rowCount, columns };
}
