// Membership of one member: joins through seeds, gossips the view, heartbeats every peer and judges them
// with φ-accrual detectors, lets the leader move members on a converged view, and applies keep-majority
// downing after the stable window. A member that finds itself down (told by the others, or on the minority
// side) stops and reports it: it must come back as a new incarnation.
import { createActor, type Actor } from 'xstate';
import type { Logger } from 'pino';
import { clusterError } from '../errors.ts';
import type { ControlMessage, Transport } from '../transport/transport.ts';
import { endpointOfId } from '../transport/member-id.ts';
import { downableBy, hasMajority, keepMajority } from './downing.ts';
import {
  digest, emptyState, hasConvergence, isGone, leaderActions, leaderOf, merge, olderFirst, reportersOf, unreachableSet, withMember, withReachability, withStatus,
  type GossipState, type MemberRecord,
} from './gossip-state.ts';
import { memberMachine, type MemberEvent, type MemberState } from './member-machine.ts';
import { PhiAccrualDetector, defaultPhiOptions, type PhiOptions } from './phi-accrual.ts';

export interface MembershipOptions {
  /** seed endpoints (host:port); empty: this member founds the cluster */
  readonly seeds: readonly string[];
  readonly heartbeatIntervalMs?: number;
  readonly phi?: Partial<PhiOptions>;
  readonly gossipIntervalMs?: number;
  /** how often the failure detectors and the downing rule are evaluated */
  readonly reaperIntervalMs?: number;
  /** how long the unreachable set must stay the same before keep-majority acts */
  readonly stableAfterMs?: number;
  /** the first seed founds the cluster when no other seed answers within this */
  readonly seedTimeoutMs?: number;
  /** give up joining (STRATA_CLUSTER_JOIN_FAILED) after this */
  readonly joinTimeoutMs?: number;
  readonly now?: () => number;
}

export const defaultMembershipSettings = {
  heartbeatIntervalMs: 500,
  gossipIntervalMs: 200,
  reaperIntervalMs: 100,
  stableAfterMs: 1_000,
  seedTimeoutMs: 2_000,
  joinTimeoutMs: 30_000,
};

export interface MemberView {
  readonly id: string;
  readonly state: MemberState;
  readonly status: MemberRecord['status'];
  readonly upNumber: number;
}

export type MembershipEvent =
  | { readonly type: 'member.changed'; readonly member: MemberView; readonly previous: MemberState | null }
  | { readonly type: 'leader.changed'; readonly leader: string | null }
  /** this member is out (downed by the cluster, by itself on a minority side, or removed after leaving) */
  | { readonly type: 'self.stopped'; readonly reason: 'downed' | 'removed'; readonly code: string };

export class Membership {
  readonly #t: Transport;
  readonly #logger: Logger;
  readonly #self: string;
  readonly #seeds: string[];
  readonly #o: typeof defaultMembershipSettings;
  readonly #phi: PhiOptions;
  readonly #now: () => number;
  #state: GossipState = emptyState;
  #digest = digest(emptyState);
  readonly #seen = new Map<string, string>();
  readonly #detectors = new Map<string, PhiAccrualDetector>();
  readonly #machines = new Map<string, Actor<typeof memberMachine>>();
  readonly #listeners = new Set<(e: MembershipEvent) => void>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #joinTimer: ReturnType<typeof setTimeout> | null = null;
  #joined = false;
  #stopped = false;
  #leader: string | null = null;
  #unreachableKey = '';
  #stableSince = 0;
  #startedAt = 0;
  #dirty = false;
  #joinResolve: (() => void) | null = null;

