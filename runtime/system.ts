// The actor system: the root of the tree (/user for application actors, /system for the runtime's own),
// the dispatcher that runs them, ask, the registry and receptionist, dead letters and inspection.
import { pino, type Logger } from 'pino';
import { ActorCell, type SystemCore } from './actor-cell.ts';
import type { ActorMetricsSnapshot } from './actor-metrics.ts';
import type { ActorRef, AnyActorRef } from './actor-ref.ts';
import { AskDeadlines } from './ask-deadlines.ts';
import { AskRef } from './ask-ref.ts';
import type { AskOptions, Behaviour, SpawnOptions } from './behaviour.ts';
import { systemClock, type Clock } from './clock.ts';
import { roundTrip } from './codec.ts';
import { DeadLetters } from './dead-letters.ts';
import { DeadRef } from './dead-ref.ts';
import { Dispatcher } from './dispatcher.ts';
import { createError, fromErrorData, type ErrorData, type StrataError } from './errors.ts';
import { Inspection, type InspectionListener } from './inspection.ts';
import type { Message, TellOutcome, Terminated } from './message.ts';
import { Receptionist } from './receptionist.ts';
import { Registry } from './registry.ts';
import type { StrategyOptions } from './supervision.ts';
import type { EnvelopeLimits } from './envelope.ts';
import type { MailboxOptions } from './mailbox.ts';
import { isRemoteBehaviour, type Placement, type RemoteBehaviour } from './placement.ts';
import { remoteChild } from './remote-child.ts';
import { parseQualifiedPath } from './qualified-path.ts';
import { RemoteRef, type ExternalNetwork, type ExternalNetworkHooks } from './remote-ref.ts';
import { ThreadGroup, type ThreadsOptions } from './thread-group.ts';
import { ThreadNetwork, type NetworkStats, type PortLike } from './thread-network.ts';

export interface SystemOptions {
  readonly name: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** pass every local message through the msgpack codec (default: STRATA_CODEC_CHECK=1, on in tests) */
  readonly codecCheck?: boolean;
  /** uniform [0,1) source for backoff jitter; inject a seeded one to replay failures exactly */
  readonly random?: () => number;
  readonly defaultAskTimeoutMs?: number;
  /** how the /user guardian supervises top-level actors */
  readonly guardianSupervision?: StrategyOptions;
  /** messages an actor processes per turn before the next actor runs */
  readonly throughput?: number;
  /** mailbox depth sampling period while someone inspects */
  readonly inspectionSampleMs?: number;
  /** where this system lives (default 'main'); worker threads get theirs from the thread group */
  readonly address?: string;
  /** worker threads hosting actors built from a behaviour catalogue (spawn with `placement`) */
  readonly threads?: ThreadsOptions;
  /** size limits on what crosses a thread (or machine) */
  readonly envelopeLimits?: Partial<EnvelopeLimits>;
  /** set by the worker-thread entry point: the links to main and how to build catalogue actors */
  readonly workerHost?: WorkerHostOptions;
}

export interface WorkerHostOptions {
  readonly bulk: PortLike;
  readonly control: PortLike;
  readonly limits?: Partial<EnvelopeLimits>;
  spawnFromCatalogue(name: string, props: unknown, mailbox: MailboxOptions | undefined): AnyActorRef;
}

export interface ActorTreeNode {
  readonly path: string;
  readonly status: string;
  readonly mailboxDepth: number;
  readonly supervisors: readonly { scope: string; state: string; failuresInWindow: number }[];
  readonly children: readonly ActorTreeNode[];
}

