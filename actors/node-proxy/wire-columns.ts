// Text columns as they cross to and from a node's thread or process: a column whose values repeat (strategy
// ids, ISO days, zones) travels as a dictionary plus Int32 codes instead of one cloned string per row, which is
// what structured cloning spends most of its time on. Other columns travel unchanged, except that a batch for a
// thread moves copies of its big typed arrays (encodeBatchColumns). Batches use the engine's
// DictionaryColumn, which a store node appends as it is; results use { $dict, codes } and are decoded here.
import { isDictionaryColumn, type DictionaryColumn } from '../../engine/store/column-batch.ts';
import { isUtf8Column } from '../../engine/columns/utf8-column.ts';

export interface DictColumn {
  readonly $dict: readonly string[];
  /** index into $dict, -1 for null */
  readonly codes: Int32Array;
}

export const isDictColumn = (v: unknown): v is DictColumn => typeof v === 'object' && v !== null && Array.isArray((v as DictColumn).$dict) && (v as DictColumn).codes instanceof Int32Array;

/** A dictionary encoding of a string column, or null when its values hardly repeat or are all null (then it
 *  goes as is). */
export function encodeText(values: readonly unknown[]): DictColumn | null {
  const n = values.length;
  if (n < 64) return null;
  const index = new Map<string, number>();
  const dict: string[] = [];
  const codes = new Int32Array(n);
  const limit = n >> 1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) { codes[i] = -1; continue; }
    if (typeof v !== 'string') return null;
    let c = index.get(v);
    if (c === undefined) {
      if (dict.length >= limit) return null;
      c = dict.length;
      dict.push(v);
      index.set(v, c);
    }
    codes[i] = c;
  }
  // all null: nothing says it is text (a numeric column of nulls must stay an array of nulls)
  return dict.length === 0 ? null : { $dict: dict, codes };
}

export function decodeText(col: DictColumn): (string | null)[] {
  const out = new Array<string | null>(col.codes.length);
  const { $dict: dict, codes } = col;
  for (let i = 0; i < codes.length; i++) { const c = codes[i]!; out[i] = c < 0 ? null : dict[c]!; }
  return out;
}

/** A text column as an engine DictionaryColumn, or null when its values hardly repeat. */
export function toDictionaryColumn(values: readonly unknown[]): DictionaryColumn | null {
  const enc = encodeText(values);
  return enc ? { dictionary: enc.$dict, codes: enc.codes } : null;
}

/**
 * A ColumnBatch ({ rowCount, columns: record }) with its repetitive text columns as DictionaryColumns; `transfer`
 * gets the buffers of the codes made here (codes of columns that were already dictionaries may be shared by
 * several calls, so they are copied, not transferred). With `moveFromBytes` (a batch for a thread), every typed
 * array of at least that many bytes (a column's values, a dictionary's codes, a UTF-8 column's parts) goes as a
 * copy made here and transferred: posted as they were, each was cloned, a copy into the message (glibc's memory,
 * several MiB per batch) and another out of it, for every replica; so one copy per replica instead of two.
 */
export function encodeBatchColumns(batch: unknown, transfer: ArrayBuffer[], moveFromBytes = Infinity): unknown {
  const b = batch as { rowCount?: unknown; columns?: unknown };
  if (typeof b !== 'object' || b === null || typeof b.columns !== 'object' || b.columns === null || Array.isArray(b.columns)) return batch;
  let changed = false;
  const own = <T extends ArrayBufferView>(a: T): T => {
    if (a.byteLength < moveFromBytes || !(a.buffer instanceof ArrayBuffer) || transfer.includes(a.buffer)) return a;
    const copy = (a as unknown as { slice(): T }).slice();
    transfer.push(copy.buffer as ArrayBuffer);
    changed = true;
    return copy;
  };
  const columns: Record<string, unknown> = {};
  for (const [name, col] of Object.entries(b.columns as Record<string, unknown>)) {
    if (col === undefined) continue;
    if (isDictionaryColumn(col)) {
      const codes = own(col.codes);
      columns[name] = codes === col.codes ? col : { dictionary: col.dictionary, codes };
      continue;
    }
    if (isUtf8Column(col)) {
      const utf8 = own(col.utf8), offsets = own(col.offsets), nulls = col.nulls === null ? null : own(col.nulls);
      columns[name] = utf8 === col.utf8 && offsets === col.offsets && nulls === col.nulls ? col : { utf8, offsets, nulls };
      continue;
    }
    if (ArrayBuffer.isView(col) && !(col instanceof DataView)) { columns[name] = own(col); continue; }
    const enc = Array.isArray(col) ? toDictionaryColumn(col) : null;
    if (enc) { columns[name] = enc; transfer.push(enc.codes.buffer as ArrayBuffer); changed = true; } else columns[name] = col;
  }
  return changed ? { ...b, columns } : batch;
}

/** A ResultSet ({ rowCount, columns: [{ name, type, values, nulls }] }) with repetitive text columns encoded. */
export function encodeResultColumns(result: unknown, transfer: ArrayBuffer[]): unknown {
  const r = result as { columns?: unknown };
  if (typeof r !== 'object' || r === null || !Array.isArray(r.columns)) return result;
  let changed = false;
  const columns = (r.columns as { type?: string; values?: unknown; dictionary?: { values: string[]; codes: Int32Array } }[]).map((c) => {
    if (c.type !== 'text' || !Array.isArray(c.values)) return c;
    // The backend read the column through a dictionary already: send that, not the strings.
    if (c.dictionary) {
      const { dictionary, ...rest } = c;
      changed = true;
      transfer.push(dictionary.codes.buffer as ArrayBuffer);
      return { ...rest, values: { $dict: dictionary.values, codes: dictionary.codes } };
    }
    const enc = encodeText(c.values);
    if (!enc) return c;
    changed = true;
    transfer.push(enc.codes.buffer as ArrayBuffer);
    return { ...c, values: enc };
  });
  return changed ? { ...r, columns } : result;
}

export function decodeResultColumns(result: unknown): unknown {
  const r = result as { columns?: unknown };
  if (typeof r !== 'object' || r === null || !Array.isArray(r.columns)) return result;
  let changed = false;
  const columns = (r.columns as { values?: unknown }[]).map((c) => {
    if (!isDictColumn(c.values)) return c;
    changed = true;
    // The dictionary stays beside the values (ResultColumn.dictionary), so consumers can work on codes.
    return { ...c, values: decodeText(c.values), dictionary: { values: c.values.$dict, codes: c.values.codes } };
  });
  return changed ? { ...r, columns } : result;
}
