// Actors on real worker threads: location-transparent tell, ask and watch; every way a thread can die;
// bad bytes on the wire; a shared matrix that is never copied.
import { describe, it, expect, afterEach } from 'vitest';
import { threadId } from 'node:worker_threads';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSystem, type ActorRef, type ActorSystem, type AnyActorRef, type Terminated } from '../../runtime/index.ts';
import { remote } from '../../runtime/placement.ts';
import { RemoteRef } from '../../runtime/remote-ref.ts';
import { encodeBatch } from '../../runtime/codec.ts';
import { behaviours, type CrashMsg, type EchoMsg, type SinkMsg, type EchoReply, type WhoAmI, type MatrixMsg, type CounterMsg, type KeeperMsg, type KeptReply } from './fixtures/thread-behaviours.ts';

type SelfReply = { type: 'self.reply'; self: AnyActorRef };
type TotalReply = { type: 'total.reply'; count: number; inOrder: boolean };
type MatrixReply = { type: 'matrix.sum'; sum: number; isShared: boolean; byteLength: number };
type Pong = { type: 'pong'; threadId: number };
type Count = { type: 'count'; value: number };
const catalogue = new URL('./fixtures/thread-behaviours.ts', import.meta.url);
let system: ActorSystem;
afterEach(async () => {
  await system?.terminate();
});

function withThreads(count: number, extra: Partial<Parameters<typeof createSystem>[0]> = {}): ActorSystem {
  return createSystem({
    name: 'threads',
    threads: { count, behaviours: catalogue, supervision: { backoff: { minMs: 5, maxMs: 50 } }, ...(extra.threads ?? {}) },
    guardianSupervision: { backoff: { minMs: 5, maxMs: 50 } },
    ...extra,
  } as Parameters<typeof createSystem>[0]);
}

function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = fn();
      if (v) return resolve(v);
      if (Date.now() - start > timeoutMs) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

async function remoteSelf(sys: ActorSystem, echo: ActorRef<EchoMsg>): Promise<RemoteRef> {
  const who = await sys.ask<EchoMsg, WhoAmI>(echo, (replyTo) => ({ type: 'whoami', replyTo }));
  expect(who.self).toBeInstanceOf(RemoteRef);
  return who.self as RemoteRef;
}

