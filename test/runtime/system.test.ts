import { describe, it, expect, afterEach } from 'vitest';
import { createSystem, type ActorRef, type ActorSystem, type Behaviour, type DeadLetter, type Message } from '../../runtime/index.ts';
import { flush } from '../support/flush.ts';

type Reply = { type: 'value'; n: number };
type CounterMsg = { type: 'inc'; by?: number } | { type: 'get'; replyTo: ActorRef<Reply> } | { type: 'never-answer' };

const counter: Behaviour<CounterMsg> = () => {
  let n = 0;
  return {
    receive(m) {
      if (m.type === 'inc') n += m.by ?? 1;
      else if (m.type === 'get') m.replyTo.tell({ type: 'value', n });
    },
  };
};

let system: ActorSystem;
afterEach(async () => {
  await system?.terminate();
});

describe('actor system', () => {
  it('gives actors unique paths under /user and finds them by path', () => {
    system = createSystem({ name: 'paths' });
    const a = system.spawn(counter, { name: 'a' });
    const b = system.spawn(counter);
    expect(a.path).toBe('/user/a');
    expect(b.path).toMatch(/^\/user\/\$[0-9a-z]+$/);
    expect(system.resolve('/user/a')).toBe(a);
    expect(system.resolve('/user/missing').tell({ type: 'inc' } as never)).toBe('dead');
  });

  it('finds an actor by path again after it stopped and another took its name, and never answers with a stopped one', async () => {
    system = createSystem({ name: 'repaths' });
    const first = system.spawn(counter, { name: 'a' });
    expect(system.resolve('/user/a')).toBe(first); // now remembered by path
    expect(system.resolve('/user//a')).toBe(first); // another spelling resolves, and is not remembered
    system.stop(first);
    await new Promise((r) => setTimeout(r, 10));
    expect(system.resolve('/user/a').tell({ type: 'inc' } as never)).toBe('dead');
    const second = system.spawn(counter, { name: 'a' });
    expect(second).not.toBe(first);
    expect(system.resolve('/user/a')).toBe(second);
    expect(system.resolve('/user//a')).toBe(second);
  });

  it('refuses a duplicate or malformed name with a coded error', () => {
    system = createSystem({ name: 'names' });
    system.spawn(counter, { name: 'x' });
    expect(() => system.spawn(counter, { name: 'x' })).toThrowError(expect.objectContaining({ code: 'STRATA_NAME_TAKEN' }));
    for (const bad of ['', 'a/b', 'a b', '#x', '$x']) {
      expect(() => system.spawn(counter, { name: bad })).toThrowError(expect.objectContaining({ code: 'STRATA_INVALID_NAME' }));
    }
  });

  it('delivers tells in order and answers asks through the reply-to ref', async () => {
    system = createSystem({ name: 'ask' });
    const c = system.spawn(counter, { name: 'c' });
    for (let i = 1; i <= 10; i++) expect(c.tell({ type: 'inc', by: i })).toBe('enqueued');
    const reply = await system.ask<CounterMsg, Reply>(c, (replyTo) => ({ type: 'get', replyTo }));
    expect(reply).toEqual({ type: 'value', n: 55 });
  });

  it('fails an unanswered ask with an error naming the target, the message type and the timeout', async () => {
    system = createSystem({ name: 'timeout' });
    const c = system.spawn(counter, { name: 'silent' });
    const err = await system.ask(c, () => ({ type: 'never-answer' }), { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STRATA_ASK_TIMEOUT', retryable: true });
    expect((err as Error).message).toContain('/user/silent');
    expect((err as Error).message).toContain('never-answer');
    expect((err as Error).message).toContain('30 ms');
  });

  it('fails an ask at once, not by timeout, when the target is stopped', async () => {
    system = createSystem({ name: 'dead-ask' });
    const c = system.spawn(counter, { name: 'gone' });
    system.stop(c);
    const t0 = Date.now();
    const err = await system.ask(c, (replyTo) => ({ type: 'get', replyTo }), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STRATA_ACTOR_STOPPED' });
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('cancels an ask through its AbortSignal', async () => {
    system = createSystem({ name: 'abort' });
    const c = system.spawn(counter);
    const ac = new AbortController();
    const p = system.ask(c, () => ({ type: 'never-answer' }), { timeoutMs: 10_000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'STRATA_ASK_CANCELLED' });
  });

  it('forwards a message so the target answers the original asker', async () => {
    system = createSystem({ name: 'forward' });
    const target = system.spawn(counter, { name: 'target' });
    target.tell({ type: 'inc', by: 7 });
    const front = system.spawn<CounterMsg>((ctx) => ({ receive: (m) => ctx.forward(m, target) }), { name: 'front' });
    const reply = await system.ask<CounterMsg, Reply>(front, (replyTo) => ({ type: 'get', replyTo }));
    expect(reply.n).toBe(7);
  });

  it('stops children before the parent and sends the rest of the mailbox to dead letters', async () => {
    system = createSystem({ name: 'stop' });
    const order: string[] = [];
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    const leaf = (name: string): Behaviour<Message> => () => ({ receive: () => {}, stopping: () => order.push(name) });
    const parent = system.spawn<Message>((ctx) => {
      ctx.spawn(leaf('child-1'), { name: 'c1' });
      ctx.spawn(leaf('child-2'), { name: 'c2' });
      return { receive: () => {}, stopping: () => order.push('parent') };
    }, { name: 'p' });
    system.stop(parent);
    expect(order).toEqual(['child-2', 'child-1', 'parent']);
    expect(parent.tell({ type: 'late' })).toBe('dead');
    expect(letters.map((l) => [l.path, l.messageType, l.reason])).toEqual([['/user/p', 'late', 'stopped']]);
    expect(system.resolve('/user/p/c1').tell({ type: 'x' })).toBe('dead');
  });

  it('runs lifecycle hooks: started before the first message, stopping on stop', async () => {
    system = createSystem({ name: 'hooks' });
    const events: string[] = [];
    const a = system.spawn<{ type: 'm' }>(() => ({
      started: () => {
        events.push('started');
      },
      receive: () => {
        events.push('message');
      },
      stopping: () => events.push('stopping'),
    }));
    a.tell({ type: 'm' });
    await flush();
    system.stop(a);
    expect(events).toEqual(['started', 'message', 'stopping']);
  });

  it('holds messages back until an async started hook and async handlers settle, one at a time', async () => {
    system = createSystem({ name: 'async' });
    const events: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const a = system.spawn<{ type: 'work'; i: number }>(() => ({
      async started() {
        await new Promise((r) => setTimeout(r, 10));
        events.push('ready');
      },
      async receive(m) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        events.push(`w${m.i}`);
        inFlight--;
      },
    }));
    for (let i = 0; i < 5; i++) a.tell({ type: 'work', i });
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual(['ready', 'w0', 'w1', 'w2', 'w3', 'w4']);
    expect(maxInFlight).toBe(1);
  });

  it('refuses to spawn on a terminated system and cancels pending asks', async () => {
    system = createSystem({ name: 'term' });
    const c = system.spawn(counter);
    const pending = system.ask(c, () => ({ type: 'never-answer' }), { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await system.terminate();
    expect(await pending).toMatchObject({ code: 'STRATA_ASK_CANCELLED' });
    expect(() => system.spawn(counter)).toThrowError(expect.objectContaining({ code: 'STRATA_SYSTEM_TERMINATED' }));
    expect(c.tell({ type: 'inc' })).toBe('dead');
  });
});

describe('mailbox overflow on a live actor', () => {
  it('reports the policy outcome to the sender and records the drop as a dead letter', async () => {
    system = createSystem({ name: 'overflow' });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    const seen: number[] = [];
    const a = system.spawn<{ type: 'n'; n: number }>(() => ({ receive: (m) => void seen.push(m.n) }), { mailbox: { capacity: 2, overflow: 'reject' } });
    // all three tells happen before the actor runs (it runs in a microtask)
    expect([a.tell({ type: 'n', n: 1 }), a.tell({ type: 'n', n: 2 }), a.tell({ type: 'n', n: 3 })]).toEqual(['enqueued', 'enqueued', 'rejected-full']);
    await flush();
    expect(seen).toEqual([1, 2]);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'mailbox-full', messageType: 'n' });
  });

  it('lets a sender wait for room with offer under backpressure and loses nothing', async () => {
    system = createSystem({ name: 'backpressure' });
    const seen: number[] = [];
    const a = system.spawn<{ type: 'n'; n: number }>(() => ({ receive: (m) => void seen.push(m.n) }), { mailbox: { capacity: 4, overflow: 'backpressure' } });
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, n) => a.offer({ type: 'n', n })));
    await flush();
    expect(outcomes.every((o) => o === 'enqueued')).toBe(true);
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it('fails an ask at once with STRATA_MAILBOX_FULL when the mailbox rejects it', async () => {
    system = createSystem({ name: 'ask-full' });
    const a = system.spawn(counter, { mailbox: { capacity: 1, overflow: 'reject' } });
    a.tell({ type: 'inc' });
    await expect(system.ask(a, (replyTo) => ({ type: 'get', replyTo }))).rejects.toMatchObject({ code: 'STRATA_MAILBOX_FULL' });
  });
});
