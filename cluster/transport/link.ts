// One outbound link to a peer endpoint: two WebSocket connections, a control lane (heartbeats, gossip, spawn
// and watch: sent at once, never behind bulk bytes) and a bulk lane (envelopes batched per tick into one
// msgpack frame). The bulk lane stops writing while the socket's bufferedAmount is over the high-water mark
// and refuses new envelopes once its queue is full, so a slow peer shows up as a typed outcome, not as memory.
// Each lane reconnects on its own with exponential backoff and jitter.
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from '../../runtime/backoff.ts';
import { encodeBatchForSocket, type RefWriter } from '../../runtime/codec.ts';
import { isThreadAddress, qualifyPath } from '../../runtime/qualified-path.ts';
import { ENVELOPE_VERSION, envelopeFrom, type Envelope, type EnvelopeExtras, type WireGroup } from '../../runtime/envelope.ts';
import { toErrorData, type ErrorData } from '../../runtime/errors.ts';
import type { Message, TellOutcome } from '../../runtime/message.ts';
import { clusterError } from '../errors.ts';
import { CLOSE, PROTOCOL_VERSION, clientMac, decodeHandshake, encodeHandshake, macEquals, newNonce, serverMac, type Lane } from './handshake.ts';

export interface LinkSettings {
  readonly cluster: string;
  readonly secret: Uint8Array;
  /** this member's id, claimed in the handshake */
  readonly selfId: string;
  readonly tls: { readonly ca?: Buffer } | null;
  readonly maxFrameBytes: number;
  readonly maxEnvelopesPerFrame: number;
  readonly handshakeTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly highWaterMarkBytes: number;
  readonly maxQueuedEnvelopes: number;
  readonly maxQueuedControl: number;
  readonly random: () => number;
  readonly logger: Logger;
}

export interface LinkEvents {
  /** a lane completed its handshake with the member `remoteId` */
  up(endpoint: string, lane: Lane, remoteId: string): void;
  down(endpoint: string, lane: Lane): void;
  /** an envelope that will not be sent: dead letter it, fail its ask */
  undeliverable(targetId: string, e: Envelope, error: ErrorData): void;
  /** frames dropped by fault injection, counted for stats */
  isBlocked(endpoint: string): boolean;
  /** a bulk frame the member at the other end sent back on this link (answers to this member's asks) */
  received(remoteId: string, bytes: Uint8Array): void;
}

export interface LinkStats {
  sentEnvelopes: number;
  sentFrames: number;
  sentBytes: number;
  controlFrames: number;
  rejectedFull: number;
  reconnects: number;
}

type LaneState = 'idle' | 'connecting' | 'open' | 'closed';

class LaneSocket {
  readonly lane: Lane;
  state: LaneState = 'idle';
  ws: WebSocket | null = null;
  attempt = 0;
  timer: ReturnType<typeof setTimeout> | null = null;
  remoteId: string | null = null;
  constructor(lane: Lane) {
    this.lane = lane;
  }
}

/** Message `j` of group `g` as the envelope it stands for (refusals and reports; the queue keeps groups). */
function envelopeOf(g: WireGroup, j: number): Envelope {
  const m = g[2][j]!;
  return envelopeFrom(g[0], g[1] + j, m, g[3]);
}

/** Appends message `m` (id `i`, for path `t`, with `extras` when it has any) to a queue kept in wire form: it joins
 *  the last group when it continues that group's run of ids for the same path and neither has extras. */
export function appendToGroups(groups: WireGroup[], t: string, i: number, m: Message, extras: EnvelopeExtras | undefined): void {
  const last = groups.length > 0 ? groups[groups.length - 1]! : undefined;
  if (last !== undefined && extras === undefined && last[3] === undefined && last[0] === t && last[1] + last[2].length === i) last[2].push(m);
  else groups.push(extras === undefined ? [t, i, [m]] : [t, i, [m], extras]);
}

/** How a frame for another member writes a ref: a ref to an actor of this member (`selfId`) as its path alone,
 *  which the receiver resolves against the member the frame came from, and refs to actors on this process's
 *  worker threads as qualified paths of this member, alone the same way. An ask's reply-to is such a ref: writing
 *  the member id (about 30 characters) and reading it back cost about 0.2 µs of the ask's ~1 µs of codec in a warm
 *  loop (2-vCPU VM, docs/cluster.md). Refs to actors elsewhere keep `[address, path]`. */
export function memberRefWriter(selfId: string): RefWriter {
  return (ref) => (ref.address === selfId ? ref.path : isThreadAddress(ref.address) ? qualifyPath(ref.address, ref.path) : [ref.address, ref.path]);
}

