// The actor cell: one live actor. It owns the mailbox and a separate system lane, runs the behaviour's
// handlers one message at a time, keeps its children, watchers and timers, and supervises its children
// through the supervisor machine (created only when a child first fails, so idle actors stay small).
import type { Logger } from 'pino';
import { createActor, type Actor } from 'xstate';
import type { ActorRef, AnyActorRef } from './actor-ref.ts';
import type { ActorContext, AskOptions, Behaviour, Handlers, SpawnOptions, Timers } from './behaviour.ts';
import type { Clock } from './clock.ts';
import { registerRefClass } from './codec.ts';
import type { DeadLetters } from './dead-letters.ts';
import { createError, toErrorData, type ErrorData } from './errors.ts';
import type { Inspection } from './inspection.ts';
import { Mailbox, type MailboxOptions } from './mailbox.ts';
import type { DeadLetterReason, Message, TellOutcome, Terminated } from './message.ts';
import { ActorMetrics } from './actor-metrics.ts';
import { createStrategy, defaultStrategy, type SupervisionStrategy } from './supervision.ts';
import { supervisorMachine } from './supervisor-machine.ts';
import { assertValidName } from './names.ts';
import type { Placement, RemoteBehaviour } from './placement.ts';

/** What a cell needs from its system; implemented by system.ts. */
export interface SystemCore {
  readonly name: string;
  /** where this system lives: 'main', or a thread address such as 't1.2' (thread 1, incarnation 2) */
  readonly address: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly codecCheck: boolean;
  readonly deadLetters: DeadLetters;
  readonly inspection: Inspection;
  readonly terminated: boolean;
  schedule(cell: ActorCell): void;
  roundTrip<T>(message: T): T;
  random(): number;
  ask<const T extends Message, R extends Message>(target: ActorRef<T>, build: (replyTo: ActorRef<R>) => NoInfer<T>, options?: AskOptions): Promise<R>;
  /** fails the pending ask (local or remote) that `message.replyTo` belongs to, if it is one */
  failAsker(message: Message, error: ErrorData): void;
  /** deathwatch on a ref of another address (false: not a ref this system can watch) */
  watchExternal(watcher: ActorCell, target: AnyActorRef): boolean;
  unwatchExternal(watcher: ActorCell, target: AnyActorRef): void;
  /** the behaviour to run for a spawn: the behaviour itself, or a proxy for a catalogue behaviour placed on a thread */
  placedBehaviour(behaviour: Behaviour<Message> | RemoteBehaviour<Message>, placement: Placement | undefined, mailbox?: MailboxOptions): Behaviour<Message>;
  /** the top-level guardian's handling of an escalation it cannot pass further up */
  onUnhandledFailure(cell: ActorCell, error: ErrorData): void;
  /** a stopped cell leaves the system's index of cells by path */
  forgetCell(cell: ActorCell): void;
}

const STARTING = 0;
const RUNNING = 1;
const SUSPENDED = 2; // failed or halted: user messages wait (stash) or are refused (fail-fast)
const STOPPED = 3;

type SystemMessage =
  | { readonly kind: 'child-failed'; readonly child: ActorCell; readonly error: ErrorData }
  | { readonly kind: 'terminated'; readonly event: Terminated };

type SupervisorActor = Actor<typeof supervisorMachine>;

export class ActorCell implements ActorRef<Message>, ActorContext<Message> {
  readonly system: SystemCore;
  readonly parent: ActorCell | null;
  readonly name: string;
  #path: string | null = null;
  #mailbox: Mailbox | null = null; // created on first message: a million idle actors hold none
  readonly #mailboxOptions: MailboxOptions | undefined;
  readonly #behaviour: Behaviour<Message>;
  #handlers: Handlers<Message> | null = null;
  #status = STARTING;
  /** true while queued in the dispatcher or being run by it */
  #scheduled = false;
  /** an async handler (or started hook) is in flight */
  #busy = false;
  #system: SystemMessage[] | null = null;
  #children: Map<string, ActorCell> | null = null;
  #childSeq = 0;
  #strategy: SupervisionStrategy | null;
  #supervisors: Map<string, SupervisorActor> | null = null;
  #watchers: Set<ActorCell> | null = null;
  #watching: Set<ActorCell> | null = null;
  #onStop: Set<(event: Terminated) => void> | null = null;
  #timers: Map<string, unknown> | null = null;
  #log: Logger | null = null;
  #timersApi: CellTimers | null = null;
  readonly #logBindings: Readonly<Record<string, string | number | boolean>> | null;
  readonly metrics: ActorMetrics | null;
  /** set when the cell failed, cleared by resume/restart */
  failure: ErrorData | null = null;
  stopReason: Terminated['reason'] | null = null;

