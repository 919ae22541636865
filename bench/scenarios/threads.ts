// Threads benchmarks: cross-thread one-way tell throughput against a raw msgpack-batch + transferred
// ArrayBuffer pipe between the same two threads; cross-thread ask latency against a raw per-message
// postMessage round trip between the same two threads (a port the actors' thread serves, workers/raw-pipe.ts);
// bytes per envelope against bytes per raw message.
import { MessageChannel, postMessageToThread, type MessagePort } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import { build } from 'hdr-histogram-js';
import { createSystem, remote, type ActorRef, type ActorSystem } from '../../runtime/index.ts';
import { compared, repeat, summarise, type Scenario, type Summary } from '../scenario.ts';
import { behaviours, type EchoMsg, type SinkMsg } from '../workers/thread-behaviours.ts';

const CHUNK = 1_024;
const catalogue = new URL('../workers/thread-behaviours.ts', import.meta.url);
const tick = () => new Promise<void>((r) => setImmediate(r));

function once<T>(w: MessagePort, kind: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { kind: string }) => {
      if (m.kind !== kind) return;
      w.off('message', on);
      resolve(m as T);
    };
    w.on('message', on);
  });
}

async function rawOneWay(w: MessagePort, messages: number): Promise<{ rate: number; bytesPerMessage: number }> {
  const packr = new Packr({ useRecords: true, moreTypes: true, bundleStrings: false });
  w.postMessage({ kind: 'reset', expect: messages });
  const done = once<{ count: number; sum: number }>(w, 'done');
  let bytesTotal = 0;
  const t0 = performance.now();
  for (let sent = 0; sent < messages; ) {
    const n = Math.min(CHUNK, messages - sent);
    const batch = new Array<{ type: string; i: number }>(n);
    for (let i = 0; i < n; i++) batch[i] = { type: 'n', i: sent + i };
    sent += n;
    const packed = packr.pack(batch);
    const bytes = new Uint8Array(packed.byteLength);
    bytes.set(packed);
    bytesTotal += bytes.byteLength;
    w.postMessage({ kind: 'batch', bytes }, [bytes.buffer]);
    await tick();
  }
  const r = await done;
  const s = (performance.now() - t0) / 1000;
  if (r.sum !== (messages * (messages - 1)) / 2) throw new Error('raw pipe lost messages');
  return { rate: messages / s, bytesPerMessage: bytesTotal / messages };
}

async function strataOneWay(system: ActorSystem, sink: ActorRef<SinkMsg>, messages: number): Promise<{ rate: number; bytesPerEnvelope: number }> {
  await system.ask<SinkMsg, { type: 'reset.ok' }>(sink, (replyTo) => ({ type: 'reset', expect: messages, replyTo }));
  const before = system.networkStats();
  const t0 = performance.now();
  for (let sent = 0; sent < messages; ) {
    const n = Math.min(CHUNK, messages - sent);
    for (let i = 0; i < n; i++) sink.tell({ type: 'n', i: sent + i });
    sent += n;
    await tick();
  }
  const r = await system.ask<SinkMsg, { type: 'done'; count: number; sum: number }>(sink, (replyTo) => ({ type: 'done?', replyTo }), { timeoutMs: 60_000 });
  const s = (performance.now() - t0) / 1000;
  if (r.sum !== (messages * (messages - 1)) / 2) throw new Error('cross-thread tell lost messages');
  const after = system.networkStats();
  // envelopes and bytes of the data messages only (the reset/done asks are 2 of them)
  const bytesPerEnvelope = (after.sentBytes - before.sentBytes) / (after.sentEnvelopes - before.sentEnvelopes);
  return { rate: messages / s, bytesPerEnvelope };
}

function histogram() {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

async function rawRoundTrips(w: MessagePort, n: number) {
  const h = histogram();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const pong = once(w, 'pong');
    w.postMessage({ kind: 'ping', i });
    await pong;
    h.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const out = { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), rate: 0 };
  h.destroy();
  return out;
}

async function strataAsks(system: ActorSystem, echo: ActorRef<EchoMsg>, n: number) {
  const h = histogram();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await system.ask<EchoMsg, { type: 'pong'; i: number }>(echo, (replyTo) => ({ type: 'ping', i, replyTo }));
    h.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const out = { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) };
  h.destroy();
  return out;
}

