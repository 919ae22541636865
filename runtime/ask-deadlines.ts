// Ask timeouts without a timer per ask. Asks made with the same timeout expire in the order they were made,
// so each distinct timeout keeps a FIFO of its asks and one clock timer for the oldest one still pending.
// Arming an ask is a push; settling one is a counter decrement; the timer, when it fires, fails what is due
// and re-arms itself for the next deadline. A Node timer per ask cost an insert into and a removal from the
// timer lists (a list per duration, created and deleted again for sequential asks): about 2 µs of a
// cross-thread ask on the 2-vCPU VM, plus the Timeout object for the GC.
//
// A pending ask keeps the process alive, as its own timer did: the bucket's timer is ref'd while the bucket
// has a pending ask and unref'd when it has none (a clock whose timers cannot be unref'd, the simulated one,
// has its timer cleared instead). A settled ask leaves the FIFO when it reaches the front (at the next
// release, or when the timer passes it); one behind a pending ask waits until then or until the FIFO is
// compacted (when it holds many more settled asks than pending ones), so memory stays bounded by the ask
// rate, not the timeout; a bucket left empty is dropped. Deadlines come from the system's clock: a wall clock
// stepped back delays an expiry by at most the step.
import type { Clock } from './clock.ts';
import { RingQueue } from './ring-queue.ts';

/** What a bucket holds: an ask that knows its deadline and how to fail itself. */
export interface Expirable {
  readonly settled: boolean;
  /** clock time at which the ask times out */
  readonly deadline: number;
  /** fails the ask with its timeout error */
  expire(): void;
}

interface Bucket {
  readonly timeoutMs: number;
  readonly queue: RingQueue<Expirable>;
  /** asks armed here and not yet settled */
  live: number;
  timer: unknown;
  /** the timer is unref'd (Node timers only) */
  idle: boolean;
}

/** compaction never runs for fewer queued asks than this */
const COMPACT_FROM = 1024;

interface NodeTimerLike {
  ref(): unknown;
  unref(): unknown;
}
const canUnref = (t: unknown): t is NodeTimerLike =>
  typeof t === 'object' && t !== null && typeof (t as { unref?: unknown }).unref === 'function' && typeof (t as { ref?: unknown }).ref === 'function';

export class AskDeadlines {
  readonly #clock: Clock;
  readonly #buckets = new Map<number, Bucket>();
  #closed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Starts counting an ask's timeout (its `deadline` from `deadlineFor`). The caller must call
   *  `release(timeoutMs)` exactly once when the ask settles (answered, failed, cancelled or expired). */
  arm(ask: Expirable, timeoutMs: number): void {
    let b = this.#buckets.get(timeoutMs);
    if (b === undefined) {
      b = { timeoutMs, queue: new RingQueue<Expirable>(16), live: 0, timer: undefined, idle: false };
      this.#buckets.set(timeoutMs, b);
    }
    b.queue.push(ask);
    b.live++;
    if (b.timer === undefined) {
      if (!this.#closed) this.#schedule(b, timeoutMs);
    } else if (b.idle) {
      (b.timer as NodeTimerLike).ref();
      b.idle = false;
    }
    if (b.queue.size > COMPACT_FROM && b.queue.size > 4 * b.live) this.#compact(b);
  }

  /** the clock time an ask armed now with this timeout expires at */
  deadlineFor(timeoutMs: number): number {
    return this.#clock.now() + timeoutMs;
  }

  /** An ask armed with `timeoutMs` has settled. */
  release(timeoutMs: number): void {
    const b = this.#buckets.get(timeoutMs);
    if (b === undefined) return;
    b.live--;
    // Settled asks at the front go now, not when the timer passes them: asks mostly settle in the order they
    // were made, so a run of sequential asks keeps the FIFO empty. Left queued until a compaction (a thousand
    // asks later), each settled ask outlived a young-generation collection or two and was promoted, and the
    // old generation filled with them: a remote ask allocated and promoted more than it needed to.
    const q = b.queue;
    for (let head = q.peek(); head !== undefined && head.settled; head = q.peek()) q.shift();
    if (b.live > 0 || b.timer === undefined) return;
    if (canUnref(b.timer)) {
      b.timer.unref();
      b.idle = true;
    } else {
      this.#clock.clearTimeout(b.timer);
      b.timer = undefined;
      b.idle = false;
      // nothing pending: what is queued is settled, and a new timer starts from the next ask
      this.#buckets.delete(timeoutMs);
    }
  }

  /** Stops every timer (system termination: the pending asks are failed by their owner). */
  close(): void {
    this.#closed = true;
    for (const b of this.#buckets.values()) {
      if (b.timer !== undefined) this.#clock.clearTimeout(b.timer);
      b.timer = undefined;
    }
  }

  /** pending (armed, unsettled) asks, for tests and inspection */
  get pending(): number {
    let n = 0;
    for (const b of this.#buckets.values()) n += b.live;
    return n;
  }

  /** asks queued, settled ones not yet passed included (tests: the queue stays bounded) */
  get queued(): number {
    let n = 0;
    for (const b of this.#buckets.values()) n += b.queue.size;
    return n;
  }

  /** timeout values with a bucket (tests: empty ones are dropped) */
  get buckets(): number {
    return this.#buckets.size;
  }

  #schedule(b: Bucket, inMs: number): void {
    b.idle = false;
    b.timer = this.#clock.setTimeout(() => this.#fire(b), inMs);
  }

  #fire(b: Bucket): void {
    b.timer = undefined;
    b.idle = false;
    const now = this.#clock.now();
    const q = b.queue;
    for (let head = q.peek(); head !== undefined; head = q.peek()) {
      if (head.settled) {
        q.shift();
        continue;
      }
      // a timer may fire a little early against a millisecond clock: wait for the rest
      if (head.deadline > now) break;
      q.shift();
      head.expire();
    }
    const next = q.peek();
    // an empty bucket goes: callers that compute their timeouts (a deadline minus now) would otherwise leave
    // one behind per distinct value
    if (next === undefined) this.#buckets.delete(b.timeoutMs);
    // what is left starts with a pending ask (settled ones were passed), so the new timer is ref'd
    else if (!this.#closed) this.#schedule(b, Math.max(1, next.deadline - now));
  }

  #compact(b: Bucket): void {
    const kept = b.queue.drain().filter((a) => !a.settled);
    for (const a of kept) b.queue.push(a);
  }
}
