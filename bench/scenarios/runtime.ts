// Runtime benchmarks: one-core tell throughput against a raw ring-queue + microtask dispatch loop, ask
// round-trip latency against a raw promise round trip, skynet (1 M actors), and heap per idle actor.
import { build } from 'hdr-histogram-js';
import { createSystem, RingQueue, type ActorRef, type Behaviour } from '../../runtime/index.ts';
import { compared, repeat, summarise, type Scenario } from '../scenario.ts';

const gc = (globalThis as { gc?: () => void }).gc;

/** The raw baseline: a ring buffer drained in a microtask, calling a handler per message. */
async function rawDispatch(messages: number, batch: number): Promise<number> {
  const q = new RingQueue<{ type: string; i: number }>(4);
  let sum = 0;
  let scheduled = false;
  const handler = (m: { i: number }) => {
    sum += m.i;
  };
  const drain = () => {
    for (let m = q.shift(); m !== undefined; m = q.shift()) handler(m);
    scheduled = false;
  };
  const t0 = performance.now();
  for (let sent = 0; sent < messages; ) {
    for (let i = 0; i < batch; i++, sent++) {
      q.push({ type: 'n', i: sent });
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(drain);
      }
    }
    await Promise.resolve();
  }
  await Promise.resolve();
  const s = (performance.now() - t0) / 1000;
  if (sum !== (messages * (messages - 1)) / 2) throw new Error('raw dispatch lost messages');
  return messages / s;
}

async function actorTell(messages: number, batch: number, actors: number): Promise<number> {
  const system = createSystem({ name: 'bench-tell', codecCheck: false });
  let sum = 0;
  const sinkBehaviour: Behaviour<{ type: 'n'; i: number }> = () => ({
    receive: (m) => {
      sum += m.i;
    },
  });
  const sinks: ActorRef<{ type: 'n'; i: number }>[] = [];
  for (let a = 0; a < actors; a++) sinks.push(system.spawn(sinkBehaviour, { mailbox: { capacity: batch + 1 } }));
  const t0 = performance.now();
  let target = 0;
  for (let sent = 0; sent < messages; ) {
    for (let i = 0; i < batch; i++, sent++) {
      sinks[target]!.tell({ type: 'n', i: sent });
      if (++target === actors) target = 0;
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  await new Promise<void>((r) => setImmediate(r));
  const s = (performance.now() - t0) / 1000;
  await system.terminate();
  if (sum !== (messages * (messages - 1)) / 2) throw new Error(`actor tell lost messages: ${sum}`);
  return messages / s;
}

async function askLatency(asks: number): Promise<{ p50: number; p90: number; p99: number; p999: number; max: number }> {
  const system = createSystem({ name: 'bench-ask', codecCheck: false });
  type Q = { type: 'q'; replyTo: ActorRef<{ type: 'a' }> };
  const responder = system.spawn<Q>(() => ({ receive: (m) => void m.replyTo.tell({ type: 'a' }) }));
  const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < asks; i++) {
    const t0 = performance.now();
    await system.ask<Q, { type: 'a' }>(responder, (replyTo) => ({ type: 'q', replyTo }));
    h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  }
  await system.terminate();
  return { p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9), max: h.maxValue };
}

async function rawPromiseLatency(n: number): Promise<{ p50: number; p99: number }> {
  const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => queueMicrotask(() => queueMicrotask(resolve)));
    h.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
  }
  return { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) };
}

/** skynet: each actor spawns 10 children down to `leaves` leaves; leaves answer their number, parents sum. */
async function skynet(leaves: number): Promise<{ ms: number; actors: number }> {
  const system = createSystem({ name: 'bench-skynet', codecCheck: false });
  type Sum = { type: 'sum'; value: number };
  let actors = 0;
  const node = (num: number, size: number, parent: ActorRef<Sum>): Behaviour<Sum> => (ctx) => {
    actors++;
    if (size === 1) {
      parent.tell({ type: 'sum', value: num });
      return { receive: () => {}, started: () => ctx.stop(ctx.self) };
    }
    const childSize = size / 10;
    for (let i = 0; i < 10; i++) ctx.spawn(node(num + i * childSize, childSize, ctx.self));
    let pending = 10;
    let total = 0;
    return {
      receive: (m) => {
        total += m.value;
        if (--pending === 0) {
          parent.tell({ type: 'sum', value: total });
          ctx.stop(ctx.self);
        }
      },
    };
  };
  const t0 = performance.now();
  const result = await new Promise<number>((resolve) => {
    const top = system.spawn<Sum>(() => ({ receive: (m) => resolve(m.value) }));
    system.spawn(node(0, leaves, top));
  });
  const ms = performance.now() - t0;
  await system.terminate();
  if (result !== (leaves * (leaves - 1)) / 2) throw new Error(`skynet sum wrong: ${result}`);
  return { ms, actors };
}

