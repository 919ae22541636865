// One row as a normaliser reads it, whichever container it came from: a CSV row read straight from the
// chunk's text by offsets (numbers, dates and times parsed from character codes, no substring unless a
// text value is asked for), or an XLSX row of cell values. Both answer the same questions.
import { excelSerialToDateTime, parseDateText, parseTimeText, type DateTimeText } from './calendar.ts';
import type { CsvBlock } from './csv-reader.ts';
import { isBlank, parseNumberText } from './number-text.ts';
import { isDateCell, type CellValue, type XlsxRow } from './xlsx-reader.ts';

export interface RowView {
  /** number of fields/cells in the row. */
  readonly width: number;
  /** 1-based line (CSV) or sheet row number (XLSX). */
  readonly line: number;
  /** trimmed text of field i ('' when absent). */
  text(i: number): string;
  /** the same as text(i), for columns whose value repeats row after row (instrument, remarks): the previous
   * string is handed back when the characters are equal, so no new string is made. */
  repeatedText(i: number): string;
  /** the value as a number; NaN when absent, blank or not a number. */
  number(i: number): number;
  isEmpty(i: number): boolean;
  date(i: number, date1904: boolean): DateTimeText | null;
  /** time of day in seconds: `HH:MM[:SS]` text or a day fraction. */
  time(i: number): number | null;
}

export interface RowBlock {
  readonly size: number;
  /** the view of row k; the same object may be reused for the next call. */
  at(k: number): RowView;
  readonly bytesRead: number;
}

/** Header text for matching: trimmed, lower case, inner whitespace collapsed. */
export function headerKeys(row: RowView): string[] {
  const out: string[] = [];
  for (let i = 0; i < row.width; i++) out.push(row.text(i).toLowerCase().replace(/\s+/g, ' '));
  return out;
}

export function isEmptyRow(row: RowView): boolean {
  for (let i = 0; i < row.width; i++) if (!row.isEmpty(i)) return false;
  return true;
}

/** The serial range where a bare number in a date column is taken as an Excel date (1954 … 2173). */
const SERIAL_MIN = 20000, SERIAL_MAX = 100000;

class CsvRowView implements RowView {
  #block: CsvBlock;
  // the block's offset arrays and this row's first field number: a field's offsets are two array reads
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;
  readonly #first: Int32Array;
  readonly #hasSlow: boolean;
  readonly #text: string;
  #base = 0;
  #slow: string[] | undefined;
  #lastDate = '';
  #lastDateValue: DateTimeText | null = null;
  readonly #lastText: string[];
  width = 0;
  line = 0;

  constructor(block: CsvBlock, lastText: string[]) {
    this.#block = block;
    this.#lastText = lastText;
    this.#starts = block.starts;
    this.#ends = block.ends;
    this.#first = block.first;
    this.#hasSlow = block.hasSlowRows;
    this.#text = block.text;
  }

  at(r: number): this {
    this.#base = this.#first[r]!;
    this.#slow = this.#hasSlow ? this.#block.slowRow(r) : undefined;
    this.width = this.#slow ? this.#slow.length : this.#first[r + 1]! - this.#base;
    this.line = this.#block.line(r);
    return this;
  }

