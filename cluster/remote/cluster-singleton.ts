// A cluster singleton: one instance, on the oldest up member, and never two. The holder stops its instance
// as soon as its side loses the majority (by what it observes itself, plus agreement: see downing.ts), or as soon
// as a member that could down it reports it unreachable (an asymmetric cut), in both cases before the other side
// can down it (downing waits for the stable window); a new holder starts only once
// every older member is down or removed, and each instance carries a fencing epoch (its holder's up number,
// which only grows from one holder to the next) so receivers reject what a stale instance still sends.
import type { AnyActorRef } from '../../runtime/actor-ref.ts';
import type { Behaviour } from '../../runtime/behaviour.ts';
import type { Message, TellOutcome } from '../../runtime/message.ts';
import { clusterError } from '../errors.ts';
import type { Membership } from '../membership/membership.ts';
import type { StrataError } from '../../runtime/errors.ts';

export interface SingletonHost {
  spawn(behaviour: Behaviour<Message>, name: string): AnyActorRef;
  stop(ref: AnyActorRef): void;
  resolve(member: string, path: string): AnyActorRef;
}

export interface SingletonEvent {
  readonly type: 'singleton.started' | 'singleton.stopped';
  readonly name: string;
  readonly epoch: number;
  readonly member: string;
}

export class ClusterSingleton<M extends Message> {
  readonly name: string;
  readonly path: string;
  readonly #factory: (epoch: number) => Behaviour<M>;
  readonly #m: Membership;
  readonly #h: SingletonHost;
  readonly #onEvent: (e: SingletonEvent) => void;
  #running: { ref: AnyActorRef; epoch: number } | null = null;
  readonly #unsubscribe: () => void;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(name: string, factory: (epoch: number) => Behaviour<M>, membership: Membership, host: SingletonHost, onEvent: (e: SingletonEvent) => void = () => {}) {
    this.name = name;
    this.path = `/user/singleton-${name}`;
    this.#factory = factory;
    this.#m = membership;
    this.#h = host;
    this.#onEvent = onEvent;
    this.#unsubscribe = membership.subscribe(() => this.evaluate());
    // the majority can be lost without a membership change (suspicion only): look often
    this.#timer = setInterval(() => this.evaluate(), 100);
    this.#timer.unref?.();
    this.evaluate();
  }

  /** The member that should hold the singleton now (null while none may). */
  holder(): string | null {
    const oldest = this.#m.upMembersByAge()[0];
    if (oldest === undefined) return null;
    // an older member that is leaving may still run it: wait until it is removed
    const older = Object.values(this.#m.state.members).some((m) => m.status === 'leaving' && m.upNumber > 0 && m.upNumber < oldest.upNumber);
    return older ? null : oldest.id;
  }

  get epoch(): number | null {
    return this.#running?.epoch ?? null;
  }

  get isRunningHere(): boolean {
    return this.#running !== null;
  }

  evaluate(): void {
    const self = this.#m.self;
    const mine = this.#m.state.members[self];
    const should = !this.#m.isStopped && mine?.status === 'up' && this.holder() === self && this.#m.hasMajority() && this.#m.downableBy().length === 0;
    if (should && this.#running === null) {
      const epoch = mine!.upNumber;
      const ref = this.#h.spawn(this.#factory(epoch) as Behaviour<Message>, `singleton-${this.name}`);
      this.#running = { ref, epoch };
      this.#onEvent({ type: 'singleton.started', name: this.name, epoch, member: self });
    } else if (!should && this.#running !== null) {
      const { ref, epoch } = this.#running;
      this.#running = null;
      this.#h.stop(ref);
      this.#onEvent({ type: 'singleton.stopped', name: this.name, epoch, member: self });
    }
  }

  /** Tells the current instance, wherever it runs; 'dead' while there is none. */
  tell(message: M): TellOutcome {
    const holder = this.holder();
    if (holder === null) return 'dead';
    return this.#h.resolve(holder, this.path).tell(message);
  }

  stop(): void {
    this.#unsubscribe();
    clearInterval(this.#timer);
    if (this.#running) {
      const { ref, epoch } = this.#running;
      this.#running = null;
      this.#h.stop(ref);
      this.#onEvent({ type: 'singleton.stopped', name: this.name, epoch, member: this.#m.self });
    }
  }
}

/** Rejects side-effecting messages from singleton instances older than one already seen. */
export class Fence {
  #highest = 0;

  get highest(): number {
    return this.#highest;
  }

  /** null when admitted; the coded refusal when the epoch is stale. */
  admit(epoch: number): StrataError | null {
    if (epoch < this.#highest) return clusterError('STRATA_CLUSTER_SINGLETON_FENCED', `epoch ${epoch} is older than epoch ${this.#highest} already seen: a stale singleton instance`, { epoch, highest: this.#highest });
    this.#highest = epoch;
    return null;
  }
}