  constructor(system: SystemCore, parent: ActorCell | null, name: string, behaviour: Behaviour<Message>, options: SpawnOptions) {
    this.system = system;
    this.parent = parent;
    this.name = name;
    this.#behaviour = behaviour;
    this.#mailboxOptions = options.mailbox;
    this.#strategy = options.supervision ? createStrategy(options.supervision) : null;
    this.metrics = options.metrics ? new ActorMetrics() : null;
    const inherited = parent === null ? null : parent.#logBindings;
    this.#logBindings = options.logBindings ? { ...inherited, ...options.logBindings } : inherited;
  }

  /** Computed on first use: most actors are never named in a log line or a dead letter. */
  get path(): string {
    if (this.#path === null) {
      const parent = this.parent;
      this.#path = parent === null ? `/${this.name}` : `${parent.path === '/' ? '' : parent.path}/${this.name}`;
    }
    return this.#path;
  }

  get mailbox(): Mailbox {
    if (this.#mailbox === null) {
      const mailbox = new Mailbox(this.#mailboxOptions);
      if (this.#mailboxOptions?.overflow === 'drop-oldest') {
        mailbox.onDropped = (m) => this.system.deadLetters.publish(this.path, m, 'mailbox-full');
      }
      this.#mailbox = mailbox;
    }
    return this.#mailbox;
  }

  get address(): string {
    return this.system.address;
  }

  get mailboxSize(): number {
    return this.#mailbox === null ? 0 : this.#mailbox.size;
  }

  // ---- the ref side ------------------------------------------------------------------------------------

  tell(message: Message): TellOutcome {
    if (this.#status === STOPPED) {
      this.system.deadLetters.publish(this.path, message, this.system.terminated ? 'system-terminated' : 'stopped');
      return 'dead';
    }
    if (this.system.codecCheck) message = this.system.roundTrip(message);
    if (this.#status === SUSPENDED && this.#restartPolicy() === 'fail-fast') {
      this.system.deadLetters.publish(this.path, message, 'restarting');
      return 'rejected-restarting';
    }
    const outcome = this.mailbox.offer(message);
    if (outcome === 'enqueued' || outcome === 'dropped-oldest') {
      if (!this.#scheduled && this.#status === RUNNING && !this.#busy) {
        this.#scheduled = true;
        this.system.schedule(this);
      }
    } else {
      this.system.deadLetters.publish(this.path, message, 'mailbox-full');
    }
    return outcome;
  }

  offer(message: Message): Promise<TellOutcome> | TellOutcome {
    if (this.#status === STOPPED || (this.#status === SUSPENDED && this.#restartPolicy() === 'fail-fast')) return this.tell(message);
    if (this.system.codecCheck) message = this.system.roundTrip(message);
    const outcome = this.mailbox.offerWaiting(message);
    if (outcome === 'enqueued') this.#wake();
    else if (typeof outcome === 'object') void outcome.then((o) => o === 'enqueued' && this.#wake());
    return outcome;
  }

  get isStopped(): boolean {
    return this.#status === STOPPED;
  }

  get statusName(): 'starting' | 'running' | 'suspended' | 'stopped' {
    return (['starting', 'running', 'suspended', 'stopped'] as const)[this.#status]!;
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  /** Creates the handlers and runs the started hook. Called once by spawn, and by every restart. */
  start(): void {
    this.#status = STARTING;
    let handlers: Handlers<Message>;
    try {
      handlers = this.#behaviour(this.#context());
    } catch (err) {
      this.#fail(err, null);
      return;
    }
    this.#handlers = handlers;
    this.#status = RUNNING;
    if (this.system.inspection.active) this.system.inspection.emit({ type: 'actor.started', path: this.path, at: this.system.clock.now() });
    if (handlers.started) {
      let result: void | Promise<void>;
      try {
        result = handlers.started();
      } catch (err) {
        this.#fail(err, null);
        return;
      }
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') this.#await(result as Promise<void>, null);
    }
    this.#wake();
  }

  /** Runs the system lane, then up to `budget` user messages. Returns true when there is more to do now. */
  run(budget: number): boolean {
    if (this.#system !== null) this.#runSystem();
    const mailbox = this.#mailbox;
    if (mailbox !== null && this.#status === RUNNING && !this.#busy) {
      const metrics = this.metrics;
      const handlers = this.#handlers!;
      for (let n = 0; n < budget && this.#status === RUNNING; n++) {
        const message = mailbox.shift();
        if (message === undefined) break;
        const t0 = metrics === null ? 0 : performance.now();
        let result: void | Promise<void>;
        try {
          result = handlers.receive(message);
        } catch (err) {
          this.#fail(err, message);
          break;
        }
        if (metrics !== null) metrics.record(performance.now() - t0, mailbox.size);
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
          this.#await(result as Promise<void>, message);
          break;
        }
      }
    }
    const more = (this.#system !== null && this.#system.length > 0) || (this.#status === RUNNING && !this.#busy && this.mailboxSize > 0);
    if (!more) this.#scheduled = false;
    return more;
  }

  #await(promise: Promise<void>, message: Message | null): void {
    this.#busy = true;
    promise.then(
      () => {
        this.#busy = false;
        this.#wake();
      },
      (err: unknown) => {
        this.#busy = false;
        if (this.#status === RUNNING || this.#status === STARTING) this.#fail(err, message);
      },
    );
  }

  #wake(): void {
    if (this.#scheduled || this.#status === STOPPED) return;
    const work = (this.#system !== null && this.#system.length > 0) || (this.#status === RUNNING && !this.#busy && this.mailboxSize > 0);
    if (work) {
      this.#scheduled = true;
      this.system.schedule(this);
    }
  }

  #enqueueSystem(message: SystemMessage): void {
    if (this.#status === STOPPED) return;
    (this.#system ??= []).push(message);
    this.#wake();
  }

  #runSystem(): void {
    const queue = this.#system!;
    const deferred: SystemMessage[] = [];
    while (queue.length > 0 && this.#status !== STOPPED) {
      const m = queue.shift()!;
      if (m.kind === 'child-failed') this.#onChildFailed(m.child, m.error);
      else if (this.#status === RUNNING && !this.#busy) this.#deliverTerminated(m.event);
      else deferred.push(m); // a watcher that is itself suspended hears about it once it runs again
    }
    if (deferred.length > 0) queue.push(...deferred);
  }

  #deliverTerminated(event: Terminated): void {
    const handler = this.#handlers?.terminated;
    if (!handler) return;
    try {
      handler.call(this.#handlers, event);
    } catch (err) {
      this.#fail(err, null);
    }
  }

  #fail(err: unknown, message: Message | null): void {
    if (this.#status === STOPPED) return;
    const error = toErrorData(err);
    this.failure = error;
    this.#status = SUSPENDED;
    if (message !== null) this.system.deadLetters.publish(this.path, message, 'failed');
    if (this.metrics !== null) this.metrics.failures++;
    if (this.#mailbox !== null && this.#restartPolicy() === 'fail-fast') {
      for (const m of this.#mailbox.drain('rejected-restarting')) this.system.deadLetters.publish(this.path, m, 'restarting');
    }
    if (this.system.inspection.active) this.system.inspection.emit({ type: 'actor.failed', path: this.path, at: this.system.clock.now(), error });
    this.logger.warn({ err: error }, 'actor failed');
    if (this.parent !== null && !this.parent.isStopped) this.parent.#enqueueSystem({ kind: 'child-failed', child: this, error });
    else this.system.onUnhandledFailure(this, error);
  }

  /** Supervisor directive: carry on with the same state, skipping the message that failed. */
  resume(): void {
    if (this.#status !== SUSPENDED) return;
    this.failure = null;
    this.#status = this.#handlers === null ? STARTING : RUNNING;
    if (this.#handlers === null) {
      this.start(); // it failed in its constructor: there is no state to resume, so it starts afresh
      return;
    }
    if (this.system.inspection.active) this.system.inspection.emit({ type: 'actor.resumed', path: this.path, at: this.system.clock.now() });
    this.#wake();
  }

  /** Halts processing without a failure of its own (one-for-all / rest-for-one siblings during backoff). */
  halt(): void {
    if (this.#status === RUNNING || this.#status === STARTING) this.#status = SUSPENDED;
  }

  /** Supervisor directive: a fresh instance (the behaviour called again); the mailbox is kept (stash). */
  restart(error: ErrorData | null): void {
    if (this.#status === STOPPED) return;
    this.#stopChildren('stopped');
    this.#cancelTimers();
    const old = this.#handlers;
    this.#handlers = null;
    if (old?.restarting) {
      try {
        old.restarting(error ?? { code: 'STRATA_ACTOR_FAILED', message: 'restarted with its group' });
      } catch (err) {
        this.logger.warn({ err: toErrorData(err) }, 'restarting hook threw; restarting anyway');
      }
    }
    this.failure = null;
    this.#busy = false;
    if (this.system.inspection.active) this.system.inspection.emit({ type: 'actor.restarted', path: this.path, at: this.system.clock.now() });
    this.start();
  }

  /** Stops at once: children first (latest started first), then timers, the stopping hook, dead letters,
   *  and the watchers' Terminated. */
  shutdown(reason: Terminated['reason'] = 'stopped', error?: ErrorData): void {
    if (this.#status === STOPPED) return;
    this.#stopChildren(reason === 'system-terminated' ? reason : 'stopped');
    this.#cancelTimers();
    if (this.#supervisors !== null) {
      for (const s of this.#supervisors.values()) s.stop();
      this.#supervisors = null;
    }
    const handlers = this.#handlers;
    this.#status = STOPPED;
    this.#handlers = null;
    this.stopReason = reason;
    if (handlers?.stopping) {
      try {
        handlers.stopping();
      } catch (err) {
        this.logger.warn({ err: toErrorData(err) }, 'stopping hook threw');
      }
    }
    const deadReason: DeadLetterReason = reason === 'system-terminated' ? 'system-terminated' : 'stopped';
    if (this.#mailbox !== null && (this.#mailbox.size > 0 || this.#mailbox.waiting > 0)) {
      const why: ErrorData = { code: 'STRATA_ACTOR_STOPPED', message: `${this.path} stopped (${reason}) before it processed this message` };
      for (const m of this.#mailbox.drain('dead')) {
        this.system.deadLetters.publish(this.path, m, deadReason);
        // an ask waiting on a message that will never be processed learns it now, not at its timeout
        this.system.failAsker(m, why);
      }
    }
    this.#system = null;
    this.system.forgetCell(this);
    if (this.parent !== null && this.parent.#children?.get(this.name) === this) {
      this.parent.#children.delete(this.name);
      const s = this.parent.#supervisors?.get(this.name);
      if (s) {
        s.stop();
        this.parent.#supervisors!.delete(this.name);
      }
    }
    if (this.#watching !== null) {
      for (const target of this.#watching) target.#watchers?.delete(this);
      this.#watching = null;
    }
    if (this.#watchers !== null || this.#onStop !== null) this.#notifyTerminated(reason, error);
    if (this.system.inspection.active) this.system.inspection.emit({ type: 'actor.stopped', path: this.path, at: this.system.clock.now(), reason });
  }

  #notifyTerminated(reason: Terminated['reason'], error: ErrorData | undefined): void {
    const event: Terminated = error ? { type: 'terminated', path: this.path, reason, error } : { type: 'terminated', path: this.path, reason };
    if (this.#watchers !== null) {
      for (const w of this.#watchers) {
        w.#watching?.delete(this);
        w.#enqueueSystem({ kind: 'terminated', event });
      }
      this.#watchers = null;
    }
    if (this.#onStop !== null) {
      for (const fn of this.#onStop) fn(event);
      this.#onStop = null;
    }
  }

  #stopChildren(reason: Terminated['reason']): void {
    if (this.#children === null) return;
    const children = [...this.#children.values()].reverse();
    for (const c of children) c.shutdown(reason);
    this.#children = null;
    if (this.#supervisors !== null) {
      for (const s of this.#supervisors.values()) s.stop();
      this.#supervisors = null;
    }
  }

  // ---- children and supervision -----------------------------------------------------------------------

  spawnChild(spec: Behaviour<Message> | RemoteBehaviour<Message>, options: SpawnOptions = {}): ActorCell {
    if (this.#status === STOPPED) {
      throw createError(this.system.terminated ? 'STRATA_SYSTEM_TERMINATED' : 'STRATA_ACTOR_STOPPED', `cannot spawn under ${this.path}: it is stopped`, { path: this.path });
    }
    const behaviour = typeof spec === 'function' && options.placement === undefined ? spec : this.system.placedBehaviour(spec, options.placement, options.remoteMailbox);
    let name = options.name;
    if (name === undefined) name = `$${(++this.#childSeq).toString(36)}`;
    else assertValidName(name);
    const children = (this.#children ??= new Map());
    if (children.has(name)) throw createError('STRATA_NAME_TAKEN', `an actor named ${name} already exists under ${this.path}`, { name, parent: this.path });
    const cell = new ActorCell(this.system, this, name, behaviour, options);
    children.set(name, cell);
    cell.start();
    return cell;
  }

  childCell(name: string): ActorCell | undefined {
    return this.#children?.get(name);
  }

  childCells(): ActorCell[] {
    return this.#children === null ? [] : [...this.#children.values()];
  }

  supervisorStates(): { scope: string; state: string; failuresInWindow: number }[] {
    if (this.#supervisors === null) return [];
    return [...this.#supervisors].map(([scope, a]) => {
      const snap = a.getSnapshot();
      return { scope, state: String(snap.value), failuresInWindow: snap.context.failures.length };
    });
  }

  #onChildFailed(child: ActorCell, error: ErrorData): void {
    if (this.#children?.get(child.name) !== child || child.isStopped) return; // stale report
    const strategy = this.#strategy ?? defaultStrategy;
    let directive: ReturnType<SupervisionStrategy['decide']>;
    try {
      directive = strategy.decide(error);
    } catch {
      directive = 'escalate';
    }
    const scope = strategy.kind === 'one-for-one' ? child.name : '*';
    const supervisors = (this.#supervisors ??= new Map());
    let sup = supervisors.get(scope);
    if (sup === undefined) {
      sup = this.#createSupervisor(strategy, scope);
      supervisors.set(scope, sup);
    }
    sup.send({ type: 'child.failed', child: child.name, error, directive, at: this.system.clock.now(), random: this.system.random() });
  }

  #createSupervisor(strategy: SupervisionStrategy, scope: string): SupervisorActor {
    const childOf = (name: string) => this.#children?.get(name);
    const scopeOf = (failed: readonly string[]): ActorCell[] => {
      const all = this.childCells();
      if (strategy.kind === 'one-for-all') return all;
      if (strategy.kind === 'one-for-one') return failed.map(childOf).filter((c): c is ActorCell => c !== undefined);
      const first = all.findIndex((c) => failed.includes(c.name));
      return first < 0 ? [] : all.slice(first); // rest-for-one: the failed child and those started after it
    };
    const machine = supervisorMachine.provide({
      actions: {
        resumeChild: ({ event }) => childOf(event.child)?.resume(),
        stopChild: ({ event }) => childOf(event.child)?.shutdown('failed', event.error),
        haltScope: ({ event }) => {
          for (const c of scopeOf([event.child])) c.halt();
        },
        restartScope: ({ context }) => {
          for (const c of scopeOf(context.pending)) c.restart(context.pending.includes(c.name) ? context.lastError : null);
        },
        escalate: ({ event }) => {
          const failed = childOf(event.child);
          failed?.shutdown('failed', event.error);
          if (this.parent === null || this.parent.parent === null) {
            // a guardian (/user, /system) has nobody to escalate to: the failed branch stays stopped
            this.system.onUnhandledFailure(failed ?? this, event.error);
            return;
          }
          this.#fail(
            createError('STRATA_ACTOR_FAILED', `${this.path}/${event.child} failed beyond its supervisor's budget or asked to escalate: ${event.error.message}`, {
              child: `${this.path}/${event.child}`,
              error: event.error,
            }),
            null,
          );
        },
      },
    });
    const actor = createActor(machine, {
      clock: this.system.clock,
      input: { maxRestarts: strategy.maxRestarts, withinMs: strategy.withinMs, backoff: strategy.backoff },
    });
    actor.subscribe((snap) => {
      if (this.system.inspection.active) {
        this.system.inspection.emit({
          type: 'supervisor.state',
          path: this.path,
          scope,
          state: String(snap.value),
          failuresInWindow: snap.context.failures.length,
          backoffMs: snap.context.backoffMs,
          at: this.system.clock.now(),
        });
      }
      if (snap.status === 'done') this.#supervisors?.delete(scope);
    });
    actor.start();
    return actor;
  }

  #restartPolicy(): 'stash' | 'fail-fast' {
    return ((this.parent === null ? null : this.parent.#strategy) ?? defaultStrategy).duringRestart;
  }

  // ---- watch, timers, logging -------------------------------------------------------------------------

  watch(target: AnyActorRef): void {
    if (!(target instanceof ActorCell)) {
      if (this.system.watchExternal(this, target)) return;
      throw createError('STRATA_INVALID_OPTION', `cannot watch ${target.path}: not a local actor`, { path: target.path });
    }
    if (target === this) return;
    if (target.isStopped) {
      this.#enqueueSystem({ kind: 'terminated', event: { type: 'terminated', path: target.path, reason: target.stopReason ?? 'stopped' } });
      return;
    }
    (target.#watchers ??= new Set()).add(this);
    (this.#watching ??= new Set()).add(target);
  }

  unwatch(target: AnyActorRef): void {
    if (!(target instanceof ActorCell)) {
      this.system.unwatchExternal(this, target);
      return;
    }
    target.#watchers?.delete(this);
    this.#watching?.delete(target);
  }

  /** A Terminated for a watched actor of another address, handed over by the network. */
  receiveTerminated(event: Terminated): void {
    this.#enqueueSystem({ kind: 'terminated', event });
  }

  /** Runtime-internal deathwatch (registry, receptionist): a callback instead of a message. */
  onStopped(fn: (event: Terminated) => void): () => void {
    if (this.#status === STOPPED) {
      fn({ type: 'terminated', path: this.path, reason: this.stopReason ?? 'stopped' });
      return () => {};
    }
    (this.#onStop ??= new Set()).add(fn);
    return () => this.#onStop?.delete(fn);
  }

  get logger(): Logger {
    if (this.#log === null) this.#log = this.system.logger.child({ ...this.#logBindings, actor: this.path });
    return this.#log;
  }

  /** The cell's timers: keyed, replaced by key, all cancelled on stop and restart. */
  timerMap(): Map<string, unknown> {
    return (this.#timers ??= new Map());
  }

  timerHandle(key: string): unknown {
    return this.#timers?.get(key);
  }

  deleteTimer(key: string): void {
    this.#timers?.delete(key);
  }

  #cancelTimers(): void {
    if (this.#timers === null) return;
    for (const t of this.#timers.values()) this.system.clock.clearTimeout(t);
    this.#timers = null;
  }

  // ---- the context side: the cell is its own ActorContext, so an actor costs no extra object for it ----

  #context(): ActorContext<Message> {
    return this;
  }

  get self(): ActorRef<Message> {
    return this;
  }

  get log(): Logger {
    return this.logger;
  }

  get clock(): Clock {
    return this.system.clock;
  }

  get timers(): Timers<Message> {
    return (this.#timersApi ??= new CellTimers(this));
  }

  spawn<C extends Message>(behaviour: Behaviour<C> | RemoteBehaviour<C>, options?: SpawnOptions): ActorRef<C> {
    return this.spawnChild(behaviour as unknown as Behaviour<Message>, options) as unknown as ActorRef<C>;
  }

  /** ActorContext.stop: an actor stops itself or one of its children. */
  stop(ref: AnyActorRef): void {
    if (ref instanceof ActorCell && (ref === this || ref.parent === this)) ref.shutdown('stopped');
    else throw createError('STRATA_INVALID_OPTION', `${this.path} can stop only itself or its children, not ${ref.path}`, { path: ref.path });
  }

  child(name: string): AnyActorRef | undefined {
    return this.childCell(name);
  }

  children(): AnyActorRef[] {
    return this.childCells();
  }

  ask<const T extends Message, R extends Message>(target: ActorRef<T>, build: (replyTo: ActorRef<R>) => NoInfer<T>, options?: AskOptions): Promise<R> {
    return this.system.ask(target, build, options);
  }

  forward<T extends Message>(message: T, target: ActorRef<T>): void {
    target.tell(message);
  }
}

class CellTimers implements Timers<Message> {
  readonly #cell: ActorCell;

  constructor(cell: ActorCell) {
    this.#cell = cell;
  }

  startSingle(key: string, message: Message, delayMs: number): void {
    this.cancel(key);
    const cell = this.#cell;
    cell.timerMap().set(key, cell.system.clock.setTimeout(() => {
      cell.deleteTimer(key);
      cell.tell(message);
    }, delayMs));
  }

  startPeriodic(key: string, message: Message, intervalMs: number): void {
    this.cancel(key);
    const cell = this.#cell;
    const clock = cell.system.clock;
    const tick = (): void => {
      if (cell.isStopped) return;
      cell.timerMap().set(key, clock.setTimeout(tick, intervalMs));
      cell.tell(message);
    };
    cell.timerMap().set(key, clock.setTimeout(tick, intervalMs));
  }

  cancel(key: string): void {
    const t = this.#cell.timerHandle(key);
    if (t !== undefined) {
      this.#cell.system.clock.clearTimeout(t);
      this.#cell.deleteTimer(key);
    }
  }

  isActive(key: string): boolean {
    return this.#cell.timerHandle(key) !== undefined;
  }
}

registerRefClass(ActorCell);
