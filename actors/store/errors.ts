// The store facade's error catalogue: invalid cluster options and use after close. Routing and node failures
// keep their STRATA_LB_… / STRATA_NODE_… / STRATA_STORE_… codes.
import type { ErrorCatalogue } from '../../engine/engine-error.ts';
import { errorFactory } from '../../engine/engine-error.ts';

export const catalogue = {
  STRATA_STORE_CLUSTER_INVALID_OPTIONS: { retryable: false, summary: 'createStoreCluster options are invalid: no nodes, duplicate node names, a replication factor or weight out of range, an unknown policy or hosting, an in-memory node hosted in a child process.' },
  STRATA_STORE_CLUSTER_NOT_READY: { retryable: true, summary: 'A store cluster did not become ready within 60 s: some partition had no serving replica (the message lists each node not serving and its last error).' },
  STRATA_STORE_CLUSTER_CLOSED: { retryable: false, summary: 'The store cluster was used after close().' },
} as const satisfies ErrorCatalogue;

export type StoreClusterErrorCode = keyof typeof catalogue;

export const storeClusterError = errorFactory(catalogue);
