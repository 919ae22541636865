// Backinzo CSV exports: FORMAT_1 (one strategy, one row per trade, `Time` twice) and FORMAT_5 (one row per
// day, every column from the 14th on is a strategy's daily P&L), both after a 7-line free-text preamble.
import { ZONE_ALL, type CanonicalBatch, type LocalTradeRow, type OptionType } from './canonical.ts';
import { addDailyRow, type DailyColumn } from './daily-columns.ts';
import { formatError } from './errors.ts';
import { parseOptionSymbol, type OptionSymbol } from './option-symbol.ts';
import type { NormaliserOutput, ParseContext } from './parse-context.ts';
import { headerKeys, type RowBlock, type RowView } from './row-view.ts';
import type { StrategyDraft } from './strategy-draft.ts';

export const BACKINZO_HEADER_LINE = 8;
export const BACKINZO_FIXED_COLUMNS = 13;

function missing(ctx: ParseContext, column: string): never {
  throw formatError('STRATA_FORMAT_MISSING_COLUMN', `${ctx.path}: the header on line ${BACKINZO_HEADER_LINE} has no ${JSON.stringify(column)} column`, { file: ctx.path, column });
}

/** Remembers trade numbers already seen: a bitmap for small integers, a set for anything else. */
export class SeenKeys {
  #bits = new Uint8Array(1 << 14);
  #other = new Set<string>();
  /** `n` is the key as a number when it is one (NaN otherwise), so the common case parses nothing. */
  has(key: string, n: number): boolean {
    if (Number.isInteger(n) && n >= 0 && n < 1 << 28) {
      if (n >> 3 >= this.#bits.length) {
        const grown = new Uint8Array(Math.max(this.#bits.length * 2, (n >> 3) + 1));
        grown.set(this.#bits);
        this.#bits = grown;
      }
      const hit = (this.#bits[n >> 3]! >> (n & 7)) & 1;
      this.#bits[n >> 3]! |= 1 << (n & 7);
      return hit === 1;
    }
    if (this.#other.has(key)) return true;
    this.#other.add(key);
    return false;
  }
}

/** Column positions of a FORMAT_1 header (-1 when absent). */
interface TradeColumns {
  srNo: number; date: number; time1: number; time2: number; index: number; strike: number; cePe: number;
  qty: number; entryPrice: number; exitPrice: number; pnl: number; remarks: number;
}

function tradeColumns(ctx: ParseContext, header: readonly string[]): TradeColumns {
  const find = (name: string) => header.indexOf(name);
  const time1 = find('time');
  const cols = {
    srNo: find('sr no'), date: find('date'), time1, time2: time1 < 0 ? -1 : header.indexOf('time', time1 + 1), index: find('index'),
    strike: find('strike'), cePe: find('ce/pe'), qty: find('qty'), entryPrice: find('entry price'), exitPrice: find('exit price'),
    pnl: find('p/l'), remarks: find('remarks'),
  };
  if (cols.date < 0) missing(ctx, 'Date');
  if (cols.pnl < 0) missing(ctx, 'P/L');
  return cols;
}

/** An optional number: absent, blank and non-numeric cells are all NaN (which the trade builder stores as null). */
const numberOrNaN = (row: RowView, c: number): number => (c < 0 ? NaN : row.number(c));

type MutableTradeRow = { -readonly [K in keyof LocalTradeRow]: LocalTradeRow[K] };

function optionType(text: string, sym: OptionSymbol | null): OptionType | null {
  const t = text === 'CE' || text === 'PE' ? text : text.toUpperCase();
  return t === 'CE' || t === 'CALL' ? 'CE' : t === 'PE' || t === 'PUT' ? 'PE' : sym?.optionType ?? null;
}

/** Trade keys a reader saw, for a check across the chunks of a file read in parallel: numbers (the bitmap's
 *  keys) and texts, in any order (any key seen twice anywhere is a duplicate). */
export interface KeyLog {
  numbers: Float64Array;
  count: number;
  readonly texts: string[];
}

export function newKeyLog(): KeyLog {
  return { numbers: new Float64Array(16_384), count: 0, texts: [] };
}

function logKey(log: KeyLog, key: string, n: number): void {
  if (Number.isInteger(n) && n >= 0 && n < 1 << 28) {
    if (log.count === log.numbers.length) {
      const grown = new Float64Array(log.numbers.length * 2);
      grown.set(log.numbers);
      log.numbers = grown;
    }
    log.numbers[log.count++] = n;
  } else log.texts.push(key);
}

/** Whether any key of `log` was seen before (by `seen`, which then holds them too): the check of one chunk's keys
 *  against every chunk before it, in file order. */
export function seenBefore(seen: SeenKeys, log: KeyLog): boolean {
  let dup = false;
  for (let i = 0; i < log.count; i++) if (seen.has('', log.numbers[i]!)) dup = true;
  for (const k of log.texts) if (seen.has(k, NaN)) dup = true;
  return dup;
}

/**
 * The rows of a FORMAT_1 file after its header, one at a time: validated, normalised into the context's trade
 * builder and summed into the strategy's daily P&L. The serial reader runs it over every block of the file; a
 * parallel read runs one per chunk on a worker thread (parallel-csv.ts).
 */
export class BackinzoTradeReader {
  readonly #ctx: ParseContext;
  readonly #col: TradeColumns;
  readonly #strategy: StrategyDraft;
  readonly #seen = new SeenKeys();
  readonly #keys: KeyLog | null;
  // Instruments and remarks repeat row after row; remembering the last one saves a parse and a string.
  #lastInstrument = '';
  #lastSymbol: OptionSymbol | null = null;
  readonly #out: MutableTradeRow;

  constructor(ctx: ParseContext, header: readonly string[], strategy: StrategyDraft, keys: KeyLog | null = null) {
    this.#ctx = ctx;
    this.#col = tradeColumns(ctx, header);
    this.#strategy = strategy;
    this.#keys = keys;
    this.#out = {
      strategy_id: strategy.strategyId, trade_key: '', leg_id: null, trade_date: '', side: null, instrument: null, option_type: null,
      strike: NaN, expiry: null, qty: NaN, entry_price: NaN, exit_price: NaN, gross_pnl: NaN, net_pnl: NaN, exit_reason: null,
      mfe: NaN, mae: NaN, zone: ZONE_ALL, source_row: 0,
    };
  }

  /** Reads rows `from`.. of a block; each batch the trade builder fills on the way is pushed to `full`. */
  read(block: RowBlock, from: number, full: CanonicalBatch[]): void {
    const ctx = this.#ctx, col = this.#col, strategy = this.#strategy, seen = this.#seen, log = ctx.problems, out = this.#out, keys = this.#keys;
    for (let k = from; k < block.size; k++) {
      const row = block.at(k);
      const line = row.line;
      const when = row.date(col.date, false);
      if (when === null) { log.add('STRATA_FORMAT_INVALID_DATE', null, line, 'Date', row.text(col.date), 'not a date in an accepted format, or a day that does not exist'); continue; }
      const pnl = row.number(col.pnl);
      if (Number.isNaN(pnl)) { log.add('STRATA_FORMAT_NON_NUMERIC', null, line, 'P/L', row.text(col.pnl), 'P/L is not a number'); continue; }
      const key = col.srNo < 0 ? String(line) : row.text(col.srNo);
      const keyNumber = col.srNo < 0 ? line : row.number(col.srNo);
      if (seen.has(key, keyNumber)) { log.add('STRATA_FORMAT_DUPLICATE_TRADE', null, line, 'Sr No', key, 'this trade number already appeared earlier in the file'); continue; }
      if (keys !== null) logKey(keys, key, keyNumber);
      let entry: number | null = when.seconds;
      let exit: number | null = null;
      if (col.time1 >= 0 && !row.isEmpty(col.time1)) {
        entry = row.time(col.time1);
        if (entry === null) { log.add('STRATA_FORMAT_INVALID_TIME', null, line, 'Time', row.text(col.time1), 'not a time HH:MM[:SS]'); continue; }
      }
      if (col.time2 >= 0 && !row.isEmpty(col.time2)) {
        exit = row.time(col.time2);
        if (exit === null) { log.add('STRATA_FORMAT_INVALID_TIME', null, line, 'Time', row.text(col.time2), 'not a time HH:MM[:SS]'); continue; }
      }
      let instrument: string | null = null;
      if (col.index >= 0) {
        const text = row.repeatedText(col.index);
        if (text !== this.#lastInstrument) { this.#lastInstrument = text; this.#lastSymbol = text === '' ? null : parseOptionSymbol(text); }
        instrument = this.#lastInstrument === '' ? null : this.#lastInstrument;
      }
      const lastSymbol = this.#lastSymbol;
      if (strategy.underlying === null && instrument !== null) strategy.underlying = lastSymbol?.underlying ?? instrument;
      // one row object, refilled per trade: its number fields stay unboxed doubles (NaN for none), so a trade
      // allocates neither an object nor a number box
      out.trade_key = key;
      out.trade_date = when.date;
      out.instrument = instrument;
      out.option_type = optionType(col.cePe < 0 ? '' : row.repeatedText(col.cePe), lastSymbol);
      const strike = numberOrNaN(row, col.strike);
      out.strike = strike === strike ? strike : lastSymbol?.strike ?? NaN;
      out.expiry = lastSymbol?.expiry ?? null;
      out.qty = numberOrNaN(row, col.qty);
      out.entry_price = numberOrNaN(row, col.entryPrice);
      out.exit_price = numberOrNaN(row, col.exitPrice);
      out.gross_pnl = pnl;
      out.net_pnl = pnl;
      out.exit_reason = col.remarks < 0 ? null : row.repeatedText(col.remarks) || null;
      out.source_row = line;
      ctx.trades.pushLocal(out, when.date, entry, when.date, exit);
      strategy.add(when.date, ZONE_ALL, pnl, 1);
      ctx.dataRows++;
      if (ctx.trades.full) full.push(ctx.trades.take());
    }
  }
}

/** The strategy a FORMAT_1 file makes (its name is the file stem). */
export function backinzoStrategy(ctx: ParseContext): StrategyDraft {
  return ctx.addStrategy('backinzo', ctx.stem, null, null, 'BACKINZO');
}

export async function* parseBackinzoTrades(ctx: ParseContext, blocks: AsyncIterable<RowBlock>): AsyncGenerator<NormaliserOutput> {
  const strategy = backinzoStrategy(ctx);
  let reader: BackinzoTradeReader | null = null;
  const full: CanonicalBatch[] = [];
  for await (const block of blocks) {
    let k = 0;
    if (reader === null) {
      for (; k < block.size; k++) {
        const row = block.at(k);
        if (row.line < BACKINZO_HEADER_LINE) continue;
        reader = new BackinzoTradeReader(ctx, headerKeys(row), strategy);
        k++;
        break;
      }
    }
    if (reader !== null) {
      reader.read(block, k, full);
      for (const b of full) yield b;
      full.length = 0;
    }
    ctx.progress.rows = ctx.dataRows;
    ctx.progress.bytes = block.bytesRead;
    yield null;
    if (ctx.shouldStop) break;
  }
  if (ctx.trades.length > 0) yield ctx.trades.take();
}

export async function* parseBackinzoMulti(ctx: ParseContext, blocks: AsyncIterable<RowBlock>): AsyncGenerator<NormaliserOutput> {
  let columns: DailyColumn[] | null = null;
  const log = ctx.problems;
  for await (const block of blocks) {
    for (let k = 0; k < block.size; k++) {
      const row = block.at(k);
      const line = row.line;
      if (line < BACKINZO_HEADER_LINE) continue;
      if (columns === null) {
        if (headerKeys(row)[1] !== 'date') missing(ctx, 'Date');
        columns = [];
        for (let i = BACKINZO_FIXED_COLUMNS; i < row.width; i++) {
          const name = row.text(i);
          if (name === '') continue;
          columns.push({ index: i, name, draft: ctx.addStrategy(`column:${i}:${name}`, `${ctx.stem}_${name}`, null, name, 'BACKINZO') });
        }
        continue;
      }
      const when = row.date(1, false);
      if (when === null) { log.add('STRATA_FORMAT_INVALID_DATE', null, line, 'Date', row.text(1), 'not a date in an accepted format, or a day that does not exist'); continue; }
      if (addDailyRow(row, columns, when.date, log, null, line)) ctx.dataRows++;
    }
    ctx.progress.rows = ctx.dataRows;
    ctx.progress.bytes = block.bytesRead;
    yield null;
    if (ctx.shouldStop) break;
  }
}
