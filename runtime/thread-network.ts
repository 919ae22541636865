// Moves envelopes between the actor systems of one process's threads. Star topology: workers talk to main,
// main relays between workers without decoding. Two lanes per link: bulk (envelope batches: every message
// for one address within a tick travels as one msgpack buffer whose ArrayBuffer is transferred) and control
// (spawn, stop, watch, terminated, address-down: small structured-clone messages that never wait behind a
// batch). Bad bytes are refused with coded errors, logged once per peer and code, and never crash anything.
import type { Logger } from 'pino';
import type { AnyActorRef } from './actor-ref.ts';
import { decodeBatch, decodeBatchString, encodeBatch, encodeBatchForThread, type RefResolver } from './codec.ts';
import { defaultEnvelopeLimits, envelopeFrom, forEachEnvelope, toWire, type Envelope, type EnvelopeLimits, type EnvelopeVisitor, type EnvelopeExtras } from './envelope.ts';
import { createError, toErrorData, type ErrorData, type StrataError } from './errors.ts';
import type { Message, TellOutcome, Terminated } from './message.ts';
import { RemoteRef, type ExternalNetwork, type RemoteTransport } from './remote-ref.ts';
import { isThreadAddress, qualifyPath } from './qualified-path.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { MailboxOptions } from './mailbox.ts';

/** A MessagePort, a Worker or parentPort: anything with postMessage and message events. */
export interface PortLike {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off?(event: 'message', listener: (value: unknown) => void): unknown;
}

/** What the network needs from the system it serves. */
export interface NetworkHost {
  readonly address: string;
  readonly logger: Logger;
  readonly deadLetters: DeadLetters;
  /** a local ref for a path of this system (a dead ref if none) */
  resolveLocal(path: string): AnyActorRef;
  /** fails a pending ask of this system whose temp path is given */
  failAsk(path: string, error: ErrorData): void;
  /** delivers a remote actor's termination to a local watcher */
  deliverTerminated(watcherPath: string, event: Terminated): void;
  /** builds an actor from the behaviour catalogue (worker threads only) */
  spawnFromCatalogue?(name: string, props: unknown, mailbox: MailboxOptions | undefined): AnyActorRef;
}


/** batches of fewer envelopes are packed as plain maps (msgpack records only pay off over many) */
const SMALL_BATCH = 8;
/** batches from this size up travel by transfer, smaller ones by copy */
const TRANSFER_FROM_BYTES = 16 * 1024;
/** batches below this size travel to a linked thread as latin1 strings (codec.ts encodeBatchForThread) */
const STRING_BELOW_BYTES = 2048;
const NO_SHARED = Object.freeze([]) as unknown as SharedArrayBuffer[];

interface BulkFrame {
  readonly lane: 'bulk';
  readonly to: string;
  readonly from: string;
  readonly bytes: Uint8Array;
  readonly shared: SharedArrayBuffer[];
}

type ControlOp =
  | { readonly op: 'spawn'; readonly reqId: number; readonly behaviour: string; readonly props: unknown; readonly mailbox?: MailboxOptions }
  | { readonly op: 'spawn.ok'; readonly reqId: number; readonly path: string }
  | { readonly op: 'spawn.failed'; readonly reqId: number; readonly error: ErrorData }
  | { readonly op: 'stop'; readonly path: string }
  | { readonly op: 'watch'; readonly target: string; readonly watcher: string }
  | { readonly op: 'unwatch'; readonly target: string; readonly watcher: string }
  | { readonly op: 'terminated'; readonly watcher: string; readonly event: Terminated }
  | { readonly op: 'ask.failed'; readonly path: string; readonly error: ErrorData }
  | { readonly op: 'address-down'; readonly address: string; readonly error: ErrorData }
  | { readonly op: 'ready' };

type ControlFrame = ControlOp & { readonly to: string; readonly from: string };