export interface ActorSystem {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly receptionist: Receptionist;
  readonly deadLetters: DeadLetters;
  /** Where this system lives: 'main', or a worker thread's address ('t1.2': thread 1, incarnation 2). */
  readonly address: string;
  /** Spawns a top-level actor under /user; a catalogue behaviour (`remote(...)`) with a `placement` runs on
   *  a worker thread behind a local proxy that this system supervises. */
  spawn<M extends Message>(behaviour: Behaviour<M> | RemoteBehaviour<M>, options?: SpawnOptions): ActorRef<M>;
  /** Spawns a runtime-owned actor under /system. */
  spawnSystem<M extends Message>(behaviour: Behaviour<M>, options?: SpawnOptions): ActorRef<M>;
  stop(ref: AnyActorRef): void;
  ask<const T extends Message, R extends Message>(target: ActorRef<T>, build: (replyTo: ActorRef<R>) => NoInfer<T>, options?: AskOptions): Promise<R>;
  /** Deathwatch from outside any actor: `fn` runs once when `ref` stops (at once if it has). */
  watch(ref: AnyActorRef, fn: (event: Terminated) => void): () => void;
  /** The live ref at a path, or a ref whose messages go to dead letters. */
  resolve(path: string): AnyActorRef;
  inspect(listener: InspectionListener): () => void;
  snapshot(): ActorTreeNode;
  metricsOf(ref: AnyActorRef): ActorMetricsSnapshot | null;
  readonly isTerminated: boolean;
  /** The worker threads (null without `threads`). */
  readonly threads: ThreadGroup | null;
  /** Plugs in the network for addresses beyond this process (the cluster). One per system. */
  attachExternalNetwork(network: ExternalNetwork): ExternalNetworkHooks;
  /** Counters of what crossed threads: envelopes, batches, bytes, refusals by code. */
  networkStats(): NetworkStats;
  /** Stops every actor (children before parents), rejects pending asks, and resolves when done. */
  terminate(): Promise<void>;
}

export function createSystem(options: SystemOptions): ActorSystem {
  return new LocalSystem(options);
}

class LocalSystem implements ActorSystem, SystemCore {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly codecCheck: boolean;
  readonly deadLetters: DeadLetters;
  readonly inspection: Inspection;
  readonly registry: Registry;
  readonly receptionist: Receptionist;
  readonly random: () => number;
  readonly address: string;
  readonly network: ThreadNetwork;
  readonly threads: ThreadGroup | null = null;
  #external: ExternalNetwork | null = null;
  terminated = false;
  readonly #dispatcher: Dispatcher;
  readonly #root: ActorCell;
  readonly #user: ActorCell;
  readonly #systemGuardian: ActorCell;
  readonly #asks = new Map<string, AskRef>();
  /** what every ask's ref calls as it settles, and its codec check: one function each, not two closures per ask */
  readonly #forgetAsk = (r: AskRef): void => void this.#asks.delete(r.path);
  readonly #roundTripReply = (m: Message): Message => this.roundTrip(m);
  // Live cells by their path, filled as resolve() finds them and emptied as they stop: a message from another
  // thread or member names its target by path, and walking the tree split the path into a new array per
  // message (about 0.9 µs of a cross-thread ask's 16 µs over a raw round trip, profiled 2026-12-05).
  readonly #byPath = new Map<string, ActorCell>();
  readonly #deadlines: AskDeadlines;
  #askSeq = 0;
  readonly #defaultAskTimeoutMs: number;
  readonly #sampleMs: number;
  #sampler: unknown = undefined;
  readonly #lastDepths = new Map<string, number>();
  readonly #resolveRef = (address: string, path: string): AnyActorRef => this.network.resolve(address, path);

