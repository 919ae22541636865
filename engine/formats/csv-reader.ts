// Streaming CSV reader: 1 MiB reads, fatal UTF-8 decoding, a hand-written character scanner (quotes with ""
// escapes, embedded newlines, CRLF / LF / CR, a leading BOM), rows handed out in blocks with their line.
// Why hand-written: on these machines a scanner like this one parses ~7.6 M rows/s against 1.2 M for
// papaparse and 0.5 M for csv-parse (PERF-NOTES), and the ingest target is ≥ 1 M rows/s end to end.
import { open } from 'node:fs/promises';
import { formatError } from './errors.ts';
import { readFailed } from './strategy-id.ts';

export const CSV_CHUNK_BYTES = 1 << 20;

/**
 * Complete rows of one chunk. Most rows are kept as field offsets into the chunk's text, so no string is
 * made for a field nobody reads (a substring per field costs more than the whole scan); rows with quoted
 * fields are materialised as strings.
 */
export class CsvBlock {
  readonly text: string;
  readonly rowCount: number;
  /** bytes of the file consumed so far. */
  readonly bytesRead: number;
  /** row r's fields are field numbers first[r] .. first[r + 1] (offset rows only). */
  readonly first: Int32Array;
  /** start and end offsets in `text` of each field number (offset rows only). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly #lines: Int32Array;
  readonly #slow: ReadonlyMap<number, string[]>;
  /** whether any row of the block was materialised (quoted fields): none in most files, so no lookup per row. */
  readonly hasSlowRows: boolean;

  constructor(text: string, rowCount: number, bytesRead: number, first: Int32Array, starts: Int32Array, ends: Int32Array, lines: Int32Array, slow: ReadonlyMap<number, string[]>) {
    this.text = text;
    this.rowCount = rowCount;
    this.bytesRead = bytesRead;
    this.first = first;
    this.starts = starts;
    this.ends = ends;
    this.#lines = lines;
    this.#slow = slow;
    this.hasSlowRows = slow.size > 0;
  }

  /** 1-based line number where row r starts. */
  line(r: number): number { return this.#lines[r]!; }

  /** the materialised fields of row r when it had quoted fields, else undefined (use offsets). */
  slowRow(r: number): string[] | undefined { return this.hasSlowRows ? this.#slow.get(r) : undefined; }

  fieldCount(r: number): number {
    const slow = this.slowRow(r);
    return slow ? slow.length : this.first[r + 1]! - this.first[r]!;
  }

  field(r: number, i: number): string {
    const slow = this.slowRow(r);
    if (slow) return slow[i] ?? '';
    if (i >= this.first[r + 1]! - this.first[r]!) return '';
    const k = this.first[r]! + i;
    return this.text.slice(this.starts[k]!, this.ends[k]!);
  }

  /** every row as strings (detection and tests; the hot path reads offsets). */
  rows(): string[][] {
    const out: string[][] = [];
    for (let r = 0; r < this.rowCount; r++) {
      const n = this.fieldCount(r);
      const row: string[] = [];
      for (let i = 0; i < n; i++) row.push(this.field(r, i));
      out.push(row);
    }
    return out;
  }
}

/** Growable offsets and row records while one chunk is scanned. */
class BlockBuilder {
  first: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  lines: Int32Array;
  slow = new Map<number, string[]>();
  rows = 0;
  fields = 0;

  /** Sized from the text: one field per 6 characters and one row per 40 covers typical trade files. */
  constructor(textLength: number) {
    const rows = Math.max(64, textLength >> 5), fields = Math.max(256, textLength >> 2);
    this.first = new Int32Array(rows);
    this.lines = new Int32Array(rows);
    this.starts = new Int32Array(fields);
    this.ends = new Int32Array(fields);
  }

  reset(): this {
    this.rows = 0;
    this.fields = 0;
    this.slow = new Map();
    return this;
  }

  #growRows(): void {
    const f = new Int32Array(this.first.length * 2); f.set(this.first); this.first = f;
    const l = new Int32Array(this.lines.length * 2); l.set(this.lines); this.lines = l;
  }

  #growFields(): void {
    const s = new Int32Array(this.starts.length * 2); s.set(this.starts); this.starts = s;
    const e = new Int32Array(this.ends.length * 2); e.set(this.ends); this.ends = e;
  }

  /** An unquoted line [pos, end): fields split at commas, recorded as offsets. */
  addLine(text: string, pos: number, end: number, line: number): void {
    if (this.rows + 2 > this.first.length) this.#growRows();
    this.first[this.rows] = this.fields;
    this.lines[this.rows] = line;
    let p = pos;
    for (;;) {
      if (this.fields >= this.starts.length) this.#growFields();
      let c = text.indexOf(',', p);
      if (c < 0 || c > end) c = end;
      this.starts[this.fields] = p;
      this.ends[this.fields] = c;
      this.fields++;
      if (c >= end) break;
      p = c + 1;
    }
    this.rows++;
    this.first[this.rows] = this.fields;
  }

