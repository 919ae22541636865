// Membership's public surface: the member machine, the gossiped view, φ-accrual, keep-majority downing.
export { Membership, defaultMembershipSettings } from './membership.ts';
export type { MembershipOptions, MembershipEvent, MemberView } from './membership.ts';
export { memberMachine } from './member-machine.ts';
export type { MemberStatus, MemberState, MemberEvent } from './member-machine.ts';
export { PhiAccrualDetector, defaultPhiOptions, phiOf } from './phi-accrual.ts';
export type { PhiOptions } from './phi-accrual.ts';
export { merge, digest, leaderOf, leaderActions, hasConvergence, unreachableSet, observedUnreachable, reportersOf, olderFirst, emptyState, withMember, withStatus, withReachability } from './gossip-state.ts';
export type { GossipState, MemberRecord, ReachabilityRecord } from './gossip-state.ts';
export { keepMajority, hasMajority, sideOf, downableBy } from './downing.ts';
export type { DowningDecision } from './downing.ts';
