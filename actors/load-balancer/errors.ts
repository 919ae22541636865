// The load-balancer's error catalogue: routing failures across replicas (no live replica, a write no replica
// acknowledged, retries exhausted) and membership requests it refuses.
import type { ErrorCatalogue } from '../../engine/engine-error.ts';
import { errorFactory } from '../../engine/engine-error.ts';

export const catalogue = {
  STRATA_LB_NO_REPLICA: { retryable: true, summary: 'No live, caught-up replica holds a partition a read needs (every replica is down, open or catching up); the message lists the partitions.' },
  STRATA_LB_WRITE_UNACKNOWLEDGED: { retryable: true, summary: 'A write reached no live replica of a partition, so nothing durable holds it; the message names the partitions. Writes that reach at least one replica succeed and are remembered for the others. A group\'s sync fails with it when no replica of some partition still holds the group\'s rows.' },
  STRATA_LB_RETRIES_EXHAUSTED: { retryable: true, summary: 'A read failed with retryable errors on every replica tried, within the retry budget; carries the last error.' },
  STRATA_LB_NOT_A_READ: { retryable: false, summary: 'query() was given a statement that is not a SELECT/WITH, or append() a table that is not partitioned (writes go through append, deleteStrategies and kvPut so every replica gets them).' },
  STRATA_LB_UNSCOPED_QUERY: { retryable: false, summary: 'A statement reads partitions no single node holds and has no {{partitions}} marker to be scattered by, or names a partition out of range.' },
  STRATA_LB_NODE_EXISTS: { retryable: false, summary: 'addNode was given a node name the cluster already has.' },
  STRATA_LB_NODE_BEHIND: { retryable: false, summary: 'At start, a store node held no placement record, or an older one than the other nodes, or a replicated kv (the ingest journal among it) that differs from theirs: its files are new (lost or deleted), an old copy was put back, or a write reached it and not the others before a crash. It is compared with the other replicas and caught up before it serves reads; reported so an operator sees it (event store.node.distrusted).' },
} as const satisfies ErrorCatalogue;

export type LoadBalancerErrorCode = keyof typeof catalogue;

export const loadBalancerError = errorFactory(catalogue);