/** The same tree without actors: plain objects and microtasks, summing back up. */
async function skynetRaw(leaves: number): Promise<number> {
  const t0 = performance.now();
  const nodeSum = (num: number, size: number): Promise<number> => {
    if (size === 1) return Promise.resolve(num);
    const childSize = size / 10;
    const parts: Promise<number>[] = [];
    for (let i = 0; i < 10; i++) parts.push(nodeSum(num + i * childSize, childSize));
    return Promise.all(parts).then((xs) => xs.reduce((a, b) => a + b, 0));
  };
  const result = await nodeSum(0, leaves);
  if (result !== (leaves * (leaves - 1)) / 2) throw new Error('raw skynet sum wrong');
  return performance.now() - t0;
}

async function heapPerIdleActor(count: number): Promise<number | null> {
  if (!gc) return null;
  const system = createSystem({ name: 'bench-heap', codecCheck: false });
  const receive = () => {};
  const idle: Behaviour<{ type: 'x' }> = () => ({ receive });
  const parent = system.spawn<{ type: 'x' }>(() => ({ receive }));
  void parent;
  await new Promise<void>((r) => setImmediate(r));
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep: unknown[] = [];
  for (let i = 0; i < count; i++) keep.push(system.spawn(idle));
  await new Promise<void>((r) => setImmediate(r));
  gc();
  const after = process.memoryUsage().heapUsed;
  // the refs array itself is the caller's, not the actors': subtract one pointer per actor
  const bytes = (after - before) / count - 8;
  await system.terminate();
  keep.length = 0;
  return bytes;
}

export const scenario: Scenario = {
  area: 'runtime',
  description: 'actor core: tell throughput, ask latency, skynet, heap per idle actor',
  async run(ctx) {
    const runs = ctx.quick ? 3 : 5;
    const messages = ctx.quick ? 1_000_000 : 4_000_000;
    const batch = 10_000;

    ctx.log(`tell: ${messages} messages, batches of ${batch}`);
    const raw = await repeat(runs, () => rawDispatch(messages, batch));
    for (const actors of [1, 1_000]) {
      const tell = await repeat(runs, () => actorTell(messages, batch, actors));
      ctx.emit(compared(`runtime.tell.${actors === 1 ? 'one-actor' : 'thousand-actors'}`, 'throughput', 'msg/s', tell, { name: 'raw ring-queue + microtask dispatch', summary: raw }, { ratio: '>=0.33', value: '>=10000000 msg/s' }));
    }

    const askN = ctx.quick ? 20_000 : 100_000;
    ctx.log(`ask: ${askN} sequential round trips`);
    const rawAsk = await rawPromiseLatency(askN);
    const asks: Awaited<ReturnType<typeof askLatency>>[] = [];
    for (let i = 0; i < runs; i++) asks.push(await askLatency(askN));
    for (const p of ['p50', 'p99'] as const) {
      const s = summarise(asks.map((a) => a[p]));
      ctx.emit(compared('runtime.ask', p, 'µs', s, { name: 'raw promise + two microtask hops', summary: summarise([rawAsk[p]]) }, p === 'p99' ? { value: '<=20 µs' } : undefined));
    }
    for (const p of ['p90', 'p999', 'max'] as const) ctx.emit(compared('runtime.ask', p === 'p999' ? 'p99.9' : p, 'µs', summarise(asks.map((a) => a[p])), null));

    const leaves = 1_000_000;
    ctx.log(`skynet: ${leaves} leaves (1,111,111 actors)`);
    const skyRuns = ctx.quick ? 1 : 3;
    const rawSky = await repeat(skyRuns, () => skynetRaw(leaves));
    let actorsSpawned = 0;
    const sky = await repeat(skyRuns, async () => {
      const r = await skynet(leaves);
      actorsSpawned = r.actors;
      return r.ms;
    });
    ctx.emit({ ...compared('runtime.skynet', 'time', 'ms', sky, { name: 'same tree with plain promises, no actors', summary: rawSky }, { value: '<=2000 ms' }), note: `${actorsSpawned} actors spawned per run` });

    const heapRuns = ctx.quick ? 2 : runs;
    ctx.log(`heap per idle actor: 100000 actors, ${heapRuns} runs`);
    const heap: number[] = [];
    for (let i = 0; i < heapRuns; i++) {
      const b = await heapPerIdleActor(100_000);
      if (b !== null) heap.push(b);
    }
    if (heap.length) ctx.emit(compared('runtime.idle-actor', 'heap', 'B', summarise(heap), null, { value: '<=1024 B' }));
    else ctx.log('heap per idle actor skipped: run node with --expose-gc (npm run bench does)');
  },
};
