// Real network partitions: every member process runs in its own Linux network namespace, joined to the others
// through a bridge, and the test cuts a member off by setting its link down in the kernel (see netns.ts), so
// nothing in the cluster's own code is involved in making the partition. Needs root and `ip netns`; skipped
// with the reason printed otherwise, or failed when STRATA_REQUIRE_NETNS=1 (CI, where it must run).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { MemberProc } from './member-harness.ts';
import type { MemberConfig } from './member-process.ts';
import { createTopology, netnsAvailable, type Topology } from './netns.ts';
import { eventually, SECRET } from './support.ts';

const availability = netnsAvailable();
const ok = availability === true;
if (!ok) {
  if (process.env['STRATA_REQUIRE_NETNS'] === '1') throw new Error(`STRATA_REQUIRE_NETNS=1 but the real-partition tests cannot run: ${availability}`);
  console.warn(`skipping the real-partition (network namespace) tests: ${availability}`);
}

// the same fast settings as cluster-processes.test.ts
const fast = { heartbeatIntervalMs: 200, acceptableHeartbeatPauseMs: 1_000, stableAfterMs: 500, seedTimeoutMs: 300 };
const PORT = 7101; // every member has its own namespace, so they can all use the same port

let topo: Topology | undefined;
const procs: MemberProc[] = [];
// a last resort if the worker ends without running afterEach: never leave namespaces behind
const onExit = () => topo?.teardown();

beforeEach(() => {
  if (!ok) return;
  topo = createTopology(['a', 'b', 'c']);
  process.once('exit', onExit);
});

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
  topo?.teardown();
  topo = undefined;
  process.off('exit', onExit);
});

type Name = 'a' | 'b' | 'c';

async function start(name: Name, config: Partial<MemberConfig> & { seeds: string[] }): Promise<MemberProc> {
  const m = topo!.members[name]!;
  const p = await MemberProc.start({ cluster: 'c1', secret: SECRET, singleton: true, host: m.host, port: PORT, ...fast, ...config }, { netns: m.ns });
  procs.push(p);
  if (p.id === '') throw new Error(`member ${name} did not start in ${m.ns}: ${JSON.stringify(p.events)}`);
  return p;
}

async function threeMembers(config: Partial<MemberConfig> = {}): Promise<[MemberProc, MemberProc, MemberProc]> {
  const a = await start('a', { seeds: [], ...config });
  const [b, c] = await Promise.all([start('b', { seeds: [a.endpoint], ...config }), start('c', { seeds: [a.endpoint], ...config })]);
  const ids = [a.id, b.id, c.id];
  for (const p of [a, b, c]) await p.seesUp(ids, 'three members up');
  return [a, b, c];
}

const singletonEvents = (p: MemberProc) => p.events.filter((e) => e.ev === 'singleton');
const singletonHolders = (ps: MemberProc[]) => ps.filter((p) => singletonEvents(p).at(-1)?.['type'] === 'singleton.started');
const gone = (state: string | undefined) => state === 'down' || state === 'removed';

