// Columnar batches going into a store node: what callers may pass per column type, and the one validation
// pass that turns a batch into normalised columns (typed arrays + null masks) both backends append from.
import { storeError } from './errors.ts';
import type { ColumnSpec, ColumnType, TableSpec } from './schema.ts';
import { gatherUtf8, isDictionaryColumn, isUtf8Column, utf8ColumnFault, utf8ColumnValues, type DictionaryColumn, type Utf8Column } from '../columns/index.ts';

export { isDictionaryColumn };
export type { DictionaryColumn };

/** What a caller may hand in for one column. Float64 columns take a Float64Array (no nulls) or numbers/null. */
export type ColumnInput =
  | readonly (string | null)[]
  | DictionaryColumn
  | Utf8Column
  | readonly (number | null)[]
  | readonly (bigint | number | null)[]
  | readonly (boolean | null)[]
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array;

export interface ColumnBatch {
  readonly rowCount: number;
  /** every non-nullable column of the table; a nullable column left out is all null. */
  readonly columns: Readonly<Record<string, ColumnInput | undefined>>;
}

/** A validated column: typed values plus a null mask (1 = null) when any value is null. */
export type NormalizedColumn =
  | {
    readonly spec: ColumnSpec; readonly type: 'text'; readonly values: readonly (string | null)[];
    /** when the input was a DictionaryColumn: values[i] = dictionary.values[codes[i]] (-1 = null) */
    readonly dictionary?: { readonly values: readonly string[]; readonly codes: Int32Array };
    /** when the input was a Utf8Column (validated); `values` is then decoded only if something reads it */
    readonly utf8?: Utf8Column;
  }
  | { readonly spec: ColumnSpec; readonly type: 'float64'; readonly values: Float64Array; readonly nulls: Uint8Array | null }
  | { readonly spec: ColumnSpec; readonly type: 'int32'; readonly values: Int32Array; readonly nulls: Uint8Array | null }
  | { readonly spec: ColumnSpec; readonly type: 'int64'; readonly values: BigInt64Array; readonly nulls: Uint8Array | null }
  | { readonly spec: ColumnSpec; readonly type: 'bool'; readonly values: Uint8Array; readonly nulls: Uint8Array | null };

