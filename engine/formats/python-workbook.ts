// Python-backtester workbooks (FORMAT_2, FORMAT_6, FORMAT_8): one row per leg in `… Trans` sheets (32
// columns, `Exit at` twice: exit time, then exit price), dates as Excel dates, times as text, CE/PE or
// CALL/PUT; totals cross-checked against the `Metrics` sheet's Total PnL (a disagreement is a warning).
import { formatSeconds } from './calendar.ts';
import { ZONE_ALL, ZONE_OUTSIDE, type Side, type StrategyType } from './canonical.ts';
import { formatError } from './errors.ts';
import { parseOptionSymbol, type OptionSymbol } from './option-symbol.ts';
import type { NormaliserOutput, ParseContext } from './parse-context.ts';
import { cellRowBlock, headerKeys, isEmptyRow, type RowBlock, type RowView } from './row-view.ts';
import type { StrategyDraft } from './strategy-draft.ts';
import type { XlsxWorkbook } from './xlsx-reader.ts';

export const PORTFOLIO_TRANS = 'portfolio trans';

/** `NIFTY_ORB Trans` → `NIFTY_ORB`; null when the sheet is not a Trans sheet. */
export function transBaseName(sheet: string): string | null {
  const m = /^(.*\S)\s+trans$/i.exec(sheet.trim());
  return m ? m[1]! : null;
}

export interface PythonSheetPlan {
  readonly sheet: string;
  readonly name: string;
  /** column of the Metrics sheet that holds this strategy's totals. */
  readonly metricsColumn: string;
}

/** Which Trans sheets become strategies, per FORMATS.md. */
export function planPythonSheets(sheetNames: readonly string[], format: string, stem: string): PythonSheetPlan[] {
  const trans = sheetNames.filter((s) => transBaseName(s) !== null);
  const portfolio = trans.find((s) => s.trim().toLowerCase() === PORTFOLIO_TRANS);
  const others = trans.filter((s) => s !== portfolio);
  const hasTv = sheetNames.some((s) => s.trim().toLowerCase() === 'tv setting');
  const single = (sheet: string): PythonSheetPlan[] => [{ sheet, name: stem, metricsColumn: 'Combined' }];
  const each = (): PythonSheetPlan[] => others.map((s) => ({ sheet: s, name: `${stem}_${transBaseName(s)!}`, metricsColumn: transBaseName(s)! }));
  if (format === 'FORMAT_2_PYTHON_XLSX') return single(portfolio ?? others[0]!);
  if (format === 'FORMAT_6_PYTHON_MULTI_XLSX') return others.length > 0 ? each() : single(portfolio!);
  if (hasTv && portfolio !== undefined) return single(portfolio);
  return others.length > 0 ? each() : single(portfolio!);
}

function strategyTypeOf(name: string, tv: boolean): StrategyType {
  if (tv) return 'TV';
  const tokens = name.toUpperCase().split(/[^A-Z]+/);
  if (tokens.includes('ML') || name.toUpperCase().includes('ML_INDICATOR')) return 'ML_INDICATOR';
  for (const t of ['TBS', 'ORB', 'OI', 'POS'] as const) if (tokens.includes(t)) return t;
  return 'UNKNOWN';
}

function sheetRows(wb: XlsxWorkbook, sheet: string): AsyncIterable<RowBlock> {
  const info = wb.sheet(sheet)!;
  return (async function* () {
    for await (const b of wb.rows(info)) yield cellRowBlock(b.rows, b.bytesRead);
  })();
}

export async function* parsePythonWorkbook(ctx: ParseContext, wb: XlsxWorkbook): AsyncGenerator<NormaliserOutput> {
  const names = wb.sheets.map((s) => s.name);
  const plan = planPythonSheets(names, ctx.format, ctx.stem);
  const tv = names.some((s) => s.trim().toLowerCase() === 'tv setting');
  const zoneMode = ctx.format === 'FORMAT_8_PYTHON_MULTI_ZONE_XLSX';
  const drafts: { plan: PythonSheetPlan; draft: StrategyDraft }[] = [];
  let bytesBefore = 0;
  for (const p of plan) {
    const draft = ctx.addStrategy(`sheet:${p.sheet}`, p.name, p.sheet, null, strategyTypeOf(p.name, tv));
    drafts.push({ plan: p, draft });
    let lastBytes = 0;
    for await (const out of parseTransSheet(ctx, draft, p.sheet, sheetRows(wb, p.sheet), wb.date1904, zoneMode)) {
      if (out === null) { lastBytes = ctx.progress.bytes; ctx.progress.bytes += bytesBefore; }
      yield out;
      if (ctx.shouldStop) return;
    }
    bytesBefore += lastBytes;
  }
  const metrics = wb.sheet('Metrics');
  if (metrics) await crossCheckMetrics(ctx, wb, metrics.name, drafts);
}

