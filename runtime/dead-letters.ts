// Dead letters: every message that did not reach or was not processed by its target, with the reason.
// A stream to subscribe to, and counters; nothing is silently lost.
import type { DeadLetterReason, Message } from './message.ts';

export interface DeadLetter {
  readonly path: string;
  readonly messageType: string;
  readonly reason: DeadLetterReason;
  readonly at: number;
  readonly message: Message;
}

export type DeadLetterListener = (letter: DeadLetter) => void;

export class DeadLetters {
  #listeners = new Set<DeadLetterListener>();
  #counts: Record<DeadLetterReason, number> = { stopped: 0, 'mailbox-full': 0, restarting: 0, failed: 0, 'system-terminated': 0 };
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  publish(path: string, message: Message, reason: DeadLetterReason): void {
    this.#counts[reason]++;
    if (this.#listeners.size === 0) return;
    const letter: DeadLetter = { path, messageType: typeof message?.type === 'string' ? message.type : typeof message, reason, at: this.#now(), message };
    for (const l of this.#listeners) l(letter);
  }

  subscribe(listener: DeadLetterListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  counts(): Readonly<Record<DeadLetterReason, number>> {
    return { ...this.#counts };
  }

  total(): number {
    return Object.values(this.#counts).reduce((a, b) => a + b, 0);
  }
}
