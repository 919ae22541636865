// The cluster transport of one member: a WebSocket server that authenticates inbound lanes and hands their
// frames up (bulk: envelope batch bytes; control: decoded control messages), and one outbound Link per peer
// endpoint. Listens on 127.0.0.1 unless told otherwise; optional TLS from configured files. Refusals (wrong
// secret, cluster, protocol version, garbage) close the connection with a coded reason and one log line per
// host and code per window; repeated failures from a host are refused at the upgrade for a while.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { Packr } from 'msgpackr';
import { pino, type Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import type { BackoffOptions } from '../../runtime/backoff.ts';
import { envelopeFrom, extrasOf, type Envelope, type EnvelopeExtras } from '../../runtime/envelope.ts';
import type { ErrorData } from '../../runtime/errors.ts';
import type { Message, TellOutcome } from '../../runtime/message.ts';
import { clusterError, type ClusterErrorCode } from '../errors.ts';
import { FailureLimiter, defaultFailureLimits, type FailureLimiterOptions } from './failure-limiter.ts';
import { CLOSE, MIN_SECRET_BYTES, PROTOCOL_VERSION, clientMac, decodeHandshake, encodeHandshake, macEquals, newNonce, serverMac, type Lane } from './handshake.ts';
import { Link, type LinkStats } from './link.ts';
import { ReplyLane, isTempPath, type ReplyLaneStats } from './reply-lane.ts';
import { endpointOfId, memberId } from './member-id.ts';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** the CA that signed the members' certificates (peers are verified against it) */
  readonly caFile?: string;
}

export interface TransportOptions {
  readonly cluster: string;
  /** the shared cluster secret (at least 16 bytes); never sent, never logged */
  readonly secret: string | Uint8Array;
  /** default 127.0.0.1 */
  readonly host?: string;
  /** default 0 (any free port; read `id` after `listen`) */
  readonly port?: number;
  /** default: the start time in ms, so a restarted member is a new one */
  readonly incarnation?: number;
  readonly tls?: TlsFiles;
  /** ws maxPayload: frames over this are refused by the receiver and split (or refused) by the sender */
  readonly maxFrameBytes?: number;
  readonly maxEnvelopesPerFrame?: number;
  readonly handshakeTimeoutMs?: number;
  readonly failureLimits?: FailureLimiterOptions;
  readonly reconnectBackoff?: BackoffOptions;
  /** bulk lane: stop writing while bufferedAmount is over this */
  readonly highWaterMarkBytes?: number;
  /** bulk lane: refuse (TellOutcome 'rejected-full') once this many envelopes wait for one peer */
  readonly maxQueuedEnvelopes?: number;
  readonly random?: () => number;
  readonly logger?: Logger;
}

/** What the transport hands up. `from` is the authenticated member id of the sender. */
export interface TransportHandlers {
  bulk(from: string, bytes: Uint8Array): void;
  control(from: string, message: ControlMessage): void;
  linkUp?(endpoint: string, lane: Lane, remoteId: string): void;
  linkDown?(endpoint: string, lane: Lane): void;
  undeliverable?(targetId: string, e: Envelope, error: ErrorData): void;
}

/** Control-lane messages: plain msgpack maps with a `op` (membership and remote-actor layers define them). */
export interface ControlMessage {
  readonly op: string;
  readonly [k: string]: unknown;
}

export interface TransportStats extends LinkStats {
  /** of sentEnvelopes: answers to asks sent back on the asker's own connection (reply-lane.ts) */
  sentOnAskersConnection: number;
  /** answers that connection could not take, sent on this member's link instead */
  answersHandedToLink: number;
  receivedFrames: number;
  receivedBytes: number;
  receivedControl: number;
  refused: Record<string, number>;
}

export const defaultTransportSettings = {
  host: '127.0.0.1',
  maxFrameBytes: 8 * 2 ** 20,
  maxEnvelopesPerFrame: 4096,
  handshakeTimeoutMs: 5_000,
  reconnectBackoff: { minMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 } satisfies BackoffOptions,
  highWaterMarkBytes: 8 * 2 ** 20,
  maxQueuedEnvelopes: 200_000,
  maxQueuedControl: 256,
};

const controlPackr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encodeControl(m: ControlMessage): Uint8Array {
  return controlPackr.pack(m);
}

