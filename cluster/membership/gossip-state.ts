// The membership view that members gossip: a state-based CRDT, so merging in any order converges on one
// view. Statuses only move forward (joining < up < leaving < down < removed; removed entries stay as
// tombstones so stale gossip cannot resurrect a member); reachability records are written only by their
// observer and merge by the observer's version. A digest of the view tells who has seen what.
import { createHash } from 'node:crypto';
import type { MemberStatus } from './member-machine.ts';

export interface MemberRecord {
  readonly id: string;
  readonly status: MemberStatus;
  /** assigned by the leader when the member becomes up: member age, for the singleton's "oldest" (0 before) */
  readonly upNumber: number;
}

export interface ReachabilityRecord {
  readonly unreachable: boolean;
  readonly version: number;
}

export interface GossipState {
  readonly members: Readonly<Record<string, MemberRecord>>;
  /** key `${observer}>${subject}` */
  readonly reachability: Readonly<Record<string, ReachabilityRecord>>;
}

const rank: Record<MemberStatus, number> = { joining: 0, up: 1, leaving: 2, down: 3, removed: 4 };

export const emptyState: GossipState = { members: {}, reachability: {} };

export function isGone(status: MemberStatus): boolean {
  return status === 'down' || status === 'removed';
}

function mergeMember(a: MemberRecord | undefined, b: MemberRecord | undefined): MemberRecord {
  if (a === undefined) return b!;
  if (b === undefined) return a;
  const status = rank[a.status] >= rank[b.status] ? a.status : b.status;
  const upNumber = a.upNumber === 0 ? b.upNumber : b.upNumber === 0 ? a.upNumber : Math.min(a.upNumber, b.upNumber);
  return status === a.status && upNumber === a.upNumber ? a : { id: a.id, status, upNumber };
}

export function merge(a: GossipState, b: GossipState): GossipState {
  const members: Record<string, MemberRecord> = { ...a.members };
  for (const [id, m] of Object.entries(b.members)) members[id] = mergeMember(a.members[id], m);
  const reachability: Record<string, ReachabilityRecord> = { ...a.reachability };
  for (const [key, r] of Object.entries(b.reachability)) {
    const mine = a.reachability[key];
    // only the observer writes its records, so equal versions agree; should they not, unreachable wins (deterministic)
    if (mine === undefined || r.version > mine.version || (r.version === mine.version && r.unreachable && !mine.unreachable)) reachability[key] = r;
  }
  return prune({ members, reachability });
}

/** Drops reachability records whose observer or subject is down or removed (they no longer matter). */
function prune(s: GossipState): GossipState {
  let changed = false;
  const reachability: Record<string, ReachabilityRecord> = {};
  for (const [key, r] of Object.entries(s.reachability)) {
    const [observer, subject] = key.split('>') as [string, string];
    const o = s.members[observer];
    const t = s.members[subject];
    if (o === undefined || t === undefined || isGone(o.status) || isGone(t.status)) changed = true;
    else reachability[key] = r;
  }
  return changed ? { members: s.members, reachability } : s;
}

export function withMember(s: GossipState, m: MemberRecord): GossipState {
  return merge(s, { members: { [m.id]: m }, reachability: {} });
}

export function withStatus(s: GossipState, id: string, status: MemberStatus, upNumber?: number): GossipState {
  const m = s.members[id];
  if (m === undefined) return s;
  return withMember(s, { id, status, upNumber: upNumber ?? m.upNumber });
}

export function withReachability(s: GossipState, observer: string, subject: string, unreachable: boolean): GossipState {
  const o = s.members[observer];
  const t = s.members[subject];
  if (o === undefined || t === undefined || isGone(o.status) || isGone(t.status)) return s;
  const key = `${observer}>${subject}`;
  const mine = s.reachability[key];
  if (mine !== undefined && mine.unreachable === unreachable) return s;
  if (mine === undefined && !unreachable) return s;
  return { members: s.members, reachability: { ...s.reachability, [key]: { unreachable, version: (mine?.version ?? 0) + 1 } } };
}

/** Members some live observer currently sees as unreachable. With `self`: the set as `self` uses it, which never
 *  holds `self` (a member never counts itself unreachable because others report it so; see `reportersOf`). */
