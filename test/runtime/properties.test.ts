// Property tests: ordering, no loss or duplication under random failures, budget and backoff arithmetic.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, createSimulatedClock, createSystem, failuresInWindow, type DeadLetter } from '../../runtime/index.ts';
import { flush } from '../support/flush.ts';

describe('runtime properties', () => {
  it('keeps per sender→receiver FIFO order, whatever the interleaving of senders', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 64 }), async (senders, throughput) => {
        const system = createSystem({ name: 'fifo', throughput });
        const got: [number, number][] = [];
        const sink = system.spawn<{ type: 'm'; from: number; seq: number }>(() => ({ receive: (m) => void got.push([m.from, m.seq]) }));
        // four sender actors, each told to send its next message in a random global order
        const refs = [0, 1, 2, 3].map((from) => {
          let seq = 0;
          return system.spawn<{ type: 'go' }>(() => ({ receive: () => void sink.tell({ type: 'm', from, seq: seq++ }) }));
        });
        for (const s of senders) refs[s]!.tell({ type: 'go' });
        await flush(10);
        await system.terminate();
        expect(got).toHaveLength(senders.length);
        for (let from = 0; from < 4; from++) {
          const seqs = got.filter(([f]) => f === from).map(([, s]) => s);
          expect(seqs).toEqual([...seqs.keys()]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('loses and duplicates nothing across random failures under the stash policy', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 50 }), async (failures, backoffMs) => {
        const clock = createSimulatedClock();
        const system = createSystem({ name: 'no-loss', clock, guardianSupervision: { maxRestarts: 1_000, duringRestart: 'stash', backoff: { minMs: backoffMs, jitter: 0.5 } } });
        const processed: number[] = [];
        const letters: DeadLetter[] = [];
        system.deadLetters.subscribe((l) => letters.push(l));
        const a = system.spawn<{ type: 'm'; i: number; fail: boolean }>(() => ({
          receive: (m) => {
            if (m.fail) throw new Error(`fail on ${m.i}`);
            processed.push(m.i);
          },
        }));
        failures.forEach((fail, i) => a.tell({ type: 'm', i, fail }));
        for (let round = 0; round < failures.length + 2; round++) {
          await flush(2);
          clock.advance(100_000);
        }
        await flush(2);
        await system.terminate();
        const failed = letters.filter((l) => l.reason === 'failed').map((l) => (l.message as unknown as { i: number }).i);
        // every message is processed exactly once, or is the one that failed (recorded, not retried)
        expect([...processed, ...failed].sort((x, y) => x - y)).toEqual([...failures.keys()]);
        expect(new Set(processed).size).toBe(processed.length);
        expect(failed.sort((x, y) => x - y)).toEqual(failures.flatMap((f, i) => (f ? [i] : [])));
        expect(processed).toEqual([...processed].sort((x, y) => x - y));
      }),
      { numRuns: 40 },
    );
  });

  it('counts a failure against the budget exactly while it is inside the window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 50 }), fc.integer({ min: 1, max: 5_000 }), (gaps, withinMs) => {
        let failures: number[] = [];
        let now = 0;
        const times: number[] = [];
        for (const gap of gaps) {
          now += gap;
          times.push(now);
          failures = failuresInWindow(failures, now, withinMs);
          const expected = times.filter((t) => t > now - withinMs).length;
          expect(failures).toHaveLength(expected);
        }
      }),
    );
  });

  it('keeps every backoff delay within its jittered bounds and non-decreasing in the attempt before the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (minMs, extra, factor, jitter, attempt, random) => {
          const o = { minMs, maxMs: minMs + extra, factor, jitter };
          const d = backoffDelay(o, attempt, random);
          expect(d).toBeGreaterThanOrEqual(Math.floor(minMs * (1 - jitter)) - 1);
          expect(d).toBeLessThanOrEqual(Math.ceil(o.maxMs * (1 + jitter)) + 1);
          expect(backoffDelay({ ...o, jitter: 0 }, attempt + 1, random)).toBeGreaterThanOrEqual(backoffDelay({ ...o, jitter: 0 }, attempt, random));
        },
      ),
    );
  });
});
