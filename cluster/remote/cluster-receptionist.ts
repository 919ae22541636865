// The cluster-wide receptionist: each member owns the listing of its local actors per service key and
// broadcasts it (versioned) to the others on change and periodically; a member's entries vanish when it goes
// down or is removed, and a local actor's when it stops. find() returns local refs and remote refs alike.
import type { ActorRef, AnyActorRef } from '../../runtime/actor-ref.ts';
import type { Message } from '../../runtime/message.ts';
import type { ServiceKey } from '../../runtime/receptionist.ts';
import type { ControlMessage } from '../transport/transport.ts';

export interface ReceptionistHost {
  readonly self: string;
  /** members to tell (up, reachable or not) */
  peers(): string[];
  sendControl(to: string, m: ControlMessage): void;
  watchLocal(ref: AnyActorRef, fn: () => void): () => void;
  resolve(member: string, path: string): AnyActorRef;
}

type Listing = Record<string, string[]>;

export class ClusterReceptionist {
  readonly #h: ReceptionistHost;
  readonly #local = new Map<string, Map<string, { ref: AnyActorRef; release: () => void }>>();
  readonly #remote = new Map<string, { version: number; services: Listing }>();
  readonly #subscribers = new Map<string, Set<(refs: readonly AnyActorRef[]) => void>>();
  #version = 0;

  constructor(host: ReceptionistHost) {
    this.#h = host;
  }

  register<M extends Message>(key: ServiceKey<M>, ref: ActorRef<M>): void {
    let byPath = this.#local.get(key.id);
    if (!byPath) this.#local.set(key.id, (byPath = new Map()));
    if (byPath.has(ref.path)) return;
    byPath.set(ref.path, { ref, release: () => {} });
    const release = this.#h.watchLocal(ref, () => this.deregister(key, ref));
    const entry = byPath.get(ref.path);
    if (entry) entry.release = release;
    this.#changed(key.id);
  }

  deregister<M extends Message>(key: ServiceKey<M>, ref: ActorRef<M>): void {
    const entry = this.#local.get(key.id)?.get(ref.path);
    if (!entry) return;
    entry.release();
    this.#local.get(key.id)!.delete(ref.path);
    this.#changed(key.id);
  }

  find<M extends Message>(key: ServiceKey<M>): ActorRef<M>[] {
    const out: AnyActorRef[] = [...(this.#local.get(key.id)?.values() ?? [])].map((e) => e.ref);
    for (const [member, { services }] of [...this.#remote].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const path of services[key.id] ?? []) out.push(this.#h.resolve(member, path));
    }
    return out as ActorRef<M>[];
  }

  subscribe<M extends Message>(key: ServiceKey<M>, fn: (refs: readonly ActorRef<M>[]) => void): () => void {
    let subs = this.#subscribers.get(key.id);
    if (!subs) this.#subscribers.set(key.id, (subs = new Set()));
    const l = fn as (refs: readonly AnyActorRef[]) => void;
    subs.add(l);
    fn(this.find(key));
    return () => subs.delete(l);
  }

  #listing(): Listing {
    const out: Listing = {};
    for (const [id, byPath] of this.#local) if (byPath.size > 0) out[id] = [...byPath.keys()];
    return out;
  }

  #changed(id: string): void {
    this.#version++;
    this.broadcast();
    this.#notify([id]);
  }

  #notify(ids: Iterable<string>): void {
    for (const id of ids) {
      const subs = this.#subscribers.get(id);
      if (!subs) continue;
      const refs = this.find({ id });
      for (const s of subs) s(refs);
    }
  }

  /** Sends this member's listing to every peer (on change, on a new member, and periodically). */
  broadcast(to?: string): void {
    const m: ControlMessage = { op: 'r.reception', v: this.#version, s: this.#listing() };
    for (const peer of to ? [to] : this.#h.peers()) this.#h.sendControl(peer, m);
  }

  handle(from: string, m: ControlMessage): boolean {
    if (m.op !== 'r.reception') return false;
    const v = m['v'];
    const s = m['s'];
    if (typeof v !== 'number' || s === null || typeof s !== 'object') return true;
    const known = this.#remote.get(from);
    if (known && known.version >= v) return true;
    const services: Listing = {};
    for (const [id, paths] of Object.entries(s as Record<string, unknown>)) {
      if (Array.isArray(paths)) services[id] = paths.filter((p): p is string => typeof p === 'string');
    }
    this.#remote.set(from, { version: v, services });
    this.#notify(new Set([...Object.keys(services), ...Object.keys(known?.services ?? {})]));
    return true;
  }

  memberGone(member: string): void {
    const known = this.#remote.get(member);
    if (!known) return;
    this.#remote.delete(member);
    this.#notify(Object.keys(known.services));
  }
}
