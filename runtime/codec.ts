// The msgpack codec of the runtime. Actor refs travel as an extension holding [address, path] (or, in a frame
// between members, the path alone for an actor of the sending member) and come back as live refs (local cells, or
// remote refs that route to their address). SharedArrayBuffers travel as an extension holding an index into a
// side list that is handed to postMessage, so shared memory is never copied. The codec-check mode (on in tests)
// passes every local message through here.
import { Packr, addExtension, RESET_BUFFER_MODE } from 'msgpackr';
import { createError, StrataError } from './errors.ts';
import type { AnyActorRef } from './actor-ref.ts';

/** msgpack extension types (0x00–0x7f are application types). */
export const REF_EXTENSION_TYPE = 0x41;
export const SHARED_BUFFER_EXTENSION_TYPE = 0x42;

/** Resolves an encoded ref on the decoding side. */
export type RefResolver = (address: string, path: string) => AnyActorRef;

/** A ref class: instances know the address of the system they belong to. */
export interface AddressedRef extends AnyActorRef {
  readonly address: string;
}
type RefClass = abstract new (...args: never[]) => AddressedRef;

const refClasses = new Set<RefClass>();
// Encoding and decoding are synchronous, so the context of the current call is a plain variable.
interface CodecContext {
  resolve: RefResolver | null;
  /** shared buffers collected while encoding, or supplied while decoding */
  shared: SharedArrayBuffer[] | null;
  /** while encoding for another member: how a ref is written ([address, path]); null writes it as it is */
  qualify?: RefWriter | null;
  /** while decoding a frame from another member: that member's address, which a ref written as its path alone
   *  belongs to (see RefWriter) */
  from?: string | null;
}
/** Writes a ref for the receiving side: `[address, path]`, or, in a frame to another member, the path alone for
 *  an actor of the sending member (an ask's reply-to, mostly), which the receiver resolves against the member the
 *  frame came from. A member boundary also qualifies the paths of actors on the sender's worker threads. */
export type RefWriter = (ref: AddressedRef) => [string, string] | string;
/** the context outside any encode or decode */
const IDLE: CodecContext = { resolve: null, shared: null };
let current: CodecContext = IDLE;
/** The context of a batch encode or decode that is not nested in another, reused: one object per batch showed
 *  in the allocation profile of a remote ask (a nested one, from an extension, gets an object of its own). */
const batchContext: CodecContext = { resolve: null, shared: null, qualify: null, from: null };
function batchContextFor(resolve: RefResolver | null, shared: SharedArrayBuffer[], qualify: RefWriter | null, from: string | null): CodecContext {
  const ctx = current === IDLE ? batchContext : { resolve, shared, qualify, from };
  ctx.resolve = resolve;
  ctx.shared = shared;
  ctx.qualify = qualify;
  ctx.from = from;
  return ctx;
}
/** Lets go of what the reused context held (a network's resolver, a batch's shared buffers) once its batch is done. */
function releaseBatchContext(ctx: CodecContext): void {
  if (ctx !== batchContext) return;
  ctx.resolve = null;
  ctx.shared = null;
  ctx.qualify = null;
  ctx.from = null;
}

/** Declares a class whose instances are actor refs, so they encode as the ref extension. */
export function registerRefClass(cls: RefClass): void {
  if (refClasses.has(cls)) return;
  refClasses.add(cls);
  addExtension({
    Class: cls as unknown as new () => AddressedRef,
    type: REF_EXTENSION_TYPE,
    write: (ref: AddressedRef) => (current.qualify ? current.qualify(ref) : [ref.address, ref.path]),
    read: (data: unknown) => {
      if (typeof data === 'string') {
        // the path alone: an actor of the member that sent this frame
        const from = current.from;
        if (from === undefined || from === null) throw createError('STRATA_ENVELOPE_MALFORMED', `actor ref extension holds the path ${JSON.stringify(data)} alone outside a frame from another member`, { value: data });
        if (current.resolve === null) throw createError('STRATA_NOT_SERIALIZABLE', `actor ref ${data} decoded outside a system`, { path: data });
        return current.resolve(from, data);
      }
      if (!Array.isArray(data) || typeof data[0] !== 'string' || typeof data[1] !== 'string') {
        throw createError('STRATA_ENVELOPE_MALFORMED', `actor ref extension holds ${JSON.stringify(data)}, not [address, path]`, { value: String(data) });
      }
      if (current.resolve === null) throw createError('STRATA_NOT_SERIALIZABLE', `actor ref ${data[1]} decoded outside a system`, { path: data[1] });
      return current.resolve(data[0], data[1]);
    },
  });
}

