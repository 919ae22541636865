// What actors exchange: plain msgpack-safe data with a `type`. Commands are imperative (`job.submit`),
// events past tense (`job.cancelled`), replies `<command>.ok` / `<command>.rejected`.
import type { ErrorData } from './errors.ts';

export interface Message {
  readonly type: string;
}

/** Why a message did not reach (or was not processed by) its target. */
export type DeadLetterReason =
  | 'stopped' // the target was stopped or never existed
  | 'mailbox-full' // dropped or rejected by the overflow policy
  | 'restarting' // refused by the fail-fast restart policy
  | 'failed' // the handler threw on it; it is not retried
  | 'system-terminated';

/** What a tell did, as a value (no exception, no allocation): the sender decides what to do about it. */
export type TellOutcome =
  | 'enqueued'
  | 'dropped-newest' // mailbox full, policy drop-newest: this message was dropped
  | 'dropped-oldest' // mailbox full, policy drop-oldest: this one is queued, the oldest was dropped
  | 'rejected-full' // mailbox full, policy reject/backpressure: refused, the sender learns it here
  | 'rejected-restarting'
  | 'dead'; // target stopped

export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'reject' | 'backpressure';

/** Delivered to a watcher when an actor it watches terminates. */
export interface Terminated {
  readonly type: 'terminated';
  readonly path: string;
  /** 'stopped' for a normal stop, 'failed' when its supervisor stopped it after a failure. */
  readonly reason: 'stopped' | 'failed' | 'system-terminated';
  readonly error?: ErrorData;
}