  text(i: number): string {
    if (i >= this.width) return '';
    if (this.#slow) return this.#slow[i]!.trim();
    const t = this.#text;
    let a = this.#starts[this.#base + i]!, b = this.#ends[this.#base + i]!;
    while (a < b && t.charCodeAt(a) === 32) a++;
    while (b > a && t.charCodeAt(b - 1) === 32) b--;
    return t.slice(a, b);
  }

  repeatedText(i: number): string {
    if (i >= this.width) return '';
    if (this.#slow) return this.#slow[i]!.trim();
    const t = this.#text;
    let a = this.#starts[this.#base + i]!, b = this.#ends[this.#base + i]!;
    while (a < b && t.charCodeAt(a) === 32) a++;
    while (b > a && t.charCodeAt(b - 1) === 32) b--;
    const last = this.#lastText[i];
    if (last !== undefined && last.length === b - a && t.startsWith(last, a)) return last;
    return (this.#lastText[i] = t.slice(a, b));
  }

  number(i: number): number {
    if (i >= this.width) return NaN;
    if (this.#slow) return parseNumberText(this.#slow[i]!);
    const t = this.#text;
    const a = this.#starts[this.#base + i]!, b = this.#ends[this.#base + i]!;
    if (a === b) return NaN;
    // Fast path: [-]digits[.digits] read from character codes; anything else goes through the full grammar.
    let p = a, neg = false;
    if (p < b && t.charCodeAt(p) === 45) { neg = true; p++; }
    let int = 0, digits = 0;
    while (p < b) { const c = t.charCodeAt(p) - 48; if (c < 0 || c > 9) break; int = int * 10 + c; p++; digits++; }
    let frac = 0, scale = 1;
    if (p < b && t.charCodeAt(p) === 46) {
      p++;
      while (p < b) { const c = t.charCodeAt(p) - 48; if (c < 0 || c > 9) break; frac = frac * 10 + c; scale *= 10; p++; digits++; }
    }
    if (p === b && digits > 0 && digits < 16) {
      // All digits as one integer (< 2^53 for ≤ 15 digits) divided by an exact power of ten: IEEE division
      // rounds correctly, so this is the same double Number('123.45') gives.
      const v = scale === 1 ? int : (int * scale + frac) / scale;
      return neg ? -v : v;
    }
    return parseNumberText(t.slice(a, b));
  }

  isEmpty(i: number): boolean {
    if (i >= this.width) return true;
    if (this.#slow) return isBlank(this.#slow[i]!);
    const t = this.#text;
    for (let p = this.#starts[this.#base + i]!, b = this.#ends[this.#base + i]!; p < b; p++) {
      const c = t.charCodeAt(p);
      if (c !== 32 && c !== 9) return false;
    }
    return true;
  }

  date(i: number): DateTimeText | null {
    if (i >= this.width) return null;
    if (this.#slow) return parseDateText(this.#slow[i]!);
    const t = this.#text;
    const a = this.#starts[this.#base + i]!, b = this.#ends[this.#base + i]!;
    // Trade files repeat one date over many rows: compare in place before making a string.
    if (b - a === this.#lastDate.length && t.startsWith(this.#lastDate, a)) return this.#lastDateValue;
    // `YYYY-MM-DD HH:MM[:SS]` (TradingView): every value differs by its time, so the day part is compared
    // with the last one in place and the time read from character codes.
    const len = b - a;
    if ((len === 16 || len === 19) && t.charCodeAt(a + 4) === 45 && t.charCodeAt(a + 10) === 32 && t.charCodeAt(a + 13) === 58) {
      const day = this.#dayOf(t, a);
      const h = d2(t, a + 11), m = d2(t, a + 14), sec = len === 19 && t.charCodeAt(a + 16) === 58 ? d2(t, a + 17) : len === 16 ? 0 : -1;
      if (day !== null && h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 60) return { date: day, seconds: h * 3600 + m * 60 + sec };
    }
    this.#lastDate = t.slice(a, b);
    this.#lastDateValue = parseDateText(this.#lastDate);
    return this.#lastDateValue;
  }

  #lastDay = '';
  #lastDayIso: string | null = null;

  /** The ISO day of the 10 characters at a (`YYYY-MM-DD`), validated once per distinct day. */
  #dayOf(t: string, a: number): string | null {
    if (this.#lastDay.length === 10 && t.startsWith(this.#lastDay, a)) return this.#lastDayIso;
    this.#lastDay = t.slice(a, a + 10);
    this.#lastDayIso = parseDateText(this.#lastDay)?.date ?? null;
    return this.#lastDayIso;
  }

  time(i: number): number | null {
    if (i >= this.width) return null;
    if (this.#slow) return parseTimeText(this.#slow[i]!);
    const t = this.#text;
    const a = this.#starts[this.#base + i]!, b = this.#ends[this.#base + i]!;
    if (b - a === 8 && t.charCodeAt(a + 2) === 58 && t.charCodeAt(a + 5) === 58) {
      const h = d2(t, a), m = d2(t, a + 3), s = d2(t, a + 6);
      if (h >= 0 && h < 24 && m >= 0 && m < 60 && s >= 0 && s < 60) return h * 3600 + m * 60 + s;
    }
    return parseTimeText(t.slice(a, b));
  }
}

function d2(t: string, p: number): number {
  const a = t.charCodeAt(p) - 48, b = t.charCodeAt(p + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

// The blocks are classes with `at` as a method, not object literals carrying a new `at` closure each: the parsers'
// `block.at(k)` call site then sees one function for every block of every file, instead of a new call target per
// block. (A deoptimisation of the parser at that call site at the start of a file still shows up in some runs.)
class CsvRows implements RowBlock {
  readonly size: number;
  readonly bytesRead: number;
  readonly #view: CsvRowView;

  constructor(block: CsvBlock, lastText: string[]) {
    this.size = block.rowCount;
    this.bytesRead = block.bytesRead;
    this.#view = new CsvRowView(block, lastText);
  }

  at(k: number): RowView { return this.#view.at(k); }
}

/** `lastText` carries repeatedText's memory from one block to the next (pass the same array each time). */
export function csvRowBlock(block: CsvBlock, lastText: string[] = []): RowBlock {
  return new CsvRows(block, lastText);
}

class CellRowView implements RowView {
  cells: readonly CellValue[] = [];
  width = 0;
  line = 0;

  at(row: XlsxRow): this {
    this.cells = row.cells;
    this.width = row.cells.length;
    this.line = row.r;
    return this;
  }

  text(i: number): string {
    const v = this.cells[i];
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
    return String(v.serial);
  }

  repeatedText(i: number): string { return this.text(i); }

  number(i: number): number {
    const v = this.cells[i];
    if (typeof v === 'number') return v;
    if (typeof v === 'string') return parseNumberText(v);
    return NaN;
  }

  isEmpty(i: number): boolean {
    const v = this.cells[i];
    return v === null || v === undefined || (typeof v === 'string' && isBlank(v));
  }

  date(i: number, date1904: boolean): DateTimeText | null {
    const v = this.cells[i];
    if (typeof v === 'string') return parseDateText(v);
    if (v !== undefined && isDateCell(v)) return excelSerialToDateTime(v.serial, date1904);
    // A date column written without a date style still holds a serial; small numbers are not dates.
    if (typeof v === 'number' && v >= SERIAL_MIN && v < SERIAL_MAX) return excelSerialToDateTime(v, date1904);
    return null;
  }

  time(i: number): number | null {
    const v = this.cells[i];
    if (typeof v === 'string') return parseTimeText(v);
    const serial = v !== undefined && isDateCell(v) ? v.serial : typeof v === 'number' ? v : NaN;
    if (serial >= 0 && Number.isFinite(serial)) return Math.round((serial % 1) * 86400) % 86400;
    return null;
  }
}

class CellRows implements RowBlock {
  readonly size: number;
  readonly bytesRead: number;
  readonly #rows: readonly XlsxRow[];
  readonly #view = new CellRowView();

  constructor(rows: readonly XlsxRow[], bytesRead: number) {
    this.size = rows.length;
    this.bytesRead = bytesRead;
    this.#rows = rows;
  }

  at(k: number): RowView { return this.#view.at(this.#rows[k]!); }
}

export function cellRowBlock(rows: readonly XlsxRow[], bytesRead: number): RowBlock {
  return new CellRows(rows, bytesRead);
}
