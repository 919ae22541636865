// The receptionist: service keys mapped to the live set of actors offering that service, with
// subscriptions. Actors leave the set when they stop; subscribers see every change.
import type { ActorRef, AnyActorRef } from './actor-ref.ts';
import type { Message } from './message.ts';

/** A typed key: find(key) returns refs of the key's protocol. */
export interface ServiceKey<M extends Message> {
  readonly id: string;
  /** phantom: carries M at the type level only */
  readonly _protocol?: (m: M) => void;
}

export function serviceKey<M extends Message>(id: string): ServiceKey<M> {
  return { id };
}

export type Listing<M extends Message> = (refs: readonly ActorRef<M>[]) => void;

export class Receptionist {
  readonly #services = new Map<string, Map<AnyActorRef, () => void>>();
  readonly #subscribers = new Map<string, Set<Listing<Message>>>();
  readonly #watch: (ref: AnyActorRef, fn: () => void) => () => void;

  constructor(watch: (ref: AnyActorRef, fn: () => void) => () => void) {
    this.#watch = watch;
  }

  register<M extends Message>(key: ServiceKey<M>, ref: ActorRef<M>): void {
    let set = this.#services.get(key.id);
    if (!set) this.#services.set(key.id, (set = new Map()));
    if (set.has(ref)) return;
    set.set(ref, this.#watch(ref, () => this.deregister(key, ref)));
    this.#notify(key.id);
  }

  deregister<M extends Message>(key: ServiceKey<M>, ref: ActorRef<M>): void {
    const set = this.#services.get(key.id);
    const release = set?.get(ref);
    if (!set || !release) return;
    release();
    set.delete(ref);
    if (set.size === 0) this.#services.delete(key.id);
    this.#notify(key.id);
  }

  find<M extends Message>(key: ServiceKey<M>): ActorRef<M>[] {
    return [...(this.#services.get(key.id)?.keys() ?? [])] as ActorRef<M>[];
  }

  /** Calls `listener` now with the current set, then on every change; returns the unsubscribe. */
  subscribe<M extends Message>(key: ServiceKey<M>, listener: Listing<M>): () => void {
    let subs = this.#subscribers.get(key.id);
    if (!subs) this.#subscribers.set(key.id, (subs = new Set()));
    const l = listener as unknown as Listing<Message>;
    subs.add(l);
    listener(this.find(key));
    return () => {
      subs.delete(l);
      if (subs.size === 0) this.#subscribers.delete(key.id);
    };
  }

  #notify(id: string): void {
    const subs = this.#subscribers.get(id);
    if (!subs) return;
    const refs = [...(this.#services.get(id)?.keys() ?? [])];
    for (const s of subs) s(refs);
  }
}
