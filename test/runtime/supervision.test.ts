import { describe, it, expect, afterEach } from 'vitest';
import {
  createSimulatedClock,
  createSystem,
  type ActorRef,
  type ActorSystem,
  type Behaviour,
  type DeadLetter,
  type InspectionEvent,
  type StrategyOptions,
} from '../../runtime/index.ts';
import { flush } from '../support/flush.ts';

type Msg =
  | { type: 'inc' }
  | { type: 'fail'; code?: string }
  | { type: 'get'; replyTo: ActorRef<{ type: 'value'; n: number; instance: number }> };

/** A counter that fails on demand; `instances` counts how many times the behaviour was (re)created. */
function worker(log: string[], name: string): Behaviour<Msg> {
  let instances = 0;
  return () => {
    const instance = ++instances;
    let n = 0;
    log.push(`${name}:start#${instance}`);
    return {
      receive(m) {
        if (m.type === 'inc') n++;
        else if (m.type === 'fail') throw Object.assign(new Error(`${name} told to fail`), m.code ? { code: m.code } : {});
        else m.replyTo.tell({ type: 'value', n, instance });
      },
      restarting: () => log.push(`${name}:restarting#${instance}`),
      stopping: () => log.push(`${name}:stopping#${instance}`),
    };
  };
}

/** A parent with children a, b, c (in that start order) under the given strategy. */
function family(system: ActorSystem, log: string[], supervision: StrategyOptions) {
  const refs: Record<string, ActorRef<Msg>> = {};
  const parent = system.spawn<{ type: 'noop' }>((ctx) => {
    for (const name of ['a', 'b', 'c']) refs[name] = ctx.spawn(worker(log, name), { name });
    return { receive: () => {} };
  }, { name: 'parent', supervision });
  return { parent, refs };
}

const get = (system: ActorSystem, ref: ActorRef<Msg>) => system.ask<Msg, { type: 'value'; n: number; instance: number }>(ref, (replyTo) => ({ type: 'get', replyTo }), { timeoutMs: 2_000 });

let system: ActorSystem;
afterEach(async () => {
  await system?.terminate();
});

