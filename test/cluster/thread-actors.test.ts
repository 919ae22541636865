// Actors on worker threads are reachable from other members, and reach them: a ref to a thread actor
// crosses a member boundary as a qualified path of its member (@t1.1/user/…), tell/ask/watch work both
// ways, and an ask from a thread to a member that goes down fails at once. Two real members on 127.0.0.1
// in this process, one of them with a real worker thread.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createClusterMember, type ClusterMember } from '../../cluster/remote/index.ts';
import type { ActorRef, AnyActorRef } from '../../runtime/actor-ref.ts';
import type { Behaviour } from '../../runtime/behaviour.ts';
import { remote } from '../../runtime/placement.ts';
import { RemoteRef } from '../../runtime/remote-ref.ts';
import { behaviours, type EchoMsg, type EchoReply, type WatcherMsg, type WatchReport, type WhoAmI } from '../runtime/fixtures/thread-behaviours.ts';
import { eventually, SECRET } from './support.ts';

const catalogue = new URL('../runtime/fixtures/thread-behaviours.ts', import.meta.url);
const members: ClusterMember[] = [];
afterEach(async () => {
  for (const m of members.splice(0)) await m.shutdown();
});

async function member(seeds: string[], threads: number, maxQueuedEnvelopes?: number): Promise<ClusterMember> {
  const m = await createClusterMember({
    cluster: 'thread-actors',
    secret: SECRET,
    port: 0,
    seeds,
    logger: pino({ level: 'silent' }),
    heartbeatIntervalMs: 100,
    phi: { acceptableHeartbeatPauseMs: 300 },
    stableAfterMs: 300,
    reconnectBackoff: { minMs: 20, maxMs: 200, factor: 2, jitter: 0.2 },
    ...(maxQueuedEnvelopes !== undefined ? { maxQueuedEnvelopes } : {}),
    ...(threads > 0 ? { system: { threads: { count: threads, behaviours: catalogue } } } : {}),
  });
  members.push(m);
  return m;
}

async function pair(): Promise<[ClusterMember, ClusterMember]> {
  const a = await member([], 1);
  const b = await member([`127.0.0.1:${a.transport.port}`], 0);
  await eventually(() => a.membership.members().filter((x) => x.state === 'up').length === 2 && b.membership.members().filter((x) => x.state === 'up').length === 2, 'both members up');
  return [a, b];
}

