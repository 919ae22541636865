// Row selection on columnar batches: the rows of a batch that go to one node (the partitions it holds), as a
// batch of the same columns. Typed arrays are gathered into typed arrays, plain arrays into plain arrays, and
// dictionary columns by their codes, sharing the dictionary; UTF-8 columns by their bytes.
import { gatherUtf8, isDictionaryColumn, isUtf8Column, type ColumnBatch, type ColumnInput } from '../../engine/store/index.ts';

type Gatherable = { readonly length: number; readonly [i: number]: unknown };

function gather(column: ColumnInput, rows: Int32Array): ColumnInput {
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

/** The given rows of a batch, in the given order. */
export function selectRows(batch: ColumnBatch, rows: Int32Array): ColumnBatch {
  if (rows.length === batch.rowCount) {
    let identity = true;
    for (let i = 0; i < rows.length && identity; i++) identity = rows[i] === i;
    if (identity) return batch;
  }
  const columns: Record<string, ColumnInput> = {};
  for (const [name, col] of Object.entries(batch.columns)) if (col !== undefined) columns[name] = gather(col, rows);
  return { rowCount: rows.length, columns };
}

/** Row indices per key, from one key per row (e.g. the node set a row's partition maps to). */
export function rowsByKey(keys: Int32Array, keyCount: number): Int32Array[] {
  const counts = new Int32Array(keyCount);
  for (let i = 0; i < keys.length; i++) counts[keys[i]!]!++;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(keyCount);
  for (let i = 0; i < keys.length; i++) { const k = keys[i]!; out[k]![fill[k]!++] = i; }
  return out;
}
