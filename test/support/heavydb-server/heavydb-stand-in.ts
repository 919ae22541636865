// A HeavyDB stand-in for tests: HeavyDB's Thrift service over HTTP with the binary protocol (what
// @heavyai/connector speaks), served by the thrift package's own web server with the Processor generated in
// @heavyai/connector/thrift/Heavy.js, and DuckDB executing the SQL behind it. It implements the calls the
// store backend makes: connect, disconnect, get_version, get_server_status, get_status, get_tables,
// sql_execute (columnar results) and load_table_binary_columnar.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

const requireHere = createRequire(import.meta.url);
const heavyPath = requireHere.resolve('@heavyai/connector/thrift/Heavy.js');
const requireConnector = createRequire(heavyPath);

interface Int64Like { buffer: Buffer; offset?: number }
type Ctor = new (args?: object) => object;
const thrift = requireConnector('thrift') as {
  createWebServer(options: object): Server;
  TBinaryProtocol: unknown;
  TBufferedTransport: unknown;
};
const Heavy = requireHere('@heavyai/connector/thrift/Heavy.js') as { Processor: unknown };
const ttypes = requireHere('@heavyai/connector/thrift/heavy_types.js') as Record<string, Ctor> & { TDBException: new (a: { error_msg: string }) => Error };
const ctypes = requireHere('@heavyai/connector/thrift/common_types.js') as { TDatumType: Record<string, number>; TEncodingType: Record<string, number>; TTypeInfo: Ctor };

export interface StandInOptions {
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** DuckDB file behind the stand-in (default in memory) */
  readonly path?: string;
  /** port to listen on, on 127.0.0.1 (default: any free one); a stand-in started again on its port and file is the
   *  same server back after a restart, with none of its sessions */
  readonly port?: number;
}

export interface HeavyDbStandIn {
  /** heavydb://user:password@127.0.0.1:port/database */
  readonly url: string;
  readonly port: number;
  /** how many times each Thrift method was called, and (`load:<table>`) how many loads into each table are done */
  readonly calls: ReadonlyMap<string, number>;
  /** forgets every session, as HeavyDB does when sessions expire */
  invalidateSessions(): void;
  /** calls to `method` from now on never get a reply (null: answer everything again) */
  stall(method: string | null): void;
  close(): Promise<void>;
}

const T = ctypes.TDatumType;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function int64Value(v: Int64Like | number): bigint {
  if (typeof v === 'number') return BigInt(v);
  return v.buffer.readBigInt64BE(v.offset ?? 0);
}

function int64Out(v: bigint): number | Int64Like {
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : (() => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return { buffer: b }; })();
}

const dbError = (msg: string): Error => new ttypes.TDBException({ error_msg: msg });

