// TradingView "List of trades" (FORMAT_3, FORMAT_7), Generation 1 and 2 headers, from CSV or an XLSX sheet.
// Rows are paired by trade number, never by position: the exit may precede the entry, partial exits add
// up, the entry row's repeated P&L is ignored, and open trades are skipped with a warning.
import type { DateTimeText } from './calendar.ts';
import { ZONE_ALL, ZONE_OUTSIDE, type Side } from './canonical.ts';
import { formatError } from './errors.ts';
import type { NormaliserOutput, ParseContext } from './parse-context.ts';
import type { RowBlock } from './row-view.ts';

export interface TradingViewColumns {
  readonly trade: number;
  readonly type: number;
  readonly when: number;
  readonly signal: number | undefined;
  readonly price: number | undefined;
  readonly qty: number | undefined;
  readonly profit: number | undefined;
  readonly runUp: number | undefined;
  readonly drawdown: number | undefined;
  readonly currency: string | null;
}

const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { '$': 'USD', '₹': 'INR', '€': 'EUR', '£': 'GBP' };

function suffix(h: string, prefixes: readonly string[]): string | null | undefined {
  for (const p of prefixes) {
    if (h === p) return null;
    if (h.startsWith(`${p} `)) return h.slice(p.length + 1).trim();
  }
  return undefined;
}

/** Finds the columns of either generation; null when the row is not a TradingView header. */
export function tradingViewColumns(header: readonly string[]): TradingViewColumns | null {
  let trade: number | undefined, type: number | undefined, when: number | undefined, signal: number | undefined;
  let price: number | undefined, qty: number | undefined, profit: number | undefined, runUp: number | undefined, drawdown: number | undefined;
  let currency = null as string | null;
  header.forEach((raw, i) => {
    const h = raw.toLowerCase().replace(/\s+/g, ' ').trim();
    if (h === 'trade #' || h === 'trade number' || h === 'trade no' || h === 'trade no.') trade ??= i;
    else if (h === 'type') type ??= i;
    else if (h === 'signal') signal ??= i;
    else if (h === 'date/time' || h === 'date and time' || h === 'date / time') when ??= i;
    else if (h === 'contracts' || h === 'size (qty)' || h === 'quantity' || h === 'qty') qty ??= i;
    else if (h.endsWith('%')) return;
    else {
      const ccy = (p: readonly string[]): string | null | undefined => suffix(h, p);
      const pc = ccy(['price']);
      if (pc !== undefined) { price ??= i; if (pc) currency ??= pc; return; }
      const pr = ccy(['profit', 'net pnl', 'net p&l']);
      if (pr !== undefined) { profit ??= i; if (pr) currency ??= pr; return; }
      if (ccy(['run-up', 'favorable excursion']) !== undefined) { runUp ??= i; return; }
      if (ccy(['drawdown', 'adverse excursion']) !== undefined) { drawdown ??= i; return; }
    }
  });
  if (trade === undefined || type === undefined || when === undefined) return null;
  const c = currency === null ? null : (CURRENCY_SYMBOLS[currency] ?? currency.toUpperCase());
  return { trade, type, when, signal, price, qty, profit, runUp, drawdown, currency: c };
}

interface PendingTrade {
  firstLine: number;
  side: Side | null;
  entryLine: number;
  entry: DateTimeText | null;
  entryPrice: number | null;
  qty: number | null;
  exits: number;
  exitLine: number;
  exitDate: DateTimeText | null;
  exitQty: number;
  exitValue: number;
  lastExitPrice: number | null;
  pnl: number;
  pnlComp: number;
  signal: string | null;
  mfe: number | null;
  mae: number | null;
  open: boolean;
}

function newTrade(line: number): PendingTrade {
  return { firstLine: line, side: null, entryLine: 0, entry: null, entryPrice: null, qty: null, exits: 0, exitLine: 0, exitDate: null, exitQty: 0, exitValue: 0, lastExitPrice: null, pnl: 0, pnlComp: 0, signal: null, mfe: null, mae: null, open: false };
}

function later(a: DateTimeText | null, b: DateTimeText): boolean {
  if (a === null) return true;
  return b.date > a.date || (b.date === a.date && (b.seconds ?? 0) >= (a.seconds ?? 0));
}