describe('supervision', () => {
  it('restarts a failed child with fresh state after the backoff (one-for-one), siblings untouched', async () => {
    const clock = createSimulatedClock(1_000);
    system = createSystem({ name: 'ofo', clock, random: () => 0.5 });
    const log: string[] = [];
    const { refs } = family(system, log, { kind: 'one-for-one', backoff: { minMs: 100, jitter: 0 } });
    refs['a']!.tell({ type: 'inc' });
    refs['b']!.tell({ type: 'inc' });
    refs['a']!.tell({ type: 'fail' });
    await flush();
    expect(log).not.toContain('a:start#2');
    clock.advance(99);
    await flush();
    expect(log).not.toContain('a:start#2');
    clock.advance(1);
    await flush();
    expect(log).toContain('a:restarting#1');
    expect(log).toContain('a:start#2');
    expect(await get(system, refs['a']!)).toMatchObject({ n: 0, instance: 2 });
    expect(await get(system, refs['b']!)).toMatchObject({ n: 1, instance: 1 });
  });

  it('resumes with the same state when the directive says resume, dropping only the failed message', async () => {
    system = createSystem({ name: 'resume' });
    const log: string[] = [];
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    const { refs } = family(system, log, { decide: () => 'resume' });
    refs['a']!.tell({ type: 'inc' });
    refs['a']!.tell({ type: 'fail' });
    refs['a']!.tell({ type: 'inc' });
    expect(await get(system, refs['a']!)).toMatchObject({ n: 2, instance: 1 });
    expect(letters.map((l) => [l.messageType, l.reason])).toEqual([['fail', 'failed']]);
  });

  it('stops a child when the directive says stop, and its watchers learn it failed', async () => {
    system = createSystem({ name: 'stopdir' });
    const log: string[] = [];
    const { refs } = family(system, log, { decide: (e) => (e.code === 'STRATA_FATAL' ? 'stop' : 'restart') });
    const terminated: unknown[] = [];
    system.spawn<{ type: 'noop' }>((ctx) => {
      ctx.watch(refs['a']!);
      return { receive: () => {}, terminated: (t) => void terminated.push(t) };
    });
    await flush();
    refs['a']!.tell({ type: 'fail', code: 'STRATA_FATAL' });
    await flush();
    expect(refs['a']!.tell({ type: 'inc' })).toBe('dead');
    expect(terminated).toEqual([expect.objectContaining({ type: 'terminated', path: '/user/parent/a', reason: 'failed' })]);
  });

  it('restarts every child under one-for-all', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'ofa', clock });
    const log: string[] = [];
    const { refs } = family(system, log, { kind: 'one-for-all', backoff: { minMs: 10, jitter: 0 } });
    for (const r of Object.values(refs)) r.tell({ type: 'inc' });
    refs['b']!.tell({ type: 'fail' });
    await flush();
    clock.advance(10);
    await flush();
    for (const name of ['a', 'b', 'c']) expect(await get(system, refs[name]!)).toMatchObject({ n: 0, instance: 2 });
  });

  it('restarts the failed child and those started after it under rest-for-one', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'rfo', clock });
    const log: string[] = [];
    const { refs } = family(system, log, { kind: 'rest-for-one', backoff: { minMs: 10, jitter: 0 } });
    for (const r of Object.values(refs)) r.tell({ type: 'inc' });
    refs['b']!.tell({ type: 'fail' });
    await flush();
    clock.advance(10);
    await flush();
    expect(await get(system, refs['a']!)).toMatchObject({ n: 1, instance: 1 });
    expect(await get(system, refs['b']!)).toMatchObject({ n: 0, instance: 2 });
    expect(await get(system, refs['c']!)).toMatchObject({ n: 0, instance: 2 });
  });

  it('escalates to the grandparent on the failure past the restart budget', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'budget', clock });
    const log: string[] = [];
    // grandparent restarts the parent; parent allows 2 restarts of its children within 1 s
    const gpLog: string[] = [];
    let parentRef: ActorRef<{ type: 'noop' }> | null = null;
    let refs: Record<string, ActorRef<Msg>> = {};
    system.spawn<{ type: 'noop' }>((ctx) => {
      let parents = 0;
      parentRef = ctx.spawn<{ type: 'noop' }>((pctx) => {
        gpLog.push(`parent:start#${++parents}`);
        refs = { a: pctx.spawn(worker(log, 'a'), { name: 'a' }) };
        return { receive: () => {} };
      }, { name: 'parent', supervision: { maxRestarts: 2, withinMs: 1_000, backoff: { minMs: 1, jitter: 0 } } });
      return { receive: () => {} };
    }, { name: 'grandparent', supervision: { backoff: { minMs: 1, jitter: 0 } } });
    for (let i = 0; i < 2; i++) {
      refs['a']!.tell({ type: 'fail' });
      await flush();
      clock.advance(50);
      await flush();
    }
    expect(gpLog).toEqual(['parent:start#1']);
    refs['a']!.tell({ type: 'fail' }); // third failure inside the window: over budget
    await flush();
    clock.advance(50);
    await flush();
    expect(gpLog).toEqual(['parent:start#1', 'parent:start#2']);
    expect(parentRef).not.toBeNull();
  });

  it('forgets failures older than the window', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'window', clock });
    const log: string[] = [];
    const { refs } = family(system, log, { maxRestarts: 1, withinMs: 1_000, backoff: { minMs: 1, jitter: 0 } });
    for (let i = 0; i < 4; i++) {
      refs['a']!.tell({ type: 'fail' });
      await flush();
      clock.advance(2_000); // each failure is alone in its window
      await flush();
    }
    expect(log.filter((l) => l.startsWith('a:start'))).toHaveLength(5);
  });

  it('keeps messages that arrive during a restart under the stash policy and processes them afterwards', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'stash', clock });
    const log: string[] = [];
    const { refs } = family(system, log, { duringRestart: 'stash', backoff: { minMs: 100, jitter: 0 } });
    refs['a']!.tell({ type: 'fail' });
    await flush();
    expect(refs['a']!.tell({ type: 'inc' })).toBe('enqueued');
    expect(refs['a']!.tell({ type: 'inc' })).toBe('enqueued');
    clock.advance(100);
    await flush();
    expect(await get(system, refs['a']!)).toMatchObject({ n: 2, instance: 2 });
  });

  it('refuses messages during a restart under the fail-fast policy, and the sender learns it', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'failfast', clock });
    const log: string[] = [];
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    const { refs } = family(system, log, { duringRestart: 'fail-fast', backoff: { minMs: 100, jitter: 0 } });
    refs['a']!.tell({ type: 'fail' });
    refs['a']!.tell({ type: 'inc' }); // queued behind the failing message: dropped when it fails
    await flush();
    expect(refs['a']!.tell({ type: 'inc' })).toBe('rejected-restarting');
    await expect(get(system, refs['a']!)).rejects.toMatchObject({ code: 'STRATA_ACTOR_RESTARTING' });
    expect(letters.map((l) => l.reason)).toEqual(['failed', 'restarting', 'restarting', 'restarting']);
    clock.advance(100);
    await flush();
    expect(await get(system, refs['a']!)).toMatchObject({ n: 0, instance: 2 });
  });

  it('treats a throwing behaviour factory and a rejected async handler as failures', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'async-fail', clock });
    let attempts = 0;
    const flaky = system.spawn<{ type: 'x'; replyTo: ActorRef<{ type: 'ok' }> }>(() => {
      if (++attempts < 3) throw new Error('cannot start yet');
      return {
        async receive(m) {
          m.replyTo.tell({ type: 'ok' });
        },
      };
    }, { name: 'flaky' });
    for (let i = 0; i < 3; i++) {
      await flush();
      clock.advance(20_000);
    }
    await flush();
    expect(attempts).toBe(3);
    expect(await system.ask(flaky, (replyTo) => ({ type: 'x', replyTo }))).toEqual({ type: 'ok' });

    const rejecting = system.spawn<{ type: 'x' }>(() => ({ receive: async () => Promise.reject(new Error('async boom')) }), { name: 'rejecting' });
    const failures: InspectionEvent[] = [];
    const off = system.inspect((e) => e.type === 'actor.failed' && failures.push(e));
    rejecting.tell({ type: 'x' });
    await flush();
    off();
    expect(failures).toEqual([expect.objectContaining({ path: '/user/rejecting', error: expect.objectContaining({ message: 'Error: async boom' }) })]);
  });

  it('stops a top-level actor that escalates, and keeps the rest of the system running', async () => {
    system = createSystem({ name: 'top', guardianSupervision: { maxRestarts: 0 } });
    const log: string[] = [];
    const a = system.spawn(worker(log, 'a'), { name: 'a' });
    const b = system.spawn(worker(log, 'b'), { name: 'b' });
    a.tell({ type: 'fail' });
    await flush();
    expect(a.tell({ type: 'inc' })).toBe('dead');
    expect(await get(system, b)).toMatchObject({ n: 0 });
  });

  it('emits supervisor state changes to inspection', async () => {
    const clock = createSimulatedClock();
    system = createSystem({ name: 'inspect-sup', clock });
    const states: string[] = [];
    system.inspect((e) => {
      if (e.type === 'supervisor.state') states.push(`${e.scope}:${e.state}`);
    });
    const log: string[] = [];
    const { refs } = family(system, log, { backoff: { minMs: 10, jitter: 0 } });
    refs['c']!.tell({ type: 'fail' });
    await flush();
    clock.advance(10);
    await flush();
    expect(states).toEqual(['c:supervising', 'c:backingOff', 'c:supervising']);
    expect(system.snapshot().children[0]!.children[0]!.supervisors).toEqual([{ scope: 'c', state: 'supervising', failuresInWindow: 1 }]);
  });
});