interface Link {
  readonly bulk: PortLike;
  readonly control: PortLike;
  readonly onBulk: (v: unknown) => void;
  readonly onControl: (v: unknown) => void;
}

export interface NetworkStats {
  readonly sentEnvelopes: number;
  readonly receivedEnvelopes: number;
  readonly sentBatches: number;
  readonly sentBytes: number;
  readonly refused: Readonly<Record<string, number>>;
}

export class ThreadNetwork implements RemoteTransport {
  readonly #host: NetworkHost;
  readonly #limits: EnvelopeLimits;
  readonly #links = new Map<string, Link>();
  /** where to send what has no direct link (workers: 'main') */
  #defaultRoute: string | null = null;
  readonly #down = new Set<string>();
  readonly #outbox = new Map<string, Envelope[]>();
  #flushQueued = false;
  #nextId = 1;
  #nextReq = 1;
  readonly #pendingSpawns = new Map<number, { address: string; resolve: (r: RemoteRef) => void; reject: (e: StrataError) => void }>();
  /** watches this side holds on remote actors: address → target path → watcher paths */
  readonly #watching = new Map<string, Map<string, Set<string>>>();
  /** watches remote actors hold on this side's actors: key → release */
  readonly #watchedBy = new Map<string, () => void>();
  readonly #reported = new Set<string>();
  readonly #refused: Record<string, number> = {};
  #stats = { sentEnvelopes: 0, receivedEnvelopes: 0, sentBatches: 0, sentBytes: 0 };
  readonly #resolveRef: RefResolver;
  readonly #flush = (): void => this.#flushAll();
  /** called with a control frame this network does not handle itself ('ready') */
  onUnhandledControl: ((frame: ControlFrame) => void) | null = null;

  constructor(host: NetworkHost, limits: Partial<EnvelopeLimits> = {}) {
    this.#host = host;
    this.#limits = { ...defaultEnvelopeLimits, ...limits };
    this.#resolveRef = (address, path) => this.resolve(address, path);
  }

  get address(): string {
    return this.#host.address;
  }