export interface NormalizedBatch {
  readonly table: TableSpec;
  readonly rowCount: number;
  readonly columns: readonly NormalizedColumn[];
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** True when a string can be stored and read back verbatim by both engines (UTF-8 round trip, no NUL). */
export function isStorableText(s: string): boolean {
  return s.isWellFormed() && !s.includes('\u0000');
}

export function assertStorableText(s: string, where: string): void {
  if (!isStorableText(s)) {
    throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: string ${JSON.stringify(s)} holds a NUL or an unpaired surrogate and cannot be stored verbatim`, { where });
  }
}

export function normalizeBatch(table: TableSpec, batch: ColumnBatch): NormalizedBatch {
  const n = batch.rowCount;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw storeError('STRATA_STORE_INVALID_BATCH', `${table.name}: rowCount ${String(n)} is not a non-negative integer`, { table: table.name });
  }
  const known = new Set(table.columns.map((c) => c.name));
  for (const name of Object.keys(batch.columns)) {
    if (!known.has(name)) {
      throw storeError('STRATA_STORE_INVALID_BATCH', `${table.name}: unknown column ${JSON.stringify(name)}`, { table: table.name, column: name });
    }
  }
  const columns = table.columns.map((spec) => normalizeColumn(table.name, spec, batch.columns[spec.name], n));
  return { table, rowCount: n, columns };
}

type Gatherable = { readonly length: number; readonly [i: number]: unknown };

/** The given rows of one column, in that order, in the same layout: typed arrays into typed arrays, plain arrays
 *  into plain arrays, dictionary columns by their codes (sharing the dictionary), UTF-8 columns by their bytes. */
export function gatherColumn(column: ColumnInput, rows: Int32Array): ColumnInput {
  const n = rows.length;
  if (isDictionaryColumn(column)) {
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = column.codes[rows[i]!]!;
    return { dictionary: column.dictionary, codes };
  }
  if (isUtf8Column(column)) return gatherUtf8(column, rows);
  if (column instanceof Float64Array) { const out = new Float64Array(n); for (let i = 0; i < n; i++) out[i] = column[rows[i]!]!; return out; }
  if (column instanceof Int32Array) { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = column[rows[i]!]!; return out; }
  if (column instanceof BigInt64Array) { const out = new BigInt64Array(n); for (let i = 0; i < n; i++) out[i] = column[rows[i]!]!; return out; }
  if (column instanceof Uint8Array) { const out = new Uint8Array(n); for (let i = 0; i < n; i++) out[i] = column[rows[i]!]!; return out; }
  const src = column as Gatherable;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = src[rows[i]!];
  return out as ColumnInput;
}

function normalizeColumn(table: string, spec: ColumnSpec, input: ColumnInput | undefined, n: number): NormalizedColumn {
  const where = `${table}.${spec.name}`;
  if (input === undefined) {
    if (!spec.nullable) throw storeError('STRATA_STORE_INVALID_BATCH', `${where}: required column is missing`, { table, column: spec.name });
    return allNull(spec, n);
  }
  if (isDictionaryColumn(input)) return dictionaryValues(where, spec, input, n);
  if (isUtf8Column(input)) return utf8Values(where, spec, input, n);
  if (input.length !== n) {
    throw storeError('STRATA_STORE_INVALID_BATCH', `${where}: ${input.length} values for ${n} rows`, { table, column: spec.name });
  }
  switch (spec.type) {
    case 'text': return { spec, type: 'text', values: textValues(where, spec, input) };
    case 'float64': return float64Values(where, spec, input);
    case 'int32': return int32Values(where, spec, input);
    case 'int64': return int64Values(where, spec, input);
    case 'bool': return boolValues(where, spec, input);
  }
}

function allNull(spec: ColumnSpec, n: number): NormalizedColumn {
  const nulls = new Uint8Array(n).fill(1);
  switch (spec.type) {
    case 'text': return { spec, type: 'text', values: new Array<string | null>(n).fill(null) };
    case 'float64': return { spec, type: 'float64', values: new Float64Array(n), nulls };
    case 'int32': return { spec, type: 'int32', values: new Int32Array(n), nulls };
    case 'int64': return { spec, type: 'int64', values: new BigInt64Array(n), nulls };
    case 'bool': return { spec, type: 'bool', values: new Uint8Array(n), nulls };
  }
}

function wrongArray(where: string, type: ColumnType, input: ColumnInput): never {
  throw storeError('STRATA_STORE_INVALID_BATCH', `${where}: a ${input.constructor.name} cannot feed a ${type} column`, { where });
}

function nullIn(where: string, spec: ColumnSpec, row: number): void {
  if (!spec.nullable) throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: null at row ${row} in a required column`, { where, row });
}

function textValues(where: string, spec: ColumnSpec, input: ColumnInput): readonly (string | null)[] {
  if (!Array.isArray(input)) wrongArray(where, 'text', input);
  const values = input as readonly unknown[];
  // a value equal to the row before's was checked there (columns repeat: ids, sides, days, zones)
  let checked: string | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === checked) continue;
    if (v === null) { nullIn(where, spec, i); continue; }
    if (typeof v !== 'string') {
      throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: row ${i} holds ${typeof v} ${String(v)}, not a string`, { where, row: i });
    }
    if (!isStorableText(v)) assertStorableText(v, `${where} row ${i}`);
    checked = v;
  }
  return values as readonly (string | null)[];
}

// Each distinct value is checked once; each code only for its range and, in a required column, for null.
function dictionaryValues(where: string, spec: ColumnSpec, input: DictionaryColumn, n: number): NormalizedColumn {
  if (spec.type !== 'text') throw storeError('STRATA_STORE_INVALID_BATCH', `${where}: a dictionary column cannot feed a ${spec.type} column`, { where });
  const { dictionary, codes } = input;
  if (codes.length !== n) throw storeError('STRATA_STORE_INVALID_BATCH', `${where}: ${codes.length} codes for ${n} rows`, { where });
  for (let d = 0; d < dictionary.length; d++) {
    const v: unknown = dictionary[d];
    if (typeof v !== 'string') throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: dictionary entry ${d} holds ${typeof v} ${String(v)}, not a string`, { where, entry: d });
    if (!isStorableText(v)) assertStorableText(v, `${where} dictionary entry ${d}`);
  }
  const size = dictionary.length;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c === -1) { nullIn(where, spec, i); continue; }
    if (c < 0 || c >= size) throw storeError('STRATA_STORE_INVALID_BATCH', `${where}: row ${i} has code ${c}, outside the dictionary of ${size}`, { where, row: i });
  }
  // the strings per row only if something reads them (the DuckDB writer works on the codes)
  let values: (string | null)[] | null = null;
  const decode = (): (string | null)[] => {
    const out = new Array<string | null>(n);
    for (let i = 0; i < n; i++) { const c = codes[i]!; out[i] = c < 0 ? null : dictionary[c]!; }
    return out;
  };
  return { spec, type: 'text', get values() { return (values ??= decode()); }, dictionary: { values: dictionary, codes } };
}

