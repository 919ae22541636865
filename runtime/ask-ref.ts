// The temporary reply-to ref of an ask: the first message told to it settles the ask's promise; a timeout
// or an abort rejects it with a coded error naming the target, the message type and the timeout.
import type { ActorRef } from './actor-ref.ts';
import type { AskDeadlines } from './ask-deadlines.ts';
import { registerRefClass } from './codec.ts';
import { createError, type StrataError } from './errors.ts';
import type { Message, TellOutcome } from './message.ts';

export class AskRef implements ActorRef<Message> {
  readonly address: string;
  readonly path: string;
  #resolve: ((m: Message) => void) | null;
  #reject: ((e: StrataError) => void) | null;
  /** the timeout this ask was armed with (0: not armed) and when it runs out */
  #armedMs = 0;
  deadline = 0;
  #target = '';
  #messageType = '';
  readonly #deadlines: AskDeadlines;
  // Dropped when the ask settles: a settled ask may wait in its deadline FIFO (ask-deadlines.ts) until its
  // timeout has passed, and these closures keep the asker's scope alive, the message it built included (a store
  // append's whole batch: a 3 M-row ingest through the store cluster held 440 MiB of settled batches).
  #onSettled: ((ref: AskRef) => void) | null;
  #roundTrip: ((m: Message) => Message) | null;

  constructor(
    address: string,
    path: string,
    deadlines: AskDeadlines,
    resolve: (m: Message) => void,
    reject: (e: StrataError) => void,
    onSettled: (ref: AskRef) => void,
    roundTrip: ((m: Message) => Message) | null,
  ) {
    this.address = address;
    this.path = path;
    this.#deadlines = deadlines;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#onSettled = onSettled;
    this.#roundTrip = roundTrip;
  }

  get settled(): boolean {
    return this.#resolve === null;
  }

  armTimeout(timeoutMs: number, targetPath: string, messageType: string): void {
    this.#armedMs = timeoutMs;
    this.#target = targetPath;
    this.#messageType = messageType;
    this.deadline = this.#deadlines.deadlineFor(timeoutMs);
    this.#deadlines.arm(this, timeoutMs);
  }

  /** The ask's time is up (called by the deadlines). */
  expire(): void {
    const timeoutMs = this.#armedMs;
    this.fail(
      createError('STRATA_ASK_TIMEOUT', `ask to ${this.#target} (${this.#messageType}) got no reply within ${timeoutMs} ms`, {
        target: this.#target,
        messageType: this.#messageType,
        timeoutMs,
      }),
    );
  }

  tell(message: Message): TellOutcome {
    const resolve = this.#resolve;
    if (resolve === null) return 'dead';
    if (this.#roundTrip !== null) message = this.#roundTrip(message);
    this.#settle();
    resolve(message);
    return 'enqueued';
  }

  offer(message: Message): TellOutcome {
    return this.tell(message);
  }

  fail(error: StrataError): void {
    const reject = this.#reject;
    if (reject === null) return;
    this.#settle();
    reject(error);
  }

  #settle(): void {
    const onSettled = this.#onSettled;
    this.#resolve = null;
    this.#reject = null;
    this.#onSettled = null;
    this.#roundTrip = null;
    if (this.#armedMs !== 0) this.#deadlines.release(this.#armedMs);
    onSettled?.(this);
  }
}

registerRefClass(AskRef);
