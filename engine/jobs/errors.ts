// The jobs area's error catalogue: job specs, admission, the lifecycle, fencing, the durable journal and the
// matrix a job runs on. Shared by engine/jobs, actors/job-scheduler and actors/algorithm-runner.
import type { ErrorCatalogue } from '../engine-error.ts';
import { errorFactory } from '../engine-error.ts';

export const catalogue = {
  STRATA_JOB_INVALID_SPEC: { retryable: false, summary: 'A job spec is malformed; `data.issues` lists every offending field as `{ path, message }` (unknown keys, wrong types, from after to, unknown algorithm, bad hyperparameters, no budget).' },
  STRATA_JOB_QUEUE_FULL: { retryable: true, summary: 'Admission control refused a job: the queue bound named in the message (total, per priority level or per owner) is reached.' },
  STRATA_JOB_DEADLINE_PASSED: { retryable: false, summary: 'A job was submitted with a deadline that is already in the past.' },
  STRATA_JOB_UNKNOWN: { retryable: false, summary: 'No job has this id (never accepted, or compacted away after its retention).' },
  STRATA_JOB_INVALID_TRANSITION: { retryable: false, summary: 'The job lifecycle does not allow this command in the job\'s current state (resume a job that is not paused, cancel a finished one, …).' },
  STRATA_JOB_NOT_FINISHED: { retryable: true, summary: 'A result was asked for a job that has not completed yet.' },
  STRATA_JOB_STALE_EPOCH: { retryable: false, summary: 'Fencing: a message carries a scheduler epoch older than the current one (a stale scheduler or a runner of a previous scheduler incarnation); it cannot complete or overwrite anything.' },
  STRATA_JOB_STALE_ASSIGNMENT: { retryable: false, summary: 'Fencing: a runner reported on an assignment that is no longer the job\'s current one (the job was reassigned, cancelled or paused).' },
  STRATA_JOB_RUNNER_BUSY: { retryable: true, summary: 'An algorithm-runner was given a job while it still runs another.' },
  STRATA_JOB_RUNNER_LOST: { retryable: true, summary: 'The runner working on a job stopped, its pool thread or its member died, or its scheduler restarted; the job is queued again and resumes from its last durable checkpoint.' },
  STRATA_JOB_FAILURE_BUDGET: { retryable: false, summary: 'A job failed more often than its failure budget allows (retryable failures, or runners lost under it); the message names the last cause.' },
  STRATA_JOB_JOURNAL_CORRUPT: { retryable: false, summary: 'The job journal file is not a journal (wrong header) or holds a checksummed record that does not decode; a torn tail is not this error (it is truncated on recovery), nor is a damaged stretch with good records after it (skipped, the file copied aside and rewritten; logged with this code).' },
  STRATA_JOB_JOURNAL_LOCKED: { retryable: true, summary: 'Another live process (pid in the message) or another journal object in this process holds the journal file.' },
  STRATA_JOB_JOURNAL_WRITE_FAILED: { retryable: true, summary: 'Appending to, syncing or compacting the journal failed (disk full, I/O error); nothing was acknowledged.' },
  STRATA_JOB_JOURNAL_CLOSED: { retryable: false, summary: 'The journal was used after close().' },
  STRATA_JOB_JOURNAL_NEWER_KEPT: { retryable: false, summary: 'A new job scheduler (after a whole-cluster restart that started first a member that had been out longer) started from an older journal than a member\'s replica: the replica keeps its copy as jobs.journal.kept-before-epoch-N and both sides log this code; jobs recorded only in that copy are not in the running scheduler (docs/daemon.md).' },
  STRATA_JOB_MATRIX_EMPTY: { retryable: false, summary: 'The universe filter, date range and zone select no days, or fewer strategies than the portfolio size kMax.' },
  STRATA_JOB_MATRIX_CHANGED: { retryable: false, summary: 'A job resumed from a checkpoint found different P&L data than the run that wrote the checkpoint (digest mismatch), so it cannot give the same answer.' },
  STRATA_JOB_MATRIX_LOAD_FAILED: { retryable: true, summary: 'The P&L matrix could not be loaded from its source (store node down, timeout); the job is retried with backoff.' },
} as const satisfies ErrorCatalogue;

export type JobErrorCode = keyof typeof catalogue;

export const jobError = errorFactory(catalogue);
