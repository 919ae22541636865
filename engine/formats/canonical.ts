// The canonical rows of FORMATS.md §Canonical (strategies, trades, daily_pnl) and the columnar batch shape
// parsers emit: one column per field (arrays, Float64Arrays, dictionary or UTF-8 text columns), so a batch
// can be handed as is to a store node's bulk append (same shape as the store's ColumnBatch).
import { DictionaryColumnBuilder, dictionaryValue, isDictionaryColumn, isUtf8Column, Utf8ColumnBuilder, utf8ColumnValue, type DictionaryColumn, type Utf8Column } from '../columns/index.ts';
import { formatSeconds } from './calendar.ts';
import type { FormatId } from './format-id.ts';

export type StrategyType = 'TBS' | 'ORB' | 'OI' | 'POS' | 'ML_INDICATOR' | 'TV' | 'BACKINZO' | 'EXTERNAL' | 'UNKNOWN';
export type Side = 'LONG' | 'SHORT';
export type OptionType = 'CE' | 'PE';

/** Zone label when zone mode is off. */
export const ZONE_ALL = 'ALL';
export const ZONE_OUTSIDE = 'Outside Market';

export interface StrategyRow {
  readonly strategy_id: string;
  readonly strategy_name: string;
  readonly source_format: FormatId;
  readonly source_file: string | null;
  readonly source_sheet: string | null;
  readonly source_column: string | null;
  readonly underlying: string | null;
  readonly strategy_type: StrategyType;
  readonly currency: string;
  readonly margin_required: number | null;
  readonly first_trading_day: string | null;
  readonly last_trading_day: string | null;
}

export interface TradeRow {
  readonly strategy_id: string;
  readonly trade_key: string;
  readonly leg_id: string | null;
  /** local date-time text `YYYY-MM-DD HH:MM:SS` in the exchange time zone (the `tz` option). */
  readonly entry_ts: string | null;
  readonly exit_ts: string | null;
  readonly trade_date: string;
  readonly side: Side | null;
  readonly instrument: string | null;
  readonly option_type: OptionType | null;
  readonly strike: number | null;
  readonly expiry: string | null;
  readonly qty: number | null;
  readonly entry_price: number | null;
  readonly exit_price: number | null;
  readonly gross_pnl: number | null;
  readonly net_pnl: number | null;
  readonly exit_reason: string | null;
  readonly mfe: number | null;
  readonly mae: number | null;
  readonly zone: string | null;
  readonly source_row: number | null;
}

export interface DailyPnlRow {
  readonly strategy_id: string;
  readonly trading_day: string;
  readonly zone: string;
  readonly pnl: number;
  /** null for pre-aggregated inputs (FORMAT_4, FORMAT_5). */
  readonly n_trades: number | null;
}

export type CanonicalTable = 'strategies' | 'trades' | 'daily_pnl';

/**
 * One column of a batch: an array per column; float64 columns as a Float64Array when they hold no null; trade
 * text as a dictionary (values that repeat: ids, days, instruments) or as UTF-8 bytes (values that do not: keys,
 * timestamps), the shapes the store appends and moves between threads without a string per row.
 */
export type BatchColumn = (string | null)[] | (number | null)[] | Float64Array | DictionaryColumn | Utf8Column;

export interface CanonicalBatch {
  readonly table: CanonicalTable;
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, BatchColumn>>;
}

/** Value `i` of any batch column. */
export function columnValue(col: BatchColumn, i: number): string | number | null {
  if (isDictionaryColumn(col)) return dictionaryValue(col, i);
  if (isUtf8Column(col)) return utf8ColumnValue(col, i);
  return col[i] ?? null;
}

const TRADE_NUM = ['strike', 'qty', 'entry_price', 'exit_price', 'gross_pnl', 'net_pnl', 'mfe', 'mae', 'source_row'] as const;
export const TRADE_COLUMNS: readonly (keyof TradeRow)[] = [
  'strategy_id', 'trade_key', 'leg_id', 'entry_ts', 'exit_ts', 'trade_date', 'side', 'instrument', 'option_type',
  'strike', 'expiry', 'qty', 'entry_price', 'exit_price', 'gross_pnl', 'net_pnl', 'exit_reason', 'mfe', 'mae', 'zone', 'source_row',
];

/** A trade whose timestamps are a day and seconds since midnight (the builder writes the text's bytes itself). */
export type LocalTradeRow = Omit<TradeRow, 'entry_ts' | 'exit_ts'>;

const DIGIT = 48, SPACE = 32, COLON = 58;

/**
 * Collects trade rows column by column and cuts them into batches of `capacity` rows. Written out column by
 * column (no loop over names) because it runs once per trade: at a million rows a second every lookup counts.
 */
