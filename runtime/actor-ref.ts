// The handle through which actors are reached. A ref accepts only its protocol's messages at compile time
// (`in M`: a ref for a wider protocol can stand where a narrower one is expected, never the reverse), and
// is location-transparent: local cells, ask promises and (later) remote refs all implement it.
import type { Message, TellOutcome } from './message.ts';

export interface ActorRef<in M extends Message> {
  /** unique within the system: /user/ingest/parser-1 */
  readonly path: string;
  /** Never throws for delivery problems: the outcome says what happened (dead letters record drops). */
  tell(message: M): TellOutcome;
  /** Like tell, but when the mailbox is full the returned promise waits in line for room. */
  offer(message: M): Promise<TellOutcome> | TellOutcome;
}

// eslint-style escape hatch for heterogeneous collections of refs (registries, watchers).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActorRef = ActorRef<any>;

/** A ref's protocol, for typing replies: ProtocolOf<typeof ref>. */
export type ProtocolOf<R> = R extends ActorRef<infer M> ? M : never;