  constructor(transport: Transport, options: MembershipOptions) {
    this.#t = transport;
    this.#logger = transport.logger.child({ component: 'membership' });
    this.#self = transport.id;
    if (this.#self === '') throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', 'the transport must listen before membership starts', { option: 'transport' });
    const { seeds, phi, now } = options;
    this.#seeds = seeds.map((s) => endpointOfId(s)).filter((s) => s !== endpointOfId(this.#self));
    const o: Record<string, number> = { ...defaultMembershipSettings };
    for (const k of Object.keys(defaultMembershipSettings)) {
      const v = (options as unknown as Record<string, unknown>)[k];
      if (v !== undefined) o[k] = v as number;
    }
    this.#o = o as typeof defaultMembershipSettings;
    this.#phi = { ...defaultPhiOptions, firstHeartbeatEstimateMs: this.#o.heartbeatIntervalMs, ...phi };
    this.#now = now ?? Date.now;
    for (const [k, v] of Object.entries(this.#o)) {
      if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', `membership option ${k} must be a positive number, got ${String(v)}`, { option: k, value: String(v) });
    }
    // the first configured seed founds the cluster if no other seed answers in time (Akka's rule)
    this.#foundsIfAlone = seeds.length === 0 || endpointOfId(seeds[0]!) === endpointOfId(this.#self);
  }

  readonly #foundsIfAlone: boolean;

  get self(): string {
    return this.#self;
  }

  get state(): GossipState {
    return this.#state;
  }

  get leader(): string | null {
    return this.#leader;
  }

  get isStopped(): boolean {
    return this.#stopped;
  }

  subscribe(fn: (e: MembershipEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(e: MembershipEvent): void {
    for (const fn of this.#listeners) fn(e);
  }

  /** The local view: every member known, with its machine's state. */
  members(): MemberView[] {
    return Object.values(this.#state.members).map((m) => this.#view(m));
  }

  #view(m: MemberRecord): MemberView {
    const machine = this.#machines.get(m.id);
    return { id: m.id, status: m.status, upNumber: m.upNumber, state: (machine?.getSnapshot().value as MemberState | undefined) ?? m.status };
  }

  /** Up members by age, oldest first (the singleton's candidates). */
  upMembersByAge(): MemberRecord[] {
    return Object.values(this.#state.members).filter((m) => m.status === 'up').sort(olderFirst);
  }

  /** The members some live observer sees as unreachable, never this member itself (that others report it so
   *  counts through `hasMajority` and `downableBy`, by their rule, not as this member being unreachable). */
  unreachable(): Set<string> {
    return unreachableSet(this.#state, this.#self);
  }

  /** Whether this member's side of the cluster holds a majority now, by what it observes itself plus agreement
   *  (`sideOf` in downing.ts; false: it must not act as a singleton). */
  hasMajority(): boolean {
    return hasMajority(this.#state, this.#self);
  }

  /** Members that report this one unreachable and, by this view, could down it (`downableBy` in downing.ts). */
  downableBy(): string[] {
    return downableBy(this.#state, this.#self);
  }

  /** Handles a control message for membership; returns false when it is not one. */
  handle(from: string, m: ControlMessage): boolean {
    switch (m.op) {
      case 'hb':
        if (this.#stopped) return true;
        this.#detectors.get(from)?.heartbeat(this.#now());
        if (typeof m['d'] === 'string') this.#seen.set(from, m['d']);
        return true;
      case 'join':
        this.#onJoin(from);
        return true;
      case 'gossip':
        this.#onGossip(from, m['s'], m['d']);
        return true;
      default:
        return false;
    }
  }

  /** Starts joining; resolves once this member is in a cluster view (joining or up). */
  start(): Promise<void> {
    this.#startedAt = this.#now();
    this.#stableSince = this.#startedAt;
    this.#timers.push(setInterval(() => this.#heartbeat(), this.#o.heartbeatIntervalMs));
    this.#timers.push(setInterval(() => this.#gossipRound(), this.#o.gossipIntervalMs));
    this.#timers.push(setInterval(() => this.#reap(), this.#o.reaperIntervalMs));
    for (const t of this.#timers) t.unref?.();
    return new Promise<void>((resolve, reject) => {
      this.#joinResolve = resolve;
      if (this.#seeds.length === 0) {
        this.#found();
        return;
      }
      const tryJoin = () => {
        if (this.#joined || this.#stopped) return;
        for (const s of this.#seeds) this.#t.sendControl(s, { op: 'join' });
        if (this.#foundsIfAlone && this.#now() - this.#startedAt >= this.#o.seedTimeoutMs) {
          this.#logger.info({ member: this.#self }, 'no other seed answered: this member founds the cluster');
          this.#found();
          return;
        }
        if (this.#now() - this.#startedAt >= this.#o.joinTimeoutMs) {
          reject(clusterError('STRATA_CLUSTER_JOIN_FAILED', `no seed of ${this.#seeds.join(', ')} accepted the join within ${this.#o.joinTimeoutMs} ms`, { seeds: this.#seeds }));
          return;
        }
        this.#joinTimer = setTimeout(tryJoin, Math.min(500, this.#o.seedTimeoutMs / 2));
      };
      tryJoin();
    });
  }

  #found(): void {
    let next = withMember(this.#state, { id: this.#self, status: 'joining', upNumber: 0 });
    // Alone, this member is the whole cluster and its leader: it is up at once rather than at the next leader
    // tick, so the founder is always the oldest member (the singleton's holder), even when others join within
    // that tick and would otherwise be promoted with it in the order of their start times.
    const others = Object.values(next.members).some((m) => m.id !== this.#self && !isGone(m.status));
    if (!others) next = withStatus(next, this.#self, 'up', 1 + Math.max(0, ...Object.values(next.members).map((m) => m.upNumber)));
    this.#update(next);
    this.#markJoined();
  }

  #markJoined(): void {
    if (this.#joined) return;
    this.#joined = true;
    if (this.#joinTimer) clearTimeout(this.#joinTimer);
    this.#joinResolve?.();
    this.#joinResolve = null;
  }

  #onJoin(from: string): void {
    if (this.#stopped || !this.#joined) return;
    const known = this.#state.members[from];
    if (known === undefined) {
      let next = withMember(this.#state, { id: from, status: 'joining', upNumber: 0 });
      // a new incarnation at the same endpoint replaces the old one: the old one is down
      for (const m of Object.values(next.members)) {
        if (m.id !== from && endpointOfId(m.id) === endpointOfId(from) && !isGone(m.status)) {
          this.#logger.info({ member: m.id, by: from }, `member ${m.id} is replaced by its new incarnation ${from}: downing it`);
          next = withStatus(next, m.id, 'down');
        }
      }
      this.#update(next);
      this.#logger.info({ member: from }, `member ${from} is joining`);
    }
    this.#t.sendControl(from, { op: 'gossip', s: this.#state, d: this.#digest });
  }

  #onGossip(from: string, s: unknown, d: unknown): void {
    if (this.#stopped) return;
    if (!isGossipState(s)) {
      this.#logger.warn({ peer: from }, `gossip from ${from} is not a membership view; dropped`);
      return;
    }
    if (typeof d === 'string') this.#seen.set(from, d);
    if (!this.#joined) {
      if (s.members[this.#self] === undefined) return; // not admitted yet
      this.#markJoined();
    }
    this.#update(merge(this.#state, s));
  }

  #update(next: GossipState): void {
    if (next === this.#state) return;
    this.#state = next;
    const d = digest(next);
    if (d === this.#digest) return;
    this.#digest = d;
    this.#dirty = true;
    this.#syncMachines();
  }

  #syncMachines(): void {
    // a member never counts itself unreachable: others' suspicion of it is theirs (see downing.ts)
    const unreachable = unreachableSet(this.#state, this.#self);
    for (const m of Object.values(this.#state.members)) {
      if (this.#stopped) return;
      let machine = this.#machines.get(m.id);
      const before = (machine?.getSnapshot().value as MemberState | undefined) ?? null;
      if (machine === undefined) {
        machine = createActor(memberMachine).start();
        this.#machines.set(m.id, machine);
        if (m.id !== this.#self) {
          this.#detectors.set(m.id, this.#newDetector());
          this.#t.connect(m.id);
        }
      }
      const events: MemberEvent[] = [];
      if (m.status === 'up') events.push({ type: 'member.promoted' });
      if (m.status === 'leaving') events.push({ type: 'member.promoted' }, { type: 'member.leaving' });
      if (m.status === 'down') events.push({ type: 'member.downed' });
      if (m.status === 'removed') events.push({ type: 'member.downed' }, { type: 'member.removed' });
      if (!isGone(m.status)) events.push({ type: unreachable.has(m.id) ? 'member.unreachable' : 'member.reachable' });
      if (m.status === 'removed' && before !== 'down' && before !== 'unreachable') events.splice(0, events.length, { type: 'member.leaving' }, { type: 'member.removed' });
      for (const e of events) machine.send(e);
      const after = machine.getSnapshot().value as MemberState;
      if (after !== before) {
        this.#logger.info({ member: m.id, from: before, to: after }, `member ${m.id}: ${before ?? 'new'} → ${after}`);
        this.#emit({ type: 'member.changed', member: this.#view(m), previous: before });
        if (after === 'down' || after === 'removed') this.#memberGone(m.id, after);
      }
    }
    const leader = leaderOf(this.#state, unreachable);
    if (leader !== this.#leader) {
      this.#leader = leader;
      this.#emit({ type: 'leader.changed', leader });
    }
  }

  #newDetector(): PhiAccrualDetector {
    const d = new PhiAccrualDetector(this.#phi);
    // monitoring starts now: a member that never sends a heartbeat is suspected like one that stopped
    d.heartbeat(this.#now());
    return d;
  }

  #memberGone(id: string, state: 'down' | 'removed'): void {
    if (id === this.#self) {
      if (state === 'removed') {
        // a leaving leader removes itself: tell the others it is gone (not merely unreachable, which would
        // count against them in keep-majority), and give the frames a moment before the links close
        for (const m of Object.values(this.#state.members)) if (m.id !== this.#self) this.#t.sendControl(m.id, { op: 'gossip', s: this.#state, d: this.#digest });
        setTimeout(() => this.#stopSelf('removed'), 200).unref?.();
        return;
      }
      this.#stopSelf('downed');
      return;
    }
    this.#detectors.delete(id);
    this.#seen.delete(id);
    if (state === 'removed') {
      // tell it once more (it may learn it was downed), then close the link
      this.#t.sendControl(id, { op: 'gossip', s: this.#state, d: this.#digest });
      setTimeout(() => this.#t.forget(id, clusterError('STRATA_CLUSTER_MEMBER_DOWN', `member ${id} was removed from the cluster`, { member: id }).toData()), 200).unref?.();
    }
  }

  #stopSelf(reason: 'downed' | 'removed'): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const code = reason === 'downed' ? 'STRATA_CLUSTER_SELF_DOWNED' : 'STRATA_CLUSTER_MEMBER_DOWN';
    if (reason === 'downed') this.#logger.warn({ member: this.#self, code }, `this member ${this.#self} is down: stopping (restart it to rejoin as a new incarnation)`);
    else this.#logger.info({ member: this.#self }, `this member ${this.#self} left the cluster`);
    this.stop();
    this.#emit({ type: 'self.stopped', reason, code });
  }

  #heartbeat(): void {
    if (this.#stopped || !this.#joined) return;
    for (const m of Object.values(this.#state.members)) {
      if (m.id !== this.#self && !isGone(m.status)) this.#t.sendControl(m.id, { op: 'hb', d: this.#digest });
    }
  }

  #gossipRound(): void {
    if (this.#stopped || !this.#joined) return;
    const self = this.#state.members[this.#self];
    if (self === undefined || isGone(self.status)) return;
    for (const m of Object.values(this.#state.members)) {
      if (m.id === this.#self || isGone(m.status)) continue;
      if (this.#dirty || this.#seen.get(m.id) !== this.#digest) this.#t.sendControl(m.id, { op: 'gossip', s: this.#state, d: this.#digest });
    }
    this.#dirty = false;
  }

  #reap(): void {
    if (this.#stopped || !this.#joined) return;
    const now = this.#now();
    let next = this.#state;
    for (const [id, detector] of this.#detectors) {
      const m = next.members[id];
      if (m === undefined || isGone(m.status)) continue;
      next = withReachability(next, this.#self, id, !detector.isAvailable(now));
    }
    this.#update(next);
    const unreachable = unreachableSet(this.#state, this.#self);
    const against = reportersOf(this.#state, this.#self);
    const key = [...unreachable].sort().join(',') + '|' + [...against].sort().join(',') + '|' + Object.values(this.#state.members).filter((m) => isGone(m.status)).length;
    if (key !== this.#unreachableKey) {
      this.#unreachableKey = key;
      this.#stableSince = now;
    }
    // downing: a decision taken on a stable view only
    if ((unreachable.size > 0 || against.size > 0) && now - this.#stableSince >= this.#o.stableAfterMs) {
      const decision = keepMajority(this.#state, this.#self);
      if (decision.kind === 'down-self') {
        this.#logger.warn({ member: this.#self, unreachable: [...unreachable], reportedBy: [...against] }, 'keep-majority: this side of the cluster is the minority; downing this member');
        this.#update(withStatus(this.#state, this.#self, 'down'));
        return;
      }
      if (decision.kind === 'down-others' && this.#leader === this.#self) {
        let downed = this.#state;
        for (const id of decision.members) downed = withStatus(downed, id, 'down');
        this.#logger.warn({ members: decision.members }, `keep-majority: downing unreachable member(s) ${decision.members.join(', ')}`);
        this.#update(downed);
      }
    }
    // leader actions need every live member to have seen this view, and nobody suspected by anybody (this member
    // included: convergence stays conservative)
    if (this.#leader === this.#self && hasConvergence(this.#state, this.#self, this.#digest, this.#seen, unreachableSet(this.#state))) {
      this.#update(leaderActions(this.#state));
    }
  }

  /** Leaves gracefully: leaving → (leader, on convergence) removed → this member stops. */
  leave(): void {
    if (this.#stopped) return;
    this.#update(withStatus(this.#state, this.#self, 'leaving'));
  }

  /** Marks a member down by hand (an operator's decision). */
  down(id: string): void {
    this.#update(withStatus(this.#state, id, 'down'));
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.splice(0)) clearInterval(t);
    if (this.#joinTimer) clearTimeout(this.#joinTimer);
    for (const m of this.#machines.values()) m.stop();
  }
}

function isGossipState(v: unknown): v is GossipState {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  if (s['members'] === null || typeof s['members'] !== 'object' || s['reachability'] === null || typeof s['reachability'] !== 'object') return false;
  for (const [id, m] of Object.entries(s['members'] as Record<string, unknown>)) {
    const r = m as Record<string, unknown> | null;
    if (r === null || typeof r !== 'object' || r['id'] !== id || typeof r['upNumber'] !== 'number' || !['joining', 'up', 'leaving', 'down', 'removed'].includes(r['status'] as string)) return false;
  }
  for (const r of Object.values(s['reachability'] as Record<string, unknown>)) {
    const x = r as Record<string, unknown> | null;
    if (x === null || typeof x !== 'object' || typeof x['unreachable'] !== 'boolean' || typeof x['version'] !== 'number') return false;
  }
  return true;
}