export class TradeBatchBuilder {
  readonly capacity: number;
  #n = 0;
  #strategyId: DictionaryColumnBuilder;
  #tradeKey: Utf8ColumnBuilder;
  #legId: DictionaryColumnBuilder;
  #entryTs: Utf8ColumnBuilder;
  #exitTs: Utf8ColumnBuilder;
  #tradeDate: DictionaryColumnBuilder;
  #side: DictionaryColumnBuilder;
  #instrument: DictionaryColumnBuilder;
  #optionType: DictionaryColumnBuilder;
  #expiry: DictionaryColumnBuilder;
  #exitReason: DictionaryColumnBuilder;
  #zone: DictionaryColumnBuilder;
  /** numeric columns, in TRADE_NUM order, each with a null mask. */
  #num: Float64Array[] = [];
  #nulls: Uint8Array[] = [];
  #anyNull: boolean[] = [];

  constructor(capacity = 8192) {
    this.capacity = capacity;
    const dict = () => new DictionaryColumnBuilder(capacity);
    this.#strategyId = dict(); this.#legId = dict(); this.#tradeDate = dict(); this.#side = dict(); this.#instrument = dict();
    this.#optionType = dict(); this.#expiry = dict(); this.#exitReason = dict(); this.#zone = dict();
    this.#tradeKey = new Utf8ColumnBuilder(capacity, 8);
    this.#entryTs = new Utf8ColumnBuilder(capacity, 19);
    this.#exitTs = new Utf8ColumnBuilder(capacity, 19);
    this.#reset();
  }

