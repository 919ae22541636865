// Several real member processes on 127.0.0.1: joining and converging, remote spawn, ask, watch and the
// cluster receptionist across processes, kill -9 (detected, downed, watchers told, singleton moves, rejoin as a
// new incarnation), a partition (by the transport's fault injection: the minority downs itself, the majority
// goes on, and the cluster heals), bad credentials, and backpressure from a stopped (SIGSTOP) receiver.
import { describe, it, expect, afterEach } from 'vitest';
import { MemberProc } from './member-harness.ts';
import { eventually, SECRET } from './support.ts';
import type { MemberConfig } from './member-process.ts';

// faster than the defaults so the suite stays short; the defaults are measured by the bench
const fast = { heartbeatIntervalMs: 200, acceptableHeartbeatPauseMs: 1_000, stableAfterMs: 500, seedTimeoutMs: 300 };
const procs: MemberProc[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
});

async function start(config: Partial<MemberConfig> & { seeds: string[] }): Promise<MemberProc> {
  const p = await MemberProc.start({ cluster: 'c1', secret: SECRET, singleton: true, ...fast, ...config });
  procs.push(p);
  return p;
}

async function threeMembers(): Promise<[MemberProc, MemberProc, MemberProc]> {
  const a = await start({ seeds: [] });
  const [b, c] = await Promise.all([start({ seeds: [a.endpoint] }), start({ seeds: [a.endpoint] })]);
  const ids = [a.id, b.id, c.id];
  for (const p of [a, b, c]) await p.seesUp(ids, 'three members up');
  return [a, b, c];
}

const singletonHolders = (ps: MemberProc[]) => ps.filter((p) => {
  const last = [...p.events].reverse().find((e) => e.ev === 'singleton');
  return last?.['type'] === 'singleton.started';
});

