// Row selection on columnar batches: the rows of a batch that go to one node (the partitions it holds), as a
// batch of the same columns, each gathered in its own layout (gatherColumn, shared with the partition split).
import { gatherColumn, type ColumnBatch, type ColumnInput } from '../../engine/store/index.ts';

/** The given rows of a batch, in the given order. */
export function selectRows(batch: ColumnBatch, rows: Int32Array): ColumnBatch {
  if (rows.length === batch.rowCount) {
    let identity = true;
    for (let i = 0; i < rows.length && identity; i++) identity = rows[i] === i;
    if (identity) return batch;
  }
  const columns: Record<string, ColumnInput> = {};
  for (const [name, col] of Object.entries(batch.columns)) if (col !== undefined) columns[name] = gatherColumn(col, rows);
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