  get length(): number { return this.#n; }
  get full(): boolean { return this.#n >= this.capacity; }

  #reset(): void {
    // a batch keeps views of the number arrays, so they are new per batch; a null mask never leaves the builder
    // (a column with nulls is copied into an array), so a used one is cleared and kept
    this.#num = TRADE_NUM.map(() => new Float64Array(this.capacity));
    if (this.#nulls.length === 0) this.#nulls = TRADE_NUM.map(() => new Uint8Array(this.capacity));
    else this.#anyNull.forEach((used, k) => { if (used) this.#nulls[k]!.fill(0); });
    this.#anyNull = TRADE_NUM.map(() => false);
    this.#n = 0;
  }

  // NaN is stored as null: no canonical number may be NaN (the store refuses it), and a parser may then keep
  // its number fields as unboxed doubles
  #set(k: number, i: number, v: number | null): void {
    if (v === null || v !== v) { this.#nulls[k]![i] = 1; this.#anyNull[k] = true; } else this.#num[k]![i] = v;
  }

  push(row: TradeRow): void {
    this.#entryTs.push(row.entry_ts); this.#exitTs.push(row.exit_ts);
    this.#rest(row);
  }

  /** The same as push with entry_ts = `entryDay HH:MM:SS` and exit_ts = `exitDay HH:MM:SS` (null seconds: null),
   *  written as bytes without a string. */
  pushLocal(row: LocalTradeRow, entryDay: string, entrySeconds: number | null, exitDay: string, exitSeconds: number | null): void {
    writeLocal(this.#entryTs, entryDay, entrySeconds);
    writeLocal(this.#exitTs, exitDay, exitSeconds);
    this.#rest(row);
  }

  #rest(row: LocalTradeRow): void {
    const i = this.#n++;
    this.#strategyId.push(row.strategy_id); this.#tradeKey.push(row.trade_key); this.#legId.push(row.leg_id);
    this.#tradeDate.push(row.trade_date);
    this.#side.push(row.side); this.#instrument.push(row.instrument); this.#optionType.push(row.option_type);
    this.#expiry.push(row.expiry); this.#exitReason.push(row.exit_reason); this.#zone.push(row.zone);
    this.#set(0, i, row.strike); this.#set(1, i, row.qty); this.#set(2, i, row.entry_price); this.#set(3, i, row.exit_price);
    this.#set(4, i, row.gross_pnl); this.#set(5, i, row.net_pnl); this.#set(6, i, row.mfe); this.#set(7, i, row.mae);
    this.#set(8, i, row.source_row);
  }

  /** The rows pushed since the last take, as a batch; the builder starts empty again. */
  take(): CanonicalBatch {
    const n = this.#n;
    const columns: Record<string, BatchColumn> = {
      strategy_id: this.#strategyId.take(), trade_key: this.#tradeKey.take(), leg_id: this.#legId.take(), entry_ts: this.#entryTs.take(),
      exit_ts: this.#exitTs.take(), trade_date: this.#tradeDate.take(), side: this.#side.take(), instrument: this.#instrument.take(),
      option_type: this.#optionType.take(), expiry: this.#expiry.take(), exit_reason: this.#exitReason.take(), zone: this.#zone.take(),
    };
    TRADE_NUM.forEach((name, k) => {
      const values = this.#num[k]!.subarray(0, n);
      if (!this.#anyNull[k]) { columns[name] = values; return; }
      const nulls = this.#nulls[k]!;
      const arr: (number | null)[] = new Array<number | null>(n);
      for (let i = 0; i < n; i++) arr[i] = nulls[i] ? null : values[i]!;
      columns[name] = arr;
    });
    const ordered: Record<string, BatchColumn> = {};
    for (const c of TRADE_COLUMNS) ordered[c] = columns[c]!;
    this.#reset();
    return { table: 'trades', rowCount: n, columns: ordered };
  }
}

/** `day HH:MM:SS` as UTF-8 into a column (seconds within one day; null stays null). */
function writeLocal(out: Utf8ColumnBuilder, day: string, seconds: number | null): void {
  if (seconds === null) { out.pushNull(); return; }
  if (!(seconds >= 0 && seconds < 86400 && Number.isInteger(seconds))) { out.push(`${day} ${formatSeconds(seconds)}`); return; }
  const bytes = out.reserve(day.length * 3 + 9);
  let at = out.size;
  for (let j = 0; j < day.length; j++) {
    const c = day.charCodeAt(j);
    if (c > 0x7f) { out.push(`${day} ${formatSeconds(seconds)}`); return; }
    bytes[at++] = c;
  }
  const h = (seconds / 3600) | 0, m = ((seconds % 3600) / 60) | 0, s = seconds % 60;
  bytes[at] = SPACE;
  bytes[at + 1] = DIGIT + ((h / 10) | 0); bytes[at + 2] = DIGIT + (h % 10); bytes[at + 3] = COLON;
  bytes[at + 4] = DIGIT + ((m / 10) | 0); bytes[at + 5] = DIGIT + (m % 10); bytes[at + 6] = COLON;
  bytes[at + 7] = DIGIT + ((s / 10) | 0); bytes[at + 8] = DIGIT + (s % 10);
  out.commit(at + 9);
}

function rowsBatch<R extends object>(table: CanonicalTable, names: readonly (keyof R & string)[], rows: readonly R[], float: ReadonlySet<string>): CanonicalBatch {
  const columns: Record<string, BatchColumn> = {};
  for (const name of names) {
    const values = rows.map((r) => r[name] as string | number | null);
    if (float.has(name) && values.every((v) => v !== null)) columns[name] = Float64Array.from(values as number[]);
    else columns[name] = values as (string | null)[] | (number | null)[];
  }
  return { table, rowCount: rows.length, columns };
}

export const STRATEGY_COLUMNS: readonly (keyof StrategyRow)[] = [
  'strategy_id', 'strategy_name', 'source_format', 'source_file', 'source_sheet', 'source_column', 'underlying',
  'strategy_type', 'currency', 'margin_required', 'first_trading_day', 'last_trading_day',
];
export const DAILY_PNL_COLUMNS: readonly (keyof DailyPnlRow)[] = ['strategy_id', 'trading_day', 'zone', 'pnl', 'n_trades'];

export function strategiesBatch(rows: readonly StrategyRow[]): CanonicalBatch {
  return rowsBatch('strategies', STRATEGY_COLUMNS, rows, new Set(['margin_required']));
}

/** Daily rows as columns: ids, days and zones as dictionaries (days repeat across a batch's strategies), P&L as a
 *  Float64Array; one pass over the rows with each field read by name, not per column by a computed key. */
export function dailyPnlBatch(rows: readonly DailyPnlRow[]): CanonicalBatch {
  const n = rows.length;
  const ids = new DictionaryColumnBuilder(n), days = new DictionaryColumnBuilder(n), zones = new DictionaryColumnBuilder(n);
  const pnl = new Float64Array(n);
  const trades = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    ids.push(r.strategy_id); days.push(r.trading_day); zones.push(r.zone);
    pnl[i] = r.pnl;
    trades[i] = r.n_trades;
  }
  return { table: 'daily_pnl', rowCount: n, columns: { strategy_id: ids.take(), trading_day: days.take(), zone: zones.take(), pnl, n_trades: trades } };
}

/** Turns a batch back into row objects (for inspection, tests and small consumers). */
export function batchRows(batch: CanonicalBatch): Record<string, string | number | null>[] {
  const out: Record<string, string | number | null>[] = [];
  const names = Object.keys(batch.columns);
  for (let i = 0; i < batch.rowCount; i++) {
    const row: Record<string, string | number | null> = {};
    for (const name of names) row[name] = columnValue(batch.columns[name]!, i);
    out.push(row);
  }
  return out;
}