const frameArray: [number, WireGroup[]] = [ENVELOPE_VERSION, []];
const frameShared: SharedArrayBuffer[] = [];

/** Encodes wire groups (`count` messages) as one bulk frame for another member, as a view of msgpackr's buffer
 *  (encodeBatchForSocket). A SharedArrayBuffer cannot cross a machine: refused with
 *  STRATA_CLUSTER_FRAME_TOO_LARGE. The frame's outer array and the list of shared buffers are reused, as the encode
 *  is synchronous: they were two allocations per frame on each side of an ask. */
export function encodeMemberFrame(groups: WireGroup[], count: number, qualify: RefWriter): Uint8Array {
  frameArray[1] = groups;
  try {
    const bytes = encodeBatchForSocket(frameArray, frameShared, count < 8, qualify);
    if (frameShared.length > 0) throw clusterError('STRATA_CLUSTER_FRAME_TOO_LARGE', 'a SharedArrayBuffer cannot cross a machine', { reason: 'shared-buffer' });
    return bytes;
  } finally {
    frameArray[1] = noGroups;
    if (frameShared.length > 0) frameShared.length = 0;
  }
}
const noGroups: WireGroup[] = [];

/** Empties a queue's array of groups for reuse: one group (an ask, a run of tells to one actor) pops, as setting
 *  `length` goes through the runtime. */
export function clearGroups(groups: WireGroup[]): void {
  if (groups.length === 1) groups.pop();
  else groups.length = 0;
}

/** ws send options of every frame a link or reply lane writes (one object, not one per frame) */
export const SEND_BINARY = { binary: true } as const;

const single = (g: WireGroup, j: number, m: Message): WireGroup => (g[3] === undefined ? [g[0], g[1] + j, [m]] : [g[0], g[1] + j, [m], g[3]]);

/** Removes the first `n` messages from `groups` (splitting a group where the count falls) and returns them as groups. */
function takeFront(groups: WireGroup[], n: number): WireGroup[] {
  const out: WireGroup[] = [];
  let left = n;
  let k = 0;
  while (left > 0 && k < groups.length) {
    const g = groups[k]!;
    const len = g[2].length;
    if (len <= left) {
      out.push(g);
      left -= len;
      k++;
    } else {
      out.push(g[3] === undefined ? [g[0], g[1], g[2].slice(0, left)] : [g[0], g[1], g[2].slice(0, left), g[3]]);
      groups[k] = g[3] === undefined ? [g[0], g[1] + left, g[2].slice(left)] : [g[0], g[1] + left, g[2].slice(left), g[3]];
      left = 0;
    }
  }
  groups.splice(0, k);
  return out;
}

export class Link {
  readonly endpoint: string;
  readonly #url: string;
  readonly #s: LinkSettings;
  readonly #events: LinkEvents;
  readonly #control = new LaneSocket('control');
  readonly #bulk = new LaneSocket('bulk');
  readonly #controlQueue: Uint8Array[] = [];
  /**
   * The bulk queue, already in wire form: consecutive messages for one target path with consecutive ids and no
   * extras share a group `[t, firstId, messages, extras?]`, as a frame carries them. Building the groups as
   * messages are queued spares an envelope object per message and a pass over them at each flush: about a
   * quarter of the sender's time per message in a one-way tell profile (2026-12-06).
   */
  #groups: WireGroup[] = [];
  /** messages in #groups */
  #queued = 0;
  /** an empty array #groups changes places with at each full flush */
  #spare: WireGroup[] = [];
  /** the member id the queued envelopes are for */
  #queueTarget: string | null = null;
  #flushQueued = false;
  #waitingDrain = false;
  readonly #writableWaiters: (() => void)[] = [];
  readonly stats: LinkStats = { sentEnvelopes: 0, sentFrames: 0, sentBytes: 0, controlFrames: 0, rejectedFull: 0, reconnects: 0 };
  readonly #flush = (): void => this.#flushBulk();

  /** refs to actors on this process's worker threads cross as qualified paths of this member */
  readonly #qualify: RefWriter;
  /** a frame at least this large carries a write callback even onto an empty socket buffer (a field: a private
   *  getter is a runtime call on every frame) */
  readonly #watchFrom: number;

  constructor(endpoint: string, settings: LinkSettings, events: LinkEvents) {
    this.endpoint = endpoint;
    this.#s = settings;
    this.#watchFrom = Math.min(64 * 1024, settings.highWaterMarkBytes);
    this.#events = events;
    this.#url = `${settings.tls ? 'wss' : 'ws'}://${endpoint}/strata/cluster`;
    this.#qualify = memberRefWriter(settings.selfId);
  }