  addFields(fields: string[], line: number): void {
    if (this.rows + 2 > this.first.length) this.#growRows();
    this.first[this.rows] = this.fields;
    this.lines[this.rows] = line;
    this.slow.set(this.rows, fields);
    this.rows++;
    this.first[this.rows] = this.fields;
  }

  build(text: string, bytesRead: number): CsvBlock {
    return new CsvBlock(text, this.rows, bytesRead, this.first, this.starts, this.ends, this.lines, this.slow);
  }
}

export interface CsvReadOptions {
  readonly chunkBytes?: number;
  /** stop after this many bytes (detection reads at most 64 KiB); the last partial row is dropped. */
  readonly maxBytes?: number;
}

const QUOTE = 34, COMMA = 44, LF = 10, CR = 13;

/** Scans `text` from 0; returns the offset where the first incomplete row begins (text.length if none). */
function scan(text: string, final: boolean, out: BlockBuilder, state: { line: number }): number {
  const n = text.length;
  let pos = 0;
  let rowStart = 0;
  let line = state.line;
  let fields: string[] = [];
  let rowLine = line;
  // Where the next quote and the next CR are: a line ending before both has no quoted field and a plain
  // LF ending, so the native split does all the work (most rows of most files). Both positions are cached
  // and only searched again once passed, which keeps the scan linear.
  let nextQuote = -1;
  let nextCr = -1;
  while (pos < n) {
    if (fields.length === 0) {
      if (nextQuote < pos) { nextQuote = text.indexOf('"', pos); if (nextQuote < 0) nextQuote = n; }
      if (nextCr < pos) { nextCr = text.indexOf('\r', pos); if (nextCr < 0) nextCr = n; }
      const lf = text.indexOf('\n', pos);
      if (lf >= 0 && lf < nextQuote && (nextCr > lf || nextCr === lf - 1)) {
        const end = nextCr === lf - 1 ? lf - 1 : lf;
        if (end > pos) out.addLine(text, pos, end, line);
        pos = lf + 1;
        line++;
        rowStart = pos;
        rowLine = line;
        continue;
      }
    }
    let c = text.charCodeAt(pos);
    let value: string;
    if (c === QUOTE) {
      // Quoted field: find the closing quote, unescaping "" only when one is present.
      let i = pos + 1;
      let parts: string[] | null = null;
      let segStart = i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) { i = -1; break; }
        if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
          (parts ??= []).push(text.slice(segStart, q + 1));
          i = q + 2;
          segStart = i;
          continue;
        }
        if (q + 1 >= n && !final) { i = -1; break; }
        i = q;
        break;
      }
      if (i < 0) {
        if (!final) break;
        // An unterminated quote at end of file: take the rest as the field.
        value = text.slice(pos + 1);
        pos = n;
      } else {
        value = parts === null ? text.slice(pos + 1, i) : parts.join('') + text.slice(segStart, i);
        for (let k = pos; k < i; k++) if (text.charCodeAt(k) === LF) line++;
        pos = i + 1;
        // Anything between the closing quote and the delimiter is kept, as spreadsheets do.
        let j = pos;
        while (j < n) { const d = text.charCodeAt(j); if (d === COMMA || d === LF || d === CR) break; j++; }
        if (j > pos) value += text.slice(pos, j);
        pos = j;
      }
    } else {
      let j = pos;
      while (j < n) { c = text.charCodeAt(j); if (c === COMMA || c === LF || c === CR) break; j++; }
      value = text.slice(pos, j);
      pos = j;
    }
    fields.push(value);
    if (pos >= n) {
      if (!final) break;
      if (!(fields.length === 1 && fields[0] === '')) out.addFields(fields, rowLine);
      fields = [];
      rowStart = n;
      break;
    }
    c = text.charCodeAt(pos);
    if (c === COMMA) {
      pos++;
      if (pos >= n && final) { fields.push(''); out.addFields(fields, rowLine); fields = []; rowStart = n; }
      continue;
    }
    // End of row: CRLF, LF or a lone CR. A CR as the last character may be half of a CRLF: wait for more.
    if (c === CR) {
      if (pos + 1 >= n && !final) break;
      pos += pos + 1 < n && text.charCodeAt(pos + 1) === LF ? 2 : 1;
    } else {
      pos++;
    }
    line++;
    // A blank line is one empty field; it carries no data, so it is not a row.
    if (!(fields.length === 1 && fields[0] === '')) out.addFields(fields, rowLine);
    fields = [];
    rowStart = pos;
    rowLine = line;
  }
  state.line = rowLine;
  return rowStart;
}

function encodingError(path: string, offset: number, detail: string): Error {
  return formatError('STRATA_FORMAT_ENCODING', `${path}: not valid UTF-8 near byte ${offset}${detail}`, { file: path, offset });
}

