// A text column as UTF-8 bytes laid end to end with one offset per row (Arrow's layout): for text that hardly
// repeats (trade keys, timestamps) it is made without a JS string per value, crosses threads as two typed
// arrays, is validated by one native UTF-8 check, and is copied into DuckDB's string heap in one call per chunk.
import { isUtf8 } from 'node:buffer';

export interface Utf8Column {
  /** the values' bytes; row i is utf8[offsets[i] .. offsets[i + 1]). */
  readonly utf8: Uint8Array;
  /** rowCount + 1 non-decreasing offsets into `utf8`. */
  readonly offsets: Int32Array;
  /** 1 = null (its bytes are empty), or null when no value is null. */
  readonly nulls: Uint8Array | null;
}

export function isUtf8Column(x: unknown): x is Utf8Column {
  return typeof x === 'object' && x !== null && (x as Utf8Column).utf8 instanceof Uint8Array && (x as Utf8Column).offsets instanceof Int32Array;
}

/**
 * Why a column's layout or bytes are unusable for `n` rows, or null when it is sound: offsets in range and in
 * order, every value starting on a character boundary, the bytes valid UTF-8 (so no unpaired surrogate) and free
 * of NUL. The message names the first offending row.
 */
export function utf8ColumnFault(col: Utf8Column, n: number): { row: number | null; reason: string } | null {
  const { utf8, offsets, nulls } = col;
  if (offsets.length !== n + 1) return { row: null, reason: `${offsets.length} offsets for ${n} rows (want rows + 1)` };
  if (nulls !== null && !(nulls instanceof Uint8Array && nulls.length === n)) return { row: null, reason: `a null mask of ${nulls.length} for ${n} rows` };
  const from = offsets[0]!, to = offsets[n]!;
  if (from < 0 || to > utf8.length) return { row: null, reason: `offsets ${from}..${to} outside ${utf8.length} bytes` };
  for (let i = 0; i < n; i++) {
    const a = offsets[i]!, b = offsets[i + 1]!;
    if (b < a) return { row: i, reason: `offset ${b} before ${a}` };
    // a value may not start inside a character (continuation bytes are 10xxxxxx)
    if (a < b && (utf8[a]! & 0xc0) === 0x80) return { row: i, reason: 'starts inside a UTF-8 character' };
  }
  const bytes = utf8.subarray(from, to);
  if (!isUtf8(bytes)) {
    // only on the error path: find the row
    for (let i = 0; i < n; i++) if (!isUtf8(utf8.subarray(offsets[i]!, offsets[i + 1]!))) return { row: i, reason: 'not valid UTF-8' };
    return { row: null, reason: 'not valid UTF-8' };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { row: rowAt(offsets, n, from + nul), reason: 'holds a NUL character' };
  return null;
}

/** The row whose bytes contain offset `at`. */
function rowAt(offsets: Int32Array, n: number, at: number): number {
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= at) lo = mid; else hi = mid - 1;
  }
  return lo;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Every value as a string (null where null). A column of ASCII bytes is decoded once and sliced. */
export function utf8ColumnValues(col: Utf8Column): (string | null)[] {
  const n = col.offsets.length - 1;
  const out = new Array<string | null>(Math.max(0, n));
  if (n <= 0) return out;
  const from = col.offsets[0]!;
  const whole = decoder.decode(col.utf8.subarray(from, col.offsets[n]!));
  const ascii = whole.length === col.offsets[n]! - from;
  for (let i = 0; i < n; i++) {
    if (col.nulls !== null && col.nulls[i] === 1) { out[i] = null; continue; }
    const a = col.offsets[i]!, b = col.offsets[i + 1]!;
    out[i] = ascii ? whole.slice(a - from, b - from) : decoder.decode(col.utf8.subarray(a, b));
  }
  return out;
}

/** Value `i` as a string, or null. */
export function utf8ColumnValue(col: Utf8Column, i: number): string | null {
  if (col.nulls !== null && col.nulls[i] === 1) return null;
  return decoder.decode(col.utf8.subarray(col.offsets[i]!, col.offsets[i + 1]!));
}

