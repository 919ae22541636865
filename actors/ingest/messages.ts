// The ingest actor's protocol: commands (ingest.files, ingest.scan, ingest.subscribe, ingest.status, ingest.list,
// ingest.remove), their
// replies, and the events published to subscribers (the consoles and the CLI's progress bar). Plain
// msgpack-safe data only: optional fields are absent, never undefined.
import type { ActorRef } from '../../runtime/index.ts';
import type { FileSummary, Problem, Warning } from '../../engine/formats/index.ts';
import type { FileOptions, IngestOrigin } from './sink.ts';

export const PROTOCOL = 1;

export interface IngestProgress {
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
  readonly totalBytes: number;
  /** input rows per second since the file started */
  readonly rowsPerSec: number;
  /** estimated time to finish the file, from bytes read so far (null before any rate is known) */
  readonly etaMs: number | null;
  readonly elapsedMs: number;
}

/** What happened to one file. */
export type FileOutcome =
  | { readonly status: 'committed'; readonly file: string; readonly contentHash: string; readonly summary: FileSummary; readonly movedTo: string | null; readonly elapsedMs: number;
      /** the stored file this one replaced (FileOptions.replaces), removed once this one was committed; null when none was
       *  asked, it was gone, or its removal failed (then it goes at the actor's next start) */
      readonly replaced: StoredFile | null }
  | { readonly status: 'duplicate'; readonly file: string; readonly contentHash: string; readonly firstFile: string; readonly committedAt: number | null; readonly movedTo: string | null }
  | { readonly status: 'rejected'; readonly file: string; readonly contentHash: string | null; readonly code: string; readonly message: string;
      readonly problems: readonly Problem[]; readonly totalProblems: number; readonly quarantined: string | null; readonly reportJson: string | null; readonly reportText: string | null }
  /** retrying: the file is kept and read again by itself (the store took no writes for now: a retry after a backoff,
   *  and at the actor's next start; or a crash mid-file, read again by the restarted actor's recovery) */
  | { readonly status: 'failed'; readonly file: string; readonly code: string; readonly message: string; readonly retrying: boolean;
      /** epoch ms of the next attempt, when the file waits for the store */
      readonly retryAt?: number };

export type IngestEvent =
  | { readonly type: 'ingest.file.started'; readonly file: string; readonly origin: IngestOrigin; readonly contentHash: string; readonly format: string; readonly sizeBytes: number }
  | { readonly type: 'ingest.file.progress'; readonly progress: IngestProgress }
  | { readonly type: 'ingest.file.finished'; readonly origin: IngestOrigin; readonly outcome: FileOutcome; readonly warnings: readonly Warning[] }
  | { readonly type: 'ingest.recovered'; readonly files: readonly string[] }
  /** the store's journal could not be read at start: no file is read until it can; tried again at `nextAt` */
  | { readonly type: 'ingest.recovery.waiting'; readonly attempts: number; readonly nextAt: number; readonly code: string; readonly message: string }
  /** a committed file's rows removed on request (ingest.remove) */
  | { readonly type: 'ingest.file.removed'; readonly file: string; readonly contentHash: string; readonly strategies: number };

/** A stored file as the journal records it (ingest.list). */
export interface StoredFile {
  readonly contentHash: string;
  /** the path it was read from */
  readonly file: string;
  readonly origin: IngestOrigin;
  readonly format: string | null;
  readonly committedAt: number | null;
  readonly strategyIds: readonly string[];
  readonly rows: { readonly strategies: number; readonly trades: number; readonly daily_pnl: number } | null;
}

export type IngestListReply = { readonly type: 'ingest.list.ok'; readonly files: readonly StoredFile[] } | { readonly type: 'ingest.list.rejected'; readonly code: string; readonly message: string };
export type IngestRemoveReply = { readonly type: 'ingest.remove.ok'; readonly removed: StoredFile } | { readonly type: 'ingest.remove.rejected'; readonly code: string; readonly message: string };

export type IngestFilesReply = { readonly type: 'ingest.files.ok'; readonly outcomes: readonly FileOutcome[] } | { readonly type: 'ingest.files.rejected'; readonly code: string; readonly message: string };

export interface IngestStatus {
  readonly type: 'ingest.status.ok';
  readonly state: string;
  readonly current: string | null;
  readonly queued: readonly string[];
  readonly subscribers: number;
  readonly counts: { readonly committed: number; readonly duplicate: number; readonly rejected: number; readonly failed: number };
  /** files the store could not take for now, each read again at `nextAt` (epoch ms) */
  readonly retrying: readonly RetryingFile[];
  /** the store's journal could not be read at start (state `recovering`): no file is read until it can; null once
   *  recovery is done */
  readonly recovery: RecoveryWait | null;
}

/** Recovery waiting for the store's journal: attempts so far, since when, the next attempt (epoch ms) and the last error. */
export interface RecoveryWait {
  readonly attempts: number;
  readonly firstFailedAt: number;
  readonly nextAt: number;
  readonly code: string;
  readonly message: string;
}

export interface RetryingFile {
  readonly file: string;
  readonly attempts: number;
  readonly firstFailedAt: number;
  readonly nextAt: number;
  readonly code: string;
  readonly message: string;
}

export type IngestCommand =
  /** Ingest these paths (files or folders: a folder means its files, not recursively), in order. */
  | { readonly type: 'ingest.files'; readonly paths: readonly string[]; readonly options: FileOptions; readonly replyTo: ActorRef<IngestFilesReply> }
  /** Look at the inbox folders now (also done on a timer). */
  | { readonly type: 'ingest.scan' }
  | { readonly type: 'ingest.subscribe'; readonly subscriber: ActorRef<IngestEvent> }
  | { readonly type: 'ingest.unsubscribe'; readonly subscriber: ActorRef<IngestEvent> }
  | { readonly type: 'ingest.status'; readonly replyTo: ActorRef<IngestStatus> }
  /** The stored files (committed journal records). */
  | { readonly type: 'ingest.list'; readonly replyTo: ActorRef<IngestListReply> }
  /** Removes a stored file's rows (every table, every strategy it wrote) and its journal record. */
  | { readonly type: 'ingest.remove'; readonly contentHash: string; readonly replyTo: ActorRef<IngestRemoveReply> };

/** Messages the actor sends itself while a file runs outside its receive loop. */
export type IngestInternal =
  | { readonly type: 'ingest.work.done'; readonly id: number; readonly outcome: FileOutcome; readonly warnings: readonly Warning[] }
  | { readonly type: 'ingest.work.crashed'; readonly id: number; readonly code: string; readonly message: string }
  /** a file waiting for the store is due to be read again */
  | { readonly type: 'ingest.retry'; readonly path: string }
  /** recovery waits for the store's journal: try reading it again */
  | { readonly type: 'ingest.recover' };

export type IngestMessage = IngestCommand | IngestInternal;
