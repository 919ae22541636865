// Synthetic input files in all eight formats plus the exact canonical rows they must produce (expected.json),
// deterministic by seed: the test oracle, the demo data and the benchmark source. Money is generated in
// integer cents so the expected totals are exact; every FORMATS.md quirk appears in the files.
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addDays, formatSeconds, isoToExcelSerial, weekday } from './calendar.ts';
import { ZONE_ALL, ZONE_OUTSIDE } from './canonical.ts';
import type { FormatId } from './format-id.ts';
import { writeXlsx, type WriteCell, type WriteSheet } from './xlsx-writer.ts';

export interface GenerateOptions {
  readonly outDir: string;
  /** strategies in each multi-strategy file (FORMAT_4 wide, 5, 6, 8). Default 3. */
  readonly strategies?: number;
  /** trading days per strategy. Default 20. */
  readonly days?: number;
  readonly seed?: number;
}

export interface ExpectedDaily {
  readonly trading_day: string;
  readonly zone: string;
  readonly pnl: number;
  readonly n_trades: number | null;
}

export interface ExpectedStrategy {
  readonly name: string;
  readonly trades: number | null;
  readonly totalPnl: number;
  readonly daily: readonly ExpectedDaily[];
}

export interface ExpectedFile {
  /** path relative to outDir; files under `zones/` are meant for zone mode (equal:4). */
  readonly file: string;
  readonly format: FormatId;
  readonly zoneMode: boolean;
  readonly strategies: readonly ExpectedStrategy[];
}

export interface Dataset {
  readonly outDir: string;
  readonly seed: number;
  readonly files: readonly ExpectedFile[];
}

/** mulberry32: small, fast, good enough for test data, and the same sequence everywhere. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPEN = 9 * 3600 + 15 * 60, CLOSE = 15 * 3600 + 30 * 60;
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** The default zoning of zone mode (equal, 4 zones over 09:15–15:30), computed independently of zones.ts. */
export function expectedZone(entrySec: number): string {
  if (entrySec < OPEN || entrySec >= CLOSE) return ZONE_OUTSIDE;
  return `Zone ${Math.floor(((entrySec - OPEN) * 4) / (CLOSE - OPEN)) + 1}`;
}

export function tradingDays(count: number, start = '2023-01-02'): string[] {
  const out: string[] = [];
  for (let d = start; out.length < count; d = addDays(d, 1)) if (weekday(d) < 5) out.push(d);
  return out;
}

interface Leg { grossCents: number; taxCents: number; optionType: 'CE' | 'PE'; strike: number; qty: number; entryPrice: number; exitPrice: number; side: 'LONG' | 'SHORT' }
interface Trade { day: string; exitDay: string; entrySec: number; exitSec: number; side: 'LONG' | 'SHORT'; legs: Leg[]; cents: number }

function genTrades(rand: () => number, days: readonly string[], opts: { minuteOnly?: boolean; outsideShare?: number; overnight?: boolean; maxLegs?: number }): Trade[] {
  const trades: Trade[] = [];
  days.forEach((day, di) => {
    if (rand() < 0.1) return; // some days without trades
    const k = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < k; i++) {
      let entrySec = OPEN + Math.floor(rand() * (CLOSE - OPEN - 600));
      if (opts.outsideShare && rand() < opts.outsideShare) entrySec = 9 * 3600 + Math.floor(rand() * 900);
      if (di === 1 && i === 0) entrySec = OPEN + (CLOSE - OPEN) / 4; // exactly on the Zone 1 | Zone 2 edge (10:48:45)
      if (opts.minuteOnly) entrySec -= entrySec % 60;
      let exitSec = Math.min(entrySec + 60 + Math.floor(rand() * 3000), CLOSE - 1);
      if (opts.minuteOnly) exitSec -= exitSec % 60;
      const overnight = opts.overnight === true && di === 2 && i === 0 && di + 1 < days.length;
      const legs: Leg[] = [];
      const nLegs = 1 + Math.floor(rand() * (opts.maxLegs ?? 1));
      const side = rand() < 0.5 ? 'LONG' : 'SHORT';
      for (let l = 0; l < nLegs; l++) {
        const grossCents = Math.round((rand() - 0.45) * 1_200_000);
        const strike = 17500 + 50 * Math.floor(rand() * 60);
        const entryPrice = Math.round(rand() * 40000 + 1000) / 100;
        const qty = 50 * (1 + Math.floor(rand() * 4));
        legs.push({ grossCents, taxCents: Math.floor(rand() * 5000), optionType: rand() < 0.5 ? 'CE' : 'PE', strike, qty, entryPrice, exitPrice: Math.round((entryPrice + grossCents / 100 / qty) * 100) / 100, side });
      }
      const cents = legs.reduce((a, l) => a + l.grossCents - l.taxCents, 0);
      trades.push({ day, exitDay: overnight ? days[di + 1]! : day, entrySec: overnight ? Math.max(entrySec, 15 * 3600) : entrySec, exitSec: overnight ? OPEN + 600 : exitSec, side, legs, cents });
    }
  });
  return trades;
}

