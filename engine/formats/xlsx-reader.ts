// Streaming XLSX reader: yauzl walks the zip's central directory, each part is inflated with zlib in 1 MiB
// chunks and sheet XML is scanned as text for <row>/<c> elements, honouring sharedStrings, inline strings
// and styles.xml number formats (so date cells become dates, not numbers). Only the part being read and
// the shared-string table are in memory — except that a workbook of at most 8 MiB is read whole (one read
// instead of a thread-pool round trip per directory entry and part) and a part that fits one chunk is
// inflated in one synchronous call. Why not exceljs: its streaming reader runs ~0.09 M rows/s with
// 150 MB RSS here, a SAX parser 0.18 M, and yauzl + inflate + a byte scanner ~0.8 M (PERF-NOTES), and the
// ingest target is ≥ 2× exceljs streaming. The scanner reads only the SpreadsheetML subset writers emit.
import { readFile, stat } from 'node:fs/promises';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { formatError } from './errors.ts';
import { readFailed } from './strategy-id.ts';

export const XLSX_CHUNK_BYTES = 1 << 20;
/** zlib's smallest output chunk */
const MIN_CHUNK_BYTES = 64;
/** workbooks up to this size are read into memory whole (see XlsxWorkbook.open) */
export const IN_MEMORY_BYTES = 8 << 20;

/** A numeric cell whose style is a date or time format: the raw Excel serial. */
export interface ExcelDateCell {
  readonly kind: 'date';
  readonly serial: number;
}

export type CellValue = string | number | boolean | ExcelDateCell | null;

export interface XlsxRow {
  /** 1-based row number in the sheet. */
  readonly r: number;
  readonly cells: CellValue[];
}

export interface XlsxRowBlock {
  readonly rows: XlsxRow[];
  /** compressed bytes of the sheet part consumed so far. */
  readonly bytesRead: number;
}

export interface SheetInfo {
  readonly name: string;
  readonly part: string;
}

export function isDateCell(v: CellValue): v is ExcelDateCell {
  return typeof v === 'object' && v !== null;
}

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
export function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (_, e: string) => {
    switch (e) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

function attr(tag: string, name: string): string | null {
  const key = ` ${name}="`;
  let i = tag.indexOf(key);
  if (i < 0) {
    const alt = ` ${name}='`;
    i = tag.indexOf(alt);
    if (i < 0) return null;
    const j = tag.indexOf("'", i + alt.length);
    return tag.slice(i + alt.length, j);
  }
  const j = tag.indexOf('"', i + key.length);
  return tag.slice(i + key.length, j);
}

/** Concatenates the <t> texts of an <si> or <is> body, skipping phonetic runs (<rPh>). */
function richText(body: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const t = body.indexOf('<t', i);
    if (t < 0) break;
    const next = body.charCodeAt(t + 2);
    if (next !== 62 && next !== 32 && next !== 47) { i = t + 2; continue; } // <tag> not <t>
    const rph = body.lastIndexOf('<rPh', t);
    if (rph >= 0 && body.indexOf('</rPh>', rph) > t) { i = body.indexOf('</rPh>', rph) + 6; continue; }
    const gt = body.indexOf('>', t);
    if (body.charCodeAt(gt - 1) === 47) { i = gt + 1; continue; } // <t/>
    const end = body.indexOf('</t>', gt);
    out += body.slice(gt + 1, end);
    i = end + 4;
  }
  return decodeXmlText(out);
}

const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** A custom number format is a date/time format when, outside quotes, brackets and escapes, it uses d m y h s. */
export function isDateFormatCode(code: string): boolean {
  const stripped = code.replace(/"[^"]*"/g, '').replace(/\\./g, '').replace(/\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]/gi, '');
  return /[dmyhs]/i.test(stripped.split(';')[0]!);
}

function truncated(path: string, detail: string): Error {
  return formatError('STRATA_FORMAT_TRUNCATED_XLSX', `${path}: the XLSX archive is truncated or damaged (${detail})`, { file: path, detail });
}