async function* parseTransSheet(ctx: ParseContext, draft: StrategyDraft, sheet: string, blocks: AsyncIterable<RowBlock>, date1904: boolean, zoneMode: boolean): AsyncGenerator<NormaliserOutput> {
  let col: Record<string, number> | null = null;
  const log = ctx.problems;
  const legs = new Map<string, number>();
  const counted = new Set<string>();
  let outside = 0;
  let lastInstrument: string | null = null;
  let lastSymbol: OptionSymbol | null = null;
  for await (const block of blocks) {
    for (let k = 0; k < block.size; k++) {
      const row = block.at(k);
      const line = row.line;
      if (col === null) {
        const c: Record<string, number> = {};
        headerKeys(row).forEach((h, i) => {
          // `Exit at` appears twice: first the exit time, then the exit price.
          if (h === 'exit at' && c['exit at'] !== undefined) c['exit at price'] ??= i;
          else c[h] ??= i;
        });
        const required = zoneMode ? ['entry date', 'enter on', 'net pnl'] : ['exit date', 'net pnl'];
        for (const r of required) if (c[r] === undefined) throw formatError('STRATA_FORMAT_MISSING_COLUMN', `${ctx.path}: sheet ${JSON.stringify(sheet)} has no ${JSON.stringify(r)} column`, { file: ctx.path, sheet, column: r });
        col = c;
        continue;
      }
      if (isEmptyRow(row)) continue;
      const at = (name: string) => col![name] ?? -1;
      const empty = (name: string) => at(name) < 0 || row.isEmpty(at(name));
      const text = (name: string) => (at(name) < 0 ? '' : row.text(at(name)));
      const pnl = at('net pnl') < 0 ? NaN : row.number(at('net pnl'));
      if (Number.isNaN(pnl)) { log.add('STRATA_FORMAT_NON_NUMERIC', sheet, line, 'Net PNL', text('net pnl'), 'Net PNL is not a number'); continue; }
      const entryDate = empty('entry date') ? null : row.date(at('entry date'), date1904);
      const exitDate = empty('exit date') ? null : row.date(at('exit date'), date1904);
      if (entryDate === null && (zoneMode || !empty('entry date'))) { log.add('STRATA_FORMAT_INVALID_DATE', sheet, line, 'Entry Date', text('entry date'), 'not a date, or a day that does not exist'); continue; }
      if (exitDate === null && (!zoneMode || !empty('exit date'))) { log.add('STRATA_FORMAT_INVALID_DATE', sheet, line, 'Exit Date', text('exit date'), 'not a date, or a day that does not exist'); continue; }
      const enterOn = empty('enter on') ? null : row.time(at('enter on'));
      if (enterOn === null && (zoneMode || !empty('enter on'))) { log.add('STRATA_FORMAT_INVALID_TIME', sheet, line, 'Enter On', text('enter on'), 'not a time HH:MM:SS'); continue; }
      const exitAt = empty('exit at') ? null : row.time(at('exit at'));
      const day = zoneMode ? entryDate!.date : exitDate!.date;
      let zone = ZONE_ALL;
      if (zoneMode) {
        zone = ctx.zoning!.zoneOf(enterOn!);
        if (zone === ZONE_OUTSIDE) outside++;
      }
      const id = text('id') || String(line);
      const leg = (legs.get(id) ?? 0) + 1;
      legs.set(id, leg);
      const instrument = text('index') || null;
      if (instrument !== lastInstrument) { lastInstrument = instrument; lastSymbol = instrument === null ? null : parseOptionSymbol(instrument); }
      const sym = lastSymbol;
      const cp = text('ce/pe').toUpperCase();
      const trade = text('trade').toUpperCase();
      const side: Side | null = trade === 'BUY' || trade === 'LONG' || trade === 'B' ? 'LONG' : trade === 'SELL' || trade === 'SHORT' || trade === 'S' ? 'SHORT' : null;
      const num = (name: string): number | null => {
        if (empty(name)) return null;
        const n = row.number(at(name));
        return Number.isNaN(n) ? null : n;
      };
      const expiry = empty('expiry') ? sym?.expiry ?? null : row.date(at('expiry'), date1904)?.date ?? sym?.expiry ?? null;
      if (draft.underlying === null && sym !== null) draft.underlying = sym.underlying;
      ctx.trades.push({
        strategy_id: draft.strategyId, trade_key: id, leg_id: String(leg),
        entry_ts: entryDate === null ? null : `${entryDate.date} ${formatSeconds(enterOn ?? entryDate.seconds ?? 0)}`,
        exit_ts: exitDate === null ? null : `${exitDate.date} ${formatSeconds(exitAt ?? exitDate.seconds ?? 0)}`,
        trade_date: day, side, instrument,
        option_type: cp === 'CE' || cp === 'CALL' ? 'CE' : cp === 'PE' || cp === 'PUT' ? 'PE' : sym?.optionType ?? null,
        strike: num('strike') ?? sym?.strike ?? null, expiry, qty: num('qty'), entry_price: num('entry at'), exit_price: num('exit at price'),
        gross_pnl: num('pnl'), net_pnl: pnl, exit_reason: text('reason') || null, mfe: num('maxprofit'), mae: num('maxloss'),
        zone, source_row: line,
      });
      // n_trades counts trades (IDs), not legs.
      const tradeKey = `${id}\u0001${day}\u0001${zone}`;
      const first = !counted.has(tradeKey);
      if (first) counted.add(tradeKey);
      draft.add(day, zone, pnl, first ? 1 : 0);
      ctx.dataRows++;
      if (ctx.trades.full) yield ctx.trades.take();
    }
    ctx.progress.bytes = block.bytesRead;
    ctx.progress.rows = ctx.dataRows;
    yield null;
    if (ctx.shouldStop) return;
  }
  if (outside > 0) log.warn('STRATA_FORMAT_OUTSIDE_MARKET', sheet, null, `${outside} leg(s) entered outside every zone (${ctx.zoning!.description}); kept under zone "${ZONE_OUTSIDE}"`);
  if (ctx.trades.length > 0) yield ctx.trades.take();
}