class Expect {
  #cells = new Map<string, { cents: number; n: number | null }>();
  #trades: number | null = 0;
  add(day: string, zone: string, cents: number, trades: number | null): void {
    const key = `${day}|${zone}`;
    const c = this.#cells.get(key) ?? { cents: 0, n: trades === null ? null : 0 };
    c.cents += cents;
    if (trades !== null) c.n = (c.n ?? 0) + trades;
    this.#cells.set(key, c);
    this.#trades = trades === null ? null : (this.#trades ?? 0) + trades;
  }
  done(name: string): ExpectedStrategy {
    const daily = [...this.#cells].map(([k, v]) => ({ trading_day: k.split('|')[0]!, zone: k.split('|')[1]!, pnl: v.cents / 100, n_trades: v.n }))
      .sort((a, b) => (a.trading_day + a.zone < b.trading_day + b.zone ? -1 : 1));
    const total = [...this.#cells.values()].reduce((a, v) => a + v.cents, 0);
    return { name, trades: this.#trades, totalPnl: total / 100, daily };
  }
}

const money = (cents: number) => (cents / 100).toFixed(2);
/** `1234.5` as `"1,234.50"` (quoted, thousands separators) — the TradingView and Backinzo quirk. */
function thousands(x: number): string {
  const [i, f] = Math.abs(x).toFixed(2).split('.') as [string, string];
  return `"${x < 0 ? '-' : ''}${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${f}"`;
}
const csvText = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
function backinzoDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}-${MON[Number(m) - 1]}-${y}`;
}

function preamble(name: string, days: readonly string[]): string[] {
  return [`Portfolio: ${name}`, `Period: ${backinzoDate(days[0]!)} to ${backinzoDate(days.at(-1)!)}`, 'Generated: 2023-06-30 18:00:00', 'Broker: "Backinzo, Inc."', '', 'Capital: 500000', 'Mode: Backtest'];
}

async function writeBackinzoTrades(path: string, name: string, days: readonly string[], trades: readonly Trade[]): Promise<ExpectedStrategy> {
  const e = new Expect();
  const lines = [...preamble(name, days), 'Sr No,Date,Day,Time,Time,Index,Strike,CE/PE,Qty,Entry Price,Exit Price,P/L,Remarks'];
  trades.forEach((t, i) => {
    const [y, m, d] = t.day.split('-');
    const date = [backinzoDate(t.day), `${backinzoDate(t.day)} ${formatSeconds(t.entrySec)}`, `${t.day} ${formatSeconds(t.entrySec)}`, `${d}/${m}/${y}`, `${y}/${m}/${d}`][i % 5]!;
    const leg = t.legs[0]!;
    const pnl = t.cents / 100;
    const pnlText = Math.abs(pnl) >= 1000 && i % 2 === 0 ? thousands(pnl) : money(t.cents);
    lines.push([i + 1, date, DAY_NAMES[weekday(t.day)]!.slice(0, 3), formatSeconds(t.entrySec), formatSeconds(t.exitSec), 'NIFTY', leg.strike, leg.optionType, leg.qty, leg.entryPrice, leg.exitPrice, pnlText, i % 7 === 0 ? csvText('SL hit, exit "fast"') : 'Target'].join(','));
    e.add(t.day, ZONE_ALL, t.cents, 1);
  });
  await writeFile(path, lines.join('\r\n') + '\r\n');
  return e.done(name);
}

async function writeBackinzoMulti(path: string, stem: string, days: readonly string[], columns: readonly { header: string; trades: Trade[] }[]): Promise<ExpectedStrategy[]> {
  const fixed = 'Sr No,Date,Day,Total P/L,Cumulative P/L,Max Profit,Max Loss,Max Profit Time,Max Loss Time,Drawdown,Peak,Trades,Remarks';
  const lines = [...preamble(stem, days), `${fixed},${columns.map((c) => csvText(c.header)).join(',')}`];
  const expects = columns.map(() => new Expect());
  let cum = 0;
  days.forEach((day, i) => {
    const cells = columns.map((c, j) => {
      const ts = c.trades.filter((t) => t.day === day);
      if (ts.length === 0) return '';
      const cents = ts.reduce((a, t) => a + t.cents, 0);
      expects[j]!.add(day, ZONE_ALL, cents, null);
      return Math.abs(cents) >= 100_000 && i % 3 === 0 ? thousands(cents / 100) : money(cents);
    });
    const total = columns.reduce((a, c) => a + c.trades.filter((t) => t.day === day).reduce((x, t) => x + t.cents, 0), 0);
    cum += total;
    lines.push([i + 1, backinzoDate(day), DAY_NAMES[weekday(day)]!.slice(0, 3), money(total), money(cum), '0', '0', '10:00:00', '11:00:00', '0', money(cum), '3', '', ...cells].join(','));
  });
  await writeFile(path, lines.join('\n') + '\n');
  return columns.map((c, j) => expects[j]!.done(`${stem}_${c.header}`));
}

interface TvRow { n: number; type: string; signal: string; when: string | { serial: number }; price: number | null; qty: number; pnlCents: number; }

function tvRows(rand: () => number, trades: readonly Trade[], withOpen: boolean): TvRow[][] {
  const groups: TvRow[][] = [];
  trades.forEach((t, i) => {
    const n = i + 1;
    const dir = t.side === 'LONG' ? 'long' : 'short';
    const leg = t.legs[0]!;
    const price = 21000 + Math.round(rand() * 150000) / 100;
    const entry: TvRow = { n, type: i % 4 === 0 ? `Entry ${dir[0]!.toUpperCase()}${dir.slice(1)}` : `Entry ${dir}`, signal: 'Buy', when: `${t.day} ${formatSeconds(t.entrySec)}`, price, qty: leg.qty, pnlCents: t.cents };
    const exitWhen = `${t.exitDay} ${formatSeconds(t.exitSec)}`;
    let exits: TvRow[];
    if (i % 5 === 3) {
      // A partial exit: two exit rows whose P&L adds up to the trade's.
      const first = Math.round(t.cents * 0.4);
      exits = [
        { n, type: `Exit ${dir}`, signal: 'TP1', when: exitWhen, price: price + 5, qty: leg.qty / 2, pnlCents: first },
        { n, type: `Exit ${dir}`, signal: 'TP2', when: exitWhen, price: price + 9, qty: leg.qty / 2, pnlCents: t.cents - first },
      ];
    } else {
      exits = [{ n, type: i % 3 === 0 ? `EXIT ${dir.toUpperCase()}` : `Exit ${dir}`, signal: 'Close', when: exitWhen, price: price + 3, qty: leg.qty, pnlCents: t.cents }];
    }
    groups.push(i % 2 === 0 ? [...exits, entry] : [entry, ...exits]);
  });
  if (withOpen && trades.length > 0) {
    const t = trades.at(-1)!;
    const n = trades.length + 1;
    groups.push([{ n, type: 'Exit long', signal: 'Open', when: 'Open', price: null, qty: 50, pnlCents: 1234 }, { n, type: 'Entry long', signal: 'Buy', when: `${t.day} 15:00`, price: 21500, qty: 50, pnlCents: 1234 }]);
  }
  return groups.reverse(); // TradingView lists the newest trade first
}

const TV_GEN1 = (ccy: string) => ['Trade #', 'Type', 'Signal', 'Date/Time', `Price ${ccy}`, 'Contracts', `Profit ${ccy}`, 'Profit %', `Cumulative profit ${ccy}`, 'Cumulative profit %', `Run-up ${ccy}`, 'Run-up %', `Drawdown ${ccy}`, 'Drawdown %'];
const TV_GEN2 = (ccy: string) => ['Trade number', 'Type', 'Date and time', 'Signal', `Price ${ccy}`, 'Size (qty)', 'Size (value)', `Net PnL ${ccy}`, 'Net PnL %', `Favorable excursion ${ccy}`, 'Favorable excursion %', `Adverse excursion ${ccy}`, 'Adverse excursion %', `Cumulative PnL ${ccy}`, 'Cumulative PnL %'];

function tvCells(r: TvRow, gen: 1 | 2, asText: boolean, cum: number): (string | number | null)[] {
  const pnl = r.pnlCents / 100;
  const price = r.price === null ? null : r.price;
  const priceText = price === null ? '' : asText && price >= 1000 ? thousands(price) : price.toFixed(2);
  const pct = gen === 1 ? (pnl / 1000).toFixed(2) : (pnl / 100000).toFixed(4); // percent numbers vs fractions
  const when = typeof r.when === 'string' ? (gen === 1 ? r.when.slice(0, 16) : r.when) : '';
  if (gen === 1) return [r.n, r.type, r.signal, when, priceText, r.qty, money(r.pnlCents), pct, money(cum), pct, money(Math.abs(r.pnlCents)), '0.5', money(-Math.abs(r.pnlCents) / 2), '-0.3'];
  return [r.n, r.type, when, r.signal, priceText, r.qty, price === null ? '' : (price * r.qty).toFixed(2), money(r.pnlCents), pct, money(Math.abs(r.pnlCents)), '0.005', money(-Math.abs(r.pnlCents) / 2), '-0.003', money(cum), pct];
}

function expectTv(trades: readonly Trade[], name: string, zoneMode: boolean): ExpectedStrategy {
  const e = new Expect();
  for (const t of trades) zoneMode ? e.add(t.day, expectedZone(t.entrySec), t.cents, 1) : e.add(t.exitDay, ZONE_ALL, t.cents, 1);
  return e.done(name);
}

async function writeTvCsv(path: string, name: string, rand: () => number, trades: readonly Trade[], gen: 1 | 2): Promise<ExpectedStrategy> {
  const lines = [(gen === 1 ? TV_GEN1('INR') : TV_GEN2('USD')).join(',')];
  let cum = 0;
  for (const g of tvRows(rand, trades, true)) for (const r of g) { cum += r.pnlCents; lines.push(tvCells(r, gen, true, cum).join(',')); }
  await writeFile(path, (gen === 2 ? '\ufeff' : '') + lines.join(gen === 2 ? '\r\n' : '\n') + '\n');
  return expectTv(trades, name, false);
}

function legRows(stem: string, strategy: string, trades: readonly Trade[], idBase: number, rand: () => number): WriteCell[][] {
  const rows: WriteCell[][] = [];
  trades.forEach((t, i) => {
    t.legs.forEach((l, j) => {
      const [y, m, d] = t.day.split('-');
      const cp = (i + j) % 3 === 0 ? (l.optionType === 'CE' ? 'CALL' : 'PUT') : l.optionType;
      const symbol = `NIFTY${d}${MON[Number(m) - 1]!.toUpperCase()}${y!.slice(2)}${l.strike}${l.optionType}`;
      const net = l.grossCents - l.taxCents;
      rows.push([
        stem, strategy, idBase + i + 1, { serial: isoToExcelSerial(t.day), style: 'date' }, formatSeconds(t.entrySec), DAY_NAMES[weekday(t.day)]!,
        { serial: isoToExcelSerial(t.exitDay), style: 'date' }, formatSeconds(t.exitSec), DAY_NAMES[weekday(t.exitDay)]!, symbol,
        { serial: isoToExcelSerial(t.day), style: 'date' }, l.strike, cp, l.side === 'LONG' ? 'BUY' : 'SELL', l.qty, l.entryPrice, l.exitPrice,
        Math.round(l.grossCents / l.qty) / 100, Math.round(l.grossCents / l.qty) / 100, l.grossCents / 100, l.grossCents / 100, l.taxCents / 100, net / 100,
        0, 0, 0, rand() < 0.5 ? 'SL Hit' : 'Target Hit', 1, 17900 + j, 17950 + j, Math.abs(l.grossCents) / 100, -Math.abs(l.grossCents) / 200,
      ]);
    });
  });
  return rows;
}

const TRANS_HEADER = ['Portfolio Name', 'Strategy Name', 'ID', 'Entry Date', 'Enter On', 'Entry Day', 'Exit Date', 'Exit at', 'Exit Day', 'Index', 'Expiry', 'Strike', 'CE/PE', 'Trade', 'Qty', 'Entry at', 'Exit at', 'Points', 'Points After Slippage', 'PNL', 'AfterSlippage', 'Taxes', 'Net PNL', 'Re-entry No', 'SL Re-entry No', 'TGT Re-entry No', 'Reason', 'Strategy Entry No', 'Index At Entry', 'Index At Exit', 'MaxProfit', 'MaxLoss'];

function expectPython(trades: readonly Trade[], name: string, zoneMode: boolean): ExpectedStrategy {
  const e = new Expect();
  for (const t of trades) zoneMode ? e.add(t.day, expectedZone(t.entrySec), t.cents, 1) : e.add(t.exitDay, ZONE_ALL, t.cents, 1);
  return e.done(name);
}

async function writePythonWorkbook(path: string, stem: string, strategies: readonly { name: string; trades: Trade[] }[], opts: { tv: boolean; inline: boolean; rand: () => number }): Promise<void> {
  const all = strategies.flatMap((s, k) => legRows(stem, s.name, s.trades, k * 10000, opts.rand));
  const totals = strategies.map((s) => s.trades.reduce((a, t) => a + t.cents, 0));
  const metrics: WriteCell[][] = [
    ['Particulars', 'Combined', ...strategies.map((s) => s.name)],
    ['Total PnL', totals.reduce((a, b) => a + b, 0) / 100, ...totals.map((c) => c / 100)],
    ['Number of Trading Days', 20, ...strategies.map(() => 18)],
    ['Win Rate', 0.55, ...strategies.map(() => 0.5)],
    ['Max Drawdown', -12345.5, ...strategies.map(() => -5000)],
    ['Sharpe Ratio', 1.7, ...strategies.map(() => 1.2)],
    ['Margin Required', 150000 * strategies.length, ...strategies.map(() => 150000)],
  ];
  const sheets: WriteSheet[] = [
    { name: 'Parameters', rows: [['Parameter', 'Value'], ['Start Date', { serial: isoToExcelSerial('2023-01-02'), style: 'date' }], ['Slippage', 0.1]] },
    ...(opts.tv ? [{ name: 'Tv Setting', rows: [['Setting', 'Value'], ['Symbol', 'NSE:NIFTY']] }, { name: 'Tv Signals', rows: [TV_GEN1('INR'), [1, 'Entry long', 'Buy', '2023-01-02 09:30', 21000, 1, 10, 0.1, 10, 0.1, 10, 0.1, -5, -0.05]] }] : []),
    { name: 'Metrics', rows: metrics },
    { name: 'Max Profit and Loss', rows: [['Date', 'Max Profit', 'Max Loss'], [{ serial: isoToExcelSerial('2023-01-02'), style: 'date' }, 1000, -500]] },
    { name: 'PORTFOLIO Trans', rows: [TRANS_HEADER, ...all] },
    { name: 'PORTFOLIO Results', rows: [['Day', 'PnL'], ['Total', totals.reduce((a, b) => a + b, 0) / 100]] },
    ...strategies.flatMap((s, k) => [
      { name: `${s.name} Trans`, rows: [TRANS_HEADER, ...legRows(stem, s.name, s.trades, k * 10000, createRandom(k))] },
      { name: `${s.name} Results`, rows: [['Day', 'PnL'], ['Total', totals[k]! / 100]] },
    ]),
  ];
  await writeXlsx(path, sheets, { inlineStrings: opts.inline });
}

/** Writes the dataset and `expected.json`; returns the same manifest. */
export async function generateDataset(options: GenerateOptions): Promise<Dataset> {
  const n = options.strategies ?? 3;
  const dayCount = options.days ?? 20;
  const seed = options.seed ?? 1;
  const rand = createRandom(seed);
  const days = tradingDays(dayCount);
  const out = options.outDir;
  await mkdir(join(out, 'zones'), { recursive: true });
  const files: ExpectedFile[] = [];
  const names = ['ALPHA', 'BETA', 'GAMMA', 'DELTA', 'EPSILON', 'ZETA', 'ETA', 'THETA', 'IOTA', 'KAPPA'];
  const sname = (i: number) => `${names[i % names.length]!}${i >= names.length ? `_${Math.floor(i / names.length)}` : ''}_${['TBS', 'ORB', 'OI', 'POS'][i % 4]!}`;

  const t1 = genTrades(rand, days, {});
  files.push({ file: 'f1_backinzo.csv', format: 'FORMAT_1_BACKINZO_CSV', zoneMode: false, strategies: [await writeBackinzoTrades(join(out, 'f1_backinzo.csv'), 'f1_backinzo', days, t1)] });

  const t2 = genTrades(rand, days, { overnight: true, maxLegs: 2 });
  await writePythonWorkbook(join(out, 'f2_python.xlsx'), 'f2_python', [{ name: 'NIFTY_TBS', trades: t2 }], { tv: false, inline: false, rand });
  files.push({ file: 'f2_python.xlsx', format: 'FORMAT_2_PYTHON_XLSX', zoneMode: false, strategies: [expectPython(t2, 'f2_python', false)] });

  const t3a = genTrades(rand, days, { minuteOnly: true, overnight: true });
  files.push({ file: 'f3_tv_gen1.csv', format: 'FORMAT_3_TRADING_VIEW_CSV', zoneMode: false, strategies: [await writeTvCsv(join(out, 'f3_tv_gen1.csv'), 'f3_tv_gen1', rand, t3a, 1)] });
  const t3b = genTrades(rand, days, { overnight: true });
  files.push({ file: 'f3_tv_gen2.csv', format: 'FORMAT_3_TRADING_VIEW_CSV', zoneMode: false, strategies: [await writeTvCsv(join(out, 'f3_tv_gen2.csv'), 'f3_tv_gen2', rand, t3b, 2)] });

  // FORMAT_4, sheet 2.1: dates as DD-MM-YYYY text and as Excel dates, alternately.
  const e21 = new Expect();
  const rows21: WriteCell[][] = [['Date', 'Profit']];
  days.forEach((day, i) => {
    if (rand() < 0.1) return;
    const cents = Math.round((rand() - 0.45) * 2_000_000);
    const [y, m, d] = day.split('-');
    rows21.push([i % 2 === 0 ? `${d}-${m}-${y}` : { serial: isoToExcelSerial(day), style: 'date' }, cents / 100]);
    e21.add(day, ZONE_ALL, cents, null);
  });
  await writeXlsx(join(out, 'f4_consolidated.xlsx'), [{ name: 'Summary', rows: [['Note'], ['Consolidated by the desk']] }, { name: '2.1', rows: rows21 }]);
  files.push({ file: 'f4_consolidated.xlsx', format: 'FORMAT_4_CONSOLIDATED_XLSX', zoneMode: false, strategies: [e21.done('f4_consolidated')] });

  // FORMAT_4, wide layout; headers are strategy names, hostile ones included (they are data, never code).
  const wideNames = Array.from({ length: n }, (_, i) => [`Wide ${sname(i)}`, `Wide "Q", ${i}; DROP TABLE strategies;--`, `Wide ∆ ${i} 日本`][i % 3]!);
  const wideExp = wideNames.map(() => new Expect());
  const wideRows: WriteCell[][] = [['Date', 'Day', ...wideNames]];
  for (const day of days) {
    wideRows.push([{ serial: isoToExcelSerial(day), style: 'date' }, DAY_NAMES[weekday(day)]!, ...wideNames.map((_, j) => {
      if (rand() < 0.1) return null;
      const cents = Math.round((rand() - 0.45) * 1_000_000);
      wideExp[j]!.add(day, ZONE_ALL, cents, null);
      return cents / 100;
    })]);
  }
  await writeXlsx(join(out, 'f4_wide.xlsx'), [{ name: 'Daily', rows: wideRows }]);
  files.push({ file: 'f4_wide.xlsx', format: 'FORMAT_4_CONSOLIDATED_XLSX', zoneMode: false, strategies: wideExp.map((e, j) => e.done(wideNames[j]!)) });

  const cols5 = Array.from({ length: n }, (_, i) => ({ header: sname(i), trades: genTrades(rand, days, {}) }));
  files.push({ file: 'f5_backinzo_multi.csv', format: 'FORMAT_5_BACKINZO_Multi_CSV', zoneMode: false, strategies: await writeBackinzoMulti(join(out, 'f5_backinzo_multi.csv'), 'f5_backinzo_multi', days, cols5) });

  const s6 = Array.from({ length: Math.max(2, n) }, (_, i) => ({ name: sname(i), trades: genTrades(rand, days, { maxLegs: 3 }) }));
  await writePythonWorkbook(join(out, 'f6_python_multi.xlsx'), 'f6_python_multi', s6, { tv: false, inline: true, rand });
  files.push({ file: 'f6_python_multi.xlsx', format: 'FORMAT_6_PYTHON_MULTI_XLSX', zoneMode: false, strategies: s6.map((s) => expectPython(s.trades, `f6_python_multi_${s.name}`, false)) });

  // FORMAT_7: an XLSX "List of trades" for the zone inbox; date-times as styled serials and as text.
  const t7 = genTrades(rand, days, { outsideShare: 0.05, overnight: true });
  const rows7: WriteCell[][] = [TV_GEN2('INR')];
  let cum7 = 0;
  let k7 = 0;
  for (const g of tvRows(rand, t7, true)) {
    for (const r of g) {
      cum7 += r.pnlCents;
      const cells: WriteCell[] = tvCells(r, 2, false, cum7).map((c) => (typeof c === 'string' && c !== '' && !Number.isNaN(Number(c)) ? Number(c) : c === '' ? null : c));
      if (typeof r.when === 'string' && r.when !== 'Open' && k7++ % 2 === 0) {
        const [d, tm] = r.when.split(' ') as [string, string];
        const [hh, mm, ss] = tm.split(':').map(Number) as [number, number, number];
        cells[2] = { serial: isoToExcelSerial(d, hh * 3600 + mm * 60 + (ss ?? 0)), style: 'datetime' };
      }
      rows7.push(cells);
    }
  }
  await writeXlsx(join(out, 'zones', 'f7_tv_zone.xlsx'), [{ name: 'Performance', rows: [['Net Profit', 1]] }, { name: 'List of trades', rows: rows7 }]);
  files.push({ file: 'zones/f7_tv_zone.xlsx', format: 'FORMAT_7_TradingView_Zone', zoneMode: true, strategies: [expectTv(t7, 'f7_tv_zone', true)] });

  const s8 = Array.from({ length: Math.max(2, n) }, (_, i) => ({ name: sname(i), trades: genTrades(rand, days, { maxLegs: 2, outsideShare: 0.05, overnight: true }) }));
  await writePythonWorkbook(join(out, 'zones', 'f8_python_zone.xlsx'), 'f8_python_zone', s8, { tv: false, inline: false, rand });
  files.push({ file: 'zones/f8_python_zone.xlsx', format: 'FORMAT_8_PYTHON_MULTI_ZONE_XLSX', zoneMode: true, strategies: s8.map((s) => expectPython(s.trades, `f8_python_zone_${s.name}`, true)) });

  // FORMAT_8 by content: a TradingView-driven workbook (Tv Setting) outside the zone inbox, read from PORTFOLIO Trans.
  const s8tv = [{ name: 'TV_LONG', trades: genTrades(rand, days, { maxLegs: 1 }) }, { name: 'TV_SHORT', trades: genTrades(rand, days, { maxLegs: 1 }) }];
  await writePythonWorkbook(join(out, 'f8_python_tv.xlsx'), 'f8_python_tv', s8tv, { tv: true, inline: false, rand });
  files.push({ file: 'f8_python_tv.xlsx', format: 'FORMAT_8_PYTHON_MULTI_ZONE_XLSX', zoneMode: false, strategies: [expectPython([...s8tv[0]!.trades, ...s8tv[1]!.trades], 'f8_python_tv', true)] });

  const dataset: Dataset = { outDir: out, seed, files };
  await writeFile(join(out, 'expected.json'), JSON.stringify({ seed, strategies: n, days: dayCount, zones: 'equal:4', files }, null, 1));
  return dataset;
}

export interface LargeFile {
  readonly path: string;
  readonly rows: number;
  readonly totalPnl: number;
  readonly sizeBytes: number;
}

/** A large FORMAT_1 Backinzo CSV (one row per trade), written in 1 MiB pieces: the CSV benchmark input. */
export async function writeLargeBackinzoCsv(path: string, rows: number, seed = 1): Promise<LargeFile> {
  const rand = createRandom(seed);
  const fh = await open(path, 'w');
  let size = 0;
  let totalCents = 0;
  try {
    let buf = [...preamble('large', ['2020-01-01', '2030-01-01']), 'Sr No,Date,Day,Time,Time,Index,Strike,CE/PE,Qty,Entry Price,Exit Price,P/L,Remarks'].join('\n') + '\n';
    const days = tradingDays(Math.max(1, Math.ceil(rows / 400)));
    for (let i = 0; i < rows; i++) {
      const day = days[Math.floor(i / 400)]!;
      const cents = Math.floor((rand() - 0.45) * 1_000_000);
      totalCents += cents;
      const sec = OPEN + Math.floor(rand() * 20000);
      buf += `${i + 1},${backinzoDate(day)},Mon,${formatSeconds(sec)},${formatSeconds(sec + 300)},NIFTY,${17500 + (i % 40) * 50},${i & 1 ? 'CE' : 'PE'},50,120.5,130.25,${money(cents)},Target\n`;
      if (buf.length > 1 << 20) { const b = Buffer.from(buf); size += b.length; await fh.write(b); buf = ''; }
    }
    const b = Buffer.from(buf);
    size += b.length;
    await fh.write(b);
  } finally {
    await fh.close();
  }
  return { path, rows, totalPnl: totalCents / 100, sizeBytes: size };
}

/** A large TradingView "List of trades" as CSV (Gen 2) or XLSX: the TradingView benchmark input. */
export async function writeLargeTradingView(path: string, trades: number, container: 'csv' | 'xlsx', seed = 1): Promise<LargeFile> {
  const rand = createRandom(seed);
  const days = tradingDays(Math.max(1, Math.ceil(trades / 200)));
  let totalCents = 0;
  const header = TV_GEN2('INR');
  const rowAt = function* (): Generator<(string | number | null)[]> {
    let cum = 0;
    for (let i = 0; i < trades; i++) {
      const day = days[Math.floor(i / 200)]!;
      const cents = Math.floor((rand() - 0.45) * 1_000_000);
      totalCents += cents;
      cum += cents;
      const sec = OPEN + Math.floor(rand() * 20000);
      const price = 21000 + (i % 1000);
      yield [i + 1, 'Entry long', `${day} ${formatSeconds(sec)}`, 'Buy', price.toFixed(2), 50, (price * 50).toFixed(2), money(cents), '0.01', '100.00', '0.01', '-50.00', '-0.01', money(cum), '0.02'];
      yield [i + 1, 'Exit long', `${day} ${formatSeconds(sec + 300)}`, 'Close', (price + 3).toFixed(2), 50, ((price + 3) * 50).toFixed(2), money(cents), '0.01', '100.00', '0.01', '-50.00', '-0.01', money(cum), '0.02'];
    }
  };
  if (container === 'csv') {
    const fh = await open(path, 'w');
    let size = 0;
    try {
      let buf = header.join(',') + '\n';
      for (const r of rowAt()) {
        buf += r.join(',') + '\n';
        if (buf.length > 1 << 20) { const b = Buffer.from(buf); size += b.length; await fh.write(b); buf = ''; }
      }
      const b = Buffer.from(buf);
      size += b.length;
      await fh.write(b);
    } finally {
      await fh.close();
    }
    return { path, rows: trades * 2, totalPnl: totalCents / 100, sizeBytes: size };
  }
  const numeric = (r: (string | number | null)[]): WriteCell[] => r.map((c, j) => (j === 1 || j === 2 || j === 3 ? c : typeof c === 'string' ? Number(c) : c));
  await writeXlsx(path, [{ name: 'List of trades', rows: (function* () { yield header; for (const r of rowAt()) yield numeric(r); })() }]);
  return { path, rows: trades * 2, totalPnl: totalCents / 100, sizeBytes: (await stat(path)).size };
}
