// The pure parts of membership: φ-accrual on replayed arrival times, the member machine's legal moves, the
// gossiped view as a CRDT (merge in any order converges), the leader's moves, and keep-majority downing.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import {
  PhiAccrualDetector, defaultPhiOptions, memberMachine, merge, digest, leaderOf, leaderActions, hasConvergence, keepMajority, hasMajority, sideOf, downableBy,
  Membership, emptyState, withMember, withStatus, withReachability, unreachableSet, type GossipState, type MemberStatus,
} from '../../cluster/membership/index.ts';
import { ClusterSingleton, type SingletonEvent, type SingletonHost } from '../../cluster/remote/cluster-singleton.ts';
import type { Transport } from '../../cluster/transport/transport.ts';
import type { AnyActorRef } from '../../runtime/actor-ref.ts';
import { logSink } from './support.ts';

describe('φ-accrual failure detector', () => {
  it('stays calm with regular heartbeats and suspects about 3 s after the last one with the defaults', () => {
    const d = new PhiAccrualDetector(defaultPhiOptions);
    let t = 0;
    for (let i = 0; i < 40; i++) d.heartbeat((t += 500));
    expect(d.phi(t + 500)).toBeLessThan(1);
    expect(d.isAvailable(t + 2_000)).toBe(true);
    // find when φ crosses 8
    let at = t;
    while (d.isAvailable(at)) at += 10;
    expect(at - t).toBeGreaterThan(2_500);
    expect(at - t).toBeLessThan(3_100);
  });

  it('tolerates a pause up to the acceptable pause after a jittery history', () => {
    const d = new PhiAccrualDetector({ ...defaultPhiOptions, acceptableHeartbeatPauseMs: 1_000 });
    let t = 0;
    for (let i = 0; i < 50; i++) d.heartbeat((t += 400 + (i % 5) * 50));
    expect(d.isAvailable(t + 1_200)).toBe(true);
    expect(d.isAvailable(t + 5_000)).toBe(false);
  });
});

describe('member machine', () => {
  const run = (events: string[]) => {
    const a = createActor(memberMachine).start();
    for (const type of events) a.send({ type } as never);
    return a.getSnapshot().value;
  };

  it('walks joining → up → leaving → removed', () => {
    expect(run(['member.promoted', 'member.leaving', 'member.removed'])).toBe('removed');
  });

  it('returns from unreachable to the status underneath, which gossip may have moved meanwhile', () => {
    expect(run(['member.promoted', 'member.unreachable', 'member.reachable'])).toBe('up');
    expect(run(['member.unreachable', 'member.promoted', 'member.reachable'])).toBe('up');
    expect(run(['member.promoted', 'member.unreachable', 'member.leaving', 'member.reachable'])).toBe('leaving');
  });

  it('never resurrects a down member', () => {
    expect(run(['member.promoted', 'member.downed', 'member.reachable', 'member.promoted'])).toBe('down');
    expect(run(['member.promoted', 'member.unreachable', 'member.downed', 'member.removed', 'member.promoted'])).toBe('removed');
  });

  it('does not remove an up member without it leaving or being downed', () => {
    expect(run(['member.promoted', 'member.removed'])).toBe('up');
  });
});

const statuses: MemberStatus[] = ['joining', 'up', 'leaving', 'down', 'removed'];
const ids = ['a:1#1', 'b:1#1', 'c:1#1', 'd:1#1'];

