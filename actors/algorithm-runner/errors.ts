// The algorithm-runner's error catalogue: failures of the machinery that runs a job (its CPU pool). Failures
// of the job itself keep their STRATA_JOB_… / STRATA_ALGORITHM_… / STRATA_PORTFOLIO_… codes.
import type { ErrorCatalogue } from '../../engine/engine-error.ts';
import { errorFactory } from '../../engine/engine-error.ts';

export const catalogue = {
  STRATA_RUNNER_THREAD_LOST: { retryable: true, summary: 'A CPU pool thread died while it evaluated a batch of the job (terminated, crashed, out of memory); the job resumes from its last checkpoint on a fresh thread.' },
  STRATA_RUNNER_POOL_CLOSED: { retryable: true, summary: 'The runner\'s CPU pool was closed while a job still ran (the service is shutting down); the job resumes at the next start.' },
  STRATA_RUNNER_INVALID_OPTION: { retryable: false, summary: 'The runner options do not fit together (e.g. evaluation \'sql\' without a push-down target, or with runners on worker threads); the message names the option.' },
  STRATA_RUNNER_CRASHED: { retryable: true, summary: 'An uncoded exception escaped a job\'s run (a bug, not an expected failure); the job is retried within its failure budget, then fails with this cause.' },
} as const satisfies ErrorCatalogue;

export type RunnerErrorCode = keyof typeof catalogue;

export const runnerError = errorFactory(catalogue);