describe('actors on worker threads', () => {
  it('asks an actor placed on a thread, which really runs on another thread', async () => {
    system = withThreads(2);
    const echo = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 2 } });
    const reply = await system.ask<EchoMsg, EchoReply>(echo, (replyTo) => ({ type: 'echo', text: 'héllo', replyTo }));
    expect(reply.text).toBe('héllo');
    expect(reply.threadId).not.toBe(threadId);
    const self = await remoteSelf(system, echo);
    expect(self.address).toBe(system.threads!.addresses()[1]);
  });

  it('passes refs between threads: an actor on thread 1 sends through an actor on thread 2 to main', async () => {
    system = withThreads(2);
    const a = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } });
    const b = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 2 } });
    const bRef = (await remoteSelf(system, b)) as unknown as ActorRef<EchoMsg>;
    const aRef = (await remoteSelf(system, a)) as unknown as ActorRef<EchoMsg>;
    const [ta, tb] = await Promise.all([
      system.ask<EchoMsg, EchoReply>(aRef, (replyTo) => ({ type: 'echo', text: 'a', replyTo })),
      system.ask<EchoMsg, EchoReply>(bRef, (replyTo) => ({ type: 'echo', text: 'b', replyTo })),
    ]);
    const relayed = await system.ask<EchoMsg, EchoReply>(aRef, (replyTo) => ({ type: 'relay', text: 'via b', via: bRef, replyTo }));
    expect(relayed.text).toBe('via b');
    expect(relayed.threadId).toBe(tb.threadId);
    expect(ta.threadId).not.toBe(tb.threadId);
  });

  it('keeps per-sender order across batches and counts envelopes in batches', async () => {
    system = withThreads(1);
    const proxy = system.spawn(remote(behaviours, 'sink', undefined as never), { placement: 'any', remoteMailbox: { capacity: 50_000 } });
    // straight to the remote actor (the proxy is a local hop with its own bounded mailbox)
    const sink = (await system.ask<SinkMsg, SelfReply>(proxy, (replyTo) => ({ type: 'self', replyTo }))).self as ActorRef<SinkMsg>;
    const direct = await system.ask<EchoMsg, WhoAmI>(system.spawn(remote(behaviours, 'echo', undefined as never), { placement: 'any' }), (replyTo) => ({ type: 'whoami', replyTo }));
    expect(direct.threadId).not.toBe(threadId);
    const n = 20_000;
    for (let seq = 0; seq < n; seq++) sink.tell({ type: 'item', seq });
    const total = await system.ask<SinkMsg, TotalReply>(sink, (replyTo) => ({ type: 'total', replyTo }), { timeoutMs: 20_000 });
    expect(total).toMatchObject({ count: n, inOrder: true });
    const stats = system.networkStats();
    expect(stats.sentEnvelopes).toBeGreaterThanOrEqual(n);
    expect(stats.sentBatches).toBeLessThan(stats.sentEnvelopes / 10); // batched, not one post per message
  });

  it('shares a 500 x 2,000 Float64 matrix by SharedArrayBuffer: the worker writes into the same memory', async () => {
    system = withThreads(1);
    const m = system.spawn(remote(behaviours, 'matrix', undefined as never), { placement: { thread: 1 } });
    const rows = 500;
    const cols = 2_000;
    const data = new SharedArrayBuffer(rows * cols * 8);
    const view = new Float64Array(data);
    let expected = 0;
    for (let i = 0; i < view.length; i++) expected += view[i] = (i % 97) - 48;
    const before = system.networkStats().sentBytes;
    const reply = await system.ask<MatrixMsg, MatrixReply>(m, (replyTo) => ({ type: 'matrix', data, rows, cols, mark: 12345.5, replyTo }));
    expect(reply.sum).toBe(expected);
    expect(reply.isShared).toBe(true);
    expect(reply.byteLength).toBe(rows * cols * 8);
    expect(view[0]).toBe(12345.5); // written by the worker, seen through main's own view: same memory
    expect(system.networkStats().sentBytes - before).toBeLessThan(4_096); // the 8 MB never went through the pipe
  });

  it('delivers terminated to a watcher of a remote actor when its thread dies, and restarts the thread as a new incarnation', async () => {
    system = withThreads(1);
    const crasher = system.spawn(remote(behaviours, 'crasher', undefined as never), { placement: { thread: 1 } });
    const first = await system.ask<CrashMsg, Pong>(crasher, (replyTo) => ({ type: 'ping', replyTo }));
    const echo = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } });
    const target = await remoteSelf(system, echo);
    const events: Terminated[] = [];
    system.watch(target, (e) => events.push(e));
    const oldAddress = system.threads!.addresses()[0];
    crasher.tell({ type: 'exit', code: 7 });
    const event = await waitFor(() => events[0]);
    expect(event).toMatchObject({ path: target.path, reason: 'failed', error: { code: 'STRATA_THREAD_DIED' } });
    // the proxies' parent restarts them on the new thread, with fresh actors
    const again = await waitFor(() => system.threads!.addresses()[0]);
    expect(again).not.toBe(oldAddress);
    const pong = await retryAsk(() => system.ask<CrashMsg, Pong>(crasher, (replyTo) => ({ type: 'ping', replyTo }), { timeoutMs: 2_000 }));
    expect(pong.threadId).not.toBe(first.threadId);
  });

  for (const [how, kill] of [
    ['an uncaught error', (c: ActorRef<CrashMsg>) => c.tell({ type: 'uncaught' })],
    ['process.exit inside it', (c: ActorRef<CrashMsg>) => c.tell({ type: 'exit', code: 0 })],
    ['running out of memory', (c: ActorRef<CrashMsg>) => c.tell({ type: 'oom' })],
    ['terminate()', (_c: ActorRef<CrashMsg>, s: ActorSystem) => void s.threads!.workers()[0]!.terminate()],
  ] as const) {
    it(`notices a thread killed by ${how}: watchers hear it, the supervisor restarts it, no zombie thread`, async () => {
      system = withThreads(1, { threads: { count: 1, behaviours: catalogue, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 }, supervision: { backoff: { minMs: 5, maxMs: 50 } } } });
      const crasher = system.spawn(remote(behaviours, 'crasher', undefined as never), { placement: { thread: 1 } });
      const first = await system.ask<CrashMsg, Pong>(crasher, (replyTo) => ({ type: 'ping', replyTo }));
      const echo = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } });
      const target = await remoteSelf(system, echo);
      const events: Terminated[] = [];
      system.watch(target, (e) => events.push(e));
      const worker = system.threads!.workers()[0]!;
      const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
      kill(crasher, system);
      await exited;
      const event = await waitFor(() => events[0], 20_000);
      expect(event.error?.code).toBe('STRATA_THREAD_DIED');
      const pong = await retryAsk(() => system.ask<CrashMsg, Pong>(crasher, (replyTo) => ({ type: 'ping', replyTo }), { timeoutMs: 2_000 }));
      expect(pong.threadId).not.toBe(first.threadId);
      expect(system.threads!.workers()).toHaveLength(1); // the dead one is gone, one fresh one runs
    }, 30_000);
  }

  it('lets the parent strategy decide when a remote actor fails: a handler error restarts a fresh remote actor', async () => {
    system = withThreads(1);
    const counter = system.spawn(remote(behaviours, 'counter', { start: 10 }), { placement: { thread: 1 } });
    counter.tell({ type: 'add', n: 5 });
    expect(await system.ask<CounterMsg, Count>(counter, (replyTo) => ({ type: 'get', replyTo }))).toMatchObject({ value: 15 });
    const crasher = system.spawn(remote(behaviours, 'crasher', undefined as never), { placement: { thread: 1 } });
    const before = await system.ask<CrashMsg, Pong>(crasher, (replyTo) => ({ type: 'ping', replyTo }));
    crasher.tell({ type: 'throw' });
    const after = await retryAsk(() => system.ask<CrashMsg, Pong>(crasher, (replyTo) => ({ type: 'ping', replyTo }), { timeoutMs: 2_000 }));
    expect(after.threadId).toBe(before.threadId); // same thread: only the actor failed
    expect(await system.ask<CounterMsg, Count>(counter, (replyTo) => ({ type: 'get', replyTo }))).toMatchObject({ value: 15 }); // neighbour untouched
  });

  it('stops the branch when the parent says stop, with the remote error as the cause', async () => {
    system = withThreads(1);
    const seen: Terminated[] = [];
    system.spawn<{ type: 'noop' }>(
      (ctx) => {
        const child = ctx.spawn(remote(behaviours, 'nope' as 'echo', undefined as never), { placement: { thread: 1 }, name: 'unknown' });
        ctx.watch(child);
        return { receive: () => {}, terminated: (e) => void seen.push(e) };
      },
      { supervision: { decide: () => 'stop' } },
    );
    const event = await waitFor(() => seen[0]);
    expect(event).toMatchObject({ reason: 'failed', error: { code: 'STRATA_UNKNOWN_BEHAVIOUR' } });
  });

  it('lets threads that are still loading finish before a terminate ends them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-boot-'));
    const marker = join(dir, 'booted');
    process.env['STRATA_TEST_BOOT_MARKER'] = marker;
    try {
      system = createSystem({ name: 'slow-boot', threads: { count: 2, behaviours: new URL('./fixtures/slow-boot-behaviours.ts', import.meta.url) } });
      // at once, while both threads still load their catalogue
      await system.terminate();
      expect(existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n') : []).toHaveLength(2);
      expect(system.threads!.workers()).toHaveLength(0);
    } finally {
      delete process.env['STRATA_TEST_BOOT_MARKER'];
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses placements that cannot work with STRATA_INVALID_PLACEMENT', async () => {
    system = withThreads(2);
    expect(() => system.spawn(() => ({ receive() {} }), { placement: { thread: 1 } })).toThrowError(expect.objectContaining({ code: 'STRATA_INVALID_PLACEMENT' }));
    expect(() => system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 3 } })).toThrowError(expect.objectContaining({ code: 'STRATA_INVALID_PLACEMENT' }));
    const plain = createSystem({ name: 'plain' });
    try {
      expect(() => plain.spawn(remote(behaviours, 'echo', undefined as never), { placement: 'any' })).toThrowError(expect.objectContaining({ code: 'STRATA_INVALID_PLACEMENT' }));
    } finally {
      await plain.terminate();
    }
  });

  it('survives garbage on its bulk lane: malformed bytes, unknown extensions, unknown versions', async () => {
    system = withThreads(1);
    const echo = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } });
    await system.ask<EchoMsg, EchoReply>(echo, (replyTo) => ({ type: 'echo', text: 'up', replyTo }));
    const to = system.threads!.addresses()[0]!;
    const lane = system.threads!.bulkLane(to)!;
    const frames = [
      { lane: 'bulk', to, from: 'main', bytes: new Uint8Array([0xc1, 0xc1, 0xc1]), shared: [] },
      { lane: 'bulk', to, from: 'main', bytes: new Uint8Array([0x91, 0xd4, 0x55, 0x00]), shared: [] }, // [ext 0x55]
      { lane: 'bulk', to, from: 'main', bytes: Uint8Array.from([0x91, 0x82, 0xa1, 0x76, 0x63, 0xa1, 0x74, 0xa2, 0x2f, 0x78]), shared: [] }, // [{v: 99, t: '/x'}]: not [v, groups]
      { lane: 'bulk', to, from: 'main', bytes: encodeBatch([1, [['/user/$1', 1, [{ no: 'type' }]], [7, 'x']]], []), shared: [] },
      { nonsense: true },
      'not even an object',
      // the compact form (bytes alone, for the thread at the other end of the link) is decoded just as strictly
      new Uint8Array([0xc1, 0xc1, 0xc1]),
      new Uint8Array([0x91, 0xd4, 0x55, 0x00]),
      encodeBatch([1, [['/user/$1', 1, [{ no: 'type' }]], [7, 'x']]], []),
      // and so is the string form (a small batch as latin1 text), whatever the characters
      '\xc1\xc1\xc1',
      '\x91\xd4\x55\x00',
      Buffer.from(encodeBatch([1, [['/user/$1', 1, [{ no: 'type' }]], [7, 'x']]], [])).toString('latin1'),
      'not latin1: \u20ac\u2713',
      '',
    ];
    for (const f of frames) lane.postMessage(f);
    const after = await system.ask<EchoMsg, EchoReply>(echo, (replyTo) => ({ type: 'echo', text: 'still up', replyTo }));
    expect(after.text).toBe('still up');
    expect(system.threads!.addresses()[0]).toBe(to); // same incarnation: nothing crashed
  });

  it('carries byte arrays intact in small batches (strings) and big ones (bytes), never aliased to a later batch', async () => {
    system = withThreads(1, { codecCheck: false }); // the codec check's own copy would hide the decoder's
    const keeper = system.spawn(remote(behaviours, 'keeper', undefined as never), { placement: { thread: 1 } });
    const kept = () => system.ask<KeeperMsg, KeptReply>(keeper, (replyTo) => ({ type: 'kept', replyTo }));
    // Buffers travel as msgpack bin, which a decoder may hand out as a view of its source
    keeper.tell({ type: 'keep', data: Buffer.alloc(100, 1) });
    const first = await kept(); // a batch of its own each way: the next batches are decoded after this one
    expect(first.first).toBeInstanceOf(Uint8Array);
    keeper.tell({ type: 'keep', data: Buffer.alloc(100, 2) });
    await kept();
    keeper.tell({ type: 'keep', data: Buffer.alloc(3000, 3) }); // over the string form's 2 KiB
    const last = await kept();
    expect(last.sums).toEqual([100, 200, 9000]);
    expect(last.lengths).toEqual([100, 100, 3000]);
    // what this side decoded first still holds its own bytes after two more replies were decoded
    expect(first.first!.byteLength).toBe(100);
    expect(first.first!.every((b) => b === 1)).toBe(true);
    expect(last.first!.every((b) => b === 1)).toBe(true);
    expect(last.first!.buffer).not.toBe(first.first!.buffer);
  });

  it('fails an ask at once when its envelope is refused for an unknown version, with STRATA_ENVELOPE_VERSION', async () => {
    system = withThreads(1);
    const echo = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } });
    const target = await remoteSelf(system, echo);
    let replyTo: unknown;
    const blackHole = { path: '/nowhere', tell: () => 'enqueued' as const, offer: () => 'enqueued' as const };
    const pending = system.ask<EchoMsg, EchoReply>(blackHole as unknown as ActorRef<EchoMsg>, (r) => ((replyTo = r), { type: 'echo', text: 'from the future', replyTo: r }), { timeoutMs: 30_000 });
    const bytes = encodeBatch([99, [[target.path, 1, [{ type: 'echo', text: 'from the future', replyTo }]]]], []);
    system.threads!.bulkLane(target.address)!.postMessage({ lane: 'bulk', to: target.address, from: 'main', bytes, shared: [] });
    const started = Date.now();
    await expect(pending).rejects.toMatchObject({ code: 'STRATA_ENVELOPE_VERSION' });
    expect(Date.now() - started).toBeLessThan(20_000); // an answer, not the 30 s timeout
  });
});

async function retryAsk<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw last;
}

