import { describe, it, expect, afterEach } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createSimulatedClock, createSystem, serviceKey, type ActorRef, type ActorSystem, type InspectionEvent, type Message, type Terminated } from '../../runtime/index.ts';
import { flush } from '../support/flush.ts';

const idle = () => ({ receive: () => {} });

let system: ActorSystem;
afterEach(async () => {
  await system?.terminate();
});

describe('deathwatch', () => {
  it('delivers terminated to every watcher, once, and at once for an actor already stopped', async () => {
    system = createSystem({ name: 'watch' });
    const seen: Terminated[] = [];
    const target = system.spawn<Message>(idle, { name: 'target' });
    const watcher = (name: string) =>
      system.spawn<Message>((ctx) => {
        ctx.watch(target);
        return { receive: () => {}, terminated: (t) => void seen.push({ ...t, path: `${name}<-${t.path}` }) };
      }, { name });
    watcher('w1');
    watcher('w2');
    system.stop(target);
    await flush();
    watcher('late');
    await flush();
    expect(seen.map((t) => t.path).sort()).toEqual(['late<-/user/target', 'w1<-/user/target', 'w2<-/user/target']);
  });

  it('stops notifying after unwatch', async () => {
    system = createSystem({ name: 'unwatch' });
    const seen: string[] = [];
    const target = system.spawn<Message>(idle);
    system.spawn<Message>((ctx) => {
      ctx.watch(target);
      ctx.unwatch(target);
      return { receive: () => {}, terminated: (t) => void seen.push(t.path) };
    });
    system.stop(target);
    await flush();
    expect(seen).toEqual([]);
  });
});

describe('registry and receptionist', () => {
  it('registers unique names and frees them when the actor stops', async () => {
    system = createSystem({ name: 'registry' });
    const a = system.spawn<Message>(idle);
    const b = system.spawn<Message>(idle);
    system.registry.register('balancer', a);
    expect(system.registry.lookup('balancer')).toBe(a);
    expect(() => system.registry.register('balancer', b)).toThrowError(expect.objectContaining({ code: 'STRATA_NAME_TAKEN' }));
    system.stop(a);
    expect(system.registry.lookup('balancer')).toBeUndefined();
    system.registry.register('balancer', b);
    expect(system.registry.lookup('balancer')).toBe(b);
  });

  it('keeps a live set per service key and tells subscribers every change', async () => {
    system = createSystem({ name: 'reception' });
    const key = serviceKey<{ type: 'work' }>('workers');
    const listings: number[] = [];
    system.receptionist.subscribe(key, (refs) => listings.push(refs.length));
    const w1 = system.spawn<{ type: 'work' }>(idle);
    const w2 = system.spawn<{ type: 'work' }>(idle);
    system.receptionist.register(key, w1);
    system.receptionist.register(key, w2);
    system.receptionist.register(key, w2); // idempotent
    expect(system.receptionist.find(key)).toEqual([w1, w2]);
    system.stop(w1);
    expect(system.receptionist.find(key)).toEqual([w2]);
    system.receptionist.deregister(key, w2);
    expect(listings).toEqual([0, 1, 2, 1, 0]);
  });
});

describe('timers', () => {
  it('fires single and periodic timers through the clock and cancels them on stop', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'timers', clock });
    const got: string[] = [];
    type T = { type: 'tick' } | { type: 'once' } | { type: 'cancel' };
    const a = system.spawn<T>((ctx) => {
      ctx.timers.startPeriodic('tick', { type: 'tick' }, 100);
      ctx.timers.startSingle('once', { type: 'once' }, 250);
      return {
        receive: (m) => {
          got.push(m.type);
          if (m.type === 'cancel') ctx.timers.cancel('tick');
        },
      };
    });
    await flush();
    clock.advance(300);
    await flush();
    expect(got).toEqual(['tick', 'tick', 'once', 'tick']);
    a.tell({ type: 'cancel' });
    await flush();
    clock.advance(1_000);
    await flush();
    expect(got.filter((t) => t === 'tick')).toHaveLength(3);
    system.stop(a);
    expect(clock.pending()).toBe(0);
  });

  it('cancels timers on restart', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'timer-restart', clock });
    const got: string[] = [];
    let instances = 0;
    const a = system.spawn<{ type: 'tick' | 'fail' }>((ctx) => {
      const me = ++instances;
      if (me === 1) ctx.timers.startSingle('t', { type: 'tick' }, 1_000);
      return {
        receive: (m) => {
          if (m.type === 'fail') throw new Error('x');
          got.push(`tick#${me}`);
        },
      };
    }, { supervision: {} });
    a.tell({ type: 'fail' });
    await flush();
    clock.advance(5_000);
    await flush();
    expect(instances).toBe(2);
    expect(got).toEqual([]);
  });
});