function corrupt(path: string, detail: string): Error {
  return formatError('STRATA_FORMAT_XLSX_CORRUPT', `${path}: not a usable workbook (${detail})`, { file: path, detail });
}

export class XlsxWorkbook {
  readonly path: string;
  readonly sheets: readonly SheetInfo[];
  readonly date1904: boolean;
  readonly sizeBytes: number;
  #zip: ZipFile;
  #entries: Map<string, Entry>;
  #sharedStringsPart: string | null;
  #stylesPart: string | null;
  #shared: string[] | null = null;
  #dateStyles: Uint8Array | null = null;
  #chunkBytes = XLSX_CHUNK_BYTES;

  private constructor(path: string, zip: ZipFile, entries: Map<string, Entry>, sheets: SheetInfo[], date1904: boolean, shared: string | null, styles: string | null) {
    this.path = path;
    this.#zip = zip;
    this.#entries = entries;
    this.sheets = sheets;
    this.date1904 = date1904;
    this.#sharedStringsPart = shared;
    this.#stylesPart = styles;
    this.sizeBytes = zip.fileSize;
  }

  /** `chunkBytes` (≥ 64, default 1 MiB) sizes the inflated pieces; tests use tiny ones to hit every boundary. */
  static async open(path: string, options: { chunkBytes?: number } = {}, contents: Buffer | null = null): Promise<XlsxWorkbook> {
    // A workbook up to IN_MEMORY_BYTES is read whole, once: walking the zip on the file costs a thread-pool
    // round trip per directory read, local header and part, which dominated the time of small workbooks.
    // Bigger ones are read from the file part by part, so memory stays independent of the file's size.
    // (`contents`: the file, already read by the caller, e.g. format detection)
    let buffer = contents;
    if (!buffer) {
      let size: number;
      try {
        const st = await stat(path);
        if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
        size = st.size;
      } catch (e) {
        throw readFailed(path, e);
      }
      buffer = size <= IN_MEMORY_BYTES ? await readFile(path).catch((e: unknown) => { throw readFailed(path, e); }) : null;
    }
    const zip = await new Promise<ZipFile>((resolve, reject) => {
      const done = (err: Error | null, z?: ZipFile): void => {
        if (err) {
          const code = (err as { code?: string }).code;
          if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') reject(readFailed(path, err));
          else reject(truncated(path, err.message));
        } else resolve(z!);
      };
      if (buffer) yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: true }, done);
      else yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true }, done);
    });
    const entries = new Map<string, Entry>();
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (e: Entry) => { entries.set(e.fileName.replace(/^\/+/, ''), e); zip.readEntry(); });
        zip.on('end', () => resolve());
        zip.on('error', (err: Error) => reject(truncated(path, err.message)));
        zip.readEntry();
      });
    } catch (e) {
      zip.close();
      throw e;
    }
    const partial = new XlsxWorkbook(path, zip, entries, [], false, null, null);
    const chunkBytes = Math.max(64, options.chunkBytes ?? XLSX_CHUNK_BYTES);
    partial.#chunkBytes = chunkBytes;
    try {
      const workbookXml = await partial.readPart('xl/workbook.xml');
      const relsXml = entries.has('xl/_rels/workbook.xml.rels') ? await partial.readPart('xl/_rels/workbook.xml.rels') : '';
      const rels = new Map<string, { target: string; type: string }>();
      for (const m of relsXml.matchAll(/<Relationship\b[^>]*>/g)) {
        const id = attr(m[0], 'Id'), target = attr(m[0], 'Target');
        if (id !== null && target !== null) rels.set(id, { target: resolveTarget(decodeXmlText(target)), type: attr(m[0], 'Type') ?? '' });
      }
      const sheets: SheetInfo[] = [];
      let index = 0;
      for (const m of workbookXml.matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)) {
        index++;
        const name = decodeXmlText(attr(m[0], 'name') ?? `Sheet${index}`);
        const rid = attr(m[0], 'r:id') ?? /\s[\w]+:id="([^"]+)"/.exec(m[0])?.[1] ?? null;
        const part = (rid !== null ? rels.get(rid)?.target : undefined) ?? `xl/worksheets/sheet${index}.xml`;
        sheets.push({ name, part });
      }
      const date1904 = /<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"/.test(workbookXml);
      const byType = (suffix: string, fallback: string): string | null => {
        for (const r of rels.values()) if (r.type.endsWith(suffix)) return r.target;
        return entries.has(fallback) ? fallback : null;
      };
      const wb = new XlsxWorkbook(path, zip, entries, sheets, date1904, byType('/sharedStrings', 'xl/sharedStrings.xml'), byType('/styles', 'xl/styles.xml'));
      wb.#chunkBytes = chunkBytes;
      return wb;
    } catch (e) {
      zip.close();
      throw e;
    }
  }

  close(): void { this.#zip.close(); }

  sheet(name: string): SheetInfo | undefined {
    const want = name.toLowerCase();
    return this.sheets.find((s) => s.name.toLowerCase() === want);
  }

  async readPart(name: string): Promise<string> {
    let out = '';
    for await (const chunk of this.#partText(name)) out += chunk.text;
    return out;
  }

  async *#partText(name: string): AsyncGenerator<{ text: string; bytesRead: number }> {
    const entry = this.#entries.get(name);
    if (!entry) throw corrupt(this.path, `the part ${name} is missing`);
    const raw = await new Promise<Readable>((resolve, reject) => {
      this.#zip.openReadStream(entry, { decodeFileData: false }, (err, s) => (err ? reject(truncated(this.path, err.message)) : resolve(s)));
    });
    if (entry.compressionMethod === 8 && entry.uncompressedSize <= this.#chunkBytes) {
      // A part that fits one chunk is inflated in one synchronous call: the stream would yield it as one
      // chunk anyway, after a thread-pool round trip per piece. Inflating past the size the directory states
      // is a broken part, as a zip reader that checks sizes would say.
      const pieces: Buffer[] = [];
      let compressed = 0;
      try {
        for await (const b of raw) { pieces.push(b as Buffer); compressed += (b as Buffer).length; }
        const bytes = inflateRawSync(Buffer.concat(pieces, compressed), { maxOutputLength: Math.max(1, entry.uncompressedSize) });
        yield { text: new TextDecoder('utf-8').decode(bytes), bytesRead: compressed };
      } catch (e) {
        if ((e as { code?: string }).code === 'STRATA_FORMAT_TRUNCATED_XLSX') throw e;
        throw truncated(this.path, `${name}: ${(e as Error).message}`);
      } finally {
        raw.destroy();
      }
      return;
    }
    let bytesRead = 0;
    raw.on('data', (b: Buffer) => { bytesRead += b.length; });
    // zlib allocates each output chunk at chunkSize: a small part (workbook.xml, rels, a short sheet) gets a
    // chunk of its own size, not 1 MiB, which on a workbook of small parts cost more in allocation and GC than
    // the parsing itself
    const chunkSize = Math.max(MIN_CHUNK_BYTES, Math.min(this.#chunkBytes, entry.uncompressedSize + 1));
    const source: Readable = entry.compressionMethod === 8 ? raw.pipe(createInflateRaw({ chunkSize })) : raw;
    if (source !== raw) raw.on('error', (e) => source.destroy(e));
    const decoder = new TextDecoder('utf-8');
    try {
      for await (const chunk of source) yield { text: decoder.decode(chunk as Buffer, { stream: true }), bytesRead };
      const tail = decoder.decode();
      if (tail) yield { text: tail, bytesRead };
    } catch (e) {
      if ((e as { code?: string }).code === 'STRATA_FORMAT_TRUNCATED_XLSX') throw e;
      throw truncated(this.path, `${name}: ${(e as Error).message}`);
    } finally {
      raw.destroy();
      source.destroy();
    }
  }

  /** The shared-string table, loaded once (it is needed to read any string cell). */
  async sharedStrings(): Promise<readonly string[]> {
    if (this.#shared) return this.#shared;
    const out: string[] = [];
    if (this.#sharedStringsPart !== null) {
      let carry = '';
      for await (const { text } of this.#partText(this.#sharedStringsPart)) {
        const s = carry + text;
        let i = 0;
        for (;;) {
          const open = s.indexOf('<si', i);
          // Keep a short tail: an `<si` may be split across two chunks.
          if (open < 0) { i = Math.max(i, s.length - 3); break; }
          const gt = s.indexOf('>', open);
          if (gt < 0) { i = open; break; }
          if (s.charCodeAt(gt - 1) === 47) { out.push(''); i = gt + 1; continue; }
          const close = s.indexOf('</si>', gt);
          if (close < 0) { i = open; break; }
          out.push(richText(s.slice(gt + 1, close)));
          i = close + 5;
        }
        carry = s.slice(i);
      }
    }
    this.#shared = out;
    return out;
  }

  /** Per cellXfs index: 1 when the style's number format is a date or time. */
  async dateStyles(): Promise<Uint8Array> {
    if (this.#dateStyles) return this.#dateStyles;
    let flags = new Uint8Array(0);
    if (this.#stylesPart !== null && this.#entries.has(this.#stylesPart)) {
      const xml = await this.readPart(this.#stylesPart);
      const custom = new Map<number, string>();
      for (const m of xml.matchAll(/<(?:\w+:)?numFmt\b[^>]*>/g)) {
        const id = attr(m[0], 'numFmtId'), code = attr(m[0], 'formatCode');
        if (id !== null && code !== null) custom.set(Number(id), decodeXmlText(code));
      }
      const xfs = /<(?:\w+:)?cellXfs\b[^>]*>([\s\S]*?)<\/(?:\w+:)?cellXfs>/.exec(xml)?.[1] ?? '';
      const ids = [...xfs.matchAll(/<(?:\w+:)?xf\b[^>]*>/g)].map((m) => Number(attr(m[0], 'numFmtId') ?? 0));
      flags = new Uint8Array(ids.length);
      ids.forEach((id, i) => {
        const code = custom.get(id);
        flags[i] = (code !== undefined ? isDateFormatCode(code) : BUILTIN_DATE_FORMATS.has(id)) ? 1 : 0;
      });
    }
    this.#dateStyles = flags;
    return flags;
  }

  /** Streams a sheet's rows in blocks (one block per inflated chunk); `maxRows` stops early (detection). */
  async *rows(sheet: SheetInfo, options: { maxRows?: number } = {}): AsyncGenerator<XlsxRowBlock> {
    const shared = await this.sharedStrings();
    const dates = await this.dateStyles();
    const maxRows = options.maxRows ?? Infinity;
    let seen = 0;
    let carry = '';
    let lastRow = 0;
    for await (const { text, bytesRead } of this.#partText(sheet.part)) {
      const s = carry === '' ? text : carry + text;
      const rows: XlsxRow[] = [];
      let i = 0;
      for (;;) {
        const open = s.indexOf('<row', i);
        if (open < 0) { i = Math.max(i, s.length - 8); break; }
        if (open + 4 >= s.length) { i = open; break; } // `<row` at the very end: wait for the next chunk
        const c4 = s.charCodeAt(open + 4);
        if (c4 !== 32 && c4 !== 62 && c4 !== 47) { i = open + 4; continue; }
        const gt = s.indexOf('>', open);
        if (gt < 0) { i = open; break; }
        const tag = s.slice(open, gt);
        const rAttr = attr(tag, 'r');
        const r = rAttr === null ? lastRow + 1 : Number(rAttr);
        if (s.charCodeAt(gt - 1) === 47) { lastRow = r; i = gt + 1; continue; } // <row/>: no cells
        const close = s.indexOf('</row>', gt);
        if (close < 0) { i = open; break; }
        lastRow = r;
        rows.push({ r, cells: this.#cells(s, gt + 1, close, shared, dates) });
        i = close + 6;
        if (++seen >= maxRows) break;
      }
      carry = s.slice(i);
      if (rows.length) yield { rows, bytesRead };
      if (seen >= maxRows) return;
    }
  }

  // Attributes and values are read in place (indexOf bounded by the tag's end, digits from character codes):
  // slicing each tag and body made several strings per cell, which dominated wide sheets (32-column Trans).
  #cells(s: string, from: number, to: number, shared: readonly string[], dates: Uint8Array): CellValue[] {
    const cells: CellValue[] = [];
    let i = from;
    let next = 0;
    for (;;) {
      const open = s.indexOf('<c', i);
      if (open < 0 || open >= to) break;
      const c2 = s.charCodeAt(open + 2);
      if (c2 !== 32 && c2 !== 62 && c2 !== 47) { i = open + 2; continue; }
      const gt = s.indexOf('>', open);
      const rAt = attrAt(s, open, gt, ' r="');
      let col = next;
      if (rAt >= 0) {
        col = 0;
        for (let k = rAt; ; k++) { const ch = s.charCodeAt(k); if (ch < 65 || ch > 90) break; col = col * 26 + (ch - 64); }
        col--;
      }
      next = col + 1;
      if (s.charCodeAt(gt - 1) === 47) { i = gt + 1; continue; } // <c …/>: empty
      const close = s.indexOf('</c>', gt);
      i = close + 4;
      const tAt = attrAt(s, open, gt, ' t="');
      const t = tAt < 0 ? 110 /* n */ : s.charCodeAt(tAt);
      let value: CellValue = null;
      if (t === 105 /* inlineStr */) {
        value = richText(s.slice(gt + 1, close));
      } else {
        const v0 = s.indexOf('<v>', gt);
        if (v0 >= 0 && v0 < close) {
          const vEnd = s.indexOf('</v>', v0);
          if (t === 115 && s.charCodeAt(tAt + 1) === 34 /* t="s" */) value = shared[digits(s, v0 + 3, vEnd)] ?? '';
          else if (t === 115 || t === 100 || t === 101) value = decodeXmlText(s.slice(v0 + 3, vEnd)); // str, d, e
          else if (t === 98) value = s.charCodeAt(v0 + 3) === 49; // b
          else {
            const n = Number(s.slice(v0 + 3, vEnd));
            const sAt = attrAt(s, open, gt, ' s="');
            value = sAt >= 0 && dates[digits(s, sAt, s.indexOf('"', sAt))] === 1 ? { kind: 'date', serial: n } : n;
          }
        }
      }
      while (cells.length < col) cells.push(null);
      cells[col] = value;
    }
    return cells;
  }
}

/**
 * Index of an attribute's value inside the tag s[open, gt), or -1; `key` is ` x="` with a one-letter name. Compared by hand
 * within the tag: an indexOf would run on through the rest of the chunk whenever the attribute is absent.
 */
function attrAt(s: string, open: number, gt: number, key: string): number {
  const k0 = key.charCodeAt(1);
  for (let p = open + 2; p + key.length <= gt; p++) {
    if (s.charCodeAt(p) !== 32 || s.charCodeAt(p + 1) !== k0) continue;
    if (s.charCodeAt(p + 2) === 61 && s.charCodeAt(p + 3) === 34) return p + 4;
  }
  return -1;
}

/** A non-negative integer written in s[from, to). */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) n = n * 10 + (s.charCodeAt(k) - 48);
  return n;
}

function resolveTarget(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = `xl/${target}`.split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.' && p !== '') out.push(p);
  }
  return out.join('/');
}
