// Query results as columns: numeric columns are typed arrays (int64 already narrowed to exact doubles), text is
// an array of strings. Plain data, so a result crosses a thread or a socket with msgpack unchanged.
import { storeError } from './errors.ts';
import type { ColumnType } from './schema.ts';

export type ResultColumn =
  | { readonly name: string; readonly type: 'float64'; readonly values: Float64Array; readonly nulls: Uint8Array | null }
  | { readonly name: string; readonly type: 'int32'; readonly values: Int32Array; readonly nulls: Uint8Array | null }
  /** int64 values, each an exact integer within ±(2^53 − 1); anything wider is refused on the way in. */
  | { readonly name: string; readonly type: 'int64'; readonly values: Float64Array; readonly nulls: Uint8Array | null }
  | { readonly name: string; readonly type: 'bool'; readonly values: Uint8Array; readonly nulls: Uint8Array | null }
  | {
    readonly name: string; readonly type: 'text'; readonly values: readonly (string | null)[]; readonly nulls: null;
    /** when the backend read the column through a dictionary (DuckDB): values[i] = dictionary.values[codes[i]], -1 = null */
    readonly dictionary?: { readonly values: readonly string[]; readonly codes: Int32Array };
  };

export interface ResultSet {
  readonly rowCount: number;
  readonly columns: readonly ResultColumn[];
}

export const EMPTY_RESULT: ResultSet = { rowCount: 0, columns: [] };

/** The column called `name`; a missing column is a merge/contract error, not undefined. */
export function resultColumn(result: ResultSet, name: string): ResultColumn {
  const c = result.columns.find((col) => col.name === name);
  if (!c) {
    throw storeError('STRATA_STORE_MERGE_CONFLICT', `result has no column ${JSON.stringify(name)}; it has ${result.columns.map((x) => x.name).join(', ') || 'none'}`, { column: name });
  }
  return c;
}

/** One cell as a plain value (null, number, string, boolean): for tests, logs and small lookups. */
export function cellValue(column: ResultColumn, row: number): string | number | boolean | null {
  if (column.nulls && column.nulls[row]) return null;
  switch (column.type) {
    case 'text': return column.values[row] ?? null;
    case 'bool': return column.values[row] === 1;
    default: return column.values[row]!;
  }
}

/** Rows as objects: convenient for small results only. */
export function resultRows(result: ResultSet): Record<string, string | number | boolean | null>[] {
  const rows: Record<string, string | number | boolean | null>[] = [];
  for (let r = 0; r < result.rowCount; r++) {
    const row: Record<string, string | number | boolean | null> = {};
    for (const c of result.columns) row[c.name] = cellValue(c, r);
    rows.push(row);
  }
  return rows;
}

/** Accumulates one column's cells while a driver walks its native result, then freezes into a ResultColumn. */
export class ColumnBuilder {
  readonly name: string;
  readonly type: ColumnType;
  #num: Float64Array | Int32Array | Uint8Array;
  #text: (string | null)[] = [];
  #nulls: Uint8Array | null = null;
  #length = 0;

  constructor(name: string, type: ColumnType, capacity: number) {
    this.name = name;
    this.type = type;
    const cap = Math.max(capacity, 16);
    this.#num = type === 'int32' ? new Int32Array(cap) : type === 'bool' ? new Uint8Array(cap) : type === 'text' ? new Uint8Array(0) : new Float64Array(cap);
  }

  #grow(): void {
    if (this.type === 'text' || this.#length < this.#num.length) return;
    const bigger = new (this.#num.constructor as new (n: number) => Float64Array | Int32Array | Uint8Array)(this.#num.length * 2);
    bigger.set(this.#num as never);
    this.#num = bigger;
  }

  pushNull(): void {
    this.#grow();
    const nulls = (this.#nulls ??= new Uint8Array(Math.max(16, this.#num.length, this.#length + 1)));
    if (this.#length >= nulls.length) {
      const bigger = new Uint8Array(Math.max(nulls.length * 2, this.#length + 1));
      bigger.set(nulls);
      this.#nulls = bigger;
    }
    this.#nulls![this.#length] = 1;
    if (this.type === 'text') this.#text.push(null);
    this.#length++;
  }

  pushNumber(v: number): void {
    this.#grow();
    this.#num[this.#length++] = v;
  }

  pushText(v: string): void {
    this.#text.push(v);
    this.#length++;
  }

  build(): ResultColumn {
    const n = this.#length;
    const nulls = this.#nulls ? fitNulls(this.#nulls, n) : null;
    switch (this.type) {
      case 'text': return { name: this.name, type: 'text', values: this.#text, nulls: null };
      case 'float64': return { name: this.name, type: 'float64', values: (this.#num as Float64Array).slice(0, n), nulls };
      case 'int64': return { name: this.name, type: 'int64', values: (this.#num as Float64Array).slice(0, n), nulls };
      case 'int32': return { name: this.name, type: 'int32', values: (this.#num as Int32Array).slice(0, n), nulls };
      case 'bool': return { name: this.name, type: 'bool', values: (this.#num as Uint8Array).slice(0, n), nulls };
    }
  }
}

function fitNulls(nulls: Uint8Array, n: number): Uint8Array {
  if (nulls.length === n) return nulls;
  const out = new Uint8Array(n);
  out.set(nulls.subarray(0, Math.min(n, nulls.length)));
  return out;
}