/** The given rows of a column, in that order, as a new compact column. */
export function gatherUtf8(col: Utf8Column, rows: ArrayLike<number>): Utf8Column {
  const n = rows.length;
  const offsets = new Int32Array(n + 1);
  let size = 0;
  for (let i = 0; i < n; i++) { const r = rows[i]!; size += col.offsets[r + 1]! - col.offsets[r]!; offsets[i + 1] = size; }
  const utf8 = new Uint8Array(size);
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const a = col.offsets[r]!, b = col.offsets[r + 1]!;
    if (b - a > 16) utf8.set(col.utf8.subarray(a, b), offsets[i]!);
    else for (let k = 0, at = offsets[i]!; k < b - a; k++) utf8[at + k] = col.utf8[a + k]!;
    if (col.nulls !== null && col.nulls[r] === 1) (nulls ??= new Uint8Array(n))[i] = 1;
  }
  return { utf8, offsets, nulls };
}

/**
 * Builds a Utf8Column value by value. ASCII strings are copied char by char (no encoder call); callers that
 * compose a value from parts write its bytes straight into `bytes` after `reserve`.
 */
export class Utf8ColumnBuilder {
  #bytes: Uint8Array;
  #offsets: Int32Array;
  #nulls: Uint8Array | null = null;
  #n = 0;
  #size = 0;
  readonly #encoder = new TextEncoder();

  constructor(rows = 1024, bytesPerRow = 16) {
    this.#offsets = new Int32Array(rows + 1);
    this.#bytes = new Uint8Array(Math.max(64, rows * bytesPerRow));
  }

  get length(): number { return this.#n; }

  /** Room for `bytes` more bytes; returns the buffer to write them into, at `size`. Follow with `commit`. */
  reserve(bytes: number): Uint8Array {
    if (this.#size + bytes > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#size + bytes, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#size));
      this.#bytes = grown;
    }
    return this.#bytes;
  }

  /** Where the next value's bytes start. */
  get size(): number { return this.#size; }

  /** Ends the value whose bytes were written up to `end`. */
  commit(end: number): void {
    this.#row();
    this.#size = end;
    this.#offsets[this.#n] = end;
  }

  push(s: string | null): void {
    if (s === null) this.pushNull();
    else this.pushSlice(s, 0, s.length);
  }

  /** The characters [a, b) of `text` as one value, without making a substring when they are ASCII. */
  pushSlice(text: string, a: number, b: number): void {
    const bytes = this.reserve((b - a) * 3);
    let at = this.#size;
    for (let j = a; j < b; j++) {
      const c = text.charCodeAt(j);
      if (c > 0x7f) { at = this.#size + this.#encoder.encodeInto(text.slice(a, b), bytes.subarray(this.#size)).written; break; }
      bytes[at++] = c;
    }
    this.commit(at);
  }

  pushNull(): void {
    this.#row();
    (this.#nulls ??= new Uint8Array(this.#offsets.length - 1))[this.#n - 1] = 1;
    this.#offsets[this.#n] = this.#size;
  }

  #row(): void {
    if (this.#n + 2 > this.#offsets.length) {
      const grown = new Int32Array(this.#offsets.length * 2);
      grown.set(this.#offsets);
      this.#offsets = grown;
      if (this.#nulls) { const g = new Uint8Array(grown.length - 1); g.set(this.#nulls); this.#nulls = g; }
    }
    this.#n++;
  }

  /** The values pushed so far as a column (compact copies); the builder starts empty again. */
  take(): Utf8Column {
    const n = this.#n;
    const col: Utf8Column = {
      utf8: this.#bytes.slice(0, this.#size),
      offsets: this.#offsets.slice(0, n + 1),
      nulls: this.#nulls ? this.#nulls.slice(0, n) : null,
    };
    this.#n = 0;
    this.#size = 0;
    this.#offsets[0] = 0;
    this.#nulls = null;
    return col;
  }
}