export async function startHeavyDbStandIn(options: StandInOptions = {}): Promise<HeavyDbStandIn> {
  const user = options.user ?? 'admin';
  const password = options.password ?? 'HyperInteractive';
  const database = options.database ?? 'heavyai';
  const instance = await DuckDBInstance.create(options.path ?? ':memory:');
  const con = await instance.connect();
  const sessions = new Set<string>();
  const calls = new Map<string, number>();
  const startedAt = Math.floor(Date.now() / 1000);
  // One statement at a time on the one connection, as the real server serialises per session anyway.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <R>(work: () => Promise<R>): Promise<R> => { const next = tail.then(work, work); tail = next.catch(() => undefined); return next; };
  let stalled: string | null = null;
  const count = (m: string): Promise<void> => {
    calls.set(m, (calls.get(m) ?? 0) + 1);
    return m === stalled ? new Promise<void>(() => undefined) : Promise.resolve();
  };
  const checkSession = (s: string): void => { if (!sessions.has(s)) throw dbError('Session not valid.'); };
  const status = (): object => new ttypes.TServerStatus!({ read_only: false, version: '7.0.0-standin', rendering_enabled: false, start_time: startedAt, edition: 'standin', host_name: '127.0.0.1', poly_rendering_enabled: false, role: 0 });

  const handler = {
    async connect(u: string, p: string, db: string) {
      await count('connect');
      if (u !== user || p !== password) throw dbError(`Invalid credentials for user ${u}.`);
      if (db !== database) throw dbError(`Database name ${db} does not exist.`);
      const s = randomBytes(16).toString('hex');
      sessions.add(s);
      return s;
    },
    async disconnect(s: string) { await count('disconnect'); checkSession(s); sessions.delete(s); },
    async get_version() { await count('get_version'); return '7.0.0-standin'; },
    async get_server_status(s: string) { await count('get_server_status'); checkSession(s); return status(); },
    async get_status(s: string) { await count('get_status'); checkSession(s); return [status()]; },
    async get_tables(s: string) {
      await count('get_tables');
      checkSession(s);
      return serial(async () => (await con.runAndReadAll("SELECT table_name FROM duckdb_tables() ORDER BY table_name")).getRows().map((r) => String(r[0])));
    },
    async sql_execute(s: string, query: string, columnFormat: boolean, nonce: string, firstN: number, atMostN: number) {
      await count('sql_execute');
      checkSession(s);
      void columnFormat; void firstN; void atMostN;
      return serial(() => execute(con, query, nonce));
    },
    async load_table_binary_columnar(s: string, table: string, cols: { data: { int_col: (Int64Like | number)[] | null; real_col: number[] | null; str_col: string[] | null }; nulls: boolean[] }[], names: string[]) {
      await count('load_table_binary_columnar');
      checkSession(s);
      await serial(() => load(con, table, cols, names));
      // loads done, per table (`load:trades`), counted once the rows are in
      calls.set(`load:${table}`, (calls.get(`load:${table}`) ?? 0) + 1);
    },
  };

  const server = thrift.createWebServer({
    services: { '/': { processor: Heavy.Processor, handler, protocol: thrift.TBinaryProtocol, transport: thrift.TBufferedTransport } },
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); }); });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `heavydb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    port,
    calls,
    invalidateSessions() { sessions.clear(); },
    stall(method) { stalled = method; },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tail.catch(() => undefined);
      con.disconnectSync();
      instance.closeSync();
    },
  };
}

function datumType(typeName: string): { type: number; scale: number } {
  const t = typeName.toUpperCase();
  if (t === 'DOUBLE' || t === 'FLOAT') return { type: T['DOUBLE']!, scale: 0 };
  if (t === 'INTEGER' || t === 'INT') return { type: T['INT']!, scale: 0 };
  if (t === 'SMALLINT' || t === 'TINYINT') return { type: T['SMALLINT']!, scale: 0 };
  if (t === 'BIGINT' || t === 'HUGEINT' || t === 'UBIGINT' || t === 'UINTEGER') return { type: T['BIGINT']!, scale: 0 };
  if (t === 'VARCHAR') return { type: T['STR']!, scale: 0 };
  if (t === 'BOOLEAN') return { type: T['BOOL']!, scale: 0 };
  if (t === 'DATE') return { type: T['DATE']!, scale: 0 };
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  if (dec) return { type: T['DECIMAL']!, scale: Number(dec[2]) };
  throw dbError(`stand-in cannot return a column of type ${typeName}`);
}

async function execute(con: DuckDBConnection, query: string, nonce: string): Promise<object> {
  let result;
  try {
    result = await con.run(query);
  } catch (e) {
    throw dbError((e as Error).message);
  }
  const rowSet = (rowDesc: object[], columns: object[]): object => new ttypes.TRowSet!({ row_desc: rowDesc, rows: [], columns, is_columnar: true });
  // HeavyDB answers DDL and DML with an empty row set; only queries carry columns.
  if (result.returnType !== 3) return new ttypes.TQueryResult!({ row_set: rowSet([], []), execution_time_ms: 0, total_time_ms: 0, nonce });
  const names = result.columnNames();
  const types = result.columnTypes();
  const all: DuckDBValue[][] = [];
  for (let i = 0; i < result.chunkCount; i++) all.push(...result.getChunk(i).getRows());
  const desc: object[] = [];
  const columns: object[] = [];
  names.forEach((name, c) => {
    const dt = datumType(types[c]!.toString());
    desc.push(new ttypes.TColumnType!({ col_name: name, col_type: new ctypes.TTypeInfo({ type: dt.type, encoding: dt.type === T['STR'] ? ctypes.TEncodingType['DICT'] : ctypes.TEncodingType['NONE'], nullable: true, is_array: false, precision: 0, scale: dt.scale, comp_param: 0 }) }));
    const nulls: boolean[] = [];
    const ints: (number | Int64Like)[] = [];
    const reals: number[] = [];
    const strs: string[] = [];
    for (const row of all) {
      const v = row[c];
      nulls.push(v === null || v === undefined);
      if (dt.type === T['STR']) strs.push(v == null ? '' : String(v));
      else if (dt.type === T['DOUBLE']) reals.push(v == null ? 0 : Number(v));
      else if (dt.type === T['BOOL']) ints.push(v ? 1 : 0);
      else if (dt.type === T['DATE']) ints.push(v == null ? 0 : Date.parse(`${String(v)}T00:00:00Z`) / 1000);
      else if (dt.type === T['DECIMAL']) ints.push(v == null ? 0 : int64Out(BigInt(Math.round(Number(String(v)) * 10 ** dt.scale))));
      else ints.push(v == null ? 0 : int64Out(typeof v === 'bigint' ? v : BigInt(v as number)));
    }
    columns.push(new ttypes.TColumn!({ data: new ttypes.TColumnData!({ int_col: ints, real_col: reals, str_col: strs, arr_col: [] }), nulls }));
  });
  return new ttypes.TQueryResult!({ row_set: rowSet(desc, columns), execution_time_ms: 0, total_time_ms: 0, nonce });
}

async function load(con: DuckDBConnection, table: string, cols: { data: { int_col: (Int64Like | number)[] | null; real_col: number[] | null; str_col: string[] | null }; nulls: boolean[] }[], names: string[]): Promise<void> {
  if (cols.length !== names.length) throw dbError(`load_table_binary_columnar: ${cols.length} columns for ${names.length} names`);
  let appender;
  try {
    appender = await con.createAppender(table);
  } catch (e) {
    throw dbError((e as Error).message);
  }
  try {
    const rowCount = cols[0]?.nulls.length ?? 0;
    const tableCols = (await con.runAndReadAll(`SELECT column_name FROM duckdb_columns() WHERE table_name = '${table.replaceAll("'", "''")}' ORDER BY column_index`)).getRows().map((r) => String(r[0]));
    const sourceOf = tableCols.map((name) => names.indexOf(name));
    for (let r = 0; r < rowCount; r++) {
      tableCols.forEach((_, i) => {
        const src = sourceOf[i]!;
        const col = src >= 0 ? cols[src]! : null;
        if (!col || col.nulls[r]) { appender.appendNull(); return; }
        const typeName = appender.columnType(i).toString();
        if (col.data.str_col && col.data.str_col.length) appender.appendVarchar(col.data.str_col[r]!);
        else if (col.data.real_col && col.data.real_col.length) appender.appendDouble(col.data.real_col[r]!);
        else if (typeName === 'BIGINT') appender.appendBigInt(int64Value(col.data.int_col![r]!));
        else if (typeName === 'BOOLEAN') appender.appendBoolean(int64Value(col.data.int_col![r]!) !== 0n);
        else appender.appendInteger(Number(int64Value(col.data.int_col![r]!)));
      });
      appender.endRow();
    }
    appender.flushSync();
  } catch (e) {
    throw e instanceof ttypes.TDBException ? e : dbError((e as Error).message);
  } finally {
    appender.closeSync();
  }
}
