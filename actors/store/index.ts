// actors/store: the StoreCluster facade over the load-balancer and node-proxy actors (what the daemon, the
// jobs code and ingest use), and the IngestSink that writes through it.
export { createStoreCluster } from './create-store-cluster.ts';
export type {
  BalancingPolicy, BreakerOptions, ClusterHealth, ClusterStatus, NodeHosting, NodeSpec, NodeStatus, QueryOptions, RetryOptions,
  StoreCluster, StoreClusterEvent, StoreClusterOptions,
} from './store-cluster.ts';
export { createStoreClusterSink } from './cluster-sink.ts';
export { distrustMessage, PARTITIONS_MARKER } from '../load-balancer/index.ts';
export { catalogue, storeClusterError } from './errors.ts';
export type { StoreClusterErrorCode } from './errors.ts';