describe('gossiped view', () => {
  const update = fc.oneof(
    fc.record({ kind: fc.constant('status' as const), id: fc.constantFrom(...ids), status: fc.constantFrom(...statuses), up: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant('reach' as const), observer: fc.constantFrom(...ids), subject: fc.constantFrom(...ids), unreachable: fc.boolean() }),
  );
  const apply = (s: GossipState, u: fc.Arbitrary<unknown> extends never ? never : { kind: 'status'; id: string; status: MemberStatus; up: number } | { kind: 'reach'; observer: string; subject: string; unreachable: boolean }): GossipState =>
    u.kind === 'status' ? withMember(s, { id: u.id, status: u.status, upNumber: u.up }) : withReachability(s, u.observer, u.subject, u.unreachable);

  it('converges whatever order views are merged in (commutative, associative, idempotent)', () => {
    fc.assert(
      fc.property(fc.array(update, { maxLength: 8 }), fc.array(update, { maxLength: 8 }), fc.array(update, { maxLength: 8 }), (ua, ub, uc) => {
        const base = ids.reduce((s, id) => withMember(s, { id, status: 'joining', upNumber: 0 }), emptyState);
        const [a, b, c] = [ua, ub, uc].map((us) => us.reduce(apply, base)) as [GossipState, GossipState, GossipState];
        expect(digest(merge(a, b))).toBe(digest(merge(b, a)));
        expect(digest(merge(merge(a, b), c))).toBe(digest(merge(a, merge(b, c))));
        expect(digest(merge(a, a))).toBe(digest(a));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps statuses moving forward only', () => {
    const s = withMember(withMember(emptyState, { id: 'a:1#1', status: 'down', upNumber: 1 }), { id: 'a:1#1', status: 'up', upNumber: 1 });
    expect(s.members['a:1#1']!.status).toBe('down');
  });

  it('lets the founder promote itself, then promotes joiners with increasing up numbers on convergence', () => {
    let s = withMember(emptyState, { id: 'b:1#1', status: 'joining', upNumber: 0 });
    expect(leaderOf(s)).toBe('b:1#1');
    s = leaderActions(s);
    expect(s.members['b:1#1']).toEqual({ id: 'b:1#1', status: 'up', upNumber: 1 });
    s = withMember(withMember(s, { id: 'a:1#1', status: 'joining', upNumber: 0 }), { id: 'c:1#1', status: 'joining', upNumber: 0 });
    // the leader is an up member, even though a joining one sorts first
    expect(leaderOf(s)).toBe('b:1#1');
    const d = digest(s);
    expect(hasConvergence(s, 'b:1#1', d, new Map([['a:1#1', d]]))).toBe(false);
    expect(hasConvergence(s, 'b:1#1', d, new Map([['a:1#1', d], ['c:1#1', d]]))).toBe(true);
    s = leaderActions(s);
    expect([s.members['a:1#1']!.upNumber, s.members['c:1#1']!.upNumber]).toEqual([2, 3]);
  });

  it('promotes members that join together in the order they started (incarnation), so a founder stays oldest', () => {
    // the founder (started first, higher port) and a joiner that arrived before the founder's own promotion
    let s = withMember(emptyState, { id: '127.0.0.1:9000#100', status: 'joining', upNumber: 0 });
    s = withMember(s, { id: '127.0.0.1:1000#200', status: 'joining', upNumber: 0 });
    s = leaderActions(s);
    expect(s.members['127.0.0.1:9000#100']!.upNumber).toBe(1);
    expect(s.members['127.0.0.1:1000#200']!.upNumber).toBe(2);
  });

  it('does not converge while a live member is unreachable, and ignores the opinions of down observers', () => {
    let s = ids.slice(0, 3).reduce((acc, id, i) => withMember(acc, { id, status: 'up', upNumber: i + 1 }), emptyState);
    s = withReachability(s, 'a:1#1', 'c:1#1', true);
    expect([...unreachableSet(s)]).toEqual(['c:1#1']);
    const d = digest(s);
    expect(hasConvergence(s, 'a:1#1', d, new Map([['b:1#1', d], ['c:1#1', d]]))).toBe(false);
    s = withStatus(s, 'a:1#1', 'down');
    expect(unreachableSet(s).size).toBe(0);
  });
});

describe('keep-majority downing', () => {
  const up = (n: number) => ids.slice(0, n).reduce((s, id, i) => withMember(s, { id, status: 'up', upNumber: i + 1 }), emptyState);
  /** `observer`'s own failure detector marks each of `subjects` unreachable */
  const suspects = (s: GossipState, observer: string, ...subjects: string[]) => subjects.reduce((acc, subject) => withReachability(acc, observer, subject, true), s);
  const [a, b, c, d] = ids as [string, string, string, string];

  it('downs the unreachable minority from the majority side', () => {
    expect(keepMajority(suspects(up(3), a, c), a)).toEqual({ kind: 'down-others', members: [c] });
  });

  it('downs itself on the minority side', () => {
    expect(keepMajority(suspects(up(3), c, a, b), c)).toEqual({ kind: 'down-self' });
  });

  it('on an exact half keeps the side with the lowest member id', () => {
    expect(keepMajority(suspects(up(4), a, c, d), a).kind).toBe('down-others');
    expect(keepMajority(suspects(up(4), c, a, b), c).kind).toBe('down-self');
  });

  it('does nothing when nobody is unreachable', () => {
    expect(keepMajority(up(3), a)).toEqual({ kind: 'none' });
  });

  it('counts what the member observes itself, not what others observe of a third member', () => {
    // b suspects c, a does not (yet): a's side is still all three
    const s = suspects(up(3), b, c);
    expect([...sideOf(s, a)].sort()).toEqual([a, b, c]);
    expect(keepMajority(s, a)).toEqual({ kind: 'none' });
    expect(keepMajority(s, b)).toEqual({ kind: 'down-others', members: [c] });
  });

  it('stale suspicion from a member that was cut off: the member that reaches a majority keeps it, and never sees itself unreachable', () => {
    // a's own view during the cut: a (and b) suspect c
    const mine = suspects(suspects(up(3), a, c), b, c);
    // c's view during the cut: c suspects both a and b; its first gossip after healing still carries that
    const fromC = suspects(up(3), c, a, b);
    const merged = merge(mine, fromC);
    // everybody is suspected by somebody …
    expect([...unreachableSet(merged)].sort()).toEqual([a, b, c]);
    // … but a never counts itself, and its majority rests on what a observes (and b agrees with)
    expect([...unreachableSet(merged, a)].sort()).toEqual([b, c]);
    expect([...sideOf(merged, a)].sort()).toEqual([a, b]);
    expect(hasMajority(merged, a)).toBe(true);
    expect(hasMajority(merged, b)).toBe(true);
    expect(keepMajority(merged, a)).toEqual({ kind: 'down-others', members: [c] });
    // c's own records put it alone: it could down nobody, so it is no threat to a's singleton
    expect(hasMajority(merged, c)).toBe(false);
    expect(downableBy(merged, a)).toEqual([]);
    // the same when c's next update has already cleared its suspicion of b, or of both
    const partly = merge(merged, withReachability(fromC, c, b, false));
    expect(hasMajority(partly, a)).toBe(true);
    expect(downableBy(partly, a)).toEqual([]);
    const cleared = merge(partly, withReachability(withReachability(fromC, c, b, false), c, a, false));
    expect(hasMajority(cleared, a)).toBe(true);
  });

  it('a member that others cannot hear (its outbound is cut) finds itself in the minority by agreement, though it hears them all', () => {
    // b and c do not hear a; a hears both and gets their gossip
    const s = suspects(suspects(up(3), b, a), c, a);
    expect([...sideOf(s, a)]).toEqual([a]);
    expect(hasMajority(s, a)).toBe(false);
    expect(keepMajority(s, a)).toEqual({ kind: 'down-self' });
    expect(keepMajority(s, b)).toEqual({ kind: 'down-others', members: [a] });
    expect(downableBy(s, a)).toEqual([b]);
  });

  it('an asymmetric cut (a ⇹ c, b reaches both): one member is downed, and a singleton on it stops at once', () => {
    const s = suspects(suspects(up(3), a, c), c, a);
    expect(hasMajority(s, a)).toBe(true);
    expect(hasMajority(s, c)).toBe(true);
    // b sees nobody unreachable itself and downs nobody; a leads its side and downs c; c does not lead its side
    expect(keepMajority(s, b)).toEqual({ kind: 'none' });
    expect(leaderOf(s, unreachableSet(s, a))).toBe(a);
    expect(keepMajority(s, a)).toEqual({ kind: 'down-others', members: [c] });
    expect(leaderOf(s, unreachableSet(s, c))).toBe(b);
    // c may be downed by a: were c the singleton holder, it would stop now rather than after it learns of its downing
    expect(downableBy(s, c)).toEqual([a]);
    expect(downableBy(s, a)).toEqual([]);
  });
});

describe('membership merging gossip (in process, no links)', () => {
  const [a, b, c] = ids as [string, string, string];
  const fakeTransport = (id: string) => {
    const sent: { to: string; op: string }[] = [];
    const t = { id, logger: logSink('warn').logger, sendControl: (to: string, m: { op: string }) => void sent.push({ to, op: m.op }), connect: () => {}, forget: () => {} };
    return t as unknown as Transport;
  };
  const up3 = ids.slice(0, 3).reduce((s, id, i) => withMember(s, { id, status: 'up', upNumber: i + 1 }), emptyState);

  it('a founder is up at once with up number 1, so a joiner that started earlier never ranks older', async () => {
    // ids carry the start time as incarnation: this joiner started before the founder
    const founder = '127.0.0.1:7301#2000';
    const joiner = '127.0.0.1:7302#1000';
    const m = new Membership(fakeTransport(founder), { seeds: [] });
    try {
      await m.start();
      // before any leader tick: the founder is the whole cluster, and up
      expect(m.members().map((v) => [v.id, v.status, v.upNumber])).toEqual([[founder, 'up', 1]]);
      expect(m.leader).toBe(founder);
      m.handle(joiner, { op: 'join' });
      const rec = m.members().find((v) => v.id === joiner)!;
      expect(rec.status).toBe('joining');
      expect(m.members().find((v) => v.id === founder)!.upNumber).toBe(1);
    } finally {
      m.stop();
    }
  });

  it('a member receiving gossip in which another member marks it (and a third) unreachable still sees itself reachable, keeps the majority and its singleton', () => {
    const m = new Membership(fakeTransport(a), { seeds: [] });
    const events: SingletonEvent[] = [];
    const host: SingletonHost = { spawn: () => ({}) as AnyActorRef, stop: () => {}, resolve: () => ({}) as AnyActorRef };
    try {
      // b's gossip: three up members, and a's own suspicion of c from during the cut
      m.handle(b, { op: 'gossip', s: withReachability(up3, a, c, true), d: 'from-b' });
      const singleton = new ClusterSingleton('s', () => ({}) as never, m, host, (e) => events.push(e));
      try {
        expect(events.map((e) => e.type)).toEqual(['singleton.started']);
        // c's first gossip after healing: c still suspects a and b
        m.handle(c, { op: 'gossip', s: withReachability(withReachability(up3, c, a, true), c, b, true), d: 'from-c' });
        expect([...unreachableSet(m.state)].sort()).toEqual([a, b, c]); // the merged records
        expect(m.members().find((v) => v.id === a)!.state).toBe('up');
        expect([...m.unreachable()].sort()).toEqual([b, c]);
        expect(m.hasMajority()).toBe(true);
        expect(m.downableBy()).toEqual([]);
        singleton.evaluate();
        expect(events.map((e) => e.type)).toEqual(['singleton.started']);
      } finally {
        singleton.stop();
      }
    } finally {
      m.stop();
    }
  });
});