interface Inbound {
  readonly ws: WebSocket;
  readonly from: string;
  readonly lane: Lane;
  /** a bulk lane's way back to the member that opened it, for answers to its asks */
  readonly reply: ReplyLane | null;
}

export class Transport {
  readonly cluster: string;
  readonly host: string;
  readonly incarnation: number;
  #port: number;
  #id = '';
  readonly #secret: Uint8Array;
  readonly #options: TransportOptions;
  readonly #logger: Logger;
  readonly #limiter: FailureLimiter;
  readonly #logLimiter: FailureLimiter;
  readonly #links = new Map<string, Link>();
  readonly #inbound = new Map<string, Inbound>();
  /** member id → the reply lane on the bulk connection it opened to this member */
  readonly #replyLanes = new Map<string, ReplyLane>();
  readonly #replyStats: ReplyLaneStats = { sentEnvelopes: 0, sentFrames: 0, sentBytes: 0, handedToLink: 0 };
  #handlers: TransportHandlers | null = null;
  #server: Server | null = null;
  #wss: WebSocketServer | null = null;
  #tlsCa: Buffer | undefined;
  #closed = false;
  /** fault injection: endpoints whose frames are dropped both ways (partition simulation in tests) */
  readonly #blocked = new Set<string>();
  readonly #received = { receivedFrames: 0, receivedBytes: 0, receivedControl: 0 };
  readonly #refused: Record<string, number> = {};

