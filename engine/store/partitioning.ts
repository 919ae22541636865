// Which partition a row belongs to: by a stable hash of its strategy id (the default), or by the date range of
// its day with an optional hash split inside each range. Pure functions, the same on every thread and machine.
import { gatherColumn, isDictionaryColumn } from './column-batch.ts';
import { isUtf8Column, utf8ColumnValue } from '../columns/index.ts';
import type { ColumnBatch, ColumnInput } from './column-batch.ts';
import { storeError } from './errors.ts';
import { fmix32 } from './fmix32.ts';
import { PARTITION_COLUMN, tableSpec } from './schema.ts';
import type { PartitionedTableName } from './schema.ts';

export type PartitionScheme =
  | { readonly kind: 'hash'; readonly partitionCount: number }
  /**
   * Range i holds days in [boundaries[i-1], boundaries[i]) (range 0 is everything before boundaries[0], the last
   * range everything from the last boundary on); each range splits into `hashBuckets` partitions by strategy id.
   */
  | { readonly kind: 'date-range'; readonly boundaries: readonly string[]; readonly hashBuckets?: number };

export const DEFAULT_PARTITION_COUNT = 64;
export const DEFAULT_SCHEME: PartitionScheme = { kind: 'hash', partitionCount: DEFAULT_PARTITION_COUNT };

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function validateScheme(scheme: PartitionScheme): void {
  if (scheme.kind === 'hash') {
    if (!Number.isInteger(scheme.partitionCount) || scheme.partitionCount < 1 || scheme.partitionCount > 65_536) {
      throw storeError('STRATA_STORE_INVALID_PLACEMENT', `partitionCount ${scheme.partitionCount} is not an integer in 1..65536`, { partitionCount: scheme.partitionCount });
    }
    return;
  }
  const buckets = scheme.hashBuckets ?? 1;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets * (scheme.boundaries.length + 1) > 65_536) {
    throw storeError('STRATA_STORE_INVALID_PLACEMENT', `hashBuckets ${buckets} with ${scheme.boundaries.length} boundaries gives an invalid partition count`, { hashBuckets: buckets });
  }
  scheme.boundaries.forEach((b, i) => {
    if (!ISO_DAY.test(b) || (i > 0 && scheme.boundaries[i - 1]! >= b)) {
      throw storeError('STRATA_STORE_INVALID_PLACEMENT', `date boundaries must be ascending ISO days; ${JSON.stringify(b)} at ${i} is not`, { boundary: b, index: i });
    }
  });
}

export function partitionCount(scheme: PartitionScheme): number {
  return scheme.kind === 'hash' ? scheme.partitionCount : (scheme.boundaries.length + 1) * (scheme.hashBuckets ?? 1);
}

/** 32-bit FNV-1a over the UTF-8 bytes of a strategy id, then avalanche-mixed: stable across engines and languages. */
export function strategyHash(strategyId: string): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(strategyId);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return fmix32(h);
}

function rangeIndex(boundaries: readonly string[], day: string | null | undefined): number {
  // A row without a day (a strategy with no trading days yet) lives in range 0.
  if (!day) return 0;
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (day >= boundaries[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function partitionOf(scheme: PartitionScheme, strategyId: string, day?: string | null): number {
  if (scheme.kind === 'hash') return strategyHash(strategyId) % scheme.partitionCount;
  const buckets = scheme.hashBuckets ?? 1;
  return rangeIndex(scheme.boundaries, day) * buckets + (buckets > 1 ? strategyHash(strategyId) % buckets : 0);
}

/** The partition of every row of a batch of `table` (its strategy_id and, for date ranges, its day column). */
export function partitionIds(scheme: PartitionScheme, table: PartitionedTableName, batch: ColumnBatch): Int32Array {
  const spec = tableSpec(table);
  const ids = textColumn(batch.columns['strategy_id']);
  if (!ids) throw storeError('STRATA_STORE_INVALID_BATCH', `${table}: strategy_id column is missing`, { table });
  const days = scheme.kind === 'date-range' && spec.dayColumn ? textColumn(batch.columns[spec.dayColumn]) : null;
  const out = new Int32Array(batch.rowCount);
  // Strategy ids repeat across many rows (2,000 days each), so hashes are cached per id.
  const cache = new Map<string, number>();
  for (let i = 0; i < batch.rowCount; i++) {
    const id = ids(i);
    if (typeof id !== 'string') throw storeError('STRATA_STORE_INVALID_VALUE', `${table}.strategy_id: row ${i} holds ${String(id)}`, { table, row: i });
    if (days) { out[i] = partitionOf(scheme, id, days(i)); continue; }
    let p = cache.get(id);
    if (p === undefined) { p = partitionOf(scheme, id); cache.set(id, p); }
    out[i] = p;
  }
  return out;
}

/** Row accessor of a text column given as an array or a dictionary column; null when absent. */
function textColumn(input: ColumnInput | undefined): ((row: number) => string | null | undefined) | null {
  if (Array.isArray(input)) { const a = input as readonly (string | null)[]; return (i) => a[i]; }
  if (isDictionaryColumn(input)) { const { dictionary, codes } = input; return (i) => { const c = codes[i]; return c === undefined || c < 0 ? null : dictionary[c]; }; }
  if (isUtf8Column(input)) return (i) => (i < input.offsets.length - 1 ? utf8ColumnValue(input, i) : undefined);
  return null;
}

/** Splits a batch into one batch per partition, each with `partition_id` filled in; partitions ascending. */
export function splitByPartition(scheme: PartitionScheme, table: PartitionedTableName, batch: ColumnBatch): Map<number, ColumnBatch> {
  const ids = partitionIds(scheme, table, batch);
  const rowsOf = new Map<number, number[]>();
  ids.forEach((p, i) => { let l = rowsOf.get(p); if (!l) { l = []; rowsOf.set(p, l); } l.push(i); });
  const out = new Map<number, ColumnBatch>();
  for (const p of [...rowsOf.keys()].sort((a, b) => a - b)) {
    const rows = Int32Array.from(rowsOf.get(p)!);
    const columns: Record<string, ColumnInput> = {};
    for (const [name, input] of Object.entries(batch.columns)) {
      if (input !== undefined && name !== PARTITION_COLUMN) columns[name] = gatherColumn(input, rows);
    }
    columns[PARTITION_COLUMN] = new Int32Array(rows.length).fill(p);
    out.set(p, { rowCount: rows.length, columns });
  }
  return out;
}
