// The node-proxy's error catalogue: failures of reaching a store node through its proxy (the breaker refusing,
// the node's thread or process gone), as opposed to the node's own STRATA_STORE_… errors from engine/store.
import type { ErrorCatalogue } from '../../engine/engine-error.ts';
import { errorFactory } from '../../engine/engine-error.ts';

export const catalogue = {
  STRATA_NODE_BREAKER_OPEN: { retryable: true, summary: 'The node-proxy\'s circuit breaker is open after repeated failures of its store node; the call was refused without reaching the node (another replica may serve it).' },
  STRATA_NODE_HOST_DIED: { retryable: true, summary: 'The worker thread or child process hosting an embedded store node exited or was killed while calls were in flight; the message names the node and the exit code or signal.' },
  STRATA_NODE_HOST_FAILED: { retryable: true, summary: 'The thread or child process for an embedded store node could not be started or did not open its database (the message carries the cause, e.g. a file lock).' },
  STRATA_NODE_PROXY_STOPPED: { retryable: false, summary: 'A call reached a node-proxy that is stopping or stopped (the store cluster is closing).' },
} as const satisfies ErrorCatalogue;

export type NodeProxyErrorCode = keyof typeof catalogue;

export const nodeProxyError = errorFactory(catalogue);
