// Where an ingest writes: the canonical tables plus a journal of files by content hash. The write protocol
// that makes a file all-or-nothing across crashes (docs/formats.md §Ingest):
//   begin(record)      journal entry `writing` for the content hash, before any row is written
//   claim(hash, ids)   the strategy ids the next batch carries, journalled before the batch is appended
//   append(...)        trades while the file streams, then daily_pnl, then strategies (a strategy is
//                      visible to universe queries only once its strategies row exists)
//   commit(hash, …)    journal entry `committed`: from here on the same bytes are a no-op
//   abort(hash)        deletes every row of the journalled strategy ids, then the journal entry
// A crash anywhere before commit leaves a `writing` entry; recovery aborts it and the file is read again.
import type { CanonicalBatch, CanonicalTable, FormatId, ParseOptions } from '../../engine/formats/index.ts';

export type IngestOrigin = 'inbox' | 'zone-inbox' | 'request';

/** The options a file was read with, as plain data (they travel in messages and in the journal). */
export type FileOptions = Pick<ParseOptions, 'format' | 'zones' | 'lenient' | 'maxProblems' | 'tz'> & {
  /**
   * the content hash of a stored file this one replaces (a corrected export): its strategy names are free for this
   * file, and once this file is committed the replaced one's rows and record are removed. Kept in the journal
   * record, so a crash between the two finishes the removal at the next start.
   */
  readonly replaces?: string;
};

export interface JournalRecord {
  readonly contentHash: string;
  readonly state: 'writing' | 'committed';
  /** the path the file was read from (the inbox path for inbox files). */
  readonly file: string;
  readonly origin: IngestOrigin;
  readonly options: FileOptions;
  /** every strategy id rows may have been written for; grows before each batch with new ids. */
  readonly strategyIds: readonly string[];
  /** epoch ms */
  readonly startedAt: number;
  readonly committedAt: number | null;
  readonly format: FormatId | null;
  readonly rows: { readonly strategies: number; readonly trades: number; readonly daily_pnl: number } | null;
}

export interface IngestSink {
  /** for logs and reports */
  readonly label: string;
  /** The committed record of these bytes, or null. */
  committed(contentHash: string): Promise<JournalRecord | null>;
  /** Records left `writing` by a crash, oldest first. */
  unfinished(): Promise<JournalRecord[]>;
  /** Every committed record (the files whose rows are stored), oldest commit first. */
  committedFiles(): Promise<JournalRecord[]>;
  /** Strategy names already stored (new files with the same name get a suffix), but for the strategies `exceptIds`. */
  strategyNames(exceptIds?: readonly string[]): Promise<Set<string>>;
  begin(record: JournalRecord): Promise<void>;
  claim(contentHash: string, strategyIds: readonly string[]): Promise<void>;
  /**
   * With the file's content hash, the store may keep the rows in a transaction shared with the file's next
   * batches; commit() makes them durable before the journal says `committed`, abort() before deleting them.
   * The batch is the sink's from this call on: once the append resolved, the sink may free its buffers
   * (releaseBatchBuffers), so the caller must not read it again.
   */
  append(table: CanonicalTable, batch: CanonicalBatch, contentHash?: string): Promise<void>;
  commit(contentHash: string, result: { readonly format: FormatId; readonly rows: NonNullable<JournalRecord['rows']> }): Promise<JournalRecord>;
  /** Removes the rows of every strategy id the journal names for this hash, then the entry. Idempotent. Also how a
   *  committed file is removed on request: its rows go, and the same bytes may be ingested again. */
  abort(contentHash: string): Promise<void>;
}

export const JOURNAL_NAMESPACE = 'ingest';
