// The registry: unique system-wide names for actors that others look up by name (the load-balancer, the
// job-scheduler). A name is freed when its actor stops.
import type { ActorRef, AnyActorRef } from './actor-ref.ts';
import { createError } from './errors.ts';
import type { Message } from './message.ts';
import { assertValidName } from './names.ts';


export class Registry {
  readonly #names = new Map<string, { ref: AnyActorRef; release: () => void }>();
  readonly #watch: (ref: AnyActorRef, fn: () => void) => () => void;

  constructor(watch: (ref: AnyActorRef, fn: () => void) => () => void) {
    this.#watch = watch;
  }

  register(name: string, ref: AnyActorRef): void {
    assertValidName(name);
    const existing = this.#names.get(name);
    if (existing) throw createError('STRATA_NAME_TAKEN', `registry name ${name} is taken by ${existing.ref.path}`, { name, holder: existing.ref.path });
    const release = this.#watch(ref, () => {
      if (this.#names.get(name)?.ref === ref) this.#names.delete(name);
    });
    this.#names.set(name, { ref, release });
  }

  unregister(name: string): boolean {
    const entry = this.#names.get(name);
    if (!entry) return false;
    entry.release();
    this.#names.delete(name);
    return true;
  }

  lookup<M extends Message>(name: string): ActorRef<M> | undefined {
    return this.#names.get(name)?.ref as ActorRef<M> | undefined;
  }

  names(): string[] {
    return [...this.#names.keys()];
  }
}