const norm = (s: string) => s.toLowerCase().replace(/[\s_]+/g, '');

async function crossCheckMetrics(ctx: ParseContext, wb: XlsxWorkbook, sheet: string, drafts: readonly { plan: PythonSheetPlan; draft: StrategyDraft }[]): Promise<void> {
  let header: string[] | null = null;
  const values = new Map<string, (number | null)[]>();
  for await (const block of wb.rows(wb.sheet(sheet)!)) {
    const rows = cellRowBlock(block.rows, block.bytesRead);
    for (let k = 0; k < rows.size; k++) {
      const r: RowView = rows.at(k);
      if (header === null) { header = Array.from({ length: r.width }, (_, i) => r.text(i)); continue; }
      const label = norm(r.text(0));
      if (label === 'totalpnl' || label === 'marginrequired') {
        values.set(label, Array.from({ length: r.width }, (_, i) => { const n = r.number(i); return Number.isNaN(n) ? null : n; }));
      }
    }
  }
  if (header === null) return;
  for (const { plan, draft } of drafts) {
    const idx = header.findIndex((h) => norm(h) === norm(plan.metricsColumn));
    const at = idx >= 0 ? idx : drafts.length === 1 ? header.findIndex((h) => norm(h) === 'combined') : -1;
    if (at < 0) continue;
    const margin = values.get('marginrequired')?.[at];
    if (margin !== undefined && margin !== null) draft.marginRequired = margin;
    const expected = values.get('totalpnl')?.[at];
    if (expected === undefined || expected === null) continue;
    const actual = draft.summary(ctx.format).totalPnl;
    // Metrics figures are rounded for display (to the unit at worst); a larger gap is a real disagreement.
    if (Math.abs(actual - expected) > 1 + 1e-9 * Math.abs(expected)) {
      ctx.problems.warn('STRATA_FORMAT_METRICS_MISMATCH', plan.sheet, null,
        `recomputed total P&L ${actual.toFixed(2)} disagrees with Metrics Total PnL ${expected.toFixed(2)} (column ${JSON.stringify(header[at])})`);
    }
  }
}
