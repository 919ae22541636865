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

/** The optional fields of an envelope: a group carrying them holds envelopes that share them. */
export type EnvelopeExtras = Pick<Envelope, 's' | 'c' | 'x' | 'pv' | 'n' | 'k'>;

/** On the wire a batch is `[v, groups]`. Consecutive envelopes for one target with the same extras travel as
 *  one group `[t, firstId, messages, extras?]` (ids consecutive, `y` is each message's `type`), so a batch of
 *  1,024 messages for one actor costs barely more than the messages themselves. Logically every message is
 *  still a full envelope; `forEachEnvelope` reads them back one by one. */
export type WireGroup = [t: string, i: number, m: Message[], extras?: EnvelopeExtras];
export type WireBatch = [v: number, groups: WireGroup[]];

/** The envelope for message `m` (id `i`, for path `t`) with its optional fields, the inverse of `extrasOf`. */
export function envelopeFrom(t: string, i: number, m: Message, extras: EnvelopeExtras | undefined): Envelope {
  return extras === undefined ? { v: ENVELOPE_VERSION, t, y: m.type, i, m } : { ...extras, v: ENVELOPE_VERSION, t, y: m.type, i, m };
}

/** The optional fields an envelope carries, or undefined when it carries none (the common case). */
export function extrasOf(e: Envelope): EnvelopeExtras | undefined {
  if (e.s === undefined && e.c === undefined && e.x === undefined && e.pv === undefined && e.n === undefined && e.k === undefined) return undefined;
  const x: { -readonly [K in keyof EnvelopeExtras]: EnvelopeExtras[K] } = {};
  if (e.s !== undefined) x.s = e.s;
  if (e.c !== undefined) x.c = e.c;
  if (e.x !== undefined) x.x = e.x;
  if (e.pv !== undefined) x.pv = e.pv;
  if (e.n !== undefined) x.n = e.n;
  if (e.k !== undefined) x.k = e.k;
  return x;
}

export function toWire(envelopes: readonly Envelope[]): WireBatch {
  const groups: WireGroup[] = [];
  let current: WireGroup | null = null;
  let nextId = 0;
  for (const e of envelopes) {
    const extras = extrasOf(e);
    if (current !== null && extras === undefined && current[3] === undefined && current[0] === e.t && e.i === nextId) {
      current[2].push(e.m);
    } else {
      current = extras === undefined ? [e.t, e.i, [e.m]] : [e.t, e.i, [e.m], extras];
      groups.push(current);
    }
    nextId = e.i + 1;
  }
  return [ENVELOPE_VERSION, groups];
}

export interface EnvelopeVisitor {
  /** a valid envelope (target path, id, message, extras of its group) */
  envelope(t: string, i: number, m: Message, extras: EnvelopeExtras | undefined): void;
  /** a refused part of the batch; `m` when a single message could be identified (to fail its ask) */
  refused(error: StrataError, m: unknown): void;
}

/** Validates a decoded batch and visits its envelopes in order; bad parts are refused, good ones go on. */
export function forEachEnvelope(value: unknown, visit: EnvelopeVisitor): void {
  if (!Array.isArray(value) || value.length < 2 || !Array.isArray(value[1])) {
    visit.refused(createError('STRATA_ENVELOPE_MALFORMED', `a batch must be [version, groups], got ${describe(value)}`, { got: describe(value) }), undefined);
    return;
  }
  const groups = value[1] as unknown[];
  if (value[0] !== ENVELOPE_VERSION) {
    const error = typeof value[0] === 'number'
      ? createError('STRATA_ENVELOPE_VERSION', `envelope version ${value[0]} is not supported (this runtime speaks ${ENVELOPE_VERSION})`, { version: value[0] })
      : createError('STRATA_ENVELOPE_MALFORMED', 'a batch lacks a numeric envelope version', {});
    // the asks inside can still learn why: their replyTo refs decoded fine
    let any = false;
    for (const g of groups) {
      if (Array.isArray(g) && Array.isArray(g[2])) for (const m of g[2] as unknown[]) (any = true), visit.refused(error, m);
    }
    if (!any) visit.refused(error, undefined);
    return;
  }
  for (const g of groups) {
    if (!Array.isArray(g) || typeof g[0] !== 'string' || g[0] === '' || typeof g[1] !== 'number' || !Array.isArray(g[2])) {
      visit.refused(createError('STRATA_ENVELOPE_MALFORMED', 'an envelope group lacks a target path, a message id or its messages', { got: describe(g) }), undefined);
      continue;
    }
    const t = g[0] as string;
    const messages = g[2] as unknown[];
    const extras = g[3] === undefined || g[3] === null ? undefined : (g[3] as EnvelopeExtras);
    if (extras !== undefined && (typeof extras !== 'object' || Array.isArray(extras))) {
      visit.refused(createError('STRATA_ENVELOPE_MALFORMED', `envelope extras to ${t} are not a map`, { target: t }), undefined);
      continue;
    }
    let i = g[1] as number;
    for (const m of messages) {
      if (m === null || typeof m !== 'object' || typeof (m as Record<string, unknown>)['type'] !== 'string') {
        visit.refused(createError('STRATA_ENVELOPE_MALFORMED', `envelope to ${t} lacks a valid m (message with a type)`, { field: 'm', target: t }), m);
      } else {
        visit.envelope(t, i, m as Message, extras);
      }
      i++;
    }
  }
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
