import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AskDeadlines, type Expirable } from '../../runtime/ask-deadlines.ts';
import { createSimulatedClock, systemClock } from '../../runtime/clock.ts';
import { createSystem, type ActorRef } from '../../runtime/index.ts';
import { flush } from '../support/flush.ts';

/** an ask as the deadlines see it: settles once, by an answer or by expiring */
class FakeAsk implements Expirable {
  settled = false;
  expired = false;
  readonly deadline: number;
  readonly #deadlines: AskDeadlines;
  readonly #timeoutMs: number;
  constructor(deadlines: AskDeadlines, timeoutMs: number) {
    this.#deadlines = deadlines;
    this.#timeoutMs = timeoutMs;
    this.deadline = deadlines.deadlineFor(timeoutMs);
    deadlines.arm(this, timeoutMs);
  }
  answer(): void {
    if (this.settled) return;
    this.settled = true;
    this.#deadlines.release(this.#timeoutMs);
  }
  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.expired = true;
    this.#deadlines.release(this.#timeoutMs);
  }
}

/** polls a condition (timers on a loaded machine fire late, never early), failing after 10 s */
async function until(condition: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > 10_000) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ask deadlines', () => {
  it('expires each ask at its own deadline, per timeout, and never one that was answered', () => {
    const clock = createSimulatedClock();
    const d = new AskDeadlines(clock);
    const a = new FakeAsk(d, 100); // due at 100
    clock.advance(30);
    const b = new FakeAsk(d, 100); // due at 130
    const c = new FakeAsk(d, 50); // due at 80, in a bucket of its own
    clock.advance(10);
    const e = new FakeAsk(d, 100); // due at 140
    a.answer();
    expect(d.pending).toBe(3);
    clock.advance(39); // t = 79
    expect([b.expired, c.expired, e.expired]).toEqual([false, false, false]);
    clock.advance(1); // t = 80
    expect(c.expired).toBe(true);
    clock.advance(49); // t = 129
    expect(b.expired).toBe(false);
    clock.advance(1); // t = 130
    expect([a.expired, b.expired, e.expired]).toEqual([false, true, false]);
    clock.advance(10); // t = 140
    expect(e.expired).toBe(true);
    expect(d.pending).toBe(0);
    expect(clock.pending()).toBe(0); // nothing left: no timer left behind
  });

  it('leaves no timer behind once every ask is answered (simulated clock) and starts a fresh one for the next', () => {
    const clock = createSimulatedClock();
    const d = new AskDeadlines(clock);
    const asks = Array.from({ length: 5 }, () => new FakeAsk(d, 1_000));
    expect(clock.pending()).toBe(1); // one timer for the bucket, not one per ask
    for (const a of asks) a.answer();
    expect(clock.pending()).toBe(0);
    clock.advance(400);
    const late = new FakeAsk(d, 1_000);
    clock.advance(999);
    expect(late.expired).toBe(false);
    clock.advance(1);
    expect(late.expired).toBe(true);
  });

  it('keeps its queue bounded by the pending asks, not by how many were answered within one timeout', () => {
    const d = new AskDeadlines(systemClock);
    const pending = new FakeAsk(d, 60_000);
    let most = 0;
    for (let i = 0; i < 50_000; i++) {
      new FakeAsk(d, 60_000).answer();
      most = Math.max(most, d.queued);
    }
    expect(d.pending).toBe(1);
    expect(most).toBeLessThanOrEqual(1_025);
    pending.answer();
    d.close();
  });

  it('lets answered asks at the front of the queue go at once, so sequential asks leave nothing queued', () => {
    const d = new AskDeadlines(systemClock);
    for (let i = 0; i < 5_000; i++) {
      new FakeAsk(d, 60_000).answer();
      expect(d.queued).toBe(0);
    }
    // answered out of order: the later one waits behind the pending one, and both go when it is answered
    const first = new FakeAsk(d, 60_000);
    const second = new FakeAsk(d, 60_000);
    second.answer();
    expect(d.queued).toBe(2);
    first.answer();
    expect(d.queued).toBe(0);
    expect(d.pending).toBe(0);
    d.close();
  });

  it('drops a bucket once it is empty, so computed timeouts (a deadline minus now) leave nothing behind', async () => {
    const simulated = createSimulatedClock();
    const a = new AskDeadlines(simulated);
    const answered = Array.from({ length: 100 }, (_, i) => new FakeAsk(a, 10 + i));
    expect(a.buckets).toBe(100);
    for (const x of answered) x.answer();
    expect(a.buckets).toBe(0);
    expect(simulated.pending()).toBe(0);
    // Node timers: the idle timers fire, find their buckets empty and drop them
    const real = new AskDeadlines(systemClock);
    const asks = Array.from({ length: 50 }, (_, i) => new FakeAsk(real, 5 + i));
    asks[49]!.answer();
    for (const x of asks.slice(0, 49)) x.answer();
    expect(real.buckets).toBe(50);
    await until(() => real.buckets === 0);
    const expiring = new FakeAsk(real, 5);
    await until(() => expiring.expired);
    expect(real.buckets).toBe(0);
  });

  it('fails asks of a system by their deadline and cancels the rest when the system terminates', async () => {
    const clock = createSimulatedClock();
    const system = createSystem({ name: 'deadlines', clock });
    const silent = system.spawn<{ type: 'q'; replyTo: ActorRef<{ type: 'a' }> }>(() => ({ receive: () => {} }), { name: 'silent' });
    const outcome = (p: Promise<unknown>) => p.then(() => 'answered', (e: { code?: string }) => e.code);
    const short = outcome(system.ask(silent, (replyTo) => ({ type: 'q', replyTo }), { timeoutMs: 200 }));
    const long = outcome(system.ask(silent, (replyTo) => ({ type: 'q', replyTo }), { timeoutMs: 10_000 }));
    await flush();
    clock.advance(200);
    expect(await short).toBe('STRATA_ASK_TIMEOUT');
    await system.terminate();
    expect(await long).toBe('STRATA_ASK_CANCELLED');
    expect(clock.pending()).toBe(0);
  });

  it('forgets the message an answered ask was built from while the ask still waits in its deadline queue', async () => {
    // a settled ask stays queued until its timeout passes; it must not keep the asker's scope (a batch) alive
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const system = createSystem({ name: 'forget' });
    type Q = { type: 'q'; payload: Float64Array; replyTo: ActorRef<{ type: 'a' }> };
    const echo = system.spawn<Q>(() => ({ receive: (m) => void m.replyTo.tell({ type: 'a' }) }), { name: 'echo' });
    const refs: WeakRef<Float64Array>[] = [];
    const askOnce = async (): Promise<void> => {
      const payload = new Float64Array(1 << 16);
      refs.push(new WeakRef(payload));
      await system.ask(echo, (replyTo) => ({ type: 'q', payload, replyTo }), { timeoutMs: 600_000 });
    };
    for (let i = 0; i < 4; i++) await askOnce();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    await new Promise((r) => setTimeout(r, 0));
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    await system.terminate();
  });

  it('lets a process exit at once after an answered ask, and keeps it up while an ask is pending (real child processes)', async () => {
    const run = async (mode: string) => {
      const t0 = Date.now();
      const { stdout } = await promisify(execFile)(process.execPath, [new URL('./fixtures/ask-liveness.ts', import.meta.url).pathname, mode], { timeout: 30_000 });
      return { ...(JSON.parse(stdout.trim()) as { outcome: string; afterMs: number }), wallMs: Date.now() - t0 };
    };
    const answered = await run('answered');
    expect(answered.outcome).toBe('answered');
    expect(answered.wallMs).toBeLessThan(20_000); // the answered ask's 60 s timeout did not hold the process
    const pending = await run('pending');
    expect(pending.outcome).toBe('STRATA_ASK_TIMEOUT'); // the process waited for the ask rather than exiting
    expect(pending.afterMs).toBeGreaterThanOrEqual(299);
  });
});