describe.skipIf(!ok)('a real network partition (Linux network namespaces)', () => {
  it('a real partition (link cut in the kernel): the minority downs itself, the majority downs it and runs the singleton with a newer epoch, never two at once; after healing the old member restarts as a new incarnation and joins', async () => {
    const [a, b, c] = await threeMembers();
    expect(a.endpoint).toBe(`${topo!.members['a']!.host}:${PORT}`);
    await eventually(() => singletonHolders([a, b, c]).length === 1, 'one singleton');
    expect(singletonHolders([a, b, c])[0]!.id).toBe(a.id);
    const oldEpoch = singletonEvents(a).at(-1)!['epoch'] as number;
    const oldA = a.id;

    topo!.cut('a');
    await eventually(() => a.events.some((e) => e.ev === 'stopped'), 'the minority member stops itself', 15_000);
    expect(a.events.find((e) => e.ev === 'stopped')!['code']).toBe('STRATA_CLUSTER_SELF_DOWNED');
    await eventually(() => gone(b.stateOf(oldA)) && gone(c.stateOf(oldA)), 'the majority downs a', 15_000);
    await eventually(() => singletonHolders([b, c]).length === 1, 'the singleton runs on the majority side');
    const started = singletonEvents(singletonHolders([b, c])[0]!).at(-1)!;
    expect(started['epoch'] as number).toBeGreaterThan(oldEpoch);
    // never two at once: a stopped its instance before the majority started one
    const aStopped = singletonEvents(a).find((e) => e['type'] === 'singleton.stopped');
    expect(aStopped).toBeDefined();
    expect(aStopped!['at'] as number).toBeLessThan(started['at'] as number);
    await eventually(() => a.exited !== null, 'the minority process exits');

    // healing: the old member comes back at the same address as a new incarnation and joins
    topo!.heal('a');
    const a2 = await start('a', { seeds: [b.endpoint, c.endpoint] });
    expect(a2.endpoint).toBe(a.endpoint);
    expect(a2.id).not.toBe(oldA);
    for (const p of [a2, b, c]) await p.seesUp([a2.id, b.id, c.id], 'healed', 20_000);
    expect(gone(b.stateOf(oldA)) || b.stateOf(oldA) === undefined).toBe(true);
    // the singleton stays on the majority side (the new member is the youngest)
    expect(singletonHolders([a2, b, c]).map((p) => p.id)).toEqual([singletonHolders([b, c])[0]!.id]);
  });

  it('a short cut is only suspicion: the member is unreachable, then up again; nobody is downed', async () => {
    // a long stable window, so keep-majority does not act while c is cut off
    const [a, b, c] = await threeMembers({ stableAfterMs: 6_000 });
    await eventually(() => singletonHolders([a, b, c]).length === 1, 'one singleton');
    const holder = singletonHolders([a, b, c])[0]!;
    const ids = [a.id, b.id, c.id];
    const aSingletonEvents = singletonEvents(a).length;

    const cutAt = Date.now();
    topo!.cut('c');
    await eventually(() => b.stateOf(c.id) === 'unreachable' || a.stateOf(c.id) === 'unreachable', 'c suspected by the others', 10_000);
    topo!.heal('c');
    const suspectedAfter = Date.now() - cutAt;

    const healedAt = Date.now();
    for (const p of [a, b, c]) await p.seesUp(ids, 'up again after the short cut', 15_000);
    console.info(`short cut: c suspected after ${suspectedAfter} ms, all up again ${Date.now() - healedAt} ms after healing`);
    for (const p of [a, b, c]) {
      // the same three members, never downed in anybody's view (membership views are reported on every change)
      const views = p.events.filter((e) => e.ev === 'members').map((e) => e['members'] as { id: string; state: string }[]);
      expect(views.flat().filter((m) => gone(m.state))).toEqual([]);
      expect(p.members.map((m) => m.id).sort()).toEqual([...ids].sort());
      expect(p.events.some((e) => e.ev === 'stopped')).toBe(false);
      expect(p.exited).toBeNull();
    }
    // the singleton never moved and never stopped: a (the founder, on the majority side throughout) holds it, exactly
    // one, with no singleton event on any member since the cut. c's first gossip after healing still carries c's own
    // suspicion of a and b, but a's majority rests on what a observes itself (and b agrees with), so it keeps it
    // (after a moment, so that an event a stale update caused late would have arrived)
    await new Promise<void>((r) => setTimeout(r, 1_000));
    expect(holder).toBe(a);
    expect(singletonHolders([a, b, c]).map((p) => p.id)).toEqual([a.id]);
    expect(singletonEvents(a).slice(aSingletonEvents)).toEqual([]);
    expect([b, c].map((p) => singletonEvents(p).length)).toEqual([0, 0]);
  });
});