  /** A ref for (address, path): local when the address is ours, a remote ref routed by this network for
   *  threads (and everything, on a worker: main relays), else one routed by the external network if any. */
  resolve(address: string, path: string): AnyActorRef {
    if (address === this.#host.address) return this.#host.resolveLocal(path);
    if (this.external !== null && this.#defaultRoute === null && !this.#links.has(address) && !isThreadAddress(address)) {
      return new RemoteRef(address, path, this.external);
    }
    return new RemoteRef(address, path, this);
  }

  /** the network for addresses beyond this process (set by system.attachExternalNetwork) */
  external: ExternalNetwork | null = null;

  get resolver(): RefResolver {
    return this.#resolveRef;
  }

  isDown(address: string): boolean {
    return this.#down.has(address);
  }

  // ---- links -------------------------------------------------------------------------------------------

  attach(address: string, bulk: PortLike, control: PortLike): void {
    this.#down.delete(address);
    const onBulk = (v: unknown) => this.#onBulk(address, v);
    const onControl = (v: unknown) => this.#onControl(address, v);
    bulk.on('message', onBulk);
    control.on('message', onControl);
    this.#links.set(address, { bulk, control, onBulk, onControl });
  }

  setDefaultRoute(address: string): void {
    this.#defaultRoute = address;
  }

  /** An address went away for good (a thread exited; addresses carry an incarnation, so never reused). */
  detach(address: string, error: ErrorData): void {
    const link = this.#links.get(address);
    if (link) {
      link.bulk.off?.('message', link.onBulk);
      link.control.off?.('message', link.onControl);
      this.#links.delete(address);
    }
    if (this.#down.has(address)) return;
    this.#addressDown(address, error);
    // tell every other linked thread, so their watchers hear it too
    for (const [peer, l] of this.#links) {
      l.control.postMessage({ op: 'address-down', address, error, to: peer, from: this.#host.address } satisfies ControlFrame);
    }
  }

  #addressDown(address: string, error: ErrorData): void {
    this.#down.add(address);
    const dropped = this.#outbox.get(address);
    this.#outbox.delete(address);
    if (dropped) for (const e of dropped) this.#undeliverable(address, e, 'stopped', error);
    for (const [id, p] of this.#pendingSpawns) {
      if (p.address === address) {
        this.#pendingSpawns.delete(id);
        p.reject(createError('STRATA_THREAD_DIED', `spawn on ${address} failed: the thread is gone (${error.message})`, { address }));
      }
    }
    const watched = this.#watching.get(address);
    this.#watching.delete(address);
    if (watched) {
      for (const [target, watchers] of watched) {
        for (const w of watchers) this.#host.deliverTerminated(w, { type: 'terminated', path: target, reason: 'failed', error });
      }
    }
  }

  #routeFor(address: string): Link | undefined {
    return this.#links.get(address) ?? (this.#defaultRoute === null ? undefined : this.#links.get(this.#defaultRoute));
  }

  // ---- bulk lane ---------------------------------------------------------------------------------------

  send(address: string, path: string, message: Message, extras?: EnvelopeExtras): TellOutcome {
    if (this.#down.has(address) || this.#routeFor(address) === undefined) {
      this.#host.deadLetters.publish(`${address}:${path}`, message, 'stopped');
      return 'dead';
    }
    let box = this.#outbox.get(address);
    if (box === undefined) this.#outbox.set(address, (box = []));
    box.push(envelopeFrom(path, this.#nextId++, message, extras));
    this.#scheduleFlush();
    return 'enqueued';
  }

  #scheduleFlush(): void {
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
    }
  }

  /** Sends what is queued now (also called by the microtask at the end of the tick). */
  flush(): void {
    this.#flushAll();
  }

  #flushAll(): void {
    this.#flushQueued = false;
    // entries stay in the map and their arrays are reused: deleting and re-adding per tick costs rehashing
    for (const [address, envelopes] of this.#outbox) {
      const n = envelopes.length;
      if (n === 0) continue;
      this.#sendBatch(address, envelopes);
      // a dead-letter subscriber may have queued more while this batch went out: keep those for the next flush
      if (envelopes.length === n) envelopes.length = 0;
      else {
        envelopes.copyWithin(0, n);
        envelopes.length -= n;
        this.#scheduleFlush();
      }
    }
  }

  #sendBatch(address: string, envelopes: Envelope[]): void {
    const link = this.#routeFor(address);
    if (link === undefined) {
      for (const e of envelopes) this.#undeliverable(address, e, 'stopped', { code: 'STRATA_ACTOR_STOPPED', message: `no route to ${address}` });
      return;
    }
    const shared: SharedArrayBuffer[] = [];
    // a direct link (not a relay through main) takes a small batch as a string
    const direct = this.#links.get(address) === link;
    let packed: Uint8Array | string;
    try {
      packed = direct ? encodeBatchForThread(toWire(envelopes), shared, envelopes.length < SMALL_BATCH, STRING_BELOW_BYTES) : encodeBatch(toWire(envelopes), shared, envelopes.length < SMALL_BATCH);
    } catch (err) {
      // one bad message must not sink the batch: find it by packing one at a time
      if (envelopes.length > 1) {
        for (const e of envelopes) this.#sendBatch(address, [e]);
      } else {
        this.#undeliverable(address, envelopes[0]!, 'stopped', toErrorData(err));
      }
      return;
    }
    const size = typeof packed === 'string' ? packed.length : packed.byteLength;
    if (size > this.#limits.maxBatchBytes) {
      if (envelopes.length > 1) {
        const half = envelopes.length >> 1;
        this.#sendBatch(address, envelopes.slice(0, half));
        this.#sendBatch(address, envelopes.slice(half));
      } else {
        const error = createError('STRATA_ENVELOPE_TOO_LARGE', `message ${envelopes[0]!.y} to ${address}:${envelopes[0]!.t} is ${size} bytes, over the ${this.#limits.maxBatchBytes}-byte limit`, {
          sizeBytes: size,
          limitBytes: this.#limits.maxBatchBytes,
        });
        this.#undeliverable(address, envelopes[0]!, 'stopped', error.toData());
      }
      return;
    }
    this.#stats.sentEnvelopes += envelopes.length;
    this.#stats.sentBatches++;
    this.#stats.sentBytes += size;
    if (typeof packed === 'string') {
      // small, for the thread at the other end, with no shared buffers (encodeBatchForThread)
      link.bulk.postMessage(packed);
      return;
    }
    const bytes = packed; // bytes of its own (encodeBatch copies out of msgpackr's reusable buffer)
    // small batches are cheaper to clone than to transfer (a transfer detaches and re-wraps the buffer)
    const transfer = bytes.byteLength < TRANSFER_FROM_BYTES ? undefined : [bytes.buffer as ArrayBuffer];
    // To the thread at the other end of this link, with no shared buffers: the bytes alone, since the link
    // says who sent them and for whom. Cloning a frame object around them cost ~5 µs more per post on the
    // 2-vCPU VM, paid on every cross-thread ask in each direction. Anything relayed travels as a whole frame.
    if (shared.length === 0 && direct) {
      link.bulk.postMessage(bytes, transfer);
      return;
    }
    const frame: BulkFrame = { lane: 'bulk', to: address, from: this.#host.address, bytes, shared };
    link.bulk.postMessage(frame, transfer);
  }

  #onBulk(peer: string, value: unknown): void {
    if (typeof value === 'string') {
      // a small batch for this thread, as a latin1 string
      if (value.length > this.#limits.maxBatchBytes) {
        this.#refuse(peer, createError('STRATA_ENVELOPE_TOO_LARGE', `a batch of ${value.length} bytes from ${peer} is over the ${this.#limits.maxBatchBytes}-byte limit`, { peer, sizeBytes: value.length }));
        return;
      }
      this.#deliverHere(peer, value, NO_SHARED);
      return;
    }
    // the bytes alone: a batch for this thread from the peer at the other end of the link
    const frame = (value instanceof Uint8Array ? { lane: 'bulk', to: this.#host.address, from: peer, bytes: value, shared: NO_SHARED } : value) as Partial<BulkFrame> | null;
    if (frame === null || typeof frame !== 'object' || !(frame.bytes instanceof Uint8Array) || typeof frame.to !== 'string') {
      this.#refuse(peer, createError('STRATA_ENVELOPE_MALFORMED', `a bulk frame from ${peer} is not { to, from, bytes }`, { peer }));
      return;
    }
    if (frame.to !== this.#host.address) {
      if (this.external !== null && !this.#links.has(frame.to) && !isThreadAddress(frame.to)) this.#forwardExternal(peer, frame as BulkFrame);
      else this.#relay(frame as BulkFrame);
      return;
    }
    if (frame.bytes.byteLength > this.#limits.maxBatchBytes) {
      this.#refuse(peer, createError('STRATA_ENVELOPE_TOO_LARGE', `a batch of ${frame.bytes.byteLength} bytes from ${peer} is over the ${this.#limits.maxBatchBytes}-byte limit`, { peer, sizeBytes: frame.bytes.byteLength }));
      return;
    }
    this.#deliverHere(peer, frame.bytes, Array.isArray(frame.shared) ? frame.shared : []);
  }

  /** Delivers a batch for this thread's actors. */
  #deliverHere(peer: string, bytes: Uint8Array | string, shared: SharedArrayBuffer[]): void {
    // batches mostly carry many envelopes for few actors: resolve each distinct path once per batch
    let lastPath = '';
    let lastTarget: AnyActorRef | null = null;
    const stats = this.#stats;
    this.#visitBatch(peer, bytes, shared, this.#host.address, (t, m) => {
      stats.receivedEnvelopes++;
      if (t !== lastPath || lastTarget === null) {
        lastTarget = this.#host.resolveLocal(t);
        lastPath = t;
      }
      return lastTarget.tell(m);
    });
  }

