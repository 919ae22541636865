// Reads a DuckDB result into columns a chunk at a time instead of cell by cell: DOUBLE and INTEGER vectors are
// one memory copy each (plus a validity scan when the vector has nulls), and VARCHAR vectors are scanned as
// DuckDB string_t structs: strings of at most 12 bytes are inlined in the struct, so equal strings have equal
// 16 bytes and are looked up in a small open-addressing table, decoded once per distinct value (ids, ISO days and
// zones repeat thousands of times). Longer strings are read through node-api. Text columns come back with their
// dictionary, which the node-proxy sends instead of one string per row.
import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';

const STRING_T_BYTES = 16;
const INLINE_STRING_BYTES = 12;
const decoder = new TextDecoder();

/** Per-row validity of a raw vector (null when every row is valid). */
function validityOf(raw: duckdb.Vector, rows: number): Uint8Array | null {
  const bytes = duckdb.vector_get_validity(raw, Math.ceil(rows / 64) * 8);
  if (!bytes) return null;
  let out: Uint8Array | null = null;
  for (let r = 0; r < rows; r++) {
    if ((bytes[r >> 3]! & (1 << (r & 7))) === 0) (out ??= new Uint8Array(rows))[r] = 1;
  }
  return out;
}

/** A DOUBLE or INTEGER column read by copying vector memory. */
export class NumericColumnReader {
  readonly #width: number;
  readonly values: Float64Array | Int32Array;
  nulls: Uint8Array | null = null;
  #at = 0;

  constructor(kind: 'float64' | 'int32', total: number) {
    this.values = kind === 'float64' ? new Float64Array(total) : new Int32Array(total);
    this.#width = this.values.BYTES_PER_ELEMENT;
  }

  read(chunk: DuckDBDataChunk, column: number, rows: number): void {
    if (rows === 0) return;
    const raw = duckdb.data_chunk_get_vector(chunk.chunk, column);
    const data = duckdb.vector_get_data(raw, rows * this.#width);
    new Uint8Array(this.values.buffer, this.#at * this.#width, rows * this.#width).set(data.subarray(0, rows * this.#width));
    const invalid = validityOf(raw, rows);
    if (invalid) {
      const nulls = (this.nulls ??= new Uint8Array(this.values.length));
      for (let r = 0; r < rows; r++) if (invalid[r]) { nulls[this.#at + r] = 1; this.values[this.#at + r] = 0; }
    }
    this.#at += rows;
  }
}

/** A VARCHAR column as a dictionary plus codes (-1 = null), and the decoded values. */
export class TextColumnReader {
  readonly codes: Int32Array;
  readonly dict: string[] = [];
  #at = 0;
  // open addressing over the 4 words of an inlined string_t (length + 12 bytes, zero padded)
  #keys = new Uint32Array(1024 * 4);
  #slots = new Int32Array(1024).fill(-1);
  #size = 0;
  readonly #long = new Map<string, number>();

  constructor(total: number) {
    this.codes = new Int32Array(total);
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldSlots = this.#slots;
    this.#keys = new Uint32Array(oldKeys.length * 2);
    this.#slots = new Int32Array(oldSlots.length * 2).fill(-1);
    for (let s = 0; s < oldSlots.length; s++) {
      const v = oldSlots[s]!;
      if (v < 0) continue;
      this.#insert(oldKeys[s * 4]!, oldKeys[s * 4 + 1]!, oldKeys[s * 4 + 2]!, oldKeys[s * 4 + 3]!, v);
    }
  }

  #insert(a: number, b: number, c: number, d: number, value: number): void {
    const mask = this.#slots.length - 1;
    let s = hash4(a, b, c, d) & mask;
    while (this.#slots[s]! >= 0) s = (s + 1) & mask;
    this.#slots[s] = value;
    this.#keys[s * 4] = a; this.#keys[s * 4 + 1] = b; this.#keys[s * 4 + 2] = c; this.#keys[s * 4 + 3] = d;
  }

  read(chunk: DuckDBDataChunk, column: number, rows: number): void {
    if (rows === 0) return;
    const raw = duckdb.data_chunk_get_vector(chunk.chunk, column);
    const data = duckdb.vector_get_data(raw, rows * STRING_T_BYTES);
    const view = new DataView(data.buffer, data.byteOffset, rows * STRING_T_BYTES);
    const invalid = validityOf(raw, rows);
    let fallback: ReturnType<DuckDBDataChunk['getColumnVector']> | null = null;
    for (let r = 0; r < rows; r++) {
      const out = this.#at + r;
      if (invalid && invalid[r]) { this.codes[out] = -1; continue; }
      const off = r * STRING_T_BYTES;
      const len = view.getUint32(off, true);
      if (len > INLINE_STRING_BYTES) {
        fallback ??= chunk.getColumnVector(column);
        const s = fallback.getItem(r) as string;
        let code = this.#long.get(s);
        if (code === undefined) { code = this.dict.push(s) - 1; this.#long.set(s, code); }
        this.codes[out] = code;
        continue;
      }
      // Bytes past the length are masked: the key depends on the string only.
      const b = masked(view.getUint32(off + 4, true), len);
      const c = masked(view.getUint32(off + 8, true), len - 4);
      const d = masked(view.getUint32(off + 12, true), len - 8);
      const mask = this.#slots.length - 1;
      let s = hash4(len, b, c, d) & mask;
      let code = -1;
      for (;;) {
        const v = this.#slots[s]!;
        if (v < 0) break;
        const k = s * 4;
        if (this.#keys[k] === len && this.#keys[k + 1] === b && this.#keys[k + 2] === c && this.#keys[k + 3] === d) { code = v; break; }
        s = (s + 1) & mask;
      }
      if (code < 0) {
        code = this.dict.push(decoder.decode(data.subarray(off + 4, off + 4 + len))) - 1;
        if (++this.#size * 2 > this.#slots.length) this.#grow();
        this.#insert(len, b, c, d, code);
      }
      this.codes[out] = code;
    }
    this.#at += rows;
  }

  values(): (string | null)[] {
    const out = new Array<string | null>(this.codes.length);
    for (let i = 0; i < out.length; i++) { const c = this.codes[i]!; out[i] = c < 0 ? null : this.dict[c]!; }
    return out;
  }
}

/** The low `bytes` bytes of a little-endian word (all of it from 4, none below 1). */
function masked(word: number, bytes: number): number {
  if (bytes >= 4) return word >>> 0;
  if (bytes <= 0) return 0;
  return (word & ((1 << (bytes * 8)) - 1)) >>> 0;
}

function hash4(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 13), 0x27d4eb2f);
  h = Math.imul(h ^ d ^ (h >>> 16), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}
