// The store area's error catalogue: every expected failure of a store node (DuckDB or HeavyDB), of the SQL
// parameter rendering and of the partitioning functions has a code here, with its retryable flag decided once.
import type { ErrorCatalogue } from '../engine-error.ts';
import { errorFactory } from '../engine-error.ts';

export const catalogue = {
  STRATA_STORE_FILE_IN_USE: { retryable: false, summary: 'A DuckDB file is already open by another store node in this process (any thread); a second instance would silently lose writes, so it is refused.' },
  STRATA_STORE_FILE_LOCKED: { retryable: false, summary: 'Another process holds the DuckDB file lock; the message names the file and the other process id when DuckDB reports it.' },
  STRATA_STORE_OPEN_FAILED: { retryable: false, summary: 'A DuckDB file could not be opened for another reason (missing folder, permissions, corrupt or foreign file).' },
  STRATA_STORE_TIMEOUT: { retryable: true, summary: 'A store call (connect, query, append, health) did not settle within its timeout; the message names the node, the operation and the timeout.' },
  STRATA_STORE_UNREACHABLE: { retryable: true, summary: 'The store node could not be reached (connection refused or reset, DNS failure, socket closed before a reply).' },
  STRATA_STORE_NO_SPACE: { retryable: true, summary: 'The disk (or quota) holding a DuckDB file had no room for a write (ENOSPC, EDQUOT): the statement or append was rolled back. The message names the file, the folder and the bytes free there; retryable on another replica, and an ingest keeps its file for a retry once space is freed.' },
  STRATA_STORE_QUERY_FAILED: { retryable: false, summary: 'The database rejected a statement (syntax, unknown table or column, constraint); the message carries the database error and the SQL text.' },
  STRATA_STORE_SESSION_INVALID: { retryable: true, summary: 'A HeavyDB session expired or was invalidated and reconnecting did not restore it.' },
  STRATA_STORE_AUTH_FAILED: { retryable: false, summary: 'HeavyDB refused the user, password or database given in the connection URL.' },
  STRATA_STORE_PROTOCOL_ERROR: { retryable: true, summary: 'A HeavyDB reply was not a valid Thrift message for the call made (bad HTTP status, truncated or foreign body).' },
  STRATA_STORE_RESPONSE_TOO_LARGE: { retryable: false, summary: 'A HeavyDB reply exceeded the configured maximum response size; the query should be narrowed or split.' },
  STRATA_STORE_INVALID_URL: { retryable: false, summary: 'A HeavyDB URL is not of the form heavydb://user:password@host:port/database (or http/https).' },
  STRATA_STORE_APPEND_LOST: { retryable: true, summary: 'Grouped appends (rows whose durability waits for a group commit) were rolled back with their group: a later append in the same group was refused or the group\'s COMMIT failed. The writer\'s syncAppends reports it; an ingest aborts the file and reads it again.' },
  STRATA_STORE_CLOSED: { retryable: false, summary: 'The store node was used after close().' },
  STRATA_STORE_UNKNOWN_TABLE: { retryable: false, summary: 'A table name is not one of the store schema tables (strategies, trades, daily_pnl, kv).' },
  STRATA_STORE_INVALID_BATCH: { retryable: false, summary: 'A columnar batch is malformed: an unknown or missing column, a column of the wrong length or array type.' },
  STRATA_STORE_INVALID_VALUE: { retryable: false, summary: 'A value cannot be stored or passed verbatim: a non-finite number, an out-of-range integer, a string with NUL or an unpaired surrogate, a null in a required column.' },
  STRATA_STORE_INVALID_PARAMETERS: { retryable: false, summary: 'The number of SQL parameters does not match the number of ? placeholders, or a parameter has an unsupported type.' },
  STRATA_STORE_INT64_UNSAFE: { retryable: false, summary: 'An int64 result lies outside ±(2^53 − 1) and cannot become a JavaScript number exactly.' },
  STRATA_STORE_UNSUPPORTED_TYPE: { retryable: false, summary: 'A result column has a database type the store does not map to a column type (list, struct, geometry, …).' },
  STRATA_STORE_INVALID_PLACEMENT: { retryable: false, summary: 'A partition scheme or placement request is invalid (no nodes, duplicate node names, partition count or replication factor out of range, unsorted date boundaries).' },
  STRATA_STORE_MERGE_CONFLICT: { retryable: false, summary: 'Scatter-gather partial results disagree: the same matrix cell arrived twice, a partial lacks a needed column, or partials have different columns.' },
} as const satisfies ErrorCatalogue;

export type StoreErrorCode = keyof typeof catalogue;

export const storeError = errorFactory(catalogue);