addExtension({
  Class: SharedArrayBuffer as unknown as new () => SharedArrayBuffer,
  type: SHARED_BUFFER_EXTENSION_TYPE,
  write: (sab: SharedArrayBuffer) => {
    const list = current.shared;
    if (list === null) throw createError('STRATA_NOT_SERIALIZABLE', 'a SharedArrayBuffer can only travel inside an envelope batch or the codec check', {});
    let i = list.indexOf(sab);
    if (i < 0) i = list.push(sab) - 1;
    return i;
  },
  read: (i: unknown) => {
    const sab = typeof i === 'number' ? current.shared?.[i] : undefined;
    if (sab === undefined) throw createError('STRATA_ENVELOPE_MALFORMED', `shared buffer reference ${String(i)} has no buffer beside the batch`, { index: String(i) });
    return sab;
  },
});

export function isRef(value: unknown): value is AddressedRef {
  for (const cls of refClasses) if (value instanceof cls) return true;
  return false;
}

/** Single messages: plain maps (records without shared structures are slower for one message). */
const messagePackr = new Packr({ useRecords: false, moreTypes: true, bundleStrings: false });
/** Decodes what was packed into a reused buffer (the codec check), copying binary fields out of it. */
const copyingMessagePackr = new Packr({ useRecords: false, moreTypes: true, bundleStrings: false, copyBuffers: true });
/** Batches: records, self-describing (no structures shared out of band), fast for many similar envelopes. */
const batchPackr = new Packr({ useRecords: true, mapsAsObjects: true, moreTypes: true, bundleStrings: false });

/** Throws STRATA_NOT_SERIALIZABLE naming the field path and what is there, for anything msgpack would
 *  not carry faithfully: undefined, functions, symbols, Date, Map, Set, class instances. */
export function assertMsgpackSafe(value: unknown, at = 'message'): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return;
    case 'undefined':
    case 'function':
    case 'symbol':
      throw notSerializable(at, typeof value);
  }
  if (value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertMsgpackSafe(value[i], `${at}[${i}]`);
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof SharedArrayBuffer || isRef(value)) return;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
    throw notSerializable(at, `an instance of ${name}`);
  }
  for (const key of Object.keys(value as object)) assertMsgpackSafe((value as Record<string, unknown>)[key], `${at}.${key}`);
}

function notSerializable(at: string, what: string) {
  return createError('STRATA_NOT_SERIALIZABLE', `${at} is ${what}, which cannot cross a thread or machine as msgpack`, { field: at, kind: what });
}

