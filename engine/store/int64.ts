// Narrowing 64-bit integers from the engines to JavaScript numbers: exact or refused, never rounded.
import { storeError } from './errors.ts';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

export function bigintToSafeNumber(v: bigint, where: string): number {
  if (v > MAX || v < -MAX) {
    throw storeError('STRATA_STORE_INT64_UNSAFE', `${where}: int64 value ${v} is outside ±(2^53 − 1) and cannot be a JavaScript number exactly`, { where, value: v.toString() });
  }
  return Number(v);
}

/** A Thrift i64 as read by the thrift package (a node-int64 object over 8 big-endian bytes). */
export interface ThriftInt64 {
  readonly buffer: Uint8Array;
  readonly offset?: number;
}

export function thriftInt64ToSafeNumber(v: ThriftInt64 | number, where: string): number {
  if (typeof v === 'number') return v;
  const off = v.offset ?? 0;
  const b = v.buffer;
  const hi = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) | 0;
  const lo = ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
  // hi·2^32 is exact; adding lo rounds only when the true value is beyond 2^53, which isSafeInteger then rejects.
  const n = hi * 4294967296 + lo;
  if (!Number.isSafeInteger(n)) {
    const exact = (BigInt(hi) << 32n) + BigInt(lo);
    throw storeError('STRATA_STORE_INT64_UNSAFE', `${where}: int64 value ${exact} is outside ±(2^53 − 1) and cannot be a JavaScript number exactly`, { where, value: exact.toString() });
  }
  return n;
}

/** 8 big-endian bytes for a Thrift i64 field; the thrift package writes `{ buffer }` objects verbatim. */
export function int64ToThrift(v: bigint): { buffer: Buffer } {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(v);
  return { buffer };
}