describe('cluster of real processes', () => {
  it('joins through a seed, converges on one view, and talks: remote spawn, ask, receptionist, watch', async () => {
    const [a, b, c] = await threeMembers();
    // one leader, the same for all
    await eventually(() => a.leader !== null && a.leader === b.leader && b.leader === c.leader, 'one leader');
    // the singleton runs on the oldest member only (the founder)
    await eventually(() => singletonHolders([a, b, c]).length === 1, 'one singleton');
    expect(singletonHolders([a, b, c])[0]!.id).toBe(a.id);

    const spawned = await b.request('spawn', { member: c.id, behaviour: 'echo', name: 'echo-from-b' });
    expect(spawned).toMatchObject({ address: c.id, path: '/user/echo-from-b' });
    const asked = await a.request('ask', { member: c.id, path: '/user/echo-from-b', text: 'hi' });
    expect(asked['reply']).toEqual({ type: 'echo.reply', text: 'hi', member: c.id });

    const unknown = await b.request('spawn', { member: c.id, behaviour: 'nope' });
    expect((unknown['error'] as { code: string }).code).toBe('STRATA_CLUSTER_UNKNOWN_BEHAVIOUR');
    const toDead = await a.request('ask', { member: c.id, path: '/user/nobody', text: 'x' });
    expect((toDead['error'] as { code: string }).code).toBe('STRATA_ACTOR_STOPPED');

    await eventually(async () => true, 'noop');
    let seen: unknown;
    await eventually(() => {
      void a.request('ask-service').then((r) => (seen = r['members']));
      return Array.isArray(seen) && (seen as string[]).length === 3;
    }, 'the receptionist lists the echo service of all three members');
    expect(seen).toEqual([a.id, b.id, c.id].sort());

    await a.request('watch', { member: c.id, path: '/user/echo-from-b' });
    await a.request('actor-watch', { member: c.id, path: '/user/echo-from-b' });
    await b.request('stop-remote', { member: c.id, path: '/user/echo-from-b' });
    await eventually(() => a.events.some((e) => e.ev === 'terminated' && e['path'] === '/user/echo-from-b'), 'remote deathwatch after a stop');
    const t = a.events.find((e) => e.ev === 'terminated')!;
    expect(t['reason']).toBe('stopped');
    await eventually(() => a.events.some((e) => e.ev === 'actor-terminated' && e['path'] === '/user/echo-from-b' && e['reason'] === 'stopped'), 'an actor watching a remote actor with ctx.watch is told');
  });

  it('detects a kill -9, downs the member, tells watchers, moves the singleton, and takes the member back as a new incarnation', async () => {
    const [a, b, c] = await threeMembers();
    await eventually(() => singletonHolders([a, b, c]).length === 1, 'one singleton');
    await b.request('watch', { member: a.id, path: '/user/echo' });
    await b.request('actor-watch', { member: a.id, path: '/user/echo' });
    const oldA = a.id;
    const oldPort = a.port;
    a.kill('SIGKILL');
    await eventually(() => b.stateOf(oldA) === 'unreachable' || b.stateOf(oldA) === 'down' || b.stateOf(oldA) === 'removed', 'a suspected', 10_000);
    await eventually(() => (b.stateOf(oldA) === 'down' || b.stateOf(oldA) === 'removed') && (c.stateOf(oldA) === 'down' || c.stateOf(oldA) === 'removed'), 'a downed on both survivors', 10_000);
    await eventually(() => b.events.some((e) => e.ev === 'terminated' && e['code'] === 'STRATA_CLUSTER_MEMBER_DOWN'), 'the watcher of an actor on a is told');
    await eventually(() => b.events.some((e) => e.ev === 'actor-terminated' && e['code'] === 'STRATA_CLUSTER_MEMBER_DOWN'), 'the watching actor on b is told too');
    // the next oldest (b joined before or with c: whichever has the lower up number) runs the singleton
    await eventually(() => singletonHolders([b, c]).length === 1, 'the singleton moved');
    const holder = singletonHolders([b, c])[0]!;
    const started = [...holder.events].reverse().find((e) => e.ev === 'singleton')!;
    expect(started['epoch']).toBeGreaterThan(1); // fencing epoch: higher than the old holder's (1)

    // restarted at the same port: a new incarnation joins, the old one stays out
    const a2 = await start({ seeds: [b.endpoint], port: oldPort });
    expect(a2.id).not.toBe(oldA);
    for (const p of [a2, b, c]) await p.seesUp([a2.id, b.id, c.id], 'the new incarnation is up');
    expect(['down', 'removed']).toContain(b.stateOf(oldA));
    // the singleton stays where it is (the new member is the youngest)
    expect(singletonHolders([a2, b, c]).map((p) => p.id)).toEqual([holder.id]);
  });

  it('on a partition the minority downs itself, the majority goes on, and the cluster heals', async () => {
    const [a, b, c] = await threeMembers();
    await eventually(() => singletonHolders([a, b, c]).length === 1, 'one singleton');
    // cut a (the singleton holder) from b and c, both ways
    await Promise.all([a.request('block', { endpoints: [b.endpoint, c.endpoint] }), b.request('block', { endpoints: [a.endpoint] }), c.request('block', { endpoints: [a.endpoint] })]);
    await eventually(() => a.events.some((e) => e.ev === 'stopped'), 'the minority member stops itself', 15_000);
    expect(a.events.find((e) => e.ev === 'stopped')!['code']).toBe('STRATA_CLUSTER_SELF_DOWNED');
    await eventually(() => ['down', 'removed'].includes(b.stateOf(a.id) ?? '') && ['down', 'removed'].includes(c.stateOf(a.id) ?? ''), 'the majority downs a', 15_000);
    await eventually(() => singletonHolders([b, c]).length === 1, 'the singleton runs on the majority side');
    // never two: a stopped its instance before the majority started one
    const aStopped = a.events.find((e) => e.ev === 'singleton' && e['type'] === 'singleton.stopped');
    const bcStarted = [...b.events, ...c.events].find((e) => e.ev === 'singleton' && e['type'] === 'singleton.started');
    expect(aStopped).toBeDefined();
    expect(aStopped!['at'] as number).toBeLessThan(bcStarted!['at'] as number);
    await eventually(() => a.exited !== null, 'the minority process exits');
    await Promise.all([b.request('block', { endpoints: [] }), c.request('block', { endpoints: [] })]);
    // healing: the old member comes back as a new incarnation and joins
    const a2 = await start({ seeds: [b.endpoint, c.endpoint], port: a.port });
    for (const p of [a2, b, c]) await p.seesUp([a2.id, b.id, c.id], 'healed');
  });

  it('keeps out members with the wrong secret or cluster name, and the cluster is undisturbed', async () => {
    // no rate limit here, so both refusals are seen (the limiter has its own test)
    const a = await start({ seeds: [], maxHandshakeFailures: 1_000 });
    await a.seesUp([a.id], 'a up');
    const wrongSecret = await start({ seeds: [a.endpoint], secret: 'not-the-cluster-secret!!', joinTimeoutMs: 1_500, singleton: false });
    const wrongCluster = await start({ seeds: [a.endpoint], cluster: 'c2', joinTimeoutMs: 1_500, singleton: false });
    await eventually(() => wrongSecret.exited !== null && wrongCluster.exited !== null, 'both give up joining');
    expect(wrongSecret.events.find((e) => e.ev === 'failed')!['code']).toBe('STRATA_CLUSTER_JOIN_FAILED');
    expect(wrongCluster.events.find((e) => e.ev === 'failed')!['code']).toBe('STRATA_CLUSTER_JOIN_FAILED');
    const stats = (await a.request('stats'))['transport'] as { refused: Record<string, number> };
    expect(stats.refused['STRATA_CLUSTER_AUTH_FAILED']).toBeGreaterThan(0);
    expect(stats.refused['STRATA_CLUSTER_NAME_MISMATCH']).toBeGreaterThan(0);
    const view = (await a.request('members'))['members'] as { id: string }[];
    expect(view.map((m) => m.id)).toEqual([a.id]);
  });

  it('leaves gracefully: leaving → removed, and the singleton is handed over', async () => {
    const [a, b, c] = await threeMembers();
    await eventually(() => singletonHolders([a, b, c]).length === 1, 'one singleton');
    await a.request('leave');
    await eventually(() => a.events.some((e) => e.ev === 'stopped' && e['reason'] === 'removed'), 'a removed and stopped');
    await eventually(() => b.stateOf(a.id) === 'removed' && c.stateOf(a.id) === 'removed', 'the others see a removed');
    await eventually(() => singletonHolders([b, c]).length === 1, 'the singleton handed over');
  });
});

