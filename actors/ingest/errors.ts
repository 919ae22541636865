// The ingest actor's error catalogue: failures of the ingest machinery itself (requests, the journal, the
// inbox folders). A file's own problems keep their STRATA_FORMAT_… codes from engine/formats.
import type { ErrorCatalogue } from '../../engine/engine-error.ts';
import { errorFactory } from '../../engine/engine-error.ts';

export const catalogue = {
  STRATA_INGEST_INVALID_REQUEST: { retryable: false, summary: 'An ingest request is malformed: no paths, a path that is not text, or an option of the wrong type.' },
  STRATA_INGEST_JOURNAL_CORRUPT: { retryable: false, summary: 'An entry of the ingest journal (kv namespace `ingest`) is not the JSON record the ingest actor wrote.' },
  STRATA_INGEST_FOLDER_FAILED: { retryable: true, summary: 'An inbox, processed or quarantine folder could not be created, listed or written (the message names the folder and the cause).' },
  STRATA_INGEST_UNKNOWN_FILE: { retryable: false, summary: 'A remove named a content hash the ingest journal has no stored file for (never ingested, or removed already).' },
  STRATA_INGEST_AMBIGUOUS_FILE: { retryable: false, summary: 'A name or content-hash prefix given to `strata files remove` fits several stored files; the message lists them with their hashes.' },
  STRATA_INGEST_FILE_BUSY: { retryable: true, summary: 'A remove named a file that is being ingested right now; try again once it is done.' },
  STRATA_INGEST_FILE_CHANGED: { retryable: true, summary: 'A file changed (size, modification time or inode) or went away while it was read: what was written of it is rolled back, and a file still there is read again (a pending file) once it stops changing, so the stored rows are those of one version of it.' },
  STRATA_INGEST_WRITE_FAILED: { retryable: true, summary: 'The store refused or lost a write in the middle of a file; the rows already written are removed and the file is retried.' },
} as const satisfies ErrorCatalogue;

export type IngestErrorCode = keyof typeof catalogue;

export const ingestError = errorFactory(catalogue);
