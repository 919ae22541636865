// Remote actors' public surface: a member composed of transport, membership and the remote-actor network,
// with remote spawn, watch and ask, the cluster receptionist, singletons and fencing.
export { createClusterMember } from './cluster-member.ts';
export type { ClusterMember, ClusterMemberOptions, BehaviourRegistry } from './cluster-member.ts';
export { ClusterNetwork } from './cluster-network.ts';
export type { ClusterHost, ClusterNetworkStats } from './cluster-network.ts';
export { ClusterReceptionist } from './cluster-receptionist.ts';
export type { ReceptionistHost } from './cluster-receptionist.ts';
export { ClusterSingleton, Fence } from './cluster-singleton.ts';
export type { SingletonEvent, SingletonHost } from './cluster-singleton.ts';
