// What an actor is: a behaviour is a function from its context to its handlers. The closure holds the
// actor's state, so a restart (calling the behaviour again) gives a fresh state, and nothing else is kept.
import type { Logger } from 'pino';
import type { ActorRef, AnyActorRef } from './actor-ref.ts';
import type { Clock } from './clock.ts';
import type { ErrorData } from './errors.ts';
import type { MailboxOptions } from './mailbox.ts';
import type { Message, Terminated } from './message.ts';
import type { StrategyOptions } from './supervision.ts';
import type { Placement, RemoteBehaviour } from './placement.ts';

export interface Handlers<M extends Message> {
  /** One message at a time. A returned promise holds the next message back until it settles; a throw or
   *  a rejection is a failure handed to the supervisor. */
  receive(message: M): void | Promise<void>;
  /** After spawn and after every restart, before the first message. */
  started?(): void | Promise<void>;
  /** On stop: children are already stopped, timers cancelled. */
  stopping?(): void;
  /** On the failed instance, before the restart replaces it. */
  restarting?(error: ErrorData): void;
  /** A watched actor terminated. */
  terminated?(event: Terminated): void;
}

export type Behaviour<M extends Message> = (ctx: ActorContext<M>) => Handlers<M>;

export interface SpawnOptions {
  /** unique among the parent's children; generated ($1, $2, …) when absent */
  readonly name?: string;
  readonly mailbox?: MailboxOptions;
  /** how this actor supervises ITS children */
  readonly supervision?: StrategyOptions;
  /** opt-in per-actor metrics: messages processed, mailbox depth, processing time histogram */
  readonly metrics?: boolean;
  /** extra logger bindings, inherited by this actor's children */
  readonly logBindings?: Readonly<Record<string, string | number | boolean>>;
  /** run a catalogue behaviour on worker thread n (1-based) or on the least-loaded one ('any') */
  readonly placement?: Placement;
  /** with a placement: the mailbox of the actor on the thread (`mailbox` configures the local proxy) */
  readonly remoteMailbox?: MailboxOptions;
}

export interface AskOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface Timers<M extends Message> {
  /** Sends `message` to self once after delayMs; a timer with the same key is replaced. */
  startSingle(key: string, message: M, delayMs: number): void;
  /** Sends `message` to self every intervalMs until cancelled or stopped. */
  startPeriodic(key: string, message: M, intervalMs: number): void;
  cancel(key: string): void;
  isActive(key: string): boolean;
}

export interface ActorContext<M extends Message> {
  readonly self: ActorRef<M>;
  readonly path: string;
  readonly name: string;
  readonly parent: AnyActorRef | null;
  readonly log: Logger;
  readonly clock: Clock;
  readonly timers: Timers<M>;
  spawn<C extends Message>(behaviour: Behaviour<C> | RemoteBehaviour<C>, options?: SpawnOptions): ActorRef<C>;
  /** Stops a child (or self): children first, then the stopping hook; the mailbox goes to dead letters. */
  stop(ref: AnyActorRef): void;
  child(name: string): AnyActorRef | undefined;
  children(): AnyActorRef[];
  /** Delivers a Terminated to handlers.terminated when `ref` stops (at once if it already has). */
  watch(ref: AnyActorRef): void;
  unwatch(ref: AnyActorRef): void;
  ask<const T extends Message, R extends Message>(target: ActorRef<T>, build: (replyTo: ActorRef<R>) => NoInfer<T>, options?: AskOptions): Promise<R>;
  /** Passes a message on unchanged (its replyTo included), so the target answers the original asker. */
  forward<T extends Message>(message: T, target: ActorRef<T>): void;
}