describe('backpressure against a real stopped process', () => {
  it('stops writing at the high-water mark, refuses with rejected-full when the queue is full, and drains after SIGCONT', async () => {
    const { Transport } = await import('../../cluster/transport/index.ts');
    const { ENVELOPE_VERSION } = await import('../../runtime/envelope.ts');
    const receiver = await start({ seeds: [], singleton: false });
    const t = new Transport({ cluster: 'c1', secret: SECRET, highWaterMarkBytes: 256 * 1024, maxQueuedEnvelopes: 2_000 });
    await t.listen({ bulk: () => {}, control: () => {} });
    try {
      const padding = 'x'.repeat(1_000);
      let i = 0;
      const env = () => ({ v: ENVELOPE_VERSION, t: '/user/nobody', y: 'n', i: ++i, m: { type: 'n', padding } });
      expect(t.send(receiver.id, env())).toBe('enqueued');
      await eventually(() => t.linkTo(receiver.id)?.queuedEnvelopes === 0 && t.stats().sentEnvelopes === 1, 'link open');
      receiver.kill('SIGSTOP');
      const outcomes = new Map<string, number>();
      for (let round = 0; round < 200 && !outcomes.has('rejected-full'); round++) {
        for (let k = 0; k < 500; k++) {
          const o = t.send(receiver.id, env());
          outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const link = t.linkTo(receiver.id)!;
      expect(outcomes.get('rejected-full')).toBeGreaterThan(0);
      expect(link.queuedEnvelopes).toBe(2_000); // bounded: the rest was refused, not buffered
      receiver.kill('SIGCONT');
      await link.whenWritable();
      await eventually(() => link.queuedEnvelopes === 0, 'the queue drains after SIGCONT');
      expect(t.stats().sentEnvelopes).toBe(1 + (outcomes.get('enqueued') ?? 0));
    } finally {
      receiver.kill('SIGCONT');
      await t.close();
    }
  });
});
