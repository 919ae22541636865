// The pure parts of membership: φ-accrual on replayed arrival times, the member machine's legal moves, the
// gossiped view as a CRDT (merge in any order converges), the leader's moves, and keep-majority downing.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import {
  PhiAccrualDetector, defaultPhiOptions, memberMachine, merge, digest, leaderOf, leaderActions, hasConvergence, keepMajority,
  emptyState, withMember, withStatus, withReachability, unreachableSet, type GossipState, type MemberStatus,
} from '../../cluster/membership/index.ts';

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

  it('downs the unreachable minority from the majority side', () => {
    expect(keepMajority(up(3), 'a:1#1', new Set(['c:1#1']))).toEqual({ kind: 'down-others', members: ['c:1#1'] });
  });

  it('downs itself on the minority side', () => {
    expect(keepMajority(up(3), 'c:1#1', new Set(['a:1#1', 'b:1#1']))).toEqual({ kind: 'down-self' });
  });

  it('on an exact half keeps the side with the lowest member id', () => {
    const s = up(4);
    expect(keepMajority(s, 'a:1#1', new Set(['c:1#1', 'd:1#1'])).kind).toBe('down-others');
    expect(keepMajority(s, 'c:1#1', new Set(['a:1#1', 'b:1#1'])).kind).toBe('down-self');
  });

  it('does nothing when nobody is unreachable', () => {
    expect(keepMajority(up(3), 'a:1#1', new Set())).toEqual({ kind: 'none' });
  });
});
