// The job-scheduler's own error catalogue: failures of the service around the scheduler actor. A job's
// problems (spec, admission, lifecycle, fencing, journal) keep their STRATA_JOB_… codes from engine/jobs.
import type { ErrorCatalogue } from '../../engine/engine-error.ts';
import { errorFactory } from '../../engine/engine-error.ts';

export const catalogue = {
  STRATA_SCHEDULER_CLOSED: { retryable: false, summary: 'The job service was used after close() (or while closing); nothing was submitted or changed.' },
  STRATA_SCHEDULER_UNAVAILABLE: { retryable: true, summary: 'The scheduler actor did not answer (stopped, restarting after a journal failure, or on a member that is down); the command may be retried.' },
} as const satisfies ErrorCatalogue;

export type SchedulerErrorCode = keyof typeof catalogue;

export const schedulerError = errorFactory(catalogue);
