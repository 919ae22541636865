// Remote actors between members: implements the runtime's RemoteTransport for member addresses. Tells become
// envelopes on the bulk lane (batched per tick by the link); spawn by behaviour name, stop, watch and ask
// failures travel on the control lane. When a member goes down every watch on its actors fires, its pending
// spawns fail, and asks waiting on it fail at once with STRATA_CLUSTER_MEMBER_DOWN instead of timing out.
import type { Logger } from 'pino';
import type { AnyActorRef } from '../../runtime/actor-ref.ts';
import { decodeFrame, type RefResolver } from '../../runtime/codec.ts';
import type { DeadLetters } from '../../runtime/dead-letters.ts';
import { envelopeFrom, forEachEnvelope, type Envelope, type EnvelopeExtras, type EnvelopeVisitor } from '../../runtime/envelope.ts';
import { createError, toErrorData, type ErrorData, type StrataError } from '../../runtime/errors.ts';
import type { Message, TellOutcome, Terminated } from '../../runtime/message.ts';
import { RemoteRef, type RemoteTransport } from '../../runtime/remote-ref.ts';
import { isThreadAddress, parseQualifiedPath, qualifyPath } from '../../runtime/qualified-path.ts';
import { RingQueue } from '../../runtime/ring-queue.ts';
import { clusterError } from '../errors.ts';
import type { ControlMessage, Transport } from '../transport/transport.ts';

/** What the network needs from the actor system of this member (the runtime's NetworkHost, plus spawn by
 *  name and watch of local refs). The system's address must be this member's id. */
export interface ClusterHost {
  readonly address: string;
  readonly logger: Logger;
  readonly deadLetters: DeadLetters;
  resolveLocal(path: string): AnyActorRef;
  /** fails a pending ask of this system whose temp path is given */
  failAsk(path: string, error: ErrorData): void;
  /** delivers a remote actor's termination to a local watcher actor (runtime integration; see docs/cluster.md) */
  deliverTerminated?(watcherPath: string, event: Terminated, from?: string): void;
  /** the system's full ref resolver (its threads included), once the network is attached to it */
  resolveRef?(address: string, path: string): AnyActorRef;
  /** runs the system's actors that have work now, once the network is attached to it */
  runActorsNow?(): void;
  /** runs `fn` once when a local ref stops */
  watchLocal(ref: AnyActorRef, fn: (event: Terminated) => void): () => void;
  /** builds a top-level actor from a registered behaviour name */
  spawnByName(behaviour: string, props: unknown, name: string | undefined): AnyActorRef;
  stopLocal(ref: AnyActorRef): void;
}

export interface ClusterNetworkStats {
  receivedEnvelopes: number;
  refused: Record<string, number>;
  /** times a peer's bulk socket was paused because a backpressure mailbox was full */
  pauses: number;
}

const MAX_TRACKED_ASKS = 10_000;
/** what a member frame decodes with for the shared buffers beside it: none cross a machine (decoding only reads it) */
const NO_SHARED_BUFFERS: SharedArrayBuffer[] = [];

/** an ask of this system (its AskRef), or the qualified temp path of an ask on one of its threads */
interface SettlingAsk {
  readonly path: string;
  readonly settled: boolean;
}
type TrackedAsk = SettlingAsk | string;

/** Messages from a paused peer waiting in line for a backpressure mailbox to have room. */
interface Backlog {
  readonly items: { t: string; m: Message }[];
  head: number;
}

/** A local actor whose mailbox policy is `backpressure`: a message for it waits for room instead of being refused. */
const waitsForRoom = (target: AnyActorRef): boolean => (target as { mailbox?: { overflow?: string } }).mailbox?.overflow === 'backpressure';

export class ClusterNetwork implements RemoteTransport {
  readonly #host: ClusterHost;
  readonly #t: Transport;
  readonly #down = new Set<string>();
  #nextId = 1;
  #nextReq = 1;
  readonly #pendingSpawns = new Map<number, { member: string; resolve: (r: RemoteRef) => void; reject: (e: StrataError) => void }>();
  /** member → target path → watch key → callback */
  readonly #watching = new Map<string, Map<string, Map<string, (e: Terminated) => void>>>();
  /** watches other members hold on local actors: `${member}|${watcher}|${target}` → release */
  readonly #watchedBy = new Map<string, () => void>();
  /** asks of this member waiting on a reply from a member, oldest first: member → asks */
  readonly #asksOn = new Map<string, RingQueue<TrackedAsk>>();
  readonly #resolver: RefResolver;
  readonly #stats: ClusterNetworkStats = { receivedEnvelopes: 0, refused: {}, pauses: 0 };
  readonly #reported = new Set<string>();

