// The daemon's error catalogue: starting the composition (data dir, services), uploads kept for ingest,
// intake after shutdown began, and a graceful shutdown that ran out of time.
import { StrataError, type ErrorSpec } from '../../runtime/errors.ts';

export const catalogue = {
  STRATA_DAEMON_START_FAILED: { retryable: false, summary: 'The daemon could not start: the data dir is not writable, a store node or the API port could not be opened; the message names the step and carries the cause.' },
  STRATA_DAEMON_DATA_DIR_IN_USE: { retryable: false, summary: 'Another live daemon holds the data dir (its daemon.lock names the pid; the message adds its URL when it recorded one): two daemons on one data dir would fight over its store files, journal and inbox. Stop it first or give this one another data dir.' },
  STRATA_DAEMON_UPLOAD_TOO_LARGE: { retryable: false, summary: 'An uploaded file is larger than api.uploadLimitBytes; the partial file is deleted and nothing is ingested.' },
  STRATA_DAEMON_NO_SPACE: { retryable: true, summary: 'The daemon\'s disk had no room for an upload (ENOSPC, or a quota: EDQUOT); the partial file is deleted and nothing is ingested. The message names the folder and the bytes free there; retry once space is freed.' },
  STRATA_DAEMON_UNKNOWN_UPLOAD: { retryable: false, summary: 'An upload id named in a process or status request does not exist.' },
  STRATA_DAEMON_INVALID_UPLOAD: { retryable: false, summary: 'An upload has no usable file name (empty, hidden, or only path separators) or is empty.' },
  STRATA_DAEMON_INTAKE_STOPPED: { retryable: true, summary: 'The daemon is shutting down and takes no new files or jobs; retry against the restarted daemon.' },
  STRATA_DAEMON_SHUTDOWN_TIMEOUT: { retryable: false, summary: 'A graceful shutdown did not finish within shutdown.timeoutMs; the daemon exits anyway (jobs resume from their last checkpoint).' },
} as const satisfies Record<string, ErrorSpec>;

export type DaemonErrorCode = keyof typeof catalogue;

export function daemonError(code: DaemonErrorCode, message: string, data: Readonly<Record<string, unknown>> = {}): StrataError {
  return new StrataError(code, message, data, catalogue[code].retryable);
}
