// One file end to end, without writing anything: hash, detect, stream the format's normaliser, and hand out
// canonical batches with progress, then the strategies and daily_pnl batches and a summary. All-or-nothing
// by default: batches are provisional until the `done` event; a rejected file ends in a thrown error.
import { basename, extname } from 'node:path';
import type { EngineError } from '../engine-error.ts';
import { parseBackinzoMulti, parseBackinzoTrades } from './backinzo.ts';
import { parallelBackinzoTrades, planBackinzoParallel, type ParsePool } from './parallel-csv.ts';
import { dailyPnlBatch, strategiesBatch, type CanonicalBatch } from './canonical.ts';
import { cellRowBlock, csvRowBlock, type RowBlock } from './row-view.ts';
import { parseConsolidated } from './consolidated.ts';
import { readCsvBlocks } from './csv-reader.ts';
import { detectAndOpen, type Detection } from './detect.ts';
import { formatError } from './errors.ts';
import { resolveFormatId, type FormatId } from './format-id.ts';
import { ParseContext, type NormaliserOutput } from './parse-context.ts';
import { DEFAULT_MAX_PROBLEMS, ProblemLog, type Problem, type Warning } from './problems.ts';
import { parsePythonWorkbook } from './python-workbook.ts';
import type { StrategySummary } from './strategy-draft.ts';
import { hashFile } from './strategy-id.ts';
import { parseTradingView } from './tradingview.ts';
import { XlsxWorkbook } from './xlsx-reader.ts';
import { createZoning, type ZoneOptions, type Zoning } from './zones.ts';

export interface ParseOptions {
  /** skip detection's choice: `FORMAT_n` or the full id; still validated against the content. */
  readonly format?: FormatId | string;
  /** zone mode: on when given (files from the zone inbox, or a --zones option). */
  readonly zones?: ZoneOptions;
  /** keep valid rows and report the rest instead of rejecting the file. */
  readonly lenient?: boolean;
  /** problems listed in a report (all are counted). Default 100. */
  readonly maxProblems?: number;
  /** trade rows per batch. Default 8192. */
  readonly batchRows?: number;
  /** the file's sha256 when the caller already has it (the ingest actor hashes first for idempotency). */
  readonly contentHash?: string;
  /** strategy names already taken (other files, the store). Read, and extended with this file's names. */
  readonly takenNames?: Set<string>;
  /** the exchange time zone that entry_ts / exit_ts local text is in. Default Asia/Kolkata. */
  readonly tz?: string;
  /** worker threads that parse large FORMAT_1 files in chunks (all-or-nothing reads only); none: one thread */
  readonly parsePool?: ParsePool;
}

export const DEFAULT_TZ = 'Asia/Kolkata';

