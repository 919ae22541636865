// Content detection: which of the four families a file belongs to (never by its name), then the format
// from the content plus zone mode. Reads at most the first 64 KiB of a CSV, or a workbook's sheet list and
// header rows. An explicit format is validated against the same evidence; ambiguity and misfits are errors.
import { open } from 'node:fs/promises';
import { BACKINZO_FIXED_COLUMNS, BACKINZO_HEADER_LINE } from './backinzo.ts';
import { isWideHeader, SHEET_2_1 } from './consolidated.ts';
import { readCsvBlocks } from './csv-reader.ts';
import { formatError } from './errors.ts';
import type { FormatFamily, FormatId } from './format-id.ts';
import { transBaseName, PORTFOLIO_TRANS } from './python-workbook.ts';
import { readFailed } from './strategy-id.ts';
import { tradingViewColumns } from './tradingview.ts';
import { IN_MEMORY_BYTES, XlsxWorkbook } from './xlsx-reader.ts';

export const DETECT_BYTES = 64 * 1024;

export type Container = 'csv' | 'xlsx';

export interface Detection {
  readonly format: FormatId;
  readonly container: Container;
  /** why this format: the evidence, in words. */
  readonly reason: string;
  /** XLSX: the sheet holding the data (TradingView, FORMAT_4); null for Python workbooks and CSVs. */
  readonly sheet: string | null;
}

interface Candidate {
  readonly family: FormatFamily;
  /** formats of the family this content fits; the first is the pick when zone mode is off, the last when on. */
  readonly fits: readonly FormatId[];
  readonly auto: (zone: boolean) => FormatId;
  readonly reason: string;
  readonly sheet: string | null;
}

export interface DetectOptions {
  readonly format?: FormatId;
  readonly zoneMode?: boolean;
}

/** The first bytes and the size; a zip small enough to be read whole (IN_MEMORY_BYTES) is read here, once. */
async function sniff(path: string): Promise<{ head: Buffer; size: number; whole: Buffer | null }> {
  let fh;
  try { fh = await open(path, 'r'); } catch (e) { throw readFailed(path, e); }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw readFailed(path, Object.assign(new Error('not a regular file'), { code: 'EISDIR' }));
    const size = st.size;
    const head = Buffer.alloc(Math.min(8, size));
    await fh.read(head, 0, head.length, 0);
    const whole = size <= IN_MEMORY_BYTES && isZipHead(head) ? await fh.readFile() : null;
    return { head, size, whole: whole && whole.length === size ? whole : null };
  } catch (e) {
    throw (e as { code?: string }).code?.startsWith('STRATA_') ? e : readFailed(path, e);
  } finally {
    await fh.close();
  }
}

const isZipHead = (head: Buffer): boolean => head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);

function emptyFile(path: string, detail: string): Error {
  return formatError('STRATA_FORMAT_EMPTY_FILE', `${path}: the file is empty (${detail})`, { file: path });
}

export async function detectFormat(path: string, options: DetectOptions = {}): Promise<Detection> {
  const { detection, workbook } = await detectAndOpen(path, options);
  workbook?.close();
  return detection;
}

/**
 * Detects the format and, for a workbook, hands over the workbook it opened to look (the caller closes it):
 * parsing then reads the same open zip instead of opening and walking its directory a second time.
 */
export async function detectAndOpen(path: string, options: DetectOptions = {}): Promise<{ detection: Detection; workbook: XlsxWorkbook | null; sizeBytes: number }> {
  const { head, size, whole } = await sniff(path);
  if (size === 0) throw emptyFile(path, '0 bytes');
  const isZip = isZipHead(head);
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    throw formatError('STRATA_FORMAT_UNKNOWN', `${path}: a legacy binary .xls workbook; save it as .xlsx (Excel 2007+) or CSV`, { file: path, candidates: [] });
  }
  if (!isZip) return { detection: choose(path, 'csv', await csvCandidates(path), options), workbook: null, sizeBytes: size };
  const workbook = await XlsxWorkbook.open(path, {}, whole);
  try {
    return { detection: choose(path, 'xlsx', await xlsxCandidates(path, workbook), options), workbook, sizeBytes: size };
  } catch (e) {
    workbook.close();
    throw e;
  }
}