export const scenario: Scenario = {
  area: 'threads',
  description: 'cross-thread tell and ask vs raw msgpack batches / postMessage between two threads',
  async run(ctx) {
    const messages = ctx.quick ? 200_000 : 2_000_000;
    const runs = ctx.quick ? 3 : 5;
    // a p99 of 2,000 round trips is its 20 slowest, and a shared host's one hiccup moved the quick ratio 1.1-4.3×
    // (the full run: 1.10-1.18 in five runs): quick runs keep 5 runs of 5,000, about 5 s
    const asks = ctx.quick ? 5_000 : 20_000;
    const askRuns = 5;
    const system = createSystem({ name: 'bench-threads', codecCheck: false, threads: { count: 1, behaviours: catalogue } });
    let raw: MessagePort | null = null;
    try {
      const proxy = system.spawn(remote(behaviours, 'sink', undefined as never), { placement: { thread: 1 }, remoteMailbox: { capacity: 1 << 22 } });
      const self = await system.ask<SinkMsg, { type: 'self.reply'; self: unknown }>(proxy, (replyTo) => ({ type: 'self', replyTo }), { timeoutMs: 20_000 });
      const sink = self.self as ActorRef<SinkMsg>;
      const echoProxy = system.spawn(remote(behaviours, 'echo', undefined as never), { placement: { thread: 1 } });
      // ask the proxy once so the actor is up, then use the remote actor's own ref (no local hop)
      await system.ask<EchoMsg, { type: 'pong'; i: number }>(echoProxy, (replyTo) => ({ type: 'ping', i: -1, replyTo }), { timeoutMs: 20_000 });
      const found = await system.ask<EchoMsg, { type: 'self'; self: unknown; threadId: number }>(echoProxy, (replyTo) => ({ type: 'self?', replyTo }));
      const echo = found.self as ActorRef<EchoMsg>;
      // the raw baselines run on a port served by the thread that hosts these actors (workers/raw-pipe.ts): raw and
      // actor messages cross between the same two threads. A raw worker of its own, as before 2026-12-05, measured
      // a third thread, which the kernel placed on its own: on 2 vCPUs the round trips of two thread pairs differed
      // by 4x (a wake-up on the other vCPU or a switch on the same one) whatever either side's code did.
      const channel = new MessageChannel();
      await postMessageToThread(found.threadId, { kind: 'raw-pipe', port: channel.port2 }, [channel.port2]);
      raw = channel.port1;

      // the envelope size comes from the tell runs: one section for both lines
      if (ctx.wants('threads.tell') || ctx.wants('threads.envelope')) {
        ctx.log(`one-way: ${messages} messages in chunks of ${CHUNK} per tick, ${runs} runs`);
        let rawBytes = 0;
        let envBytes = 0;
        const rawRates: number[] = [];
        const strataRates: number[] = [];
        // interleave the two so that machine noise hits both alike
        await rawOneWay(raw, messages);
        await strataOneWay(system, sink, messages);
        for (let r = 0; r < runs; r++) {
          const a = await rawOneWay(raw, messages);
          rawRates.push(a.rate);
          rawBytes = a.bytesPerMessage;
          const b = await strataOneWay(system, sink, messages);
          strataRates.push(b.rate);
          envBytes = b.bytesPerEnvelope;
        }
        ctx.emit(compared('threads.tell.one-way', 'throughput', 'msg/s', summarise(strataRates), { name: 'raw msgpack batch + transferred ArrayBuffer, same threads', summary: summarise(rawRates) }, { ratio: '>=0.5', value: '>=1000000 msg/s' }));
        ctx.emit({ ...compared('threads.envelope', 'size', 'bytes/message', summarise([envBytes]), { name: 'raw msgpack record per message', summary: summarise([rawBytes]) }), note: 'envelopes for one target travel as a group [t, firstId, messages]; batch framing shared over 1,024 messages' });
      }

      if (ctx.wants('threads.ask')) {
        ctx.log(`ask round trips: ${asks} sequential, ${askRuns} runs`);
        const rawP: { p50: number; p99: number }[] = [];
        const strataP: { p50: number; p99: number }[] = [];
        await rawRoundTrips(raw, asks / 4);
        await strataAsks(system, echo, asks / 4);
        for (let r = 0; r < askRuns; r++) {
          rawP.push(await rawRoundTrips(raw, asks));
          strataP.push(await strataAsks(system, echo, asks));
        }
        for (const p of ['p50', 'p99'] as const) {
          const measured: Summary = summarise(strataP.map((x) => x[p]));
          const base: Summary = summarise(rawP.map((x) => x[p]));
          ctx.emit(compared('threads.ask', p, 'µs', measured, { name: 'raw postMessage ping/pong, same threads', summary: base }, p === 'p99' ? { ratio: '<=1.5' } : undefined));
        }
      }
      void repeat;
    } finally {
      raw?.close();
      await system.terminate();
    }
  },
};