export interface IngestProgress {
  readonly rows: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface FileSummary {
  readonly file: string;
  readonly contentHash: string;
  readonly sizeBytes: number;
  readonly format: FormatId;
  readonly reason: string;
  /** zone method in words, null when zone mode is off. */
  readonly zones: string | null;
  /** time zone of the local entry_ts / exit_ts text. */
  readonly tz: string;
  readonly lenient: boolean;
  readonly strategies: readonly StrategySummary[];
  readonly rows: { readonly strategies: number; readonly trades: number; readonly daily_pnl: number };
  readonly warnings: readonly Warning[];
  /** problems with rows that were left out (lenient mode only; otherwise the file is rejected). */
  readonly problems: readonly Problem[];
  readonly totalProblems: number;
}

export type IngestEvent =
  | { readonly type: 'started'; readonly file: string; readonly contentHash: string; readonly sizeBytes: number; readonly format: FormatId; readonly reason: string }
  | { readonly type: 'batch'; readonly batch: CanonicalBatch; readonly progress: IngestProgress }
  | { readonly type: 'progress'; readonly progress: IngestProgress }
  | { readonly type: 'done'; readonly summary: FileSummary };

export function fileStem(path: string): string {
  const base = basename(path);
  const ext = extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

function uniqueName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  for (let k = 2; ; k++) if (!taken.has(`${name} (${k})`)) return `${name} (${k})`;
}

function validateOptions(options: ParseOptions): { format: FormatId | undefined; zoning: Zoning | null } {
  const max = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
  if (!Number.isInteger(max) || max < 1) throw formatError('STRATA_FORMAT_INVALID_OPTION', `maxProblems must be a positive integer, got ${String(max)}`, { maxProblems: max });
  const rows = options.batchRows ?? 8192;
  if (!Number.isInteger(rows) || rows < 1) throw formatError('STRATA_FORMAT_INVALID_OPTION', `batchRows must be a positive integer, got ${String(rows)}`, { batchRows: rows });
  return {
    format: options.format === undefined ? undefined : resolveFormatId(options.format),
    zoning: options.zones === undefined ? null : createZoning(options.zones),
  };
}

function csvRows(path: string): AsyncIterable<RowBlock> {
  return (async function* () {
    const lastText: string[] = [];
    for await (const b of readCsvBlocks(path)) yield csvRowBlock(b, lastText);
  })();
}

function xlsxRows(wb: XlsxWorkbook, sheet: string): AsyncIterable<RowBlock> {
  const info = wb.sheet(sheet);
  if (!info) throw formatError('STRATA_FORMAT_XLSX_CORRUPT', `${wb.path}: no sheet ${JSON.stringify(sheet)}`, { file: wb.path, sheet });
  return (async function* () {
    for await (const b of wb.rows(info)) yield cellRowBlock(b.rows, b.bytesRead);
  })();
}

/** FORMAT_1 trades: on the parse pool's threads when the file is large enough and the read all-or-nothing. */
async function* backinzoTrades(ctx: ParseContext, pool: ParsePool | undefined): AsyncGenerator<NormaliserOutput> {
  const plan = pool && !pool.closed && !ctx.lenient && ctx.progress.totalBytes >= pool.minFileBytes ? await planBackinzoParallel(ctx.path) : null;
  if (plan === null) {
    yield* parseBackinzoTrades(ctx, csvRows(ctx.path));
    return;
  }
  // a rejected file's report is a serial read's, written into the same problem log
  const serial = () => parseBackinzoTrades(new ParseContext({
    path: ctx.path, stem: ctx.stem, contentHash: ctx.contentHash, format: ctx.format, zoning: ctx.zoning, problems: ctx.problems,
    lenient: false, batchRows: ctx.trades.capacity, totalBytes: ctx.progress.totalBytes,
  }), csvRows(ctx.path));
  yield* parallelBackinzoTrades(ctx, plan, pool!, serial);
}

function normaliser(ctx: ParseContext, detection: Detection, wb: XlsxWorkbook | null, pool: ParsePool | undefined): AsyncGenerator<NormaliserOutput> {
  const d1904 = wb?.date1904 ?? false;
  switch (ctx.format) {
    case 'FORMAT_1_BACKINZO_CSV': return backinzoTrades(ctx, pool);
    case 'FORMAT_5_BACKINZO_Multi_CSV': return parseBackinzoMulti(ctx, csvRows(ctx.path));
    case 'FORMAT_3_TRADING_VIEW_CSV':
    case 'FORMAT_7_TradingView_Zone':
      return wb ? parseTradingView(ctx, xlsxRows(wb, detection.sheet!), detection.sheet, d1904) : parseTradingView(ctx, csvRows(ctx.path), null, false);
    case 'FORMAT_4_CONSOLIDATED_XLSX':
      return wb ? parseConsolidated(ctx, xlsxRows(wb, detection.sheet!), detection.sheet, d1904) : parseConsolidated(ctx, csvRows(ctx.path), null, false);
    case 'FORMAT_2_PYTHON_XLSX':
    case 'FORMAT_6_PYTHON_MULTI_XLSX':
    case 'FORMAT_8_PYTHON_MULTI_ZONE_XLSX':
      return parsePythonWorkbook(ctx, wb!);
  }
}

const ZONE_FORMATS: readonly FormatId[] = ['FORMAT_7_TradingView_Zone', 'FORMAT_8_PYTHON_MULTI_ZONE_XLSX'];

/** Time zones already checked: building an Intl.DateTimeFormat to check one costs more than parsing a small file. */
const KNOWN_ZONES = new Set<string>();

/**
 * Streams one file as canonical batches. Events: `started` (hash and format, before any parsing), then
 * `batch` (trades while reading; strategies and daily_pnl at the end) and `progress`, then `done`. Throws an
 * EngineError (code per FORMATS.md §Errors, `data.problems` listing them) when the file is rejected.
 * Breaking out of the loop early stops reading and closes the file.
 */
export async function* ingestFile(path: string, options: ParseOptions = {}): AsyncGenerator<IngestEvent> {
  const { format: forced, zoning: given } = validateOptions(options);
  const tz = options.tz ?? DEFAULT_TZ;
  if (!KNOWN_ZONES.has(tz)) {
    try { new Intl.DateTimeFormat('en', { timeZone: tz }); } catch {
      throw formatError('STRATA_FORMAT_INVALID_OPTION', `unknown time zone ${JSON.stringify(tz)}`, { tz });
    }
    KNOWN_ZONES.add(tz);
  }
  const hashed = options.contentHash !== undefined ? null : await hashFile(path);
  // the workbook detection opened is the one parsing reads; closed however the consumer stops
  const { detection, workbook: wb, sizeBytes: detectedSize } = await detectAndOpen(path, { zoneMode: given !== null, ...(forced ? { format: forced } : {}) });
  const contentHash = hashed?.contentHash ?? options.contentHash!;
  const sizeBytes = hashed?.sizeBytes ?? detectedSize;
  const format = detection.format;
  // A zone format always buckets: forced FORMAT_7/8 without zone options use the default (equal, 4 zones).
  const zoning = ZONE_FORMATS.includes(format) ? (given ?? createZoning({ method: 'equal' })) : null;
  const problems = new ProblemLog(basename(path), options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const ctx = new ParseContext({
    path, stem: fileStem(path), contentHash, format, zoning, problems, lenient: options.lenient === true,
    batchRows: options.batchRows ?? 8192, totalBytes: sizeBytes,
  });
  let tradeRows = 0;
  try {
    yield { type: 'started', file: path, contentHash, sizeBytes, format, reason: detection.reason };
    for await (const out of normaliser(ctx, detection, wb, options.parsePool)) {
      const progress = { rows: ctx.progress.rows, bytes: Math.min(ctx.progress.bytes, sizeBytes), totalBytes: sizeBytes };
      if (out === null) { yield { type: 'progress', progress }; continue; }
      tradeRows += out.rowCount;
      yield { type: 'batch', batch: out, progress };
    }
  } finally {
    wb?.close();
  }
  if (problems.total > 0 && !ctx.lenient) throw problems.rejection();
  if (ctx.dataRows === 0 && problems.total === 0 && problems.warnings.length === 0) {
    throw formatError('STRATA_FORMAT_HEADER_ONLY', `${path}: ${format} header found but no data rows`, { file: path, format });
  }
  const taken = options.takenNames ?? new Set<string>();
  const live = ctx.strategies.filter((s) => s.hasDays);
  for (const s of live) {
    s.name = uniqueName(s.baseName, taken);
    taken.add(s.name);
    if (s.name !== s.baseName) problems.warn('STRATA_FORMAT_NAME_SUFFIXED', s.sourceSheet, null, `strategy name ${JSON.stringify(s.baseName)} is already taken; stored as ${JSON.stringify(s.name)}`);
  }
  const source = basename(path);
  const strategies = live.map((s) => s.row(format, source));
  const daily = live.flatMap((s) => s.dailyRows());
  const progress = { rows: ctx.progress.rows, bytes: sizeBytes, totalBytes: sizeBytes };
  yield { type: 'batch', batch: strategiesBatch(strategies), progress };
  for (let i = 0; i < daily.length; i += ctx.trades.capacity) {
    yield { type: 'batch', batch: dailyPnlBatch(daily.slice(i, i + ctx.trades.capacity)), progress };
  }
  yield {
    type: 'done',
    summary: {
      file: path, contentHash, sizeBytes, format, reason: detection.reason, zones: zoning?.description ?? null, tz, lenient: ctx.lenient,
      strategies: live.map((s) => s.summary(format)),
      rows: { strategies: strategies.length, trades: tradeRows, daily_pnl: daily.length },
      warnings: problems.warnings, problems: problems.problems, totalProblems: problems.total,
    },
  };
}

/** The error data of a rejected file, for reports: { code, message, data } (no stack). */
export function rejectionData(e: unknown): { code: string; message: string; data: Readonly<Record<string, unknown>> } {
  const err = e as Partial<EngineError>;
  if (typeof err.code === 'string' && err.code.startsWith('STRATA_')) return { code: err.code, message: err.message ?? '', data: err.data ?? {} };
  throw e;
}