function utf8Values(where: string, spec: ColumnSpec, input: Utf8Column, n: number): NormalizedColumn {
  if (spec.type !== 'text') throw storeError('STRATA_STORE_INVALID_BATCH', `${where}: a UTF-8 column cannot feed a ${spec.type} column`, { where });
  const fault = utf8ColumnFault(input, n);
  if (fault) {
    const code = fault.row === null ? 'STRATA_STORE_INVALID_BATCH' : 'STRATA_STORE_INVALID_VALUE';
    throw storeError(code, `${where}: ${fault.row === null ? '' : `row ${fault.row} `}${fault.reason}`, { where, ...(fault.row === null ? {} : { row: fault.row }) });
  }
  if (input.nulls !== null) for (let i = 0; i < n; i++) if (input.nulls[i] === 1) nullIn(where, spec, i);
  let values: (string | null)[] | null = null;
  return { spec, type: 'text', utf8: input, get values() { return (values ??= utf8ColumnValues(input)); } };
}

function float64Values(where: string, spec: ColumnSpec, input: ColumnInput): NormalizedColumn {
  let values: Float64Array;
  let nulls: Uint8Array | null = null;
  if (input instanceof Float64Array) {
    values = input;
  } else if (Array.isArray(input)) {
    values = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const v: unknown = input[i];
      if (v === null) { nullIn(where, spec, i); (nulls ??= new Uint8Array(input.length))[i] = 1; continue; }
      if (typeof v !== 'number') throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: row ${i} holds ${typeof v} ${String(v)}, not a number`, { where, row: i });
      values[i] = v;
    }
  } else {
    return wrongArray(where, 'float64', input);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // NaN and ±Infinity are not portable between the engines (HeavyDB turns some into NULL), so refuse them.
    if (!Number.isFinite(v) && !(nulls && nulls[i])) {
      throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: row ${i} holds ${v}; only finite numbers are stored`, { where, row: i });
    }
  }
  return { spec, type: 'float64', values, nulls };
}

function int32Values(where: string, spec: ColumnSpec, input: ColumnInput): NormalizedColumn {
  if (input instanceof Int32Array) return { spec, type: 'int32', values: input, nulls: null };
  if (!Array.isArray(input)) return wrongArray(where, 'int32', input);
  const values = new Int32Array(input.length);
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < input.length; i++) {
    const v: unknown = input[i];
    if (v === null) { nullIn(where, spec, i); (nulls ??= new Uint8Array(input.length))[i] = 1; continue; }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: row ${i} holds ${String(v)}, not a 32-bit integer`, { where, row: i });
    }
    values[i] = v;
  }
  return { spec, type: 'int32', values, nulls };
}

function int64Values(where: string, spec: ColumnSpec, input: ColumnInput): NormalizedColumn {
  if (input instanceof BigInt64Array) return { spec, type: 'int64', values: input, nulls: null };
  if (input instanceof Float64Array) return { spec, type: 'int64', values: int64FromFloat64(where, input), nulls: null };
  if (!Array.isArray(input)) return wrongArray(where, 'int64', input);
  const src = input as ArrayLike<unknown>;
  const values = new BigInt64Array(src.length);
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v === null) { nullIn(where, spec, i); (nulls ??= new Uint8Array(src.length))[i] = 1; continue; }
    if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) { values[i] = v; continue; }
    if (typeof v === 'number' && Number.isSafeInteger(v)) { values[i] = BigInt(v); continue; }
    throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: row ${i} holds ${String(v)}, not an exact 64-bit integer`, { where, row: i });
  }
  return { spec, type: 'int64', values, nulls };
}