  /** Decodes a batch and delivers its envelopes; an envelope that is not delivered fails its ask at once,
   *  refused parts are logged once per peer and code. */
  #visitBatch(peer: string, bytes: Uint8Array | string, shared: SharedArrayBuffer[], at: string, deliver: (t: string, m: Message, extras: EnvelopeExtras | undefined) => TellOutcome): void {
    let decoded: unknown;
    try {
      decoded = typeof bytes === 'string' ? decodeBatchString(bytes, this.#resolveRef, shared) : decodeBatch(bytes, this.#resolveRef, shared);
    } catch (err) {
      this.#refuse(peer, err as StrataError);
      return;
    }
    const visitor: EnvelopeVisitor = {
      envelope: (t, _i, m, extras) => {
        const outcome = deliver(t, m, extras);
        if (outcome === 'dead' || outcome === 'rejected-full' || outcome === 'dropped-newest' || outcome === 'rejected-restarting') {
          const replyTo = (m as { replyTo?: unknown }).replyTo;
          if (replyTo instanceof RemoteRef) {
            const code = outcome === 'dead' ? 'STRATA_ACTOR_STOPPED' : outcome === 'rejected-restarting' ? 'STRATA_ACTOR_RESTARTING' : 'STRATA_MAILBOX_FULL';
            this.#failRemoteAsk(replyTo, createError(code, `${m.type} to ${at}:${t} was not delivered (${outcome})`, { target: t, messageType: m.type }).toData());
          }
        }
      },
      refused: (error, m) => {
        this.#refuse(peer, error);
        const replyTo = (m as { replyTo?: unknown } | null | undefined)?.replyTo;
        if (replyTo instanceof RemoteRef) this.#failRemoteAsk(replyTo, error.toData());
      },
    };
    forEachEnvelope(decoded, visitor);
  }

