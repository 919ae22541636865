// The envelope: a message plus what it needs to cross a thread or a machine. One format everywhere (threads
// now, WebSocket links later), encoded in batches with msgpackr records. Receivers validate every field
// and refuse what they do not understand with coded errors; they never crash on bad bytes.
import { createError, type StrataError } from './errors.ts';
import type { Message } from './message.ts';

/** The envelope format version this runtime speaks. */
export const ENVELOPE_VERSION = 1;

export interface Envelope {
  /** envelope format version */
  readonly v: number;
  /** target path on the receiving address */
  readonly t: string;
  /** message type (also in m.type): kept outside the body for logs and refusals without decoding m */
  readonly y: string;
  /** message id, unique per sending address */
  readonly i: number;
  readonly m: Message;
  /** sender path, when the sender is an actor */
  readonly s?: string;
  /** correlation id of an ask */
  readonly c?: string;
  /** trace context (W3C traceparent) */
  readonly x?: string;
  /** the sender's protocol version for this message family */
  readonly pv?: number;
  /** delivery attempt, 1 for the first (at-least-once senders count up) */
  readonly n?: number;
  /** deduplication key for idempotent handlers */
  readonly k?: string;
}

export interface EnvelopeLimits {
  /** a batch (and so any one envelope) larger than this is refused */
  readonly maxBatchBytes: number;
  /** one envelope's share of a batch, checked when a batch is split */
  readonly maxEnvelopeBytes: number;
}

export const defaultEnvelopeLimits: EnvelopeLimits = { maxBatchBytes: 64 * 2 ** 20, maxEnvelopeBytes: 16 * 2 ** 20 };

/** Checks one decoded envelope; returns the coded reason it is refused, or null. */
export function checkEnvelope(value: unknown): StrataError | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return createError('STRATA_ENVELOPE_MALFORMED', `an envelope must be a map, got ${describe(value)}`, { got: describe(value) });
  }
  const e = value as Record<string, unknown>;
  if (e['v'] !== ENVELOPE_VERSION) {
    if (typeof e['v'] === 'number') return createError('STRATA_ENVELOPE_VERSION', `envelope version ${e['v']} is not supported (this runtime speaks ${ENVELOPE_VERSION})`, { version: e['v'] });
    return missing('v', e);
  }
  if (typeof e['t'] !== 'string' || e['t'] === '') return missing('t (target path)', e);
  if (typeof e['i'] !== 'number') return missing('i (message id)', e);
  const m = e['m'];
  if (m === null || typeof m !== 'object' || typeof (m as Record<string, unknown>)['type'] !== 'string') return missing('m (message with a type)', e);
  return null;
}

function missing(field: string, e: Record<string, unknown>): StrataError {
  return createError('STRATA_ENVELOPE_MALFORMED', `envelope to ${String(e['t'] ?? '?')} lacks a valid ${field}`, { field, target: String(e['t'] ?? '') });
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