/** Non-UTF-8 byte-order marks, named so the message can say what the file is. */
export function foreignBom(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16 LE';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16 BE';
  return null;
}

/** Streams complete rows chunk by chunk. A block (and its offsets) is valid until the next one is requested. */
export async function* readCsvBlocks(path: string, options: CsvReadOptions = {}): AsyncGenerator<CsvBlock> {
  const chunkBytes = options.chunkBytes ?? CSV_CHUNK_BYTES;
  const maxBytes = options.maxBytes ?? Infinity;
  let fh;
  try { fh = await open(path, 'r'); } catch (e) { throw readFailed(path, e); }
  try {
    // Each read is cut after its last LF and the tail kept as bytes for the next one: an LF byte never sits
    // inside a multi-byte character, so every decode is of whole characters and yields one flat string
    // (a string glued from a carried piece and a new chunk is slower to scan by character code).
    // One buffer for the whole file: the uncut tail of a read is moved to its front and the next read lands
    // after it, instead of a new buffer per read (the tail concatenated with the next chunk: a 1 MiB allocation
    // and copy per MiB of file, left to the garbage collector).
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let buf = Buffer.allocUnsafe(2 * chunkBytes);
    let pending = 0; // bytes of the previous read's tail at the front of buf
    let carry = '';
    let bytesRead = 0;
    const state = { line: 1 };
    let builder: BlockBuilder | null = null;
    for (;;) {
      if (buf.length - pending < chunkBytes) {
        // a line longer than what is buffered: room for another chunk after it
        const grown = Buffer.allocUnsafe(pending + 2 * chunkBytes);
        buf.copy(grown, 0, 0, pending);
        buf = grown;
      }
      const want = Math.min(chunkBytes, maxBytes - bytesRead);
      const { bytesRead: got } = want > 0 ? await fh.read(buf, pending, want, null) : { bytesRead: 0 };
      const final = got === 0;
      if (bytesRead === 0 && got >= 2) {
        const bom = foreignBom(buf);
        if (bom) throw encodingError(path, 0, ` (the file starts with a ${bom} byte-order mark; save it as UTF-8)`);
      }
      const truncatedByLimit = final && maxBytes !== Infinity && bytesRead >= maxBytes;
      let bytes: Buffer = buf.subarray(0, pending + got);
      const startOffset = bytesRead - pending;
      bytesRead += got;
      if (final && truncatedByLimit) bytes = bytes.subarray(0, 0);
      const cut = final ? bytes.length : bytes.lastIndexOf(10) + 1;
      if (!final && cut === 0) { pending = bytes.length; continue; } // a line longer than the chunk: read on
      let whole = bytes.subarray(0, cut);
      if (startOffset === 0 && whole[0] === 0xef && whole[1] === 0xbb && whole[2] === 0xbf) whole = whole.subarray(3);
      let text: string;
      try {
        text = decoder.decode(whole);
      } catch {
        throw encodingError(path, startOffset + (whole.byteOffset - bytes.byteOffset) + firstInvalidUtf8(whole), '');
      }
      // the text is a copy: the tail may now move to the front for the next read
      pending = bytes.length - cut;
      if (pending > 0) buf.copy(buf, 0, cut, bytes.length);
      if (carry !== '') text = carry + text;
      // The offset arrays are reused from block to block: a block is read before the next is asked for.
      const out = builder === null || builder.first.length < text.length >> 5 ? (builder = new BlockBuilder(text.length)) : builder.reset();
      const consumed = scan(text, final && !truncatedByLimit, out, state);
      carry = consumed < text.length ? text.slice(consumed) : '';
      if (out.rows > 0 || final) yield out.build(text, bytesRead);
      if (final) return;
    }
  } finally {
    await fh.close();
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= bytes.length) return i;
      if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return i;
}

let chunkBuilder: BlockBuilder | null = null;

/**
 * The rows of one chunk of a file read in parallel (parallel-csv.ts): `text` starts at a row boundary and, unless
 * `final`, was cut after a LF. Answers the block (lines counted from 1 at the chunk's start), the characters
 * consumed (text.length when the chunk ends on a row boundary; less when the cut fell inside a quoted field,
 * whose row then starts at `consumed`) and the line breaks consumed. The block is valid until the next call.
 */
export function scanCsvChunk(text: string, final: boolean): { block: CsvBlock; consumed: number; lines: number } {
  // one builder per thread, as readCsvBlocks keeps one per file: its offset arrays are megabytes for a chunk of a
  // few MiB, and new ones per chunk kept a parse thread's heap tens of MiB larger between collections
  const out = chunkBuilder === null || chunkBuilder.first.length < text.length >> 5 ? (chunkBuilder = new BlockBuilder(text.length)) : chunkBuilder.reset();
  const state = { line: 1 };
  const consumed = scan(text, final, out, state);
  return { block: out.build(text, 0), consumed, lines: state.line - 1 };
}