function withContext<T>(ctx: CodecContext, fn: () => T): T {
  const previous = current;
  current = ctx;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Encodes one value; shared buffers it holds are appended to `shared` (pass null to refuse them). */
export function encode(value: unknown, shared: SharedArrayBuffer[] | null = null): Uint8Array {
  return withContext({ resolve: null, shared }, () => messagePackr.pack(value));
}

export function decode(bytes: Uint8Array, resolve: RefResolver, shared: SharedArrayBuffer[] | null = null): unknown {
  return withContext({ resolve, shared }, () => messagePackr.unpack(bytes));
}

/** Packs a batch with the codec's context set for it (inline rather than withContext: this runs for every batch,
 *  and a closure per call showed in profiles). The result is a view of the packer's buffer. */
function packBatch(packr: Packr, value: unknown, mode: number, shared: SharedArrayBuffer[], qualify: RefWriter | null): Buffer {
  const previous = current;
  const ctx = (current = batchContextFor(null, shared, qualify, null));
  try {
    return packr.pack(value, mode) as Buffer;
  } finally {
    current = previous;
    releaseBatchContext(ctx);
  }
}

/** bytes of their own, copied out of a packer's buffer */
function ownBytes(view: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(view.byteLength);
  bytes.set(view);
  return bytes;
}

/** Encodes a batch into bytes of its own (safe to transfer). msgpackr packs into a reusable buffer that we
 *  copy out of at once, so the buffer is reset and reused instead of a fresh one being allocated every few KB.
 *  Records pay off over many similar values; for a handful (`small`), defining them costs more (both sides). */
export function encodeBatch(value: unknown, shared: SharedArrayBuffer[], small = false, qualify: RefWriter | null = null): Uint8Array {
  return ownBytes(packBatch(small ? messagePackr : batchPackr, value, RESET_BUFFER_MODE, shared, qualify));
}

/** Encodes a batch for a socket write as a view of msgpackr's buffer, with no copy: in its default mode
 *  msgpackr moves on past what it returned (or to a new buffer), so a later pack never writes over a batch
 *  still waiting to be written. Packers of their own: the reset mode used above rewinds its buffer. */
export function encodeBatchForSocket(value: unknown, shared: SharedArrayBuffer[], small = false, qualify: RefWriter | null = null): Uint8Array {
  return packBatch(small ? socketMessagePackr : socketBatchPackr, value, 0, shared, qualify);
}
const socketMessagePackr = new Packr({ useRecords: false, moreTypes: true, bundleStrings: false });
const socketBatchPackr = new Packr({ useRecords: true, mapsAsObjects: true, moreTypes: true, bundleStrings: false });

/** Encodes a batch for a thread: as a latin1 string (one char per byte) when it packs to fewer than
 *  `stringBelow` bytes and holds no shared buffer (those travel beside bytes), else as bytes of its own. V8
 *  keeps a typed array of more than 64 bytes off its heap, and posting one costs an off-heap buffer on each
 *  side (the copy out of msgpackr's buffer here, the clone there) where a short string is copied inside the
 *  heaps: on the 2-vCPU VM, pinned to one CPU, a 69-byte ask envelope round trip between two threads cost
 *  1–2 µs less as a string. */
export function encodeBatchForThread(value: unknown, shared: SharedArrayBuffer[], small: boolean, stringBelow: number): Uint8Array | string {
  const view = packBatch(small ? messagePackr : batchPackr, value, RESET_BUFFER_MODE, shared, null);
  return view.byteLength < stringBelow && shared.length === 0 ? view.toString('latin1') : ownBytes(view);
}

/** Decodes a batch that `encodeBatchForThread` made a string. The bytes go into a reused scratch buffer, so
 *  binary fields are copied out of it (a decoder with `copyBuffers`) rather than left pointing into it. */
export function decodeBatchString(text: string, resolve: RefResolver, shared: SharedArrayBuffer[]): unknown {
  if (scratch.byteLength < text.length) scratch = Buffer.allocUnsafeSlow(Math.max(text.length, scratch.byteLength * 2));
  const n = scratch.write(text, 0, 'latin1');
  // decoded as the first n bytes of scratch itself, not a view of them: msgpackr keeps the DataView it reads
  // through on the buffer it is given, and a new view would cost a DataView (and a property) every time
  return decodeBatch(scratch, resolve, shared, copyingPackr, n);
}
let scratch = Buffer.allocUnsafeSlow(4096);
/** the batch decoder, copying binary fields out of the source (for the scratch buffer above) */
const copyingPackr = new Packr({ useRecords: true, mapsAsObjects: true, moreTypes: true, bundleStrings: false, copyBuffers: true });

/** A frame read from a socket up to this size is copied into a reused buffer before it is decoded (below). */
export const FRAME_COPY_MAX_BYTES = 512;
const frameScratch = Buffer.allocUnsafeSlow(FRAME_COPY_MAX_BYTES);
let frameScratchInUse = false;

/** Decodes a batch that arrived as a frame of its own (a socket read). msgpackr reads through a DataView that it
 *  keeps on the buffer it is given, so each new frame cost a DataView and a property added to that Buffer: about
 *  0.1 µs a decode in a warm loop, more on the cold caches of a round trip (2-vCPU VM, docs/cluster.md). A small
 *  frame is copied into one reused buffer instead, and decoded with a decoder that copies binary fields out of it;
 *  a larger one, or one decoded while another is (a resolver that decodes), is decoded where it is. */
export function decodeFrame(bytes: Uint8Array, resolve: RefResolver, shared: SharedArrayBuffer[], from: string | null = null): unknown {
  const n = bytes.byteLength;
  if (n > FRAME_COPY_MAX_BYTES || n === 0 || frameScratchInUse) return decodeBatch(bytes, resolve, shared, batchPackr, n, from);
  frameScratch.set(bytes);
  frameScratchInUse = true;
  try {
    return decodeBatch(frameScratch, resolve, shared, copyingPackr, n, from);
  } finally {
    frameScratchInUse = false;
  }
}

/** Decodes a batch (the first `end` bytes of `bytes`); any failure becomes a coded error (malformed bytes,
 *  unknown extension). `from`: the member that sent it, when another member did (refs written as a path alone). */
export function decodeBatch(bytes: Uint8Array, resolve: RefResolver, shared: SharedArrayBuffer[], packr: Packr = batchPackr, end = bytes.byteLength, from: string | null = null): unknown {
  const previous = current;
  const ctx = (current = batchContextFor(resolve, shared, null, from));
  try {
    return packr.unpack(bytes, end);
  } catch (err) {
    if (err instanceof StrataError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const ext = /Unknown extension (\d+)/.exec(message);
    if (ext) throw createError('STRATA_UNKNOWN_EXTENSION', `received msgpack extension type ${ext[1]}, which this runtime does not know`, { extension: Number(ext[1]) });
    throw createError('STRATA_ENVELOPE_MALFORMED', `received bytes are not a msgpack envelope batch: ${message}`, { reason: message, sizeBytes: end });
  } finally {
    current = previous;
    releaseBatchContext(ctx);
  }
}

/** The codec check: validates, then returns the copy that came back through msgpack. */
export function roundTrip<T>(value: T, resolve: RefResolver): T {
  assertMsgpackSafe(value);
  const shared: SharedArrayBuffer[] = [];
  // decoded at once, so the packing buffer can be reused (RESET_BUFFER_MODE) instead of bumped
  const bytes = withContext({ resolve: null, shared }, () => messagePackr.pack(value, RESET_BUFFER_MODE));
  // bytes in msgpackr's reused buffer: binary fields (Node Buffers travel as msgpack bin) are copied out,
  // or the next message packed would overwrite what this one carries
  return withContext({ resolve, shared }, () => copyingMessagePackr.unpack(bytes)) as T;
}