  constructor(host: ClusterHost, transport: Transport) {
    this.#host = host;
    this.#t = transport;
    this.#resolver = (address, path) => this.resolve(address, path);
  }

  get address(): string {
    return this.#host.address;
  }

  get resolver(): RefResolver {
    return this.#resolver;
  }

  resolve(address: string, path: string): AnyActorRef {
    if (address === this.#host.address) return this.#resolveTarget(path);
    // the system's resolver knows its own threads too; without one, every other address is a member
    return this.#host.resolveRef ? this.#host.resolveRef(address, path) : new RemoteRef(address, path, this);
  }

  // ---- ExternalNetwork (the runtime's hook: ctx.watch(remoteRef) and ask failures route here) --------------

  readonly #actorWatches = new Map<string, () => void>();

  watchRemote(watcherPath: string, target: RemoteRef): void {
    const key = `${watcherPath}|${target.address}|${target.path}`;
    if (this.#actorWatches.has(key)) return;
    const release = this.watch(
      target,
      (event) => {
        this.#actorWatches.delete(key);
        this.#host.deliverTerminated?.(watcherPath, event, target.address);
      },
      watcherPath,
    );
    if (this.#down.has(target.address)) return; // delivered at once above
    this.#actorWatches.set(key, release);
  }

  unwatchRemote(watcherPath: string, target: RemoteRef): void {
    const key = `${watcherPath}|${target.address}|${target.path}`;
    this.#actorWatches.get(key)?.();
    this.#actorWatches.delete(key);
  }

  failRemoteAsk(replyTo: RemoteRef, error: ErrorData): void {
    this.#failRemoteAsk(replyTo, error);
  }

  isDown(member: string): boolean {
    return this.#down.has(member);
  }

  // ---- tell (bulk lane) ----------------------------------------------------------------------------------

  send(address: string, path: string, message: Message, extras?: EnvelopeExtras): TellOutcome {
    if (this.#down.has(address)) {
      this.#host.deadLetters.publish(`${address}:${path}`, message, 'stopped');
      return 'dead';
    }
    const id = this.#nextId++;
    // the link queues the message in wire form: an envelope object is made only for a refusal
    const outcome = this.#t.sendMessage(address, path, id, message, extras);
    if (outcome === 'enqueued') this.#trackAsk(address, message);
    else {
      this.#host.deadLetters.publish(`${address}:${path}`, message, outcome === 'rejected-full' ? 'mailbox-full' : 'stopped');
      // an ask refused by a full link learns why at once instead of timing out
      const e = envelopeFrom(path, id, message, extras);
      if (outcome === 'rejected-full') this.undeliverable(address, e, clusterError('STRATA_CLUSTER_LINK_FULL', `the link to ${address} has its outbound queue full: ${message.type} to ${path} was refused`, { member: address, target: path, messageType: message.type }).toData(), false);
    }
    return outcome;
  }

  #trackAsk(member: string, message: Message): void {
    const replyTo = (message as { replyTo?: unknown }).replyTo as { address?: unknown; path?: unknown } | undefined;
    if (replyTo === undefined || replyTo === null || typeof replyTo.address !== 'string' || typeof replyTo.path !== 'string' || !replyTo.path.startsWith('/temp/')) return;
    // an ask from one of this process's worker threads is tracked by its qualified path
    let ask: TrackedAsk;
    // an ask of this system is its own replyTo, which says when it settled
    if (replyTo.address === this.#host.address) ask = typeof (replyTo as { settled?: unknown }).settled === 'boolean' ? (replyTo as SettlingAsk) : replyTo.path;
    else if (isThreadAddress(replyTo.address)) ask = qualifyPath(replyTo.address, replyTo.path);
    else return;
    let asks = this.#asksOn.get(member);
    if (asks === undefined) this.#asksOn.set(member, (asks = new RingQueue<TrackedAsk>(16)));
    // Asks mostly settle in the order they were made: the settled ones at the front make room, so a run of
    // sequential asks keeps one entry. Before, every ask was a Set insert, and a full set was swept whole.
    for (let head = asks.peek(); head !== undefined && typeof head !== 'string' && head.settled; head = asks.peek()) asks.shift();
    // too many pending: the oldest loses its early failure on member down (its own timeout still runs)
    if (asks.size >= MAX_TRACKED_ASKS) asks.shift();
    asks.push(ask);
  }

  /** The local target of an inbound path: an actor of this system, or (a qualified path) one on a thread. */
  #resolveTarget(path: string): AnyActorRef {
    const q = parseQualifiedPath(path);
    if (q === null || this.#host.resolveRef === undefined) return this.#host.resolveLocal(path);
    return this.#host.resolveRef(q.address, q.path);
  }

  // The frame being delivered: its state lives in these fields so that the visitor is made once rather than as an
  // object and two closures per frame (about 300 bytes per frame for the collector, on both sides of an ask).
  #rxFrom = '';
  #rxPath = '';
  #rxTarget: AnyActorRef | null = null;
  #rxWaits = false;
  /** while this peer is paused (a backpressure mailbox was full), everything behind waits in line, in order */
  #rxBacklog: Backlog | undefined = undefined;
  #rxDepth = 0;
  readonly #rxVisitor: EnvelopeVisitor = {
    envelope: (t, _i, m) => {
      this.#stats.receivedEnvelopes++;
      const from = this.#rxFrom;
      if (this.#rxBacklog !== undefined) return void this.#rxBacklog.items.push({ t, m });
      if (t !== this.#rxPath || this.#rxTarget === null) {
        this.#rxTarget = this.#resolveTarget((this.#rxPath = t));
        this.#rxWaits = waitsForRoom(this.#rxTarget);
      }
      if (!this.#deliver(from, this.#rxTarget, this.#rxWaits, t, m)) this.#rxBacklog = this.#backlogs.get(from);
    },
    refused: (error, m) => {
      this.#refuse(this.#rxFrom, error);
      const replyTo = (m as { replyTo?: unknown } | null | undefined)?.replyTo;
      if (replyTo instanceof RemoteRef) this.#failRemoteAsk(replyTo, error.toData());
    },
  };

  /** Called by the transport with an authenticated envelope batch from `from`. */
  receiveBulk(from: string, bytes: Uint8Array): void {
    let decoded: unknown;
    try {
      decoded = decodeFrame(bytes, this.#resolver, NO_SHARED_BUFFERS, from);
    } catch (err) {
      this.#refuse(from, err as StrataError);
      return;
    }
    // a delivery that led to another frame being delivered inside it (none does today) keeps the outer frame's state
    const outer = this.#rxDepth > 0 ? ([this.#rxFrom, this.#rxPath, this.#rxTarget, this.#rxWaits, this.#rxBacklog] as const) : null;
    this.#rxDepth++;
    this.#rxFrom = from;
    this.#rxPath = '';
    this.#rxTarget = null;
    this.#rxWaits = false;
    this.#rxBacklog = this.#backlogs.get(from);
    try {
      forEachEnvelope(decoded, this.#rxVisitor);
    } finally {
      this.#rxDepth--;
      this.#rxTarget = null; // no ref kept alive past its frame
      this.#rxBacklog = undefined;
      if (outer !== null) [this.#rxFrom, this.#rxPath, this.#rxTarget, this.#rxWaits, this.#rxBacklog] = outer;
    }
    // The actors this batch woke run now, and what they sent (an ask's answer) is written at once, rather than
    // both waiting for the microtask checkpoint after the socket's read callbacks unwound. docs/cluster.md
    this.#host.runActorsNow?.();
    this.#t.flushNow();
  }

  // ---- receive-side flow control ------------------------------------------------------------------------
  // A message for a full mailbox whose overflow policy is `backpressure` is not refused: it waits in line for
  // room (offer), the peer's bulk socket is paused, and what arrives meanwhile is kept in order behind it.

  readonly #backlogs = new Map<string, Backlog>();

  /** Delivers one envelope; false when it had to wait (the peer is now paused). */
  #deliver(from: string, target: AnyActorRef, waits: boolean, t: string, m: Message): boolean {
    let outcome: TellOutcome;
    if (waits) {
      const offered = target.offer(m);
      if (typeof offered === 'object') {
        if (!this.#backlogs.has(from)) {
          this.#backlogs.set(from, { items: [], head: 0 });
          this.#t.pauseBulk(from);
          this.#stats.pauses++;
        }
        void offered.then(() => this.#drainBacklog(from));
        return false;
      }
      outcome = offered;
    } else outcome = target.tell(m);
    if (outcome === 'dead' || outcome === 'rejected-full' || outcome === 'dropped-newest' || outcome === 'rejected-restarting') {
      const replyTo = (m as { replyTo?: unknown }).replyTo;
      if (replyTo instanceof RemoteRef) {
        const code = outcome === 'dead' ? 'STRATA_ACTOR_STOPPED' : outcome === 'rejected-restarting' ? 'STRATA_ACTOR_RESTARTING' : 'STRATA_MAILBOX_FULL';
        this.#failRemoteAsk(replyTo, createError(code, `${m.type} to ${this.#host.address}:${t} was not delivered (${outcome})`, { target: t, messageType: m.type }).toData());
      }
    }
    return true;
  }

  #drainBacklog(from: string): void {
    const b = this.#backlogs.get(from);
    if (b === undefined) return;
    while (b.head < b.items.length) {
      const { t, m } = b.items[b.head++]!;
      const target = this.#resolveTarget(t);
      if (!this.#deliver(from, target, waitsForRoom(target), t, m)) return;
    }
    this.#backlogs.delete(from);
    this.#t.resumeBulk(from);
  }

  /** An envelope the link could not send (too large, unserialisable, member replaced): dead letter it and
   *  fail its ask at once. */
  undeliverable(target: string, e: Envelope, error: ErrorData, deadLetter = true): void {
    if (deadLetter) this.#host.deadLetters.publish(`${target}:${e.t}`, e.m, 'stopped');
    const replyTo = (e.m as { replyTo?: unknown }).replyTo as { address?: unknown; path?: unknown } | undefined;
    if (!replyTo || typeof replyTo.address !== 'string' || typeof replyTo.path !== 'string' || !replyTo.path.startsWith('/temp/')) return;
    if (replyTo.address === this.#host.address) this.#host.failAsk(replyTo.path, error);
    else if (isThreadAddress(replyTo.address)) this.#host.failAsk(qualifyPath(replyTo.address, replyTo.path), error);
  }

  #failRemoteAsk(replyTo: RemoteRef, error: ErrorData): void {
    if (replyTo.path.startsWith('/temp/')) this.#t.sendControl(replyTo.address, { op: 'r.ask.failed', path: replyTo.path, error });
  }

  #refuse(from: string, err: StrataError): void {
    const code = err.code ?? 'STRATA_ENVELOPE_MALFORMED';
    this.#stats.refused[code] = (this.#stats.refused[code] ?? 0) + 1;
    const key = `${from}|${code}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#host.logger.warn({ peer: from, code, err: { code, message: err.message } }, `refused envelopes from ${from} (logged once per member and code)`);
  }

  // ---- control lane --------------------------------------------------------------------------------------

  /** Handles a remote-actor control message; returns false when it is not one. */
  handle(from: string, m: ControlMessage): boolean {
    switch (m.op) {
      case 'r.spawn': {
        const reqId = m['reqId'] as number;
        try {
          if (typeof m['behaviour'] !== 'string') throw clusterError('STRATA_CLUSTER_UNKNOWN_BEHAVIOUR', 'a remote spawn named no behaviour', {});
          const ref = this.#host.spawnByName(m['behaviour'], m['props'], typeof m['name'] === 'string' ? m['name'] : undefined);
          this.#t.sendControl(from, { op: 'r.spawn.ok', reqId, path: ref.path });
        } catch (err) {
          this.#t.sendControl(from, { op: 'r.spawn.failed', reqId, error: toErrorData(err) });
        }
        return true;
      }
      case 'r.spawn.ok':
      case 'r.spawn.failed': {
        const p = this.#pendingSpawns.get(m['reqId'] as number);
        if (!p) return true;
        this.#pendingSpawns.delete(m['reqId'] as number);
        if (m.op === 'r.spawn.ok') p.resolve(new RemoteRef(from, m['path'] as string, this));
        else {
          const e = m['error'] as ErrorData;
          p.reject(e.code === 'STRATA_CLUSTER_UNKNOWN_BEHAVIOUR' ? clusterError('STRATA_CLUSTER_UNKNOWN_BEHAVIOUR', e.message, e.data ?? {}) : clusterError('STRATA_CLUSTER_SPAWN_FAILED', `spawn on ${from} failed: ${e.message}`, { member: from, error: e }));
        }
        return true;
      }
      case 'r.stop':
        this.#host.stopLocal(this.#resolveTarget(m['path'] as string));
        return true;
      case 'r.watch': {
        const target = m['target'] as string;
        const watcher = m['watcher'] as string;
        const key = `${from}|${watcher}|${target}`;
        if (this.#watchedBy.has(key)) return true;
        let fired = false;
        const release = this.#host.watchLocal(this.#resolveTarget(target), (event) => {
          fired = true;
          this.#watchedBy.delete(key);
          this.#t.sendControl(from, { op: 'r.terminated', watcher, event: { ...event, path: target } });
        });
        if (!fired) this.#watchedBy.set(key, release);
        return true;
      }
      case 'r.unwatch': {
        const key = `${from}|${m['watcher'] as string}|${m['target'] as string}`;
        this.#watchedBy.get(key)?.();
        this.#watchedBy.delete(key);
        return true;
      }
      case 'r.terminated': {
        const event = m['event'] as Terminated;
        const watcher = m['watcher'] as string;
        const byPath = this.#watching.get(from)?.get(event.path);
        const fn = byPath?.get(watcher);
        byPath?.delete(watcher);
        if (fn) fn(event);
        else this.#host.deliverTerminated?.(watcher, event, from);
        return true;
      }
      case 'r.ask.failed':
        this.#host.failAsk(m['path'] as string, m['error'] as ErrorData);
        return true;
      default:
        return false;
    }
  }

  // ---- remote spawn, stop, watch -------------------------------------------------------------------------

  /** Spawns a registered behaviour by name on `member`; resolves with a ref to it. */
  spawnRemote(member: string, behaviour: string, props: unknown, options: { name?: string; timeoutMs?: number } = {}): Promise<RemoteRef> {
    return new Promise<RemoteRef>((resolve, reject) => {
      if (this.#down.has(member)) {
        reject(clusterError('STRATA_CLUSTER_MEMBER_DOWN', `cannot spawn ${behaviour} on ${member}: the member is down`, { member, behaviour }));
        return;
      }
      const reqId = this.#nextReq++;
      const timer = setTimeout(() => {
        if (this.#pendingSpawns.delete(reqId)) reject(createError('STRATA_ASK_TIMEOUT', `spawn of ${behaviour} on ${member} got no answer within ${options.timeoutMs ?? 10_000} ms`, { member, behaviour }));
      }, options.timeoutMs ?? 10_000);
      this.#pendingSpawns.set(reqId, {
        member,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.#t.sendControl(member, { op: 'r.spawn', reqId, behaviour, props: props ?? null, ...(options.name ? { name: options.name } : {}) });
    });
  }

  stopRemote(ref: RemoteRef): void {
    this.#t.sendControl(ref.address, { op: 'r.stop', path: ref.path });
  }

  /** Deathwatch of a remote actor: `fn` runs once when it stops or its member goes down. */
  watch(ref: RemoteRef, fn: (event: Terminated) => void, watcherPath?: string): () => void {
    const watcher = watcherPath ?? `/cb/${this.#nextReq++}`;
    if (this.#down.has(ref.address)) {
      fn({ type: 'terminated', path: ref.path, reason: 'failed', error: clusterError('STRATA_CLUSTER_MEMBER_DOWN', `member ${ref.address} is down`, { member: ref.address }).toData() });
      return () => {};
    }
    let byPath = this.#watching.get(ref.address);
    if (!byPath) this.#watching.set(ref.address, (byPath = new Map()));
    let watchers = byPath.get(ref.path);
    if (!watchers) byPath.set(ref.path, (watchers = new Map()));
    watchers.set(watcher, fn);
    this.#t.sendControl(ref.address, { op: 'r.watch', target: ref.path, watcher });
    return () => {
      watchers.delete(watcher);
      this.#t.sendControl(ref.address, { op: 'r.unwatch', target: ref.path, watcher });
    };
  }

  /** The member is down (or removed): its actors are terminated for their watchers, asks and spawns on it fail. */
  memberDown(member: string, reason: string): void {
    if (this.#down.has(member)) return;
    this.#down.add(member);
    this.#backlogs.delete(member);
    const error = clusterError('STRATA_CLUSTER_MEMBER_DOWN', `member ${member} is ${reason}`, { member }).toData();
    const watched = this.#watching.get(member);
    this.#watching.delete(member);
    if (watched) for (const [path, watchers] of watched) for (const fn of watchers.values()) fn({ type: 'terminated', path, reason: 'failed', error });
    for (const [id, p] of this.#pendingSpawns) {
      if (p.member === member) {
        this.#pendingSpawns.delete(id);
        p.reject(clusterError('STRATA_CLUSTER_MEMBER_DOWN', `spawn on ${member} failed: the member is ${reason}`, { member }));
      }
    }
    const asks = this.#asksOn.get(member);
    this.#asksOn.delete(member);
    if (asks) for (const ask of asks.drain()) this.#host.failAsk(typeof ask === 'string' ? ask : ask.path, error);
    for (const [key, release] of this.#watchedBy) {
      if (key.startsWith(`${member}|`)) {
        release();
        this.#watchedBy.delete(key);
      }
    }
  }

  stats(): ClusterNetworkStats {
    return { receivedEnvelopes: this.#stats.receivedEnvelopes, refused: { ...this.#stats.refused }, pauses: this.#stats.pauses };
  }
}
