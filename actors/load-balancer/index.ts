// actors/load-balancer: partition-aware routing over node-proxies: policies, retries, scatter-gather,
// replicated writes with hints, checksum catch-up and rebalancing on a new node.
export { PROTOCOL } from './messages.ts';
export type { ClusterStatus, LbCommand, LbMessage, LbReply, NodeStatus, StoreClusterEvent } from './messages.ts';
export { distrustMessage, HINTS_NAMESPACE, loadBalancerBehaviour, PLACEMENT_NAMESPACE } from './actor.ts';
export type { PersistedPlacement } from './actor.ts';
export { PARTITIONS_MARKER } from './messages.ts';
export type { LoadBalancerOptions, ResolvedNode } from './actor.ts';
export { memberMachine } from './machine.ts';
export type { MemberEvent, MemberPhase } from './machine.ts';
export { createPolicyState, nextEwma, pickReplica, POLICIES } from './policies.ts';
export type { BalancingPolicy, PolicyState, ReplicaLoad } from './policies.ts';
export { PartitionGate, KV_GATE } from './partition-gate.ts';
export { selectRows, rowsByKey } from './batch-rows.ts';
export { catalogue, loadBalancerError } from './errors.ts';
export type { LoadBalancerErrorCode } from './errors.ts';