  /** A worker's batch for another member: decoded here (its refs become refs this process can route) and
   *  handed to the external network, which writes thread refs as qualified paths of this member. */
  #forwardExternal(peer: string, frame: BulkFrame): void {
    const external = this.external!;
    this.#visitBatch(peer, frame.bytes, Array.isArray(frame.shared) ? frame.shared : [], frame.to, (t, m, extras) => external.send(frame.to, t, m, extras));
  }

  /** A worker's control frame for another member: deathwatch and ask failures go through the external
   *  network, with the worker's paths qualified by its thread address. */
  #controlExternal(f: ControlFrame): void {
    const external = this.external!;
    switch (f.op) {
      case 'watch':
        external.watchRemote(qualifyPath(f.from, f.watcher), new RemoteRef(f.to, f.target, external));
        return;
      case 'unwatch':
        external.unwatchRemote(qualifyPath(f.from, f.watcher), new RemoteRef(f.to, f.target, external));
        return;
      case 'ask.failed':
        external.failRemoteAsk(new RemoteRef(f.to, f.path, external), f.error);
        return;
      default:
        // spawn and stop of actors on other members go through the cluster's own API
        if (f.op === 'spawn') this.#sendControl(f.from, { op: 'spawn.failed', reqId: f.reqId, error: { code: 'STRATA_INVALID_PLACEMENT', message: `${f.to} is another member: spawn there through the cluster (spawnRemote)` } });
    }
  }

  /** Delivers a termination from another member to a watcher on one of this process's threads. */
  deliverTerminatedToThread(thread: string, from: string, watcher: string, event: Terminated): void {
    const link = this.#links.get(thread);
    if (link === undefined) return;
    link.control.postMessage({ op: 'terminated', watcher, event, to: thread, from } satisfies ControlFrame);
  }

  #relay(frame: BulkFrame): void {
    const link = this.#links.get(frame.to);
    if (link === undefined) {
      // the destination died while the batch was on its way: its actors are gone, so are these messages
      return;
    }
    link.bulk.postMessage(frame, [frame.bytes.buffer as ArrayBuffer]);
  }

  #undeliverable(address: string, e: Envelope, reason: 'stopped', error: ErrorData): void {
    this.#host.deadLetters.publish(`${address}:${e.t}`, e.m, reason);
    const replyTo = (e.m as { replyTo?: unknown }).replyTo;
    if (replyTo !== undefined && (replyTo as { path?: unknown }).path !== undefined) {
      const path = (replyTo as { path: string }).path;
      const at = (replyTo as { address?: string }).address;
      if (at === this.#host.address && path.startsWith('/temp/')) this.#host.failAsk(path, error);
    }
  }

  /** Tells the asker on another address that its ask failed (only for ask refs: /temp/ paths). */
  failRemoteAsk(replyTo: RemoteRef, error: ErrorData): void {
    this.#failRemoteAsk(replyTo, error);
  }

  #failRemoteAsk(replyTo: RemoteRef, error: ErrorData): void {
    if (!replyTo.path.startsWith('/temp/')) return;
    this.#sendControl(replyTo.address, { op: 'ask.failed', path: replyTo.path, error });
  }

  #refuse(peer: string, err: StrataError): void {
    const code = err.code ?? 'STRATA_ENVELOPE_MALFORMED';
    this.#refused[code] = (this.#refused[code] ?? 0) + 1;
    const key = `${peer}|${code}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#host.logger.warn({ peer, code, err: { code, message: err.message } }, 'refused bytes from a peer (logged once per peer and code)');
  }

  // ---- control lane ------------------------------------------------------------------------------------

  #sendControl(address: string, op: ControlOp): boolean {
    const link = this.#routeFor(address);
    if (link === undefined || this.#down.has(address)) return false;
    link.control.postMessage({ ...op, to: address, from: this.#host.address });
    return true;
  }

  sendControl(address: string, op: ControlOp): boolean {
    return this.#sendControl(address, op);
  }

  #onControl(peer: string, value: unknown): void {
    const f = value as ControlFrame | null;
    if (f === null || typeof f !== 'object' || typeof f.op !== 'string' || typeof f.to !== 'string') {
      this.#refuse(peer, createError('STRATA_ENVELOPE_MALFORMED', `a control frame from ${peer} has no op`, { peer }));
      return;
    }
    if (f.to !== this.#host.address) {
      const link = this.#links.get(f.to);
      if (link) link.control.postMessage(f);
      else if (this.external !== null && !isThreadAddress(f.to)) this.#controlExternal(f);
      else if (f.op === 'spawn') this.#sendControl(f.from, { op: 'spawn.failed', reqId: f.reqId, error: { code: 'STRATA_THREAD_DIED', message: `${f.to} is not running` } });
      return;
    }
    switch (f.op) {
      case 'spawn': {
        const spawn = this.#host.spawnFromCatalogue;
        try {
          if (!spawn) throw createError('STRATA_INVALID_PLACEMENT', `${this.#host.address} does not host catalogue behaviours`, {});
          const ref = spawn(f.behaviour, f.props, f.mailbox);
          this.#sendControl(f.from, { op: 'spawn.ok', reqId: f.reqId, path: ref.path });
        } catch (err) {
          this.#sendControl(f.from, { op: 'spawn.failed', reqId: f.reqId, error: toErrorData(err) });
        }
        return;
      }
      case 'spawn.ok':
      case 'spawn.failed': {
        const p = this.#pendingSpawns.get(f.reqId);
        if (!p) return;
        this.#pendingSpawns.delete(f.reqId);
        if (f.op === 'spawn.ok') p.resolve(new RemoteRef(f.from, f.path, this));
        else p.reject(createError(f.error.code as never, f.error.message, f.error.data ?? {}));
        return;
      }
      case 'stop': {
        const ref = this.#host.resolveLocal(f.path) as AnyActorRef & { shutdown?: (r: 'stopped') => void };
        ref.shutdown?.('stopped');
        return;
      }
      case 'watch': {
        const key = `${f.from}|${f.watcher}|${f.target}`;
        if (this.#watchedBy.has(key)) return;
        const target = this.#host.resolveLocal(f.target) as AnyActorRef & { onStopped?: (fn: (e: Terminated) => void) => () => void };
        const notify = (event: Terminated) => {
          this.#watchedBy.delete(key);
          this.#sendControl(f.from, { op: 'terminated', watcher: f.watcher, event });
        };
        if (typeof target.onStopped === 'function') this.#watchedBy.set(key, target.onStopped(notify));
        else notify({ type: 'terminated', path: f.target, reason: 'stopped' });
        return;
      }
      case 'unwatch': {
        const key = `${f.from}|${f.watcher}|${f.target}`;
        this.#watchedBy.get(key)?.();
        this.#watchedBy.delete(key);
        return;
      }
      case 'terminated': {
        const byTarget = this.#watching.get(f.from);
        byTarget?.get(f.event.path)?.delete(f.watcher);
        if (byTarget?.get(f.event.path)?.size === 0) byTarget.delete(f.event.path);
        this.#host.deliverTerminated(f.watcher, f.event);
        return;
      }
      case 'ask.failed':
        this.#host.failAsk(f.path, f.error);
        return;
      case 'address-down':
        this.#addressDown(f.address, f.error);
        return;
      default:
        this.onUnhandledControl?.(f);
    }
  }

  // ---- remote spawn, stop and watch ----------------------------------------------------------------------

  spawnRemote(address: string, behaviour: string, props: unknown, mailbox?: MailboxOptions): Promise<RemoteRef> {
    return new Promise<RemoteRef>((resolve, reject) => {
      const reqId = this.#nextReq++;
      this.#pendingSpawns.set(reqId, { address, resolve, reject });
      if (!this.#sendControl(address, { op: 'spawn', reqId, behaviour, props, ...(mailbox ? { mailbox } : {}) })) {
        this.#pendingSpawns.delete(reqId);
        reject(createError('STRATA_THREAD_DIED', `cannot spawn ${behaviour} on ${address}: the thread is not running`, { address, behaviour }));
      }
    });
  }

  stopRemote(ref: RemoteRef): void {
    this.#sendControl(ref.address, { op: 'stop', path: ref.path });
  }

  watchRemote(watcherPath: string, target: RemoteRef): void {
    if (this.#down.has(target.address)) {
      this.#host.deliverTerminated(watcherPath, { type: 'terminated', path: target.path, reason: 'failed', error: { code: 'STRATA_THREAD_DIED', message: `${target.address} is down` } });
      return;
    }
    let byTarget = this.#watching.get(target.address);
    if (!byTarget) this.#watching.set(target.address, (byTarget = new Map()));
    let watchers = byTarget.get(target.path);
    if (!watchers) byTarget.set(target.path, (watchers = new Set()));
    if (watchers.has(watcherPath)) return;
    watchers.add(watcherPath);
    this.#sendControl(target.address, { op: 'watch', target: target.path, watcher: watcherPath });
  }

  unwatchRemote(watcherPath: string, target: RemoteRef): void {
    this.#watching.get(target.address)?.get(target.path)?.delete(watcherPath);
    this.#sendControl(target.address, { op: 'unwatch', target: target.path, watcher: watcherPath });
  }

  stats(): NetworkStats {
    return { ...this.#stats, refused: { ...this.#refused } };
  }

  close(): void {
    for (const [address, link] of this.#links) {
      link.bulk.off?.('message', link.onBulk);
      link.control.off?.('message', link.onControl);
      this.#links.delete(address);
    }
  }
}
