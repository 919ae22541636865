// The msgpack codec of the runtime, and the codec-check mode built on it: in tests every local message is
// packed and unpacked exactly as it would be to cross a thread or a machine, so a message that cannot cross
// fails here first. Actor refs travel as a msgpack extension (their path) and come back as live refs.
import { Packr, addExtension } from 'msgpackr';
import { createError } from './errors.ts';
import type { AnyActorRef } from './actor-ref.ts';

/** msgpack extension type of an actor ref (0x00–0x7f are application types). */
export const REF_EXTENSION_TYPE = 0x41;

type RefResolver = (path: string) => AnyActorRef;
type RefClass = abstract new (...args: never[]) => AnyActorRef;

const refClasses = new Set<RefClass>();
// Decoding is synchronous, so the resolver of the system currently decoding is a plain variable.
let currentResolver: RefResolver | null = null;

/** Declares a class whose instances are actor refs, so they encode as the ref extension. */
export function registerRefClass(cls: RefClass): void {
  if (refClasses.has(cls)) return;
  refClasses.add(cls);
  addExtension({
    Class: cls as unknown as new () => AnyActorRef,
    type: REF_EXTENSION_TYPE,
    write: (ref: AnyActorRef) => ref.path,
    read: (path: string) => {
      if (currentResolver === null) throw createError('STRATA_NOT_SERIALIZABLE', `actor ref ${path} decoded outside a system`, { path });
      return currentResolver(path);
    },
  });
}

export function isRef(value: unknown): value is AnyActorRef {
  for (const cls of refClasses) if (value instanceof cls) return true;
  return false;
}

const packr = new Packr({ useRecords: false, moreTypes: true, bundleStrings: false });

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
  if (ArrayBuffer.isView(value) || isRef(value)) return;
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

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode(bytes: Uint8Array, resolve: RefResolver): unknown {
  const previous = currentResolver;
  currentResolver = resolve;
  try {
    return packr.unpack(bytes);
  } finally {
    currentResolver = previous;
  }
}

/** The codec check: validates, then returns the copy that came back through msgpack. */
export function roundTrip<T>(value: T, resolve: RefResolver): T {
  assertMsgpackSafe(value);
  return decode(encode(value), resolve) as T;
}