describe('inspection, metrics and logging', () => {
  it('streams lifecycle events and mailbox depths only while someone listens', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'inspect', clock, inspectionSampleMs: 100 });
    const events: InspectionEvent[] = [];
    system.spawn<Message>(idle, { name: 'before' }); // nobody listens: nothing recorded anywhere
    const off = system.inspect((e) => events.push(e));
    const slow = system.spawn<{ type: 'x' }>(() => ({ receive: () => new Promise<void>(() => {}) }), { name: 'stuck' });
    for (let i = 0; i < 5; i++) slow.tell({ type: 'x' });
    await flush();
    clock.advance(100);
    system.stop(slow);
    off();
    clock.advance(1_000);
    expect(events.map((e) => e.type)).toEqual(['actor.started', 'mailbox.depth', 'actor.stopped']);
    expect(events[1]).toMatchObject({ path: '/user/stuck', depth: 4 });
    expect(clock.pending()).toBe(0);
  });

  it('counts processed messages and processing time when metrics are on', async () => {
    system = createSystem({ name: 'metrics' });
    const a = system.spawn<{ type: 'x' }>(() => ({ receive: () => {} }), { metrics: true });
    const b = system.spawn<{ type: 'x' }>(() => ({ receive: () => {} }));
    for (let i = 0; i < 100; i++) a.tell({ type: 'x' });
    await flush();
    const m = system.metricsOf(a)!;
    expect(m.processed).toBe(100);
    expect(m.processingUs.max).toBeGreaterThanOrEqual(1);
    expect(system.metricsOf(b)).toBeNull();
  });

  it('binds the actor path to its logger and passes extra bindings to children', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        cb();
      },
    });
    system = createSystem({ name: 'logs', logger: pino({ level: 'info' }, sink) });
    system.spawn<Message>((ctx) => {
      ctx.spawn<Message>((c) => {
        c.log.info('hello from child');
        return { receive: () => {} };
      }, { name: 'kid' });
      return { receive: () => {} };
    }, { name: 'job', logBindings: { jobId: 'j-1' } });
    await flush();
    expect(lines).toEqual([expect.objectContaining({ msg: 'hello from child', actor: '/user/job/kid', jobId: 'j-1' })]);
  });
});

describe('codec check', () => {
  it('refuses a message msgpack cannot carry, naming the field', () => {
    system = createSystem({ name: 'codec', codecCheck: true });
    const a = system.spawn<Message>(idle);
    const bad: [unknown, string][] = [
      [{ type: 'x', at: new Date() }, 'message.at is an instance of Date'],
      [{ type: 'x', m: new Map() }, 'message.m is an instance of Map'],
      [{ type: 'x', s: new Set() }, 'message.s is an instance of Set'],
      [{ type: 'x', u: undefined }, 'message.u is undefined'],
      [{ type: 'x', f: () => 1 }, 'message.f is function'],
      [{ type: 'x', deep: [{ k: new (class Job {})() }] }, 'message.deep[0].k is an instance of Job'],
    ];
    for (const [msg, text] of bad) {
      expect(() => a.tell(msg as Message)).toThrowError(expect.objectContaining({ code: 'STRATA_NOT_SERIALIZABLE', message: expect.stringContaining(text) }));
    }
  });

  it('carries refs as live refs and typed arrays intact through the codec', async () => {
    system = createSystem({ name: 'codec-ok', codecCheck: true });
    type Q = { type: 'q'; data: Float64Array; replyTo: ActorRef<{ type: 'sum'; sum: number }> };
    const summer = system.spawn<Q>(() => ({ receive: (m) => void m.replyTo.tell({ type: 'sum', sum: m.data.reduce((a, b) => a + b, 0) }) }));
    const reply = await system.ask<Q, { type: 'sum'; sum: number }>(summer, (replyTo) => ({ type: 'q', data: new Float64Array([1.5, 2.5]), replyTo }));
    expect(reply.sum).toBe(4);
  });

  it('gives each message its own copy of a Buffer, not a view of the buffer the codec reuses', () => {
    system = createSystem({ name: 'codec-bin', codecCheck: true });
    const kept: Uint8Array[] = [];
    const keeper = system.spawn<{ type: 'keep'; data: Buffer }>(() => ({ receive: (m) => void kept.push(m.data) }));
    // Buffers travel as msgpack bin; the check packs every message into the same buffer
    keeper.tell({ type: 'keep', data: Buffer.alloc(64, 1) });
    keeper.tell({ type: 'keep', data: Buffer.alloc(64, 2) });
    keeper.tell({ type: 'keep', data: Buffer.alloc(64, 3) });
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      expect(kept.map((d) => d.reduce((a, b) => a + b, 0))).toEqual([64, 128, 192]);
    });
  });
});
