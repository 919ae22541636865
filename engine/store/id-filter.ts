// The WHERE-clause filter "this text column is one of these bound values" (strategy ids, mostly), per engine.
//
// DuckDB 1.5.6 plans `column IN (?, …)` with five or more entries as a hash join against the list (its IN-clause
// rewriter), and `column IN (SELECT unnest([?, …]))` as a hash semi-join whatever the count. A hash table's
// blocks, once freed, stay referenced from the buffer pool's eviction queues until a queue grows past its purge
// threshold, each entry keeping the memory of a freed block handle: this is what was first seen as "an IN list
// keeps 3–4 KiB for good" (2026-12-04) and then as the semi-joins' rise (2026-12-05, docs/daemon.md). A list
// tested per row with list_contains plans no join. Measured on the 2-vCPU VM (2026-12-05; one node, 2 M rows of
// daily_pnl, 2,000 strategies, the statement a job's matrix load runs, 200–2,400 statements each, glibc memory
// in use after forced collections): with 20 ids the semi-join took 30 ms a statement and kept 6.2 KB each
// (linear over 2,400), list_contains 16 ms and levelled off after the first few hundred; with 4 ids 26 / 12 ms
// (a plain IN list of four, no join: 50 ms); with 64, 39 / 28 ms; with 100, 34 ms both; with 500 the list is
// the slower, 112 against 77 ms, so past LIST_CONTAINS_MAX textInFilter keeps the semi-join. HeavyDB keeps the
// plain list. A reader that can drop rows itself (a matrix load: it keeps the wanted strategies' rows) takes
// textCandidateFilter instead, which past LIST_CONTAINS_MAX tests each row's hash against a bit string of the
// wanted ids' hashes: no join either, and as fast as the semi-join (below).
import { storeError } from './errors.ts';

/** DuckDB id lists up to this many values are tested with list_contains; longer ones with a semi-join. */
export const LIST_CONTAINS_MAX = 128;

/**
 * For a node of `kind` (a StoreKind; anything but 'duckdb' gets the plain list), a predicate true exactly for
 * rows whose `column` (a text column, never null for the rows wanted) equals one of `count` text parameters bound
 * in order where the predicate stands. No parameters: a predicate that is false.
 */
export function textInFilter(kind: string, column: string, count: number): string {
  const marks = listMarks(column, count);
  if (count === 0) return '1 = 0';
  if (kind !== 'duckdb') return `${column} IN (${marks})`;
  if (count <= LIST_CONTAINS_MAX) return `list_contains([${marks}]::VARCHAR[], ${column})`;
  return `${column} IN (SELECT unnest([${marks}]::VARCHAR[]))`;
}

/** The `?` marks of a list of `count` values for `column`, once both are checked (a plain name, a whole count). */
function listMarks(column: string, count: number): string {
  if (!Number.isInteger(count) || count < 0) throw storeError('STRATA_STORE_INVALID_PARAMETERS', `a list filter on ${column} needs a whole number of values, got ${String(count)}`, { column, count });
  if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw storeError('STRATA_STORE_INVALID_PARAMETERS', `${JSON.stringify(column)} is not a plain column name`, { column });
  return new Array<string>(count).fill('?').join(', ');
}

/** Bits of the hash filter (textCandidateFilter): 2^18, so n ids let through about n / 262,144 of the other rows. */
export const HASH_FILTER_BITS = 1 << 18;

/** A WHERE-clause predicate, and whether it is true exactly for the rows wanted or for a superset of them. */
export interface CandidateFilter {
  readonly sql: string;
  /** false: some rows of other values pass too, and the reader must drop them */
  readonly exact: boolean;
}

/**
 * textInFilter's predicate where it plans no join, and otherwise (a DuckDB list past LIST_CONTAINS_MAX) one true
 * for every wanted row and for a few others: the row's hash(column) is looked up in a bit string built in the same
 * statement from the bound values' hashes (bitstring_agg, a one-row subquery: a nested-loop join against one row,
 * no hash table). DuckDB's hash of a value is the same within a statement, so no wanted row is ever missed; a row
 * of another value passes when its hash lands on a wanted value's bit. Measured on the 2-vCPU VM (2026-12-06;
 * 1.8 M rows, 900 values, 400 of them wanted, one DuckDB thread): 48 ms against the semi-join's 40 and
 * list_contains' 401, no false positive at 2^18 bits in that run (0.75 % of the others let through at 2^16).
 */
export function textCandidateFilter(kind: string, column: string, count: number): CandidateFilter {
  if (kind !== 'duckdb' || count <= LIST_CONTAINS_MAX) return { sql: textInFilter(kind, column, count), exact: true };
  const marks = listMarks(column, count);
  const m = HASH_FILTER_BITS;
  const bits = `(SELECT bitstring_agg((hash(v) % ${m})::INTEGER, 0, ${m - 1}) FROM unnest([${marks}]::VARCHAR[]) AS wanted(v))`;
  return { sql: `get_bit(${bits}, (hash(${column}) % ${m})::INTEGER) = 1`, exact: false };
}