async function heldOn(m: ClusterMember, box: ActorRef<Hold>): Promise<AnyActorRef> {
  const until = Date.now() + 10_000;
  for (;;) {
    const r = await m.system.ask<Hold, { type: 'held'; ref: AnyActorRef | null }>(box, (replyTo) => ({ type: 'get', replyTo }));
    if (r.ref !== null) return r.ref;
    if (Date.now() > until) throw new Error('timed out waiting for the ref to reach the box');
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Hold = { type: 'hold'; ref: AnyActorRef } | { type: 'get'; replyTo: ActorRef<{ type: 'held'; ref: AnyActorRef | null }> };
const holder = (): Behaviour<Hold> => () => {
  let held: AnyActorRef | null = null;
  return { receive: (m) => void (m.type === 'hold' ? (held = m.ref) : m.replyTo.tell({ type: 'held', ref: held })) };
};

describe('actors on worker threads across members', () => {
  it('a member asks a thread actor of another member through a ref that crossed the boundary', { timeout: 30_000 }, async () => {
    const [a, b] = await pair();
    const echo = a.system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } }) as ActorRef<EchoMsg>;
    const who = await a.system.ask<EchoMsg, WhoAmI>(echo, (replyTo) => ({ type: 'whoami', replyTo }));
    expect(who.threadId).toBeGreaterThan(0);
    // hand the worker's ref to an actor on b: it is written as a's address and a qualified path
    const box = b.system.spawn(holder(), { name: 'box' });
    const boxOnA = a.refFor<Hold>(b.id, box.path);
    boxOnA.tell({ type: 'hold', ref: who.self });
    const held = await heldOn(b, box);
    expect(held).toBeInstanceOf(RemoteRef);
    expect((held as RemoteRef).address).toBe(a.id);
    expect(held.path).toMatch(/^@t1\.\d+\/user\//);
    const reply = await b.system.ask<EchoMsg, EchoReply>(held as ActorRef<EchoMsg>, (replyTo) => ({ type: 'echo', text: 'from b', replyTo }), { timeoutMs: 5_000 });
    expect(reply).toEqual({ type: 'echo.reply', text: 'from b', threadId: who.threadId });
    // the worker's answer went back to b on the connection b opened (cluster/transport/reply-lane.ts)
    expect(a.transport.stats().sentOnAskersConnection).toBeGreaterThan(0);
  });

  it('a member answers an ask before the socket read that brought it unwinds: actors and links run at the end of the batch', { timeout: 30_000 }, async () => {
    const [a, b] = await pair();
    b.system.spawn<EchoMsg>(() => ({ receive: (m) => void (m.type === 'echo' ? m.replyTo.tell({ type: 'echo.reply', text: m.text, threadId: -1 }) : undefined) }), { name: 'echo-now' });
    // what b has sent, seen the moment each batch b reads has been handled
    const sentAfterBatch: number[] = [];
    const receive = b.network.receiveBulk.bind(b.network);
    b.network.receiveBulk = (from: string, bytes: Uint8Array) => {
      const before = b.transport.stats().sentEnvelopes;
      receive(from, bytes);
      sentAfterBatch.push(b.transport.stats().sentEnvelopes - before);
    };
    const reply = await a.system.ask<EchoMsg, EchoReply>(a.refFor<EchoMsg>(b.id, '/user/echo-now'), (replyTo) => ({ type: 'echo', text: 'now', replyTo }), { timeoutMs: 5_000 });
    expect(reply.text).toBe('now');
    // the batch that carried the ask also wrote its answer, before receiveBulk returned
    expect(sentAfterBatch).toContain(1);
  });

  it('a thread actor relays to an actor on another member and the reply comes back to the asker', { timeout: 30_000 }, async () => {
    const [a, b] = await pair();
    const echoOnB = b.system.spawn<EchoMsg>(() => ({ receive: (m) => void (m.type === 'echo' ? m.replyTo.tell({ type: 'echo.reply', text: `b:${m.text}`, threadId: -1 }) : undefined) }), { name: 'echo-b' });
    const worker = a.system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } }) as ActorRef<EchoMsg>;
    const via = a.refFor<EchoMsg>(b.id, echoOnB.path);
    // main of a asks the worker, which tells b's actor (a ref decoded on the worker), which replies to main
    const r1 = await a.system.ask<EchoMsg, EchoReply>(worker, (replyTo) => ({ type: 'relay', text: 'x', via, replyTo }), { timeoutMs: 5_000 });
    expect(r1).toEqual({ type: 'echo.reply', text: 'b:x', threadId: -1 });
    // b asks the worker to relay back to b: the worker's message to b travels worker → a's main → b
    const who = await a.system.ask<EchoMsg, WhoAmI>(worker, (replyTo) => ({ type: 'whoami', replyTo }));
    const box = b.system.spawn(holder(), { name: 'box' });
    a.refFor<Hold>(b.id, box.path).tell({ type: 'hold', ref: who.self });
    const workerOnB = await heldOn(b, box);
    const r3 = await b.system.ask<EchoMsg, EchoReply>(workerOnB as ActorRef<EchoMsg>, (replyTo) => ({ type: 'relay', text: 'y', via: echoOnB, replyTo }), { timeoutMs: 5_000 });
    expect(r3).toEqual({ type: 'echo.reply', text: 'b:y', threadId: -1 });
  });

  it('a member watches a thread actor of another member and learns when it stops', { timeout: 30_000 }, async () => {
    const [a, b] = await pair();
    const worker = a.system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } }) as ActorRef<EchoMsg>;
    const who = await a.system.ask<EchoMsg, WhoAmI>(worker, (replyTo) => ({ type: 'whoami', replyTo }));
    const box = b.system.spawn(holder(), { name: 'box' });
    a.refFor<Hold>(b.id, box.path).tell({ type: 'hold', ref: who.self });
    const onB = await heldOn(b, box);
    const ended: string[] = [];
    b.system.spawn<{ type: 'noop' }>((ctx) => {
      ctx.watch(onB);
      return { receive: () => {}, terminated: (e) => void ended.push(e.path) };
    });
    await new Promise((r) => setTimeout(r, 200));
    a.system.stop(worker);
    await eventually(() => ended.length === 1, 'the watcher on b saw the thread actor stop');
    expect(ended[0]).toBe(onB.path);
  });

  it('a thread actor watches actors on another member: a stop, then the whole member going down', { timeout: 30_000 }, async () => {
    const [a, b] = await pair();
    // a third member, so that the two left keep the majority when b goes away
    const c = await member([`127.0.0.1:${a.transport.port}`], 0);
    await eventually(() => a.membership.members().filter((x) => x.state === 'up').length === 3 && c.membership.members().filter((x) => x.state === 'up').length === 3, 'three members up');
    const reports: WatchReport[] = [];
    const reporter = a.system.spawn<WatchReport>(() => ({ receive: (m) => void reports.push(m) }), { name: 'reporter' });
    const w = a.system.spawn(remote(behaviours, 'watcher', undefined as never), { placement: { thread: 1 } }) as ActorRef<WatcherMsg>;
    const first = b.system.spawn<{ type: 'noop' }>(() => ({ receive: () => {} }), { name: 'first' });
    const second = b.system.spawn<{ type: 'noop' }>(() => ({ receive: () => {} }), { name: 'second' });
    for (const t of [first, second]) await a.system.ask<WatcherMsg, { type: 'watching' }>(w, (replyTo) => ({ type: 'watch', target: a.refFor(b.id, t.path), reporter, replyTo }));
    await new Promise((r) => setTimeout(r, 200));
    b.system.stop(first);
    await eventually(() => reports.length === 1, 'the thread watcher saw the first actor stop');
    expect(reports[0]).toMatchObject({ path: first.path, reason: 'stopped' });
    members.splice(members.indexOf(b), 1);
    await b.shutdown();
    await eventually(() => reports.length === 2, 'the thread watcher saw the member go down', 15_000);
    expect(reports[1]).toMatchObject({ path: second.path, reason: 'failed', code: 'STRATA_CLUSTER_MEMBER_DOWN' });
  });

  it('asks pending on a member that goes down fail at once, after answered ones, from main and from a thread', { timeout: 30_000 }, async () => {
    const [a, b] = await pair();
    const c = await member([`127.0.0.1:${a.transport.port}`], 0); // the two left keep the majority
    await eventually(() => a.membership.members().filter((x) => x.state === 'up').length === 3, 'three members up');
    const echo = b.system.spawn<EchoMsg>(() => ({ receive: (m) => void (m.type === 'echo' && m.replyTo.tell({ type: 'echo.reply', text: m.text, threadId: 0 })) }), { name: 'echo' });
    const sink = b.system.spawn<EchoMsg>(() => ({ receive: () => {} }), { name: 'sink' });
    const echoOnA = a.refFor<EchoMsg>(b.id, echo.path);
    const sinkOnA = a.refFor<EchoMsg>(b.id, sink.path);
    // answered asks first: they are at the front of what a tracks for b, the pending ones behind them
    for (let i = 0; i < 5; i++) expect((await a.system.ask<EchoMsg, EchoReply>(echoOnA, (replyTo) => ({ type: 'echo', text: `ok ${i}`, replyTo }))).text).toBe(`ok ${i}`);
    const pending = [0, 1, 2].map((i) => a.system.ask<EchoMsg, EchoReply>(sinkOnA, (replyTo) => ({ type: 'echo', text: `lost ${i}`, replyTo }), { timeoutMs: 25_000 }).catch((e: unknown) => e));
    // and one from a thread of a, whose ask travels through a's main thread to b
    const relay = a.system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } }) as ActorRef<EchoMsg>;
    const fromThread = a.system.ask<EchoMsg, EchoReply>(relay, (replyTo) => ({ type: 'relay', text: 'lost too', via: sinkOnA, replyTo }), { timeoutMs: 25_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200)); // the asks reach b's sink
    const started = Date.now();
    members.splice(members.indexOf(b), 1);
    await b.shutdown();
    for (const err of await Promise.all(pending)) expect(err).toMatchObject({ code: 'STRATA_CLUSTER_MEMBER_DOWN' });
    expect(await fromThread).toMatchObject({ code: 'STRATA_CLUSTER_MEMBER_DOWN' });
    expect(Date.now() - started).toBeLessThan(15_000); // told, not timed out
    expect(c.membership.members().find((x) => x.id === b.id)?.state ?? 'removed').not.toBe('up');
  });

  it('an ask refused by a full link fails at once with STRATA_CLUSTER_LINK_FULL', { timeout: 30_000 }, async () => {
    const b = await member([], 0);
    const a = await member([`127.0.0.1:${b.transport.port}`], 1, 50);
    await eventually(() => a.membership.members().filter((x) => x.state === 'up').length === 2, 'both members up');
    const sink = b.system.spawn<EchoMsg>(() => ({ receive: () => {} }), { name: 'sink' });
    const onA = a.refFor<EchoMsg>(b.id, sink.path);
    const reporter = a.system.spawn<EchoReply>(() => ({ receive: () => {} }));
    // the link flushes on a microtask: within this synchronous loop its queue (50) fills
    let refused = 0;
    for (let i = 0; i < 200; i++) if (onA.tell({ type: 'echo', text: String(i), replyTo: reporter }) === 'rejected-full') refused++;
    expect(refused).toBeGreaterThan(0);
    const started = Date.now();
    const err = await a.system.ask<EchoMsg, EchoReply>(onA, (replyTo) => ({ type: 'echo', text: 'late', replyTo }), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STRATA_CLUSTER_LINK_FULL' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
