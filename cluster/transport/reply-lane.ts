// Answers to asks go back on the connection the asker opened. A member's outbound bulk lane carries its
// messages to a peer; the peer reads them on its server side and, before this, answered on an outbound lane
// of its own: each TCP connection then carried one direction, and its reader sent a pure ACK for every frame.
// A bare ping-pong answered on a second connection took 3–5 % longer at p50 and p90 than one answered on the
// same connection (2-vCPU VM, docs/cluster.md "Answers on the asker's connection").
//
// Only messages for a temporary path (`/temp/…`, an ask's reply-to, on the asker's member or one of its
// threads) take this lane: each such path takes one message, so nothing needs ordering against the peer's
// other traffic. They are batched per tick like the link's, and anything the lane cannot take (the connection
// closing, its buffer over the high-water mark, a frame it cannot encode or that is too large, more than a
// frame's worth in one tick) goes on the outbound link instead, which handles each of those cases.
import WebSocket from 'ws';
import type { RefWriter } from '../../runtime/codec.ts';
import type { EnvelopeExtras, WireGroup } from '../../runtime/envelope.ts';
import type { Message } from '../../runtime/message.ts';
import { parseQualifiedPath } from '../../runtime/qualified-path.ts';
import { SEND_BINARY, appendToGroups, clearGroups, encodeMemberFrame, memberRefWriter } from './link.ts';

/** A path that names an ask's reply-to: `/temp/…`, or `@<thread>/temp/…` for an ask made on a thread. */
export function isTempPath(path: string): boolean {
  if (path.startsWith('/temp/')) return true;
  return path.charCodeAt(0) === 64 /* @ */ && parseQualifiedPath(path)?.path.startsWith('/temp/') === true;
}

export interface ReplyLaneSettings {
  readonly selfId: string;
  readonly maxFrameBytes: number;
  readonly maxEnvelopesPerFrame: number;
  readonly highWaterMarkBytes: number;
}

export interface ReplyLaneStats {
  sentEnvelopes: number;
  sentFrames: number;
  sentBytes: number;
  /** messages handed back to the outbound link (connection gone, buffer full, frame refused) */
  handedToLink: number;
}

export class ReplyLane {
  readonly #ws: WebSocket;
  readonly #s: ReplyLaneSettings;
  /** sends a message on the outbound link instead */
  readonly #toLink: (t: string, i: number, m: Message, extras: EnvelopeExtras | undefined) => void;
  #groups: WireGroup[] = [];
  #queued = 0;
  #flushQueued = false;
  #closed = false;
  /** counters shared by a transport's reply lanes, the closed ones included */
  readonly stats: ReplyLaneStats;
  readonly #flush = (): void => this.#flushQueue();
  readonly #qualify: RefWriter;

  constructor(ws: WebSocket, settings: ReplyLaneSettings, stats: ReplyLaneStats, toLink: (t: string, i: number, m: Message, extras: EnvelopeExtras | undefined) => void) {
    this.stats = stats;
    this.#ws = ws;
    this.#s = settings;
    this.#toLink = toLink;
    this.#qualify = memberRefWriter(settings.selfId);
  }

  /** Queues a message for temporary path `t` of the peer; false when the lane cannot take it now (send it on the
   *  link). */
  offer(t: string, i: number, m: Message, extras: EnvelopeExtras | undefined): boolean {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN || this.#queued >= this.#s.maxEnvelopesPerFrame || this.#ws.bufferedAmount > this.#s.highWaterMarkBytes) return false;
    appendToGroups(this.#groups, t, i, m, extras);
    this.#queued++;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
    }
    return true;
  }

  /** Writes what is queued now instead of in the microtask queued for it (see Transport.flushNow). */
  flushNow(): void {
    if (this.#flushQueued) this.#flushQueue();
  }

  /** The connection closed: what is still queued goes on the link. */
  close(): void {
    this.#closed = true;
    if (this.#queued > 0) this.#flushQueue();
  }

  #flushQueue(): void {
    this.#flushQueued = false;
    const groups = this.#groups;
    const count = this.#queued;
    if (count === 0) return;
    this.#queued = 0;
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) return this.#handToLink(groups);
    let bytes: Uint8Array;
    try {
      bytes = encodeMemberFrame(groups, count, this.#qualify);
    } catch {
      // the link finds which message cannot be encoded (or carries a shared buffer) and reports it
      return this.#handToLink(groups);
    }
    if (bytes.byteLength > this.#s.maxFrameBytes) return this.#handToLink(groups);
    // the frame is bytes of its own now: the queue's array is emptied and kept for the next tick
    clearGroups(groups);
    this.stats.sentEnvelopes += count;
    this.stats.sentFrames++;
    this.stats.sentBytes += bytes.byteLength;
    this.#ws.send(bytes, SEND_BINARY);
  }

  #handToLink(groups: WireGroup[]): void {
    this.#groups = [];
    for (const g of groups) {
      for (let j = 0; j < g[2].length; j++) {
        this.stats.handedToLink++;
        this.#toLink(g[0], g[1] + j, g[2][j]!, g[3]);
      }
    }
  }
}
