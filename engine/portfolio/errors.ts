// The error catalogue of engine/portfolio and engine/stats: invalid problems, specs, candidates and options,
// cancelled or failed batch evaluations, malformed SQL partial results, out-of-range statistics inputs.
import type { ErrorCatalogue } from '../engine-error.ts';
import { errorFactory } from '../engine-error.ts';

export const catalogue = {
  STRATA_PORTFOLIO_INVALID_MATRIX: { retryable: false, summary: 'A P&L matrix or its per-strategy facts are malformed: a wrong length, a non-integer or non-positive size, an infinite P&L value, a day index outside the matrix.' },
  STRATA_PORTFOLIO_INVALID_SPEC: { retryable: false, summary: 'A portfolio problem spec is invalid: an unknown metric or key, no objectives, portfolio size bounds out of range, bad weight bounds, or a metric that needs capital without it.' },
  STRATA_PORTFOLIO_INVALID_CANDIDATE: { retryable: false, summary: 'A candidate holds an index outside 0..nStrategies-1, unsorted or repeated indices, or weights of the wrong length or not finite.' },
  STRATA_PORTFOLIO_INVALID_OPTION: { retryable: false, summary: 'An option of a kernel, pool, SQL batch or planted problem is out of range (threads, batch size, day window, n, k, days).' },
  STRATA_PORTFOLIO_CANCELLED: { retryable: false, summary: 'A batch evaluation was cancelled through its AbortSignal; tasks not yet started were dropped.' },
  STRATA_PORTFOLIO_POOL_CLOSED: { retryable: false, summary: 'The evaluation pool was used after close().' },
  STRATA_PORTFOLIO_POOL_TASK_FAILED: { retryable: true, summary: 'A batch task failed inside an evaluation pool worker (the worker threw or died); the message carries the cause.' },
  STRATA_PORTFOLIO_SQL_RESULT_INVALID: { retryable: false, summary: 'A SQL push-down partial result does not fit its query: a missing candidate column, a trading day outside the calendar, a non-numeric sum.' },
  STRATA_STATS_INVALID_INPUT: { retryable: false, summary: 'A statistics input is out of range: walk-forward window sizes, too few observations, trial counts, bootstrap block length, resample count or confidence level.' },
} as const satisfies ErrorCatalogue;

export type PortfolioErrorCode = keyof typeof catalogue;

export const portfolioError = errorFactory(catalogue);
