// A bounded mailbox with an overflow policy, and a waiting line for senders that asked to wait for room
// (backpressure). User messages only: system messages have their own lane in the actor cell.
import { RingQueue } from './ring-queue.ts';
import type { Message, OverflowPolicy, TellOutcome } from './message.ts';

export const DEFAULT_MAILBOX_CAPACITY = 10_000;

export interface MailboxOptions {
  readonly capacity?: number;
  readonly overflow?: OverflowPolicy;
}

interface Waiter {
  readonly message: Message;
  readonly resolve: (outcome: TellOutcome) => void;
}

export class Mailbox {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  #queue: RingQueue<Message> | null = null; // allocated on first message: idle actors stay small
  #waiters: RingQueue<Waiter> | null = null;
  /** messages dropped to make room (drop-oldest) are handed here so they reach dead letters */
  onDropped: ((message: Message) => void) | null = null;

  constructor(options: MailboxOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_MAILBOX_CAPACITY;
    this.overflow = options.overflow ?? 'drop-newest';
  }

  get size(): number {
    return this.#queue === null ? 0 : this.#queue.size;
  }

  get waiting(): number {
    return this.#waiters === null ? 0 : this.#waiters.size;
  }

  /** Applies the overflow policy at once; never waits. */
  offer(message: Message): TellOutcome {
    const q = (this.#queue ??= new RingQueue<Message>(4));
    if (q.size < this.capacity && this.waiting === 0) {
      q.push(message);
      return 'enqueued';
    }
    switch (this.overflow) {
      case 'drop-oldest': {
        const oldest = q.shift();
        q.push(message);
        if (oldest !== undefined) this.onDropped?.(oldest);
        return 'dropped-oldest';
      }
      case 'drop-newest':
        return 'dropped-newest';
      case 'reject':
      case 'backpressure':
        return 'rejected-full';
    }
  }

  /** Queues now if there is room, else waits in line (FIFO) until the consumer makes room. */
  offerWaiting(message: Message): Promise<TellOutcome> | TellOutcome {
    const q = (this.#queue ??= new RingQueue<Message>(4));
    if (q.size < this.capacity && this.waiting === 0) {
      q.push(message);
      return 'enqueued';
    }
    return new Promise<TellOutcome>((resolve) => {
      (this.#waiters ??= new RingQueue<Waiter>(4)).push({ message, resolve });
    });
  }

  shift(): Message | undefined {
    const q = this.#queue;
    if (q === null) return undefined;
    const m = q.shift();
    const w = this.#waiters;
    if (w !== null && w.size > 0 && q.size < this.capacity) {
      const next = w.shift()!;
      q.push(next.message);
      next.resolve('enqueued');
    }
    return m;
  }

  /** Empties the mailbox and the waiting line (stop, fail-fast); waiters learn their message is dead. */
  drain(outcomeForWaiters: TellOutcome): Message[] {
    const out = this.#queue === null ? [] : this.#queue.drain();
    if (this.#waiters !== null) {
      for (const w of this.#waiters.drain()) {
        out.push(w.message);
        w.resolve(outcomeForWaiters);
      }
    }
    return out;
  }
}
