// The benchmark harness's error catalogue: bad result files, bad README markers and bad command-line values.
import type { ErrorCatalogue } from '../../engine/engine-error.ts';
import { errorFactory } from '../../engine/engine-error.ts';

export const catalogue = {
  STRATA_BENCH_BAD_RESULT: { retryable: false, summary: 'A results file has a line that is not a benchmark result per BENCH.md (not JSON, a missing or mistyped field, min > value > max, a ratio without a baseline); the message names the file and line.' },
  STRATA_BENCH_NO_RESULTS: { retryable: false, summary: 'A results file holds no result lines at all (empty, or the run it came from failed before emitting).' },
  STRATA_BENCH_README_MARKERS: { retryable: false, summary: 'README.md lacks the <!-- bench:start --> / <!-- bench:end --> pair, has it twice, or has them in the wrong order; the file is left untouched.' },
  STRATA_BENCH_UNKNOWN_AREA: { retryable: false, summary: 'A scenario named on the command line is not one of the listed areas (AREAS in bench/scenario.ts).' },
  STRATA_BENCH_BAD_OPTION: { retryable: false, summary: 'A command-line value is out of range (a thread count that is not a positive integer, a timeout that is not a positive number, an --only prefix with other characters than scenario names use or that names no area, a soak option out of range).' },
  STRATA_BENCH_SOAK_FAILED: { retryable: false, summary: 'The soak could not go on: its daemon did not become ready, exited on its own, or did not stop cleanly when told to; the message says which and where its log is.' },
} as const satisfies ErrorCatalogue;

export type BenchErrorCode = keyof typeof catalogue;

export const benchError = errorFactory(catalogue);
