import { describe, it, expect } from 'vitest';
import { Mailbox } from '../../runtime/mailbox.ts';
import { RingQueue } from '../../runtime/ring-queue.ts';
import { Dispatcher, type Runnable } from '../../runtime/dispatcher.ts';

const m = (n: number) => ({ type: 'n', n });

describe('RingQueue', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const q = new RingQueue<number>(2);
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift()!);
    }
    out.push(...q.drain());
    expect(out).toEqual([...Array(100).keys()]);
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});

describe('Mailbox', () => {
  it('drops the newest message when full under drop-newest', () => {
    const mb = new Mailbox({ capacity: 2, overflow: 'drop-newest' });
    expect([mb.offer(m(1)), mb.offer(m(2)), mb.offer(m(3))]).toEqual(['enqueued', 'enqueued', 'dropped-newest']);
    expect([mb.shift(), mb.shift(), mb.shift()]).toEqual([m(1), m(2), undefined]);
  });

  it('drops the oldest message when full under drop-oldest and hands it to onDropped', () => {
    const mb = new Mailbox({ capacity: 2, overflow: 'drop-oldest' });
    const dropped: unknown[] = [];
    mb.onDropped = (x) => dropped.push(x);
    mb.offer(m(1));
    mb.offer(m(2));
    expect(mb.offer(m(3))).toBe('dropped-oldest');
    expect(dropped).toEqual([m(1)]);
    expect([mb.shift(), mb.shift()]).toEqual([m(2), m(3)]);
  });

  it('rejects when full under reject, so the sender learns it', () => {
    const mb = new Mailbox({ capacity: 1, overflow: 'reject' });
    expect(mb.offer(m(1))).toBe('enqueued');
    expect(mb.offer(m(2))).toBe('rejected-full');
    expect(mb.size).toBe(1);
  });

  it('makes a waiting sender wait for room under backpressure, in arrival order', async () => {
    const mb = new Mailbox({ capacity: 1, overflow: 'backpressure' });
    expect(mb.offerWaiting(m(1))).toBe('enqueued');
    const second = mb.offerWaiting(m(2));
    const third = mb.offerWaiting(m(3));
    expect(second).toBeInstanceOf(Promise);
    expect(mb.waiting).toBe(2);
    // a plain offer may not overtake the senders already waiting
    expect(mb.offer(m(4))).toBe('rejected-full');
    expect(mb.shift()).toEqual(m(1));
    expect(await second).toBe('enqueued');
    expect(mb.shift()).toEqual(m(2));
    expect(await third).toBe('enqueued');
    expect(mb.shift()).toEqual(m(3));
  });

  it('tells waiting senders their message is dead when drained', async () => {
    const mb = new Mailbox({ capacity: 1, overflow: 'backpressure' });
    mb.offerWaiting(m(1));
    const waiting = mb.offerWaiting(m(2));
    expect(mb.drain('dead')).toEqual([m(1), m(2)]);
    expect(await waiting).toBe('dead');
  });
});

describe('Dispatcher.runNow', () => {
  it('runs the queued actors at once, does nothing inside a turn, and leaves the queued microtask harmless', async () => {
    const d = new Dispatcher(8);
    const ran: string[] = [];
    let nestedRan = false;
    const b: Runnable = {
      run: () => {
        ran.push('b');
        return false;
      },
    };
    const a: Runnable = {
      run: () => {
        ran.push('a');
        // inside a turn: no nested turn, b (scheduled now) runs after a in this same turn
        d.schedule(b);
        d.runNow();
        nestedRan = ran.includes('b');
        return false;
      },
    };
    d.schedule(a);
    expect(ran).toEqual([]);
    d.runNow();
    expect(ran).toEqual(['a', 'b']);
    expect(nestedRan).toBe(false);
    expect(d.queued).toBe(0);
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual(['a', 'b']);
    // with nothing queued it is a no-op, and later work still gets its microtask
    d.runNow();
    d.schedule(b);
    await Promise.resolve();
    expect(ran).toEqual(['a', 'b', 'b']);
  });
});
