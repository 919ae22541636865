// The algorithms area's error catalogue: every expected failure of creating, driving or restoring an
// optimisation algorithm has a code here, with its retryable flag decided once.
import type { ErrorCatalogue } from '../engine-error.ts';
import { errorFactory } from '../engine-error.ts';

export const catalogue = {
  STRATA_ALGORITHM_UNKNOWN: { retryable: false, summary: 'An algorithm id is not in the registry; the message lists the known ids.' },
  STRATA_ALGORITHM_INVALID_PARAMS: { retryable: false, summary: 'An algorithm hyperparameter is unknown, of the wrong type or out of its documented range; the message names the key and the value.' },
  STRATA_ALGORITHM_INVALID_SPACE: { retryable: false, summary: 'A search space is malformed (kMin/kMax out of order or out of 1..nStrategies, empty or inverted box, weight bounds inverted, objective count below 1).' },
  STRATA_ALGORITHM_UNSUPPORTED_SPACE: { retryable: false, summary: 'The algorithm cannot search this kind of space (for example the quantum-inspired algorithm on a continuous box, or grid search asked for a single point per box dimension).' },
  STRATA_ALGORITHM_PROTOCOL: { retryable: false, summary: 'ask/tell used out of order: ask() while a batch is still awaiting tell(), or tell() with a different number of candidates or evaluations than the last ask() returned.' },
  STRATA_ALGORITHM_INVALID_EVALUATION: { retryable: false, summary: 'An evaluation given to tell() has the wrong number of objectives, a NaN objective or a negative or NaN violation.' },
  STRATA_ALGORITHM_INVALID_STATE: { retryable: false, summary: 'A checkpointed state given to create() is not a state of this algorithm (other id or format version, missing fields) or was taken on another search space.' },
  STRATA_ALGORITHM_INVALID_OPTIONS: { retryable: false, summary: 'create() options are invalid: a non-integer seed, a budget below 1, or warm-start candidates given to an algorithm that does not take them or outside the space.' },
} as const satisfies ErrorCatalogue;

export const algorithmError = errorFactory(catalogue);