  constructor(options: TransportOptions) {
    this.#options = options;
    this.cluster = options.cluster;
    this.host = options.host ?? defaultTransportSettings.host;
    this.#port = options.port ?? 0;
    this.incarnation = options.incarnation ?? Date.now();
    this.#logger = options.logger ?? pino({ name: 'strata:cluster', level: process.env['STRATA_LOG_LEVEL'] ?? 'info' });
    if (!options.cluster || /[\s/#]/.test(options.cluster)) {
      throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', `cluster name ${JSON.stringify(options.cluster)} is empty or contains whitespace, "/" or "#"`, { option: 'cluster', value: options.cluster });
    }
    this.#secret = typeof options.secret === 'string' ? new Uint8Array(Buffer.from(options.secret, 'utf8')) : options.secret;
    if (this.#secret.byteLength < MIN_SECRET_BYTES) {
      // the value itself is never echoed
      throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', `the cluster secret is ${this.#secret.byteLength} bytes; at least ${MIN_SECRET_BYTES} are required`, { option: 'secret', sizeBytes: this.#secret.byteLength });
    }
    if (!Number.isInteger(this.#port) || this.#port < 0 || this.#port > 65_535) {
      throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', `port ${this.#port} is not 0..65535`, { option: 'port', value: this.#port });
    }
    const limits = options.failureLimits ?? defaultFailureLimits;
    this.#limiter = new FailureLimiter(limits);
    this.#logLimiter = new FailureLimiter(limits);
  }

  /** This member's id (host:port#incarnation), known once listening. */
  get id(): string {
    return this.#id;
  }

  get port(): number {
    return this.#port;
  }

  get logger(): Logger {
    return this.#logger;
  }

  async listen(handlers: TransportHandlers): Promise<string> {
    this.#handlers = handlers;
    const tls = this.#options.tls;
    let server: Server;
    if (tls) {
      let cert: Buffer, key: Buffer;
      try {
        cert = readFileSync(tls.certFile);
        key = readFileSync(tls.keyFile);
        this.#tlsCa = tls.caFile ? readFileSync(tls.caFile) : undefined;
      } catch (err) {
        throw clusterError('STRATA_CLUSTER_INVALID_CONFIG', `TLS files cannot be read: ${(err as Error).message}`, { option: 'tls' });
      }
      server = createHttpsServer({ cert, key, ...(this.#tlsCa ? { ca: this.#tlsCa } : {}) }) as unknown as Server;
    } else server = createHttpServer();
    server.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('this port speaks the Strata cluster protocol over WebSocket\n');
    });
    // garbage bytes that are not even HTTP: drop the socket, count it against the host
    server.on('clientError', (err: Error, socket: Duplex) => {
      const host = (socket as unknown as { remoteAddress?: string }).remoteAddress ?? 'unknown';
      this.#refuse(host, 'STRATA_CLUSTER_HANDSHAKE_MALFORMED', `bytes that are not an HTTP upgrade (${(err as { code?: string }).code ?? err.message})`);
      socket.destroy();
    });
    const wss = new WebSocketServer({
      server,
      path: '/strata/cluster',
      maxPayload: this.#options.maxFrameBytes ?? defaultTransportSettings.maxFrameBytes,
      perMessageDeflate: false,
      verifyClient: (info: { req: IncomingMessage }, cb: (ok: boolean, code?: number, message?: string) => void) => {
        const host = info.req.socket.remoteAddress ?? 'unknown';
        if (this.#closed) return cb(false, 503, 'member stopping');
        if (this.#limiter.isBlocked(host)) {
          this.#count('STRATA_CLUSTER_RATE_LIMITED');
          return cb(false, 429, 'too many failed handshakes');
        }
        cb(true);
      },
    });
    wss.on('connection', (ws, req) => this.#accept(ws, req));
    wss.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(clusterError('STRATA_CLUSTER_INVALID_CONFIG', `cannot listen on ${this.host}:${this.#port}: ${err.message}`, { option: 'listen', value: `${this.host}:${this.#port}` })));
      server.listen(this.#port, this.host, () => resolve());
    });
    this.#server = server;
    this.#wss = wss;
    const addr = server.address();
    if (addr && typeof addr === 'object') this.#port = addr.port;
    this.#id = memberId({ host: this.host, port: this.#port, incarnation: this.incarnation });
    this.#logger.info({ member: this.#id, cluster: this.cluster, tls: Boolean(tls) }, `cluster transport listening on ${tls ? 'wss' : 'ws'}://${this.host}:${this.#port}`);
    return this.#id;
  }

  #count(code: string): void {
    this.#refused[code] = (this.#refused[code] ?? 0) + 1;
  }

  #refuse(host: string, code: ClusterErrorCode, reason: string, ws?: WebSocket, closeCode?: number): void {
    this.#count(code);
    const startedBlock = this.#limiter.fail(host);
    const suppressed = this.#logLimiter.shouldLog(`${host}|${code}`);
    if (suppressed >= 0) {
      this.#logger.warn({ peer: host, code, ...(suppressed > 0 ? { suppressed } : {}) }, `refused cluster link from ${host}: ${reason}`);
    }
    if (startedBlock) this.#logger.warn({ peer: host, code: 'STRATA_CLUSTER_RATE_LIMITED' }, `too many failed handshakes from ${host}: refusing its connections for a while`);
    if (ws) ws.close(closeCode ?? CLOSE.malformed, reason.slice(0, 120));
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const host = req.socket.remoteAddress ?? 'unknown';
    const serverNonce = newNonce();
    let done = false;
    const timer = setTimeout(() => {
      if (!done) this.#refuse(host, 'STRATA_CLUSTER_HANDSHAKE_TIMEOUT', `no handshake within ${this.#options.handshakeTimeoutMs ?? defaultTransportSettings.handshakeTimeoutMs} ms`, ws, CLOSE.timeout);
    }, this.#options.handshakeTimeoutMs ?? defaultTransportSettings.handshakeTimeoutMs);
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the socket itself (1009 for an oversized frame, 1002 for a protocol error)
      if (done) this.#logger.warn({ peer: host, code: err.code }, `cluster link from ${host} closed: ${err.message}`);
      else this.#refuse(host, err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'STRATA_CLUSTER_FRAME_TOO_LARGE' : 'STRATA_CLUSTER_HANDSHAKE_MALFORMED', err.message);
    });
    const onHandshake = (data: Buffer, isBinary: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.off('message', onHandshake);
      const auth = decodeHandshake(isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : String(data), 'auth');
      if (auth instanceof Error) return this.#refuse(host, 'STRATA_CLUSTER_HANDSHAKE_MALFORMED', auth.message, ws, CLOSE.malformed);
      if (auth.proto !== PROTOCOL_VERSION) {
        return this.#refuse(host, 'STRATA_CLUSTER_PROTOCOL_VERSION', `member ${auth.from} speaks cluster protocol ${auth.proto}, this member speaks ${PROTOCOL_VERSION}`, ws, CLOSE.protocolVersion);
      }
      if (auth.cluster !== this.cluster) {
        return this.#refuse(host, 'STRATA_CLUSTER_NAME_MISMATCH', `member ${auth.from} belongs to cluster ${JSON.stringify(auth.cluster)}, this member to ${JSON.stringify(this.cluster)}`, ws, CLOSE.clusterName);
      }
      const expected = clientMac(this.#secret, { cluster: this.cluster, from: auth.from, lane: auth.lane, serverNonce, clientNonce: auth.nonce });
      if (!macEquals(expected, auth.mac)) {
        return this.#refuse(host, 'STRATA_CLUSTER_AUTH_FAILED', `member ${auth.from} failed the challenge (wrong cluster secret)`, ws, CLOSE.authFailed);
      }
      this.#limiter.succeed(host);
      ws.send(encodeHandshake({ k: 'welcome', id: this.#id, mac: serverMac(this.#secret, { cluster: this.cluster, id: this.#id, serverNonce, clientNonce: auth.nonce }) }));
      this.#established(ws, auth.from, auth.lane);
    };
    ws.on('close', (code: number, reason: Buffer) => {
      if (done) return;
      // the client refused us (it checks our cluster name and protocol version in the challenge)
      done = true;
      clearTimeout(timer);
      const byCode: Record<number, ClusterErrorCode> = { [CLOSE.clusterName]: 'STRATA_CLUSTER_NAME_MISMATCH', [CLOSE.protocolVersion]: 'STRATA_CLUSTER_PROTOCOL_VERSION', [CLOSE.authFailed]: 'STRATA_CLUSTER_AUTH_FAILED' };
      const errorCode = byCode[code];
      if (errorCode) this.#refuse(host, errorCode, `the connecting member refused the handshake: ${reason.toString()}`);
    });
    ws.on('message', onHandshake);
    ws.send(encodeHandshake({ k: 'challenge', proto: PROTOCOL_VERSION, cluster: this.cluster, nonce: serverNonce }));
  }

  #established(ws: WebSocket, from: string, lane: Lane): void {
    const key = `${from}|${lane}`;
    const previous = this.#inbound.get(key);
    if (previous) previous.ws.close(CLOSE.superseded, 'superseded by a new connection');
    const reply = lane === 'bulk' ? new ReplyLane(ws, { selfId: this.#id, ...this.#frameLimits() }, this.#replyStats, (t, i, m, extras) => this.#handOver(from, t, i, m, extras)) : null;
    this.#inbound.set(key, { ws, from, lane, reply });
    if (reply !== null) this.#replyLanes.set(from, reply);
    const endpoint = endpointOfId(from);
    ws.on('close', () => {
      if (this.#inbound.get(key)?.ws === ws) this.#inbound.delete(key);
      if (reply !== null) {
        if (this.#replyLanes.get(from) === reply) this.#replyLanes.delete(from);
        reply.close();
      }
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.#blocked.has(endpoint) || this.#closed) return;
      if (!isBinary) {
        this.#count('STRATA_CLUSTER_HANDSHAKE_MALFORMED');
        return;
      }
      this.#received.receivedFrames++;
      this.#received.receivedBytes += data.byteLength;
      const h = this.#handlers!;
      if (lane === 'bulk') {
        h.bulk(from, data);
        return;
      }
      let m: unknown;
      try {
        m = controlPackr.unpack(data);
      } catch {
        m = null;
      }
      if (m === null || typeof m !== 'object' || typeof (m as ControlMessage).op !== 'string') {
        this.#count('STRATA_ENVELOPE_MALFORMED');
        if (this.#logLimiter.shouldLog(`${from}|control`) >= 0) this.#logger.warn({ peer: from }, `a control frame from ${from} is not a msgpack map with an op; dropped`);
        return;
      }
      this.#received.receivedControl++;
      h.control(from, m as ControlMessage);
    });
  }

  #link(endpoint: string): Link {
    let link = this.#links.get(endpoint);
    if (link === undefined) {
      link = new Link(
        endpoint,
        {
          cluster: this.cluster,
          secret: this.#secret,
          selfId: this.#id,
          tls: this.#options.tls ? (this.#tlsCa ? { ca: this.#tlsCa } : {}) : null,
          ...this.#frameLimits(),
          handshakeTimeoutMs: this.#options.handshakeTimeoutMs ?? defaultTransportSettings.handshakeTimeoutMs,
          backoff: this.#options.reconnectBackoff ?? defaultTransportSettings.reconnectBackoff,
          maxQueuedEnvelopes: this.#options.maxQueuedEnvelopes ?? defaultTransportSettings.maxQueuedEnvelopes,
          maxQueuedControl: defaultTransportSettings.maxQueuedControl,
          random: this.#options.random ?? Math.random,
          logger: this.#logger,
        },
        {
          up: (ep, lane, remoteId) => this.#handlers?.linkUp?.(ep, lane, remoteId),
          down: (ep, lane) => this.#handlers?.linkDown?.(ep, lane),
          undeliverable: (target, e, error) => this.#handlers?.undeliverable?.(target, e, error),
          isBlocked: (ep) => this.#blocked.has(ep),
          received: (remoteId, bytes) => this.#receivedOnLink(endpoint, remoteId, bytes),
        },
      );
      this.#links.set(endpoint, link);
    }
    return link;
  }

  /** Sends a control message to an endpoint (host:port) or a member id. */
  sendControl(to: string, m: ControlMessage): void {
    if (this.#closed) return;
    this.#link(endpointOfId(to)).sendControl(encodeControl(m));
  }

  /** Queues an envelope for a member; batched per tick with the others for that member. */
  send(targetId: string, e: Envelope): TellOutcome {
    return this.sendMessage(targetId, e.t, e.i, e.m, extrasOf(e));
  }
  #lastTarget = '';
  #lastLink: Link | null = null;

  /** `send` without the envelope object: message `m` (id `i`, for path `t`, with its extras if any) for a member.
   *  An answer to an ask goes back on the connection the asker opened when it can (reply-lane.ts). */
  sendMessage(targetId: string, t: string, i: number, m: Message, extras?: EnvelopeExtras): TellOutcome {
    if (this.#replyLanes.size > 0 && isTempPath(t)) {
      const lane = this.#replyLanes.get(targetId);
      if (lane !== undefined && (this.#blocked.size === 0 || !this.#blocked.has(endpointOfId(targetId))) && lane.offer(t, i, m, extras)) return 'enqueued';
    }
    return this.#sendOnLink(targetId, t, i, m, extras);
  }

  #sendOnLink(targetId: string, t: string, i: number, m: Message, extras?: EnvelopeExtras): TellOutcome {
    if (this.#closed) return 'dead';
    // bulk traffic mostly goes to one member at a time: skip the id → endpoint → link lookup for it
    if (targetId !== this.#lastTarget || this.#lastLink === null) {
      this.#lastLink = this.#link(endpointOfId(targetId));
      this.#lastTarget = targetId;
    }
    return this.#lastLink.sendMessage(targetId, t, i, m, extras);
  }

  /** Whether answers to member `id`'s asks go back on a connection it opened to this member (reply-lane.ts). */
  hasAskersConnection(id: string): boolean {
    return this.#replyLanes.has(id);
  }

  /** A message a reply lane handed to the link (after its sender was told 'enqueued'): what the link refuses is
   *  reported as undeliverable, as a frame the link could not send is. */
  #handOver(targetId: string, t: string, i: number, m: Message, extras: EnvelopeExtras | undefined): void {
    const outcome = this.#sendOnLink(targetId, t, i, m, extras);
    if (outcome === 'enqueued') return;
    const code = outcome === 'rejected-full' ? 'STRATA_CLUSTER_LINK_FULL' : 'STRATA_CLUSTER_MEMBER_DOWN';
    const error = clusterError(code, `${m.type} to ${targetId}:${t} could not be sent (${outcome})`, { member: targetId, target: t, messageType: m.type }).toData();
    this.#handlers?.undeliverable?.(targetId, envelopeFrom(t, i, m, extras), error);
  }

  /** the bulk frame limits, shared by the links and the reply lanes */
  #frameLimits(): { maxFrameBytes: number; maxEnvelopesPerFrame: number; highWaterMarkBytes: number } {
    return {
      maxFrameBytes: this.#options.maxFrameBytes ?? defaultTransportSettings.maxFrameBytes,
      maxEnvelopesPerFrame: this.#options.maxEnvelopesPerFrame ?? defaultTransportSettings.maxEnvelopesPerFrame,
      highWaterMarkBytes: this.#options.highWaterMarkBytes ?? defaultTransportSettings.highWaterMarkBytes,
    };
  }

  /** A bulk frame the member at `endpoint` sent back on this member's own link (answers to its asks). */
  #receivedOnLink(endpoint: string, remoteId: string, bytes: Uint8Array): void {
    if (this.#closed || this.#blocked.has(endpoint)) return;
    this.#received.receivedFrames++;
    this.#received.receivedBytes += bytes.byteLength;
    this.#handlers?.bulk(remoteId, bytes);
  }

  /** Writes what every link and reply lane has queued now rather than in their microtasks: called after a batch
   *  read from a socket was delivered and the actors it woke have run, so their answers leave before the read
   *  unwinds. */
  flushNow(): void {
    // forEach with one function: no iterator object per batch read
    this.#replyLanes.forEach(flushLaneNow);
    this.#links.forEach(flushLinkNow);
  }

  /** Stops reading bulk frames from member `from` (receive-side flow control; TCP then slows the sender,
   *  whose link queue fills and refuses or makes it wait). Control frames keep flowing. */
  pauseBulk(from: string): void {
    for (const i of this.#inbound.values()) if (i.from === from && i.lane === 'bulk') i.ws.pause();
  }

  resumeBulk(from: string): void {
    for (const i of this.#inbound.values()) if (i.from === from && i.lane === 'bulk') i.ws.resume();
  }

  /** Resolves when the bulk queue to `targetId` has room (senders that prefer waiting to being refused). */
  whenWritable(targetId: string): Promise<void> {
    return this.#link(endpointOfId(targetId)).whenWritable();
  }

  /** Opens both lanes to an endpoint now (seeds, new members). */
  connect(endpoint: string): void {
    if (!this.#closed) this.#link(endpointOfId(endpoint)).open();
  }

  /** Closes the link to a member that left the cluster; queued envelopes fail with `error`. */
  forget(endpointOrId: string, error: ErrorData): void {
    const endpoint = endpointOfId(endpointOrId);
    const link = this.#links.get(endpoint);
    if (link) {
      this.#links.delete(endpoint);
      this.#lastLink = null;
      link.close(error);
    }
    for (const [key, inbound] of this.#inbound) {
      if (endpointOfId(inbound.from) === endpoint) {
        this.#inbound.delete(key);
        inbound.ws.close(CLOSE.shutdown, 'member removed');
      }
    }
  }

  /** Fault injection for tests and drills: drop every frame to and from these endpoints (a partition). */
  setBlocked(endpoints: readonly string[]): void {
    this.#blocked.clear();
    for (const e of endpoints) this.#blocked.add(endpointOfId(e));
  }

  linkTo(endpointOrId: string): Link | undefined {
    return this.#links.get(endpointOfId(endpointOrId));
  }

  stats(): TransportStats {
    const s: TransportStats = { sentEnvelopes: 0, sentOnAskersConnection: 0, answersHandedToLink: this.#replyStats.handedToLink, sentFrames: 0, sentBytes: 0, controlFrames: 0, rejectedFull: 0, reconnects: 0, ...this.#received, refused: { ...this.#refused } };
    const r = this.#replyStats;
    s.sentEnvelopes += r.sentEnvelopes;
    s.sentOnAskersConnection = r.sentEnvelopes;
    s.sentFrames += r.sentFrames;
    s.sentBytes += r.sentBytes;
    for (const l of this.#links.values()) {
      s.sentEnvelopes += l.stats.sentEnvelopes;
      s.sentFrames += l.stats.sentFrames;
      s.sentBytes += l.stats.sentBytes;
      s.controlFrames += l.stats.controlFrames;
      s.rejectedFull += l.stats.rejectedFull;
      s.reconnects += l.stats.reconnects;
    }
    return s;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = clusterError('STRATA_CLUSTER_LINK_CLOSED', `member ${this.#id} is shutting down its transport`, { member: this.#id }).toData();
    for (const link of this.#links.values()) link.close(error);
    this.#links.clear();
    this.#lastLink = null;
    for (const { ws } of this.#inbound.values()) ws.close(CLOSE.shutdown, 'member stopping');
    this.#inbound.clear();
    this.#replyLanes.clear();
    for (const ws of this.#wss?.clients ?? []) ws.terminate();
    await new Promise<void>((resolve) => (this.#wss ? this.#wss.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      if (!this.#server) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections?.();
    });
  }
}

const flushLaneNow = (lane: ReplyLane): void => lane.flushNow();
const flushLinkNow = (link: Link): void => link.flushNow();
