// The link handshake: mutual HMAC challenge–response over a shared cluster secret. The server sends a fresh
// nonce; the client proves it knows the secret by a MAC over both nonces and what it claims (cluster, member,
// lane); the server answers with its own MAC so the client knows it reached a member of the same cluster.
// The secret never crosses the wire and never appears in a log line or an error.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Packr } from 'msgpackr';
import { clusterError } from '../errors.ts';
import type { StrataError } from '../../runtime/errors.ts';

/** The cluster link protocol version (handshake and frame formats). 2: a ref to an actor of the sending member
 *  travels as its path alone (runtime/codec.ts RefWriter). */
export const PROTOCOL_VERSION = 2;
/** A handshake frame larger than this is refused before decoding. */
export const MAX_HANDSHAKE_BYTES = 4096;
export const NONCE_BYTES = 32;
export const MIN_SECRET_BYTES = 16;

export type Lane = 'control' | 'bulk';

export interface Challenge {
  readonly k: 'challenge';
  readonly proto: number;
  readonly cluster: string;
  readonly nonce: Uint8Array;
}

export interface Auth {
  readonly k: 'auth';
  readonly proto: number;
  readonly cluster: string;
  /** the connecting member's id (host:port#incarnation) */
  readonly from: string;
  readonly lane: Lane;
  readonly nonce: Uint8Array;
  readonly mac: Uint8Array;
}

export interface Welcome {
  readonly k: 'welcome';
  /** the accepting member's id */
  readonly id: string;
  readonly mac: Uint8Array;
}

export type HandshakeFrame = Challenge | Auth | Welcome;

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

export function encodeHandshake(frame: HandshakeFrame): Uint8Array {
  return packr.pack(frame);
}

function mac(secret: Uint8Array, parts: readonly (string | Uint8Array)[]): Uint8Array {
  const h = createHmac('sha256', secret);
  h.update(`strata-cluster/${PROTOCOL_VERSION}`);
  for (const p of parts) {
    // length-prefixed, so no two different claims hash the same
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.byteLength);
    h.update(len);
    h.update(bytes);
  }
  return new Uint8Array(h.digest());
}

export function clientMac(secret: Uint8Array, a: { cluster: string; from: string; lane: Lane; serverNonce: Uint8Array; clientNonce: Uint8Array }): Uint8Array {
  return mac(secret, ['client', a.cluster, a.from, a.lane, a.serverNonce, a.clientNonce]);
}

export function serverMac(secret: Uint8Array, a: { cluster: string; id: string; serverNonce: Uint8Array; clientNonce: Uint8Array }): Uint8Array {
  return mac(secret, ['server', a.cluster, a.id, a.serverNonce, a.clientNonce]);
}

export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

function isBytes(v: unknown, n?: number): v is Uint8Array {
  return v instanceof Uint8Array && (n === undefined || v.byteLength === n);
}

/** Decodes and shape-checks a handshake frame of the expected kind; never throws anything but a coded error. */
export function decodeHandshake<K extends HandshakeFrame['k']>(bytes: unknown, kind: K): Extract<HandshakeFrame, { k: K }> | StrataError {
  if (!(bytes instanceof Uint8Array)) return clusterError('STRATA_CLUSTER_HANDSHAKE_MALFORMED', `expected a binary ${kind} frame, got ${typeof bytes === 'string' ? 'text' : typeof bytes}`, { expected: kind });
  if (bytes.byteLength > MAX_HANDSHAKE_BYTES) {
    return clusterError('STRATA_CLUSTER_HANDSHAKE_MALFORMED', `a ${kind} frame of ${bytes.byteLength} bytes is over the ${MAX_HANDSHAKE_BYTES}-byte handshake limit`, { expected: kind, sizeBytes: bytes.byteLength });
  }
  let v: unknown;
  try {
    v = packr.unpack(bytes);
  } catch {
    return clusterError('STRATA_CLUSTER_HANDSHAKE_MALFORMED', `a ${kind} frame of ${bytes.byteLength} bytes is not msgpack`, { expected: kind, sizeBytes: bytes.byteLength });
  }
  const f = v as Record<string, unknown> | null;
  const bad = (field: string) => clusterError('STRATA_CLUSTER_HANDSHAKE_MALFORMED', `a ${kind} frame lacks a valid ${field}`, { expected: kind, field });
  if (f === null || typeof f !== 'object' || Array.isArray(f) || f['k'] !== kind) return bad('kind');
  switch (kind) {
    case 'challenge':
      if (typeof f['proto'] !== 'number') return bad('proto');
      if (typeof f['cluster'] !== 'string') return bad('cluster');
      if (!isBytes(f['nonce'], NONCE_BYTES)) return bad('nonce');
      break;
    case 'auth':
      if (typeof f['proto'] !== 'number') return bad('proto');
      if (typeof f['cluster'] !== 'string') return bad('cluster');
      if (typeof f['from'] !== 'string' || f['from'] === '' || f['from'].length > 300) return bad('from');
      if (f['lane'] !== 'control' && f['lane'] !== 'bulk') return bad('lane');
      if (!isBytes(f['nonce'], NONCE_BYTES)) return bad('nonce');
      if (!isBytes(f['mac'])) return bad('mac');
      break;
    case 'welcome':
      if (typeof f['id'] !== 'string' || f['id'] === '') return bad('id');
      if (!isBytes(f['mac'])) return bad('mac');
      break;
  }
  return f as unknown as Extract<HandshakeFrame, { k: K }>;
}

/** The close codes a refused link carries (4000–4999 are application codes in RFC 6455). */
export const CLOSE = {
  authFailed: 4001,
  protocolVersion: 4002,
  clusterName: 4003,
  malformed: 4004,
  timeout: 4005,
  rateLimited: 4029,
  shutdown: 4000,
  superseded: 4006,
} as const;