  /** The member id at the other end, once a lane completed its handshake. */
  get remoteId(): string | null {
    return this.#control.remoteId ?? this.#bulk.remoteId;
  }

  get isOpen(): boolean {
    return this.#control.state === 'open';
  }

  // ---- control lane ------------------------------------------------------------------------------------

  sendControl(frame: Uint8Array): void {
    if (this.#control.state === 'closed') return;
    if (this.#control.state === 'open' && this.#control.ws !== null && this.#control.ws.readyState === WebSocket.OPEN) {
      this.#writeControl(frame);
      return;
    }
    // heartbeats and gossip are superseded by the next ones: keep the newest
    if (this.#controlQueue.length >= this.#s.maxQueuedControl) this.#controlQueue.shift();
    this.#controlQueue.push(frame);
    this.#ensure(this.#control);
  }

  #writeControl(frame: Uint8Array): void {
    if (this.#events.isBlocked(this.endpoint)) return;
    this.stats.controlFrames++;
    this.#control.ws!.send(frame, SEND_BINARY);
  }

  // ---- bulk lane ---------------------------------------------------------------------------------------

  /** Queues message `m` (id `i`, for path `t`, with `extras` when it has any) for member `targetId` (whose endpoint
   *  is this link's). */
  sendMessage(targetId: string, t: string, i: number, m: Message, extras?: EnvelopeExtras): TellOutcome {
    if (this.#bulk.state === 'closed') return 'dead';
    const remote = this.#bulk.remoteId;
    if (remote !== null && remote !== targetId) return 'dead'; // another incarnation answers at this endpoint
    if (this.#queueTarget !== targetId) {
      if (this.#queued > 0) this.#dropQueue(clusterError('STRATA_CLUSTER_MEMBER_DOWN', `member ${this.#queueTarget} was replaced by ${targetId}`, { member: this.#queueTarget }).toData());
      this.#queueTarget = targetId;
    }
    if (this.#queued >= this.#s.maxQueuedEnvelopes) {
      this.stats.rejectedFull++;
      return 'rejected-full';
    }
    appendToGroups(this.#groups, t, i, m, extras);
    this.#queued++;
    if (this.#bulk.state === 'open') {
      if (!this.#flushQueued && !this.#waitingDrain) {
        this.#flushQueued = true;
        queueMicrotask(this.#flush);
      }
    } else this.#ensure(this.#bulk);
    return 'enqueued';
  }

  /** Writes what is queued now instead of in the microtask queued for it (see Transport.flushNow). */
  flushNow(): void {
    if (this.#flushQueued) this.#flushBulk();
  }

  /** Resolves when the bulk queue has room again (for senders that want to wait instead of being refused). */
  whenWritable(): Promise<void> {
    if (this.#queued < this.#s.maxQueuedEnvelopes) return Promise.resolve();
    return new Promise((resolve) => this.#writableWaiters.push(resolve));
  }

  get queuedEnvelopes(): number {
    return this.#queued;
  }

  get bufferedBytes(): number {
    return this.#bulk.ws?.bufferedAmount ?? 0;
  }

  #flushBulk(): void {
    this.#flushQueued = false;
    const ws = this.#bulk.ws;
    if (this.#bulk.state !== 'open' || ws === null) return;
    const blocked = this.#events.isBlocked(this.endpoint);
    const target = this.#queueTarget!;
    const max = this.#s.maxEnvelopesPerFrame;
    while (this.#queued > 0) {
      if (ws.bufferedAmount > this.#s.highWaterMarkBytes) {
        this.#waitingDrain = true;
        break;
      }
      if (this.#queued <= max) {
        // all of it in one frame: the queue's own array, swapped with a spare that was cleared after its own
        // frame (allocating an array per tick costs more than clearing one; whatever is queued meanwhile goes
        // into the other)
        const groups = this.#groups;
        const n = this.#queued;
        this.#groups = this.#spare;
        this.#queued = 0;
        if (!blocked) this.#sendFrames(ws, target, groups, n); // blocked: fault injection, the partition swallows them
        clearGroups(groups);
        this.#spare = groups;
        break;
      }
      const frame = takeFront(this.#groups, max);
      this.#queued -= max;
      if (!blocked) this.#sendFrames(ws, target, frame, max);
    }
    if (this.#writableWaiters.length > 0 && this.#queued < this.#s.maxQueuedEnvelopes) for (const w of this.#writableWaiters.splice(0)) w();
  }

  /** Encodes and writes `groups` (`count` messages) as one frame; a bad or oversized one is split to find it. */
  #sendFrames(ws: WebSocket, target: string, groups: WireGroup[], count: number): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeMemberFrame(groups, count, this.#qualify);
    } catch (err) {
      // one bad message must not sink the batch: find it by packing one at a time
      if (count > 1) for (const g of groups) g[2].forEach((m, j) => this.#sendFrames(ws, target, [single(g, j, m)], 1));
      else this.#events.undeliverable(target, envelopeOf(groups[0]!, 0), toErrorData(err));
      return;
    }
    if (bytes.byteLength > this.#s.maxFrameBytes) {
      if (count > 1) {
        const half = count >> 1;
        const rest = groups.slice();
        const front = takeFront(rest, half);
        this.#sendFrames(ws, target, front, half);
        this.#sendFrames(ws, target, rest, count - half);
      } else {
        const e = envelopeOf(groups[0]!, 0);
        this.#events.undeliverable(target, e, clusterError('STRATA_CLUSTER_FRAME_TOO_LARGE', `message ${e.y} to ${target}:${e.t} is ${bytes.byteLength} bytes, over the ${this.#s.maxFrameBytes}-byte frame limit`, { sizeBytes: bytes.byteLength, limitBytes: this.#s.maxFrameBytes }).toData());
      }
      return;
    }
    this.stats.sentEnvelopes += count;
    this.stats.sentFrames++;
    this.stats.sentBytes += bytes.byteLength;
    // A write callback is a closure, a deferred call and a check per frame, and a frame that reaches the kernel
    // at once (the socket had nothing buffered) does not need one. Only a write that can leave the socket over
    // the high-water mark carries one: one made while bytes were still buffered, or one large enough by itself.
    // So whenever the lane waits for the socket to drain, its newest pending write has a callback, and
    // callbacks run in write order: the last one finds the buffer drained.
    if (ws.bufferedAmount > 0 || bytes.byteLength >= this.#watchFrom) ws.send(bytes, SEND_BINARY, this.#afterWrite);
    else ws.send(bytes, SEND_BINARY);
  }

  readonly #afterWrite = (): void => {
    const ws = this.#bulk.ws;
    if (this.#waitingDrain && ws !== null && ws.bufferedAmount <= this.#s.highWaterMarkBytes / 2) {
      this.#waitingDrain = false;
      this.#flushBulk();
    }
  };

  #dropQueue(error: ErrorData): void {
    const target = this.#queueTarget;
    const dropped = this.#groups;
    this.#groups = [];
    this.#queued = 0;
    if (target !== null) for (const g of dropped) for (let j = 0; j < g[2].length; j++) this.#events.undeliverable(target, envelopeOf(g, j), error);
  }

  // ---- connections -------------------------------------------------------------------------------------

  /** Starts connecting both lanes (a join contacts seeds this way). */
  open(): void {
    this.#ensure(this.#control);
    this.#ensure(this.#bulk);
  }

  #ensure(l: LaneSocket): void {
    if (l.state === 'idle') this.#connect(l);
  }

  #connect(l: LaneSocket): void {
    l.state = 'connecting';
    l.timer = null;
    const ws = new WebSocket(this.#url, {
      maxPayload: this.#s.maxFrameBytes,
      perMessageDeflate: false,
      handshakeTimeout: this.#s.handshakeTimeoutMs,
      ...(this.#s.tls ? { ca: this.#s.tls.ca, rejectUnauthorized: true } : {}),
    });
    l.ws = ws;
    let step: 'challenge' | 'welcome' | 'open' = 'challenge';
    let clientNonce: Uint8Array | null = null;
    let serverNonce: Uint8Array | null = null;
    const timeout = setTimeout(() => {
      if (step !== 'open') fail(clusterError('STRATA_CLUSTER_HANDSHAKE_TIMEOUT', `${this.endpoint} did not complete the handshake within ${this.#s.handshakeTimeoutMs} ms`, { endpoint: this.endpoint }).message, CLOSE.timeout);
    }, this.#s.handshakeTimeoutMs);
    const fail = (reason: string, code: number) => {
      this.#s.logger.warn({ endpoint: this.endpoint, lane: l.lane }, `cluster link to ${this.endpoint} (${l.lane}) refused: ${reason}`);
      ws.close(code, reason.slice(0, 120));
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (step === 'open') {
        // the server answers asks on the bulk lane they came on (reply-lane.ts); it sends nothing else
        if (l.lane === 'bulk' && isBinary && l.remoteId !== null) this.#events.received(l.remoteId, data);
        return;
      }
      if (!isBinary) return fail('the server sent a text frame', CLOSE.malformed);
      if (step === 'challenge') {
        const c = decodeHandshake(data, 'challenge');
        if (c instanceof Error) return fail(c.message, CLOSE.malformed);
        if (c.proto !== PROTOCOL_VERSION) return fail(`it speaks cluster protocol ${c.proto}, this member speaks ${PROTOCOL_VERSION}`, CLOSE.protocolVersion);
        if (c.cluster !== this.#s.cluster) return fail(`it belongs to cluster ${JSON.stringify(c.cluster)}, this member to ${JSON.stringify(this.#s.cluster)}`, CLOSE.clusterName);
        serverNonce = c.nonce;
        clientNonce = newNonce();
        const mac = clientMac(this.#s.secret, { cluster: this.#s.cluster, from: this.#s.selfId, lane: l.lane, serverNonce, clientNonce });
        ws.send(encodeHandshake({ k: 'auth', proto: PROTOCOL_VERSION, cluster: this.#s.cluster, from: this.#s.selfId, lane: l.lane, nonce: clientNonce, mac }));
        step = 'welcome';
        return;
      }
      const w = decodeHandshake(data, 'welcome');
      if (w instanceof Error) return fail(w.message, CLOSE.malformed);
      const expected = serverMac(this.#s.secret, { cluster: this.#s.cluster, id: w.id, serverNonce: serverNonce!, clientNonce: clientNonce! });
      if (!macEquals(expected, w.mac)) return fail('the server could not prove it knows the cluster secret', CLOSE.authFailed);
      clearTimeout(timeout);
      step = 'open';
      l.state = 'open';
      l.attempt = 0;
      l.remoteId = w.id;
      this.#events.up(this.endpoint, l.lane, w.id);
      if (l.lane === 'control') for (const f of this.#controlQueue.splice(0)) this.#writeControl(f);
      else {
        if (this.#queueTarget !== null && this.#queueTarget !== w.id && this.#queued > 0) {
          this.#dropQueue(clusterError('STRATA_CLUSTER_MEMBER_DOWN', `member ${this.#queueTarget} is gone: ${w.id} answers at ${this.endpoint}`, { member: this.#queueTarget }).toData());
        }
        this.#flushBulk();
      }
    });
    ws.on('error', () => {
      /* 'close' follows; the reason is logged there */
    });
    ws.on('unexpected-response', (_req, res) => {
      this.#s.logger.warn({ endpoint: this.endpoint, lane: l.lane, status: res.statusCode }, `cluster link to ${this.endpoint} (${l.lane}) refused with HTTP ${res.statusCode}${res.statusCode === 429 ? ' (too many failed handshakes from this host: rate limited)' : ''}`);
      ws.terminate();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(timeout);
      const wasOpen = step === 'open';
      if (l.ws === ws) l.ws = null;
      if (code >= 4000 && code !== CLOSE.shutdown && code !== CLOSE.superseded) {
        this.#s.logger.warn({ endpoint: this.endpoint, lane: l.lane, code }, `cluster link to ${this.endpoint} (${l.lane}) closed by the peer: ${reason.toString() || code}`);
      }
      if (l.state === 'closed') return;
      l.state = 'idle';
      l.remoteId = null;
      if (l.lane === 'bulk') this.#waitingDrain = false;
      if (wasOpen) this.#events.down(this.endpoint, l.lane);
      this.#scheduleReconnect(l);
    });
  }

  #scheduleReconnect(l: LaneSocket): void {
    // a bulk lane with nothing to send stays down until something is queued
    if (l.lane === 'bulk' && this.#queued === 0 && l.attempt === 0) return;
    const delay = backoffDelay(this.#s.backoff, l.attempt++, this.#s.random());
    this.stats.reconnects++;
    l.state = 'connecting';
    l.timer = setTimeout(() => {
      l.state = 'idle';
      this.#connect(l);
    }, delay);
  }

  /** Closes both lanes for good; queued envelopes become undeliverable with `error`. */
  close(error: ErrorData): void {
    for (const l of [this.#control, this.#bulk]) {
      l.state = 'closed';
      if (l.timer) clearTimeout(l.timer);
      l.ws?.close(CLOSE.shutdown, 'member leaving');
      l.ws = null;
    }
    this.#dropQueue(error);
    this.#controlQueue.length = 0;
    for (const w of this.#writableWaiters.splice(0)) w();
  }
}