  constructor(options: SystemOptions) {
    if (!options.name || /[\s/#]/.test(options.name)) {
      throw createError('STRATA_INVALID_NAME', `invalid system name ${JSON.stringify(options.name)}`, { name: options.name });
    }
    this.name = options.name;
    this.address = options.address ?? 'main';
    this.clock = options.clock ?? systemClock;
    this.#deadlines = new AskDeadlines(this.clock);
    this.logger = options.logger ?? pino({ name: `strata:${options.name}`, level: process.env['STRATA_LOG_LEVEL'] ?? 'info' });
    this.codecCheck = options.codecCheck ?? process.env['STRATA_CODEC_CHECK'] === '1';
    this.random = options.random ?? Math.random;
    this.#defaultAskTimeoutMs = options.defaultAskTimeoutMs ?? 5_000;
    this.#sampleMs = options.inspectionSampleMs ?? 1_000;
    this.deadLetters = new DeadLetters(() => this.clock.now());
    this.inspection = new Inspection((active) => this.#onInspectionActive(active));
    const watch = (ref: AnyActorRef, fn: () => void) => this.watch(ref, fn);
    this.registry = new Registry(watch);
    this.receptionist = new Receptionist(watch);
    this.#dispatcher = new Dispatcher(options.throughput ?? 64);
    const guardian: Behaviour<Message> = () => ({ receive: () => {} });
    this.#root = new ActorCell(this, null, '', guardian, {});
    this.#root.start();
    this.#user = this.#root.spawnChild(guardian, { name: 'user', supervision: options.guardianSupervision ?? {} });
    this.#systemGuardian = this.#root.spawnChild(guardian, { name: 'system' });
    const host = options.workerHost;
    this.network = new ThreadNetwork(
      {
        address: this.address,
        logger: this.logger,
        deadLetters: this.deadLetters,
        resolveLocal: (path) => this.resolve(path),
        failAsk: (path, error) => this.#asks.get(path)?.fail(fromErrorData(error)),
        deliverTerminated: (watcher, event) => {
          const cell = this.resolve(watcher);
          if (cell instanceof ActorCell) cell.receiveTerminated(event);
        },
        ...(host ? { spawnFromCatalogue: (name: string, props: unknown, mailbox: MailboxOptions | undefined) => host.spawnFromCatalogue(name, props, mailbox) } : {}),
      },
      { ...options.envelopeLimits, ...host?.limits },
    );
    if (host) {
      this.network.attach('main', host.bulk, host.control);
      this.network.setDefaultRoute('main');
    }
    if (options.threads) this.threads = new ThreadGroup(this, this.network, options.threads, options.envelopeLimits ?? {}, this.codecCheck);
  }

  // ---- SystemCore --------------------------------------------------------------------------------------

  schedule(cell: ActorCell): void {
    this.#dispatcher.schedule(cell);
  }

  roundTrip<T>(message: T): T {
    return roundTrip(message, this.#resolveRef);
  }

  failAsker(message: Message, error: ErrorData): void {
    const replyTo = (message as { replyTo?: unknown }).replyTo;
    if (replyTo instanceof AskRef) replyTo.fail(fromErrorData(error));
    else if (replyTo instanceof RemoteRef) this.#networkOf(replyTo)?.failRemoteAsk(replyTo, error);
  }

  watchExternal(watcher: ActorCell, target: AnyActorRef): boolean {
    if (!(target instanceof RemoteRef)) return false;
    const network = this.#networkOf(target);
    if (network === null) return false;
    network.watchRemote(watcher.path, target);
    return true;
  }

  unwatchExternal(watcher: ActorCell, target: AnyActorRef): void {
    if (target instanceof RemoteRef) this.#networkOf(target)?.unwatchRemote(watcher.path, target);
  }

  #networkOf(ref: RemoteRef): ThreadNetwork | ExternalNetwork | null {
    if (ref.transport === this.network) return this.network;
    if (this.#external !== null && ref.transport === this.#external) return this.#external;
    return null;
  }

  attachExternalNetwork(network: ExternalNetwork): ExternalNetworkHooks {
    if (this.#external !== null) throw createError('STRATA_INVALID_OPTION', `system ${this.name} already has an external network`, {});
    this.#external = network;
    this.network.external = network;
    return {
      resolve: (address, path) => {
        const q = address === this.network.address ? parseQualifiedPath(path) : null;
        return q === null ? this.network.resolve(address, path) : this.network.resolve(q.address, q.path);
      },
      deliverTerminated: (watcher, event, from) => {
        const q = parseQualifiedPath(watcher);
        if (q !== null) return this.network.deliverTerminatedToThread(q.address, from ?? '', q.path, event);
        const cell = this.resolve(watcher);
        if (cell instanceof ActorCell) cell.receiveTerminated(event);
      },
      failAsk: (path, error) => {
        const q = parseQualifiedPath(path);
        if (q === null) return this.#asks.get(path)?.fail(fromErrorData(error));
        const ref = this.network.resolve(q.address, q.path);
        if (ref instanceof RemoteRef) this.network.failRemoteAsk(ref, error);
      },
      runActorsNow: () => this.#dispatcher.runNow(),
    };
  }

  placedBehaviour(behaviour: Behaviour<Message> | RemoteBehaviour<Message>, placement: Placement | undefined, mailbox?: MailboxOptions): Behaviour<Message> {
    if (!isRemoteBehaviour(behaviour)) {
      if (placement !== undefined) {
        throw createError('STRATA_INVALID_PLACEMENT', 'only a catalogue behaviour (remote(catalogue, name, props)) can be placed on a thread: a function cannot cross threads', {});
      }
      return behaviour;
    }
    const threads = this.threads;
    if (threads === null) {
      throw createError('STRATA_INVALID_PLACEMENT', `system ${this.name} has no worker threads: create it with { threads: { count, behaviours } } to place ${behaviour.name}`, { behaviour: behaviour.name });
    }
    if (placement !== 'any' && (typeof placement !== 'object' || placement === null || !Number.isInteger(placement.thread) || placement.thread < 1 || placement.thread > threads.count)) {
      throw createError('STRATA_INVALID_PLACEMENT', `placement ${JSON.stringify(placement ?? null)} for ${behaviour.name} is not { thread: 1..${threads.count} } or 'any'`, { behaviour: behaviour.name });
    }
    return remoteChild(
      {
        addressFor: (p) => threads.addressFor(p),
        spawnRemote: (address, name, props, mb) => this.network.spawnRemote(address, name, props, mb),
        stopRemote: (ref) => this.network.stopRemote(ref),
        watchRemote: (watcherPath, ref) => this.network.watchRemote(watcherPath, ref),
      },
      behaviour,
      placement,
      mailbox,
    );
  }

  onUnhandledFailure(cell: ActorCell, error: ErrorData): void {
    // An escalation that reached a guardian: the failing branch is stopped, never the whole system.
    this.logger.error({ err: error, actor: cell.path }, 'failure escalated to the top of the tree; the actor is stopped');
    if (!cell.isStopped) cell.shutdown('failed', error);
  }

  // ---- ActorSystem -------------------------------------------------------------------------------------

  spawn<M extends Message>(behaviour: Behaviour<M> | RemoteBehaviour<M>, options?: SpawnOptions): ActorRef<M> {
    this.#assertRunning();
    return this.#user.spawnChild(behaviour as unknown as Behaviour<Message>, options) as unknown as ActorRef<M>;
  }

  spawnSystem<M extends Message>(behaviour: Behaviour<M>, options?: SpawnOptions): ActorRef<M> {
    this.#assertRunning();
    return this.#systemGuardian.spawnChild(behaviour as unknown as Behaviour<Message>, options) as unknown as ActorRef<M>;
  }

  stop(ref: AnyActorRef): void {
    if (ref instanceof ActorCell && ref !== this.#root && ref !== this.#user && ref !== this.#systemGuardian) ref.shutdown('stopped');
  }

  ask<const T extends Message, R extends Message>(target: ActorRef<T>, build: (replyTo: ActorRef<R>) => NoInfer<T>, options: AskOptions = {}): Promise<R> {
    if (this.terminated) return Promise.reject(createError('STRATA_SYSTEM_TERMINATED', `system ${this.name} is terminated: cannot ask ${target.path}`, { target: target.path }));
    const timeoutMs = options.timeoutMs ?? this.#defaultAskTimeoutMs;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      return Promise.reject(createError('STRATA_INVALID_OPTION', `ask timeoutMs must be a positive finite number, got ${timeoutMs}`, { timeoutMs }));
    }
    return new Promise<R>((resolve, reject) => {
      const path = `/temp/$${(++this.#askSeq).toString(36)}`;
      const ref = new AskRef(
        this.address,
        path,
        this.#deadlines,
        resolve as (m: Message) => void,
        reject,
        this.#forgetAsk,
        this.codecCheck ? this.#roundTripReply : null,
      );
      this.#asks.set(path, ref);
      let message: T;
      let outcome: TellOutcome;
      try {
        message = build(ref as unknown as ActorRef<R>);
        outcome = target.tell(message);
      } catch (err) {
        ref.fail(err as StrataError);
        return;
      }
      const refused = refusal(outcome, target.path, message.type);
      if (refused) {
        ref.fail(refused);
        return;
      }
      if (ref.settled) return;
      ref.armTimeout(timeoutMs, target.path, message.type);
      const signal = options.signal;
      if (signal) {
        const onAbort = () => ref.fail(createError('STRATA_ASK_CANCELLED', `ask to ${target.path} (${message.type}) was cancelled`, { target: target.path, messageType: message.type }));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  networkStats(): NetworkStats {
    return this.network.stats();
  }

  watch(ref: AnyActorRef, fn: (event: Terminated) => void): () => void {
    if (ref instanceof ActorCell) return ref.onStopped(fn);
    if (ref instanceof RemoteRef) {
      // a hidden watcher actor under /system receives the remote Terminated and calls fn
      let done = false;
      const watcher = this.spawnSystem<Message>((ctx) => {
        ctx.watch(ref);
        return {
          receive: () => {},
          terminated: (event) => {
            if (done) return;
            done = true;
            ctx.stop(ctx.self);
            fn(event);
          },
        };
      });
      return () => {
        done = true;
        this.stop(watcher);
      };
    }
    if (ref instanceof DeadRef) {
      fn({ type: 'terminated', path: ref.path, reason: 'stopped' });
      return () => {};
    }
    throw createError('STRATA_INVALID_OPTION', `cannot watch ${ref.path}: not an actor of this system`, { path: ref.path });
  }

  resolve(path: string): AnyActorRef {
    if (path.startsWith('/temp/')) return this.#asks.get(path) ?? new DeadRef(this.address, path, this.deadLetters);
    const known = this.#byPath.get(path);
    if (known !== undefined) {
      if (!known.isStopped) return known;
      this.#byPath.delete(path); // stopped without telling (forgetCell): not kept, whatever the reason
    }
    let cell: ActorCell | undefined = this.#root;
    for (const segment of path.split('/')) {
      if (segment === '') continue;
      cell = cell.childCell(segment);
      if (cell === undefined) break;
    }
    if (cell === undefined || cell.isStopped) return new DeadRef(this.address, path, this.deadLetters);
    // only a cell's own spelling of its path is kept ('/user//a' resolves, but is not remembered)
    if (cell.path === path) this.#byPath.set(path, cell);
    return cell;
  }

  forgetCell(cell: ActorCell): void {
    if (this.#byPath.get(cell.path) === cell) this.#byPath.delete(cell.path);
  }

  inspect(listener: InspectionListener): () => void {
    return this.inspection.subscribe(listener);
  }

  snapshot(): ActorTreeNode {
    const walk = (c: ActorCell): ActorTreeNode => ({
      path: c.path,
      status: c.statusName,
      mailboxDepth: c.mailboxSize,
      supervisors: c.supervisorStates(),
      children: c.childCells().map(walk),
    });
    return walk(this.#root);
  }

  metricsOf(ref: AnyActorRef): ActorMetricsSnapshot | null {
    return ref instanceof ActorCell && ref.metrics !== null ? ref.metrics.snapshot() : null;
  }

  get isTerminated(): boolean {
    return this.terminated;
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    this.#onInspectionActive(false);
    this.#root.shutdown('system-terminated');
    if (this.threads) await this.threads.close();
    this.network.close();
    for (const ask of [...this.#asks.values()]) {
      ask.fail(createError('STRATA_ASK_CANCELLED', `ask ${ask.path} cancelled: system ${this.name} terminated`, { ask: ask.path }));
    }
    this.#deadlines.close();
    // let the last scheduled turns observe the stopped cells and finish
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  #assertRunning(): void {
    if (this.terminated) throw createError('STRATA_SYSTEM_TERMINATED', `system ${this.name} is terminated`, { system: this.name });
  }

  #onInspectionActive(active: boolean): void {
    if (this.#sampler !== undefined) {
      this.clock.clearTimeout(this.#sampler);
      this.#sampler = undefined;
    }
    if (!active || this.terminated) return;
    const sample = () => {
      this.#sampleDepths();
      this.#sampler = this.clock.setTimeout(sample, this.#sampleMs);
    };
    this.#sampler = this.clock.setTimeout(sample, this.#sampleMs);
  }

  /** Emits the depth of every non-empty mailbox, and a 0 for those that were non-empty last time. */
  #sampleDepths(): void {
    const at = this.clock.now();
    const seen = new Set<string>();
    const stack: ActorCell[] = [this.#root];
    while (stack.length > 0) {
      const c = stack.pop()!;
      const depth = c.mailboxSize;
      if (depth > 0) {
        seen.add(c.path);
        this.#lastDepths.set(c.path, depth);
        this.inspection.emit({ type: 'mailbox.depth', path: c.path, depth, at });
      }
      stack.push(...c.childCells());
    }
    for (const path of this.#lastDepths.keys()) {
      if (!seen.has(path)) {
        this.#lastDepths.delete(path);
        this.inspection.emit({ type: 'mailbox.depth', path, depth: 0, at });
      }
    }
  }
}

function refusal(outcome: TellOutcome, path: string, type: string): StrataError | null {
  switch (outcome) {
    case 'enqueued':
    case 'dropped-oldest':
      return null;
    case 'dead':
      return createError('STRATA_ACTOR_STOPPED', `ask to ${path} (${type}) failed: the actor is stopped`, { target: path, messageType: type });
    case 'rejected-restarting':
      return createError('STRATA_ACTOR_RESTARTING', `ask to ${path} (${type}) refused: the actor is restarting (fail-fast)`, { target: path, messageType: type });
    case 'dropped-newest':
    case 'rejected-full':
      return createError('STRATA_MAILBOX_FULL', `ask to ${path} (${type}) refused: mailbox full`, { target: path, messageType: type });
  }
}
