// engine/formats: the eight input formats (FORMATS.md) — detection, streaming CSV/XLSX readers, per-format
// normalisation to the canonical tables, zones, validation, inspection and the dataset generator.
export { catalogue, formatError } from './errors.ts';
export type { FormatErrorCode } from './errors.ts';
export { FORMAT_IDS, FAMILY_OF, resolveFormatId } from './format-id.ts';
export type { FormatId, FormatFamily } from './format-id.ts';
export {
  TradeBatchBuilder, strategiesBatch, dailyPnlBatch, batchRows, columnValue, ZONE_ALL, ZONE_OUTSIDE,
  TRADE_COLUMNS, STRATEGY_COLUMNS, DAILY_PNL_COLUMNS,
} from './canonical.ts';
export type { StrategyRow, TradeRow, LocalTradeRow, DailyPnlRow, CanonicalBatch, CanonicalTable, BatchColumn, StrategyType, Side, OptionType } from './canonical.ts';
export { hashFile, strategyId } from './strategy-id.ts';
export type { FileHash } from './strategy-id.ts';
export { detectFormat, DETECT_BYTES } from './detect.ts';
export type { Detection, DetectOptions, Container } from './detect.ts';
export { createZoning, parseZoneSpec, DEFAULT_SESSION } from './zones.ts';
export type { ZoneOptions, ZoneMethod, Zoning, ZoneWindow } from './zones.ts';
export { ingestFile, fileStem, rejectionData, DEFAULT_TZ } from './ingest-file.ts';
export type { ParseOptions, IngestEvent, IngestProgress, FileSummary } from './ingest-file.ts';
export { inspectFiles, formatInspection } from './inspect.ts';
export type { Inspection, FileInspection, InspectOptions } from './inspect.ts';
export { DEFAULT_MAX_PROBLEMS, describeProblem } from './problems.ts';
export type { Problem, Warning } from './problems.ts';
export type { StrategySummary } from './strategy-draft.ts';
export { readCsvBlocks, CSV_CHUNK_BYTES } from './csv-reader.ts';
export { ParsePool, PARALLEL_MIN_BYTES, PARALLEL_CHUNK_BYTES } from './parallel-csv.ts';
export type { ParsePoolOptions } from './parallel-csv.ts';
export type { CsvBlock } from './csv-reader.ts';
export { XlsxWorkbook } from './xlsx-reader.ts';
export type { CellValue, ExcelDateCell, XlsxRow, SheetInfo } from './xlsx-reader.ts';
export { writeXlsx } from './xlsx-writer.ts';
export type { WriteCell, WriteSheet } from './xlsx-writer.ts';
export { generateDataset, writeLargeBackinzoCsv, writeLargeTradingView, tradingDays } from './generator.ts';
export type { GenerateOptions, Dataset, ExpectedFile, ExpectedStrategy, ExpectedDaily, LargeFile } from './generator.ts';