function choose(path: string, container: Container, candidates: readonly Candidate[], options: DetectOptions): Detection {
  const zone = options.zoneMode === true;
  const list = candidates.map((c) => `${c.family} (${c.reason})`).join('; ');
  if (options.format !== undefined) {
    const want = options.format;
    const hit = candidates.find((c) => c.fits.includes(want));
    if (!hit) {
      const seen = candidates.length ? `the content looks like: ${list}` : 'the content matches no family';
      throw formatError('STRATA_FORMAT_MISMATCH', `${path}: --format ${want} does not fit this ${container.toUpperCase()}; ${seen}`, { file: path, format: want, candidates: candidates.map((c) => c.fits).flat() });
    }
    return { format: want, container, reason: `given as --format, and ${hit.reason}`, sheet: hit.sheet };
  }
  if (candidates.length === 0) {
    throw formatError('STRATA_FORMAT_UNKNOWN', `${path}: no format matches this ${container.toUpperCase()}: ${container === 'csv'
      ? `expected a TradingView header on line 1 (Trade #/Trade number, Type, Date/Time), a Backinzo header with Date and P/L on line ${BACKINZO_HEADER_LINE}, or Date,Day,… on line 1`
      : 'expected a sheet "List of trades", "… Trans" sheets, a sheet "2.1", or a sheet whose header starts Date, Day'}`, { file: path, candidates: [] });
  }
  if (candidates.length > 1) {
    throw formatError('STRATA_FORMAT_AMBIGUOUS', `${path}: the content matches ${candidates.length} families: ${list}; pass --format to choose`, {
      file: path, candidates: candidates.map((c) => ({ family: c.family, formats: c.fits, reason: c.reason })),
    });
  }
  const c = candidates[0]!;
  return { format: c.auto(zone), container, reason: c.reason, sheet: c.sheet };
}

async function csvCandidates(path: string): Promise<Candidate[]> {
  const rows: string[][] = [];
  const lines: number[] = [];
  for await (const b of readCsvBlocks(path, { maxBytes: DETECT_BYTES })) { rows.push(...b.rows()); for (let r = 0; r < b.rowCount; r++) lines.push(b.line(r)); }
  if (rows.every((r) => r.every((v) => v.trim() === ''))) throw emptyFile(path, 'no text rows, only blank lines');
  const out: Candidate[] = [];
  const first = rows[0]!;
  const firstLine = lines[0]!;
  if (firstLine === 1 && tradingViewColumns(first) !== null) {
    out.push({ family: 'tradingview', fits: ['FORMAT_3_TRADING_VIEW_CSV', 'FORMAT_7_TradingView_Zone'], auto: (z) => (z ? 'FORMAT_7_TradingView_Zone' : 'FORMAT_3_TRADING_VIEW_CSV'), reason: 'TradingView "List of trades" header on line 1', sheet: null });
  }
  if (firstLine === 1 && isWideHeader(first)) {
    out.push({ family: 'consolidated', fits: ['FORMAT_4_CONSOLIDATED_XLSX'], auto: () => 'FORMAT_4_CONSOLIDATED_XLSX', reason: 'wide daily layout: header Date, Day, … on line 1', sheet: null });
  }
  // A Backinzo header: `Date` plus `P/L` (trades) or `Date` at index 1 with ≥ 14 columns (multi).
  for (let i = 0; i < rows.length && lines[i]! <= 40; i++) {
    const h = rows[i]!.map((v) => v.trim().toLowerCase().replace(/\s+/g, ' '));
    const hasDate = h.includes('date');
    const single = hasDate && h.includes('p/l') && h.length < 14;
    const multi = h[1] === 'date' && h.length >= BACKINZO_FIXED_COLUMNS + 1;
    if (!single && !multi) continue;
    const at = lines[i]!;
    if (at !== BACKINZO_HEADER_LINE) {
      if (at === 1 && isWideHeader(rows[i]!)) break;
      throw formatError('STRATA_FORMAT_PREAMBLE_LENGTH', `${path}: a Backinzo header (${rows[i]!.slice(0, 4).join(',')},…) is on line ${at}, but Backinzo writes 7 preamble lines, so it belongs on line ${BACKINZO_HEADER_LINE}`, { file: path, line: at, expected: BACKINZO_HEADER_LINE });
    }
    out.push(single
      ? { family: 'backinzo', fits: ['FORMAT_1_BACKINZO_CSV'], auto: () => 'FORMAT_1_BACKINZO_CSV', reason: `Backinzo preamble and a trade header with Date and P/L on line ${at} (${h.length} columns)`, sheet: null }
      : { family: 'backinzo', fits: ['FORMAT_5_BACKINZO_Multi_CSV'], auto: () => 'FORMAT_5_BACKINZO_Multi_CSV', reason: `Backinzo preamble and a daily header with Date at column 2 and ${h.length - BACKINZO_FIXED_COLUMNS} strategy column(s) on line ${at}`, sheet: null });
    break;
  }
  return out;
}

async function xlsxCandidates(path: string, wb: XlsxWorkbook): Promise<Candidate[]> {
  const names = wb.sheets.map((s) => s.name);
  const lower = names.map((n) => n.trim().toLowerCase());
  const out: Candidate[] = [];
  const tvSheet = names[lower.indexOf('list of trades')];
  if (tvSheet !== undefined) {
    out.push({ family: 'tradingview', fits: ['FORMAT_3_TRADING_VIEW_CSV', 'FORMAT_7_TradingView_Zone'], auto: (z) => (z ? 'FORMAT_7_TradingView_Zone' : 'FORMAT_3_TRADING_VIEW_CSV'), reason: 'a sheet "List of trades"', sheet: tvSheet });
  }
  const trans = names.filter((n) => transBaseName(n) !== null);
  if (trans.length > 0) {
    const others = trans.filter((n) => n.trim().toLowerCase() !== PORTFOLIO_TRANS).length;
    const hasTv = lower.includes('tv setting');
    const fits: FormatId[] = [];
    if (others <= 1) fits.push('FORMAT_2_PYTHON_XLSX');
    if (others >= 1) fits.push('FORMAT_6_PYTHON_MULTI_XLSX');
    fits.push('FORMAT_8_PYTHON_MULTI_ZONE_XLSX');
    out.push({
      family: 'python', fits,
      auto: (z) => (z || hasTv ? 'FORMAT_8_PYTHON_MULTI_ZONE_XLSX' : others >= 2 ? 'FORMAT_6_PYTHON_MULTI_XLSX' : 'FORMAT_2_PYTHON_XLSX'),
      reason: `${trans.length} "… Trans" sheet(s)${hasTv ? ' and a "Tv Setting" sheet' : ''}`, sheet: null,
    });
  }
  const twoOne = names[lower.indexOf(SHEET_2_1)];
  if (twoOne !== undefined) {
    out.push({ family: 'consolidated', fits: ['FORMAT_4_CONSOLIDATED_XLSX'], auto: () => 'FORMAT_4_CONSOLIDATED_XLSX', reason: 'a sheet "2.1"', sheet: twoOne });
  } else if (out.length === 0) {
    // The wide layout has no telltale sheet name: look at each sheet's header row.
    const wide: string[] = [];
    for (const s of wb.sheets) {
      for await (const b of wb.rows(s, { maxRows: 1 })) {
        if (b.rows[0] && isWideHeader(b.rows[0].cells.map((c) => (typeof c === 'string' ? c : '')))) wide.push(s.name);
      }
    }
    if (wide.length === 1) out.push({ family: 'consolidated', fits: ['FORMAT_4_CONSOLIDATED_XLSX'], auto: () => 'FORMAT_4_CONSOLIDATED_XLSX', reason: `sheet ${JSON.stringify(wide[0])} has the wide daily header Date, Day, …`, sheet: wide[0]! });
    if (wide.length > 1) {
      throw formatError('STRATA_FORMAT_AMBIGUOUS', `${path}: ${wide.length} sheets have the wide daily header Date, Day, … (${wide.map((w) => JSON.stringify(w)).join(', ')}); FORMAT_4 reads a single sheet`, { file: path, candidates: wide });
    }
  }
  if (out.length === 0 && names.length === 0) throw formatError('STRATA_FORMAT_XLSX_CORRUPT', `${path}: the workbook lists no sheets`, { file: path });
  return out;
}