export async function* parseTradingView(ctx: ParseContext, blocks: AsyncIterable<RowBlock>, sheet: string | null, date1904: boolean): AsyncGenerator<NormaliserOutput> {
  let cols: TradingViewColumns | null = null;
  const zoneMode = ctx.format === 'FORMAT_7_TradingView_Zone';
  const strategy = ctx.addStrategy(sheet === null ? 'tradingview' : `sheet:${sheet}`, ctx.stem, sheet, null, 'TV');
  // keyed by the trade number itself: a number key hashes without making a string per row
  const trades = new Map<number, PendingTrade>();
  let lastKey = NaN, lastTrade: PendingTrade | undefined;
  const log = ctx.problems;
  let rowsRead = 0;
  // The Type text repeats (Entry long / Exit long …): what it says is worked out once per distinct text.
  let lastTypeRaw: string | null = null, isEntry = false, isExit = false, side: Side | null = null;
  for await (const block of blocks) {
    for (let k = 0; k < block.size; k++) {
      const row = block.at(k);
      const line = row.line;
      if (cols === null) {
        const header: string[] = [];
        for (let i = 0; i < row.width; i++) header.push(row.text(i));
        cols = tradingViewColumns(header);
        if (cols === null) throw formatError('STRATA_FORMAT_MISSING_COLUMN', `${ctx.path}: the first row is not a TradingView header (needs Trade #/Trade number, Type and Date/Time/Date and time)`, { file: ctx.path });
        if (cols.currency) strategy.currency = cols.currency;
        continue;
      }
      rowsRead++;
      const keyNum = row.number(cols.trade);
      if (!Number.isInteger(keyNum)) { log.add('STRATA_FORMAT_NON_NUMERIC', sheet, line, 'Trade #', row.text(cols.trade), 'trade number is not an integer'); continue; }
      const typeRaw = row.repeatedText(cols.type);
      if (typeRaw !== lastTypeRaw) {
        lastTypeRaw = typeRaw;
        const typeText = typeRaw.toLowerCase();
        isEntry = typeText.startsWith('entry');
        isExit = typeText.startsWith('exit');
        side = typeText.includes('long') ? 'LONG' : typeText.includes('short') ? 'SHORT' : null;
      }
      if (!isEntry && !isExit) { log.add('STRATA_FORMAT_UNPAIRED_TRADE', sheet, line, 'Type', row.text(cols.type), 'row type is neither Entry nor Exit'); continue; }
      // an exit row usually follows its entry row: the last trade is checked before the map
      let t = keyNum === lastKey ? lastTrade : trades.get(keyNum);
      if (!t) { t = newTrade(line); trades.set(keyNum, t); }
      lastKey = keyNum;
      lastTrade = t;
      t.side ??= side;
      const parsed = row.date(cols.when, date1904);
      const isOpen = parsed === null && isExit && row.text(cols.when).toLowerCase() === 'open';
      const when = isOpen ? null : parsed;
      if (!isOpen && when === null) { log.add('STRATA_FORMAT_INVALID_DATE', sheet, line, 'Date/Time', row.text(cols.when), 'not a date-time YYYY-MM-DD HH:MM[:SS], or a day that does not exist'); continue; }
      let price: number | null = null;
      if (cols.price !== undefined && !row.isEmpty(cols.price)) {
        price = row.number(cols.price);
        if (Number.isNaN(price)) { log.add('STRATA_FORMAT_NON_NUMERIC', sheet, line, 'Price', row.text(cols.price), 'price is not a number'); continue; }
      }
      const qty = cols.qty === undefined || row.isEmpty(cols.qty) ? null : row.number(cols.qty);
      const signal = cols.signal === undefined ? null : row.repeatedText(cols.signal) || null;
      if (isEntry) {
        if (t.entryLine !== 0) { log.add('STRATA_FORMAT_DUPLICATE_TRADE', sheet, line, 'Trade #', String(keyNum), `trade ${keyNum} already has an entry row on row ${t.entryLine}`); continue; }
        t.entryLine = line;
        t.entry = when;
        t.entryPrice = price;
        t.qty = qty !== null && !Number.isNaN(qty) ? qty : null;
        continue;
      }
      if (isOpen) { t.open = true; t.exitLine ||= line; continue; }
      // P&L counts only on exit rows: TradingView repeats it on the entry row.
      const pnl = cols.profit === undefined ? NaN : row.number(cols.profit);
      if (Number.isNaN(pnl)) { log.add('STRATA_FORMAT_NON_NUMERIC', sheet, line, 'Profit', cols.profit === undefined ? '' : row.text(cols.profit), 'P&L is not a number'); continue; }
      const s = t.pnl + pnl;
      t.pnlComp += Math.abs(t.pnl) >= Math.abs(pnl) ? t.pnl - s + pnl : pnl - s + t.pnl;
      t.pnl = s;
      t.exits++;
      t.exitLine = line;
      if (later(t.exitDate, when!)) t.exitDate = when;
      if (price !== null) {
        t.lastExitPrice = price;
        if (qty !== null && !Number.isNaN(qty) && qty > 0) { t.exitQty += qty; t.exitValue += qty * price; }
      }
      if (signal !== null) t.signal = signal;
      const up = cols.runUp === undefined || row.isEmpty(cols.runUp) ? NaN : row.number(cols.runUp);
      const down = cols.drawdown === undefined || row.isEmpty(cols.drawdown) ? NaN : row.number(cols.drawdown);
      if (!Number.isNaN(up)) t.mfe = t.mfe === null ? up : Math.max(t.mfe, up);
      if (!Number.isNaN(down)) t.mae = t.mae === null ? down : Math.min(t.mae, down);
    }
    ctx.progress.rows = rowsRead;
    ctx.progress.bytes = block.bytesRead;
    yield null;
    if (ctx.shouldStop) return;
  }
  if (cols === null) return;
  const keys = [...trades.keys()].sort((a, b) => a - b);
  let outside = 0;
  let openSkipped = 0;
  for (const keyNum of keys) {
    const t = trades.get(keyNum)!;
    const key = String(keyNum);
    if (t.entryLine === 0) {
      log.add('STRATA_FORMAT_UNPAIRED_TRADE', sheet, t.exitLine || t.firstLine, 'Trade #', key, `trade ${key} has exit rows but no entry row`);
      continue;
    }
    if (t.open || t.exits === 0) {
      openSkipped++;
      log.warn('STRATA_FORMAT_OPEN_TRADE_SKIPPED', sheet, t.exitLine || t.entryLine, `trade ${key} is still open; skipped, not counted`);
      continue;
    }
    const entry = t.entry!, exit = t.exitDate!;
    let zone = ZONE_ALL;
    if (zoneMode) {
      if (entry.seconds === null) { log.add('STRATA_FORMAT_INVALID_TIME', sheet, t.entryLine, 'Date/Time', entry.date, 'zone mode needs the entry time'); continue; }
      zone = ctx.zoning!.zoneOf(entry.seconds);
      if (zone === ZONE_OUTSIDE) outside++;
    }
    const day = zoneMode ? entry.date : exit.date;
    const pnl = t.pnl + t.pnlComp;
    ctx.trades.pushLocal({
      strategy_id: strategy.strategyId, trade_key: key, leg_id: null,
      trade_date: day, side: t.side, instrument: null, option_type: null, strike: null, expiry: null, qty: t.qty,
      entry_price: t.entryPrice, exit_price: t.exitQty > 0 ? t.exitValue / t.exitQty : t.lastExitPrice,
      gross_pnl: pnl, net_pnl: pnl, exit_reason: t.signal, mfe: t.mfe, mae: t.mae, zone, source_row: t.entryLine,
    }, entry.date, entry.seconds ?? 0, exit.date, exit.seconds ?? 0);
    strategy.add(day, zone, pnl, 1);
    ctx.dataRows++;
    if (ctx.trades.full) yield ctx.trades.take();
  }
  if (openSkipped > 1) log.warn('STRATA_FORMAT_OPEN_TRADE_SKIPPED', sheet, null, `${openSkipped} open trades skipped in all`);
  if (outside > 0) log.warn('STRATA_FORMAT_OUTSIDE_MARKET', sheet, null, `${outside} trade(s) entered outside every zone (${ctx.zoning!.description}); kept under zone "${ZONE_OUTSIDE}"`);
  if (ctx.trades.length > 0) yield ctx.trades.take();
}