export function unreachableSet(s: GossipState, self?: string): Set<string> {
  const out = new Set<string>();
  for (const [key, r] of Object.entries(s.reachability)) {
    if (!r.unreachable) continue;
    const [observer, subject] = key.split('>') as [string, string];
    const o = s.members[observer];
    if (o !== undefined && !isGone(o.status) && subject !== self) out.add(subject);
  }
  return out;
}

/** The members `observer`'s own records mark unreachable: what its own failure detector says, nobody else's. */
export function observedUnreachable(s: GossipState, observer: string): Set<string> {
  const out = new Set<string>();
  const prefix = `${observer}>`;
  for (const [key, r] of Object.entries(s.reachability)) {
    if (r.unreachable && key.startsWith(prefix)) out.add(key.slice(prefix.length));
  }
  return out;
}

/** The live observers whose records mark `subject` unreachable. */
export function reportersOf(s: GossipState, subject: string): Set<string> {
  const out = new Set<string>();
  const suffix = `>${subject}`;
  for (const [key, r] of Object.entries(s.reachability)) {
    if (!r.unreachable || !key.endsWith(suffix)) continue;
    const observer = key.slice(0, key.length - suffix.length);
    const o = s.members[observer];
    if (o !== undefined && !isGone(o.status)) out.add(observer);
  }
  return out;
}

export function digest(s: GossipState): string {
  const ids = Object.keys(s.members).sort();
  const keys = Object.keys(s.reachability).sort();
  const text = JSON.stringify([ids.map((id) => [id, s.members[id]!.status, s.members[id]!.upNumber]), keys.map((k) => [k, s.reachability[k]!.unreachable, s.reachability[k]!.version])]);
  return createHash('sha1').update(text).digest('base64').slice(0, 16);
}

/** Member age order: lower upNumber is older; ties (two leaders racing) broken by id. */
export function olderFirst(a: MemberRecord, b: MemberRecord): number {
  return a.upNumber - b.upNumber || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The leader as seen from this view: the first reachable up/leaving member by id (joining members lead
 *  only a cluster that has no up member yet: the founder promoting itself). */
export function leaderOf(s: GossipState, unreachable: ReadonlySet<string> = unreachableSet(s)): string | null {
  const live = Object.values(s.members).filter((m) => !unreachable.has(m.id));
  const up = live.filter((m) => m.status === 'up' || m.status === 'leaving').map((m) => m.id).sort();
  if (up.length > 0) return up[0]!;
  if (Object.values(s.members).some((m) => m.status === 'up' || m.status === 'leaving')) return null;
  const joining = live.filter((m) => m.status === 'joining').map((m) => m.id).sort();
  return joining[0] ?? null;
}

/** Whether every live, reachable member has reported this view's digest. */
export function hasConvergence(s: GossipState, self: string, myDigest: string, seen: ReadonlyMap<string, string>, unreachable: ReadonlySet<string> = unreachableSet(s)): boolean {
  for (const m of Object.values(s.members)) {
    if (m.id === self || isGone(m.status)) continue;
    if (unreachable.has(m.id)) return false;
    if (seen.get(m.id) !== myDigest) return false;
  }
  return true;
}

/** The leader's moves on a converged view: joining → up (with the next upNumber), leaving → removed,
 *  down → removed. */
export function leaderActions(s: GossipState): GossipState {
  let next = s;
  let maxUp = Math.max(0, ...Object.values(s.members).map((m) => m.upNumber));
  // members promoted together get up numbers in the order they started (the incarnation, a start time), so
  // the member that founded the cluster stays the oldest even when the first joiner arrives before its own
  // promotion; ties by id
  for (const m of Object.values(s.members).sort((a, b) => incarnationOf(a.id) - incarnationOf(b.id) || (a.id < b.id ? -1 : 1))) {
    if (m.status === 'joining') next = withStatus(next, m.id, 'up', ++maxUp);
    else if (m.status === 'leaving' || m.status === 'down') next = withStatus(next, m.id, 'removed');
  }
  return next;
}

function incarnationOf(id: string): number {
  const n = Number(id.slice(id.lastIndexOf('#') + 1));
  return Number.isFinite(n) ? n : 0;
}