/**
 * Whole numbers of a Float64Array as int64, written as two 32-bit halves (little-endian, as every platform
 * Node runs on) instead of a BigInt per value: a trade batch's source_row column took 27 ms of a 200 K-row
 * ingest's 0.8 s of main-thread work through BigInt(v), and left a BigInt per row for the collector.
 */
function int64FromFloat64(where: string, input: Float64Array): BigInt64Array {
  const out = new BigInt64Array(input.length);
  const halves = new Int32Array(out.buffer, out.byteOffset, input.length * 2);
  for (let i = 0; i < input.length; i++) {
    const v = input[i]!;
    if (!Number.isSafeInteger(v)) throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: row ${i} holds ${String(v)}, not an exact 64-bit integer`, { where, row: i });
    // v = hi·2³² + lo with 0 ≤ lo < 2³²; |hi| < 2²¹ for a safe integer
    const hi = Math.floor(v / 4294967296);
    halves[2 * i] = (v - hi * 4294967296) | 0;
    halves[2 * i + 1] = hi;
  }
  return out;
}

function boolValues(where: string, spec: ColumnSpec, input: ColumnInput): NormalizedColumn {
  if (input instanceof Uint8Array) return { spec, type: 'bool', values: input.map((b) => (b ? 1 : 0)), nulls: null };
  if (!Array.isArray(input)) return wrongArray(where, 'bool', input);
  const values = new Uint8Array(input.length);
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < input.length; i++) {
    const v: unknown = input[i];
    if (v === null) { nullIn(where, spec, i); (nulls ??= new Uint8Array(input.length))[i] = 1; continue; }
    if (typeof v !== 'boolean') throw storeError('STRATA_STORE_INVALID_VALUE', `${where}: row ${i} holds ${String(v)}, not a boolean`, { where, row: i });
    values[i] = v ? 1 : 0;
  }
  return { spec, type: 'bool', values, nulls };
}

/**
 * Frees the memory of an appended batch's columns at once by detaching their buffers (`transfer(0)` releases
 * the old backing store), instead of leaving it to the thread's garbage collector. V8 collects freed typed
 * arrays that lived long enough to be promoted only when their external memory has grown by tens of MiB, so a
 * thread that appends batch after batch held that much garbage. Measured on the 2-vCPU VM (2026-12-03, a 1 M-row
 * CSV ingest through one node on a worker thread, the daemon's process settings): peak RSS 445 against 460 MiB,
 * and 592 against 613 MiB through the default 3-node, RF 2 store (before the larger fix in runtime/ask-ref.ts).
 * Only for a batch its caller owns outright and no longer needs: a node thread's structured clone of the caller's
 * batch once appended, an ingest's parsed batch once the store acknowledged it (actors/ingest/sink.ts).
 */
export function releaseBatchBuffers(batch: unknown): void {
  const columns = (batch as { columns?: unknown } | null)?.columns;
  if (typeof columns !== 'object' || columns === null) return;
  const seen = new Set<ArrayBuffer>();
  const release = (a: unknown): void => {
    if (!ArrayBuffer.isView(a) || !(a.buffer instanceof ArrayBuffer) || seen.has(a.buffer) || a.buffer.detached) return;
    seen.add(a.buffer);
    a.buffer.transfer(0);
  };
  for (const c of Object.values(columns as Record<string, unknown>)) {
    if (ArrayBuffer.isView(c)) { release(c); continue; }
    if (typeof c !== 'object' || c === null || Array.isArray(c)) continue;
    const parts = c as { codes?: unknown; utf8?: unknown; offsets?: unknown; nulls?: unknown; values?: unknown };
    for (const a of [parts.codes, parts.utf8, parts.offsets, parts.nulls, parts.values]) release(a);
  }
}
