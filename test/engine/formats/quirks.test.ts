// Every real-world quirk of FORMATS.md, one small hand-written file each: TradingView pairing, partial
// exits, open trades, both header generations; Backinzo's doubled Time and date spellings; Python
// workbooks' doubled `Exit at`, CALL/PUT, Metrics cross-check; zones; names across files; lenient mode.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, inspectFiles, isoToExcelSerialForTests, writeXlsx, type WriteCell } from './quirk-support.ts';
import { collect, dailyByName, rejection } from './ingest-collector.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-quirks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

const GEN1 = 'Trade #,Type,Signal,Date/Time,Price INR,Contracts,Profit INR,Profit %,Cumulative profit INR,Cumulative profit %,Run-up INR,Run-up %,Drawdown INR,Drawdown %';
const GEN2 = 'Trade number,Type,Date and time,Signal,Price USDT,Size (qty),Size (value),Net PnL USDT,Net PnL %,Favorable excursion USDT,Favorable excursion %,Adverse excursion USDT,Adverse excursion %,Cumulative PnL USDT,Cumulative PnL %';

describe('TradingView quirks', () => {
  it('pairs rows by trade number when the exit row comes before the entry row', async () => {
    const p = file('tv-order.csv', [GEN1,
      '2,Exit long,Close,2023-01-03 11:00,"21,711.15",1,-50,-0.5,30,0.3,1,0.1,-60,-0.6',
      '1,Exit short,Close,2023-01-02 10:00,"21,650.00",1,80,0.8,80,0.8,90,0.9,-10,-0.1',
      '2,Entry long,Buy,2023-01-03 09:30,"21,761.15",1,-50,-0.5,30,0.3,1,0.1,-60,-0.6',
      '1,Entry short,Sell,2023-01-02 09:20,"21,730.00",1,80,0.8,80,0.8,90,0.9,-10,-0.1'].join('\n'));
    const c = await collect(p);
    expect(c.trades.map((t) => [t['trade_key'], t['side'], t['entry_ts'], t['exit_ts'], t['net_pnl'], t['entry_price'], t['mfe'], t['mae']])).toEqual([
      ['1', 'SHORT', '2023-01-02 09:20:00', '2023-01-02 10:00:00', 80, 21730, 90, -10],
      ['2', 'LONG', '2023-01-03 09:30:00', '2023-01-03 11:00:00', -50, 21761.15, 1, -60],
    ]);
  });

  it('sums partial exits and ignores the P&L repeated on the entry row', async () => {
    const p = file('tv-partial.csv', [GEN1,
      '1,Entry long,Buy,2023-01-02 09:30,100,2,300,3,300,3,0,0,0,0',
      '1,Exit long,TP1,2023-01-02 10:00,110,1,100,1,100,1,0,0,0,0',
      '1,Exit long,TP2,2023-01-02 11:00,130,1,200,2,300,3,0,0,0,0'].join('\n'));
    const c = await collect(p);
    expect(c.trades).toHaveLength(1);
    expect(c.trades[0]).toMatchObject({ net_pnl: 300, exit_price: 120, exit_ts: '2023-01-02 11:00:00', qty: 2, exit_reason: 'TP2' });
    expect(dailyByName(c, 'tv-partial').get('2023-01-02|ALL')).toEqual({ pnl: 300, n: 1 });
  });

  it('skips an open trade with a warning and never counts it', async () => {
    const p = file('tv-open.csv', [GEN1,
      '2,Exit long,Open,Open,,1,999,9,0,0,0,0,0,0',
      '2,Entry long,Buy,2023-01-03 09:30,100,1,999,9,0,0,0,0,0,0',
      '1,Exit long,Close,2023-01-02 10:00,101,1,10,0.1,10,0.1,0,0,0,0',
      '1,Entry long,Buy,2023-01-02 09:30,100,1,10,0.1,10,0.1,0,0,0,0'].join('\n'));
    const c = await collect(p);
    expect(c.summary.strategies[0]).toMatchObject({ trades: 1, totalPnl: 10, lastDay: '2023-01-02' });
    expect(c.summary.warnings.map((w) => [w.code, w.row])).toEqual([['STRATA_FORMAT_OPEN_TRADE_SKIPPED', 2]]);
  });

  it('reads Generation 1 older spellings and takes the currency from the header suffix', async () => {
    const p = file('tv-old.csv', ['Trade #,Type,Signal,Date/Time,Price $,Contracts,Profit $,Profit %,Cum. Profit $,Cum. Profit %',
      '1,Entry Long,Buy,2023-01-02 09:30,100,1,12.5,1.25,12.5,1.25',
      '1,Exit Long,Close,2023-01-02 10:30,112.5,1,12.5,1.25,12.5,1.25'].join('\n'));
    const c = await collect(p);
    expect(c.strategies[0]).toMatchObject({ currency: 'USD', strategy_type: 'TV', source_format: 'FORMAT_3_TRADING_VIEW_CSV' });
    expect(c.summary.strategies[0]!.totalPnl).toBe(12.5);
  });

  it('reads Generation 2 with a BOM, CRLF, Commission and Duration columns, fractions and mixed-case types', async () => {
    const p = file('tv-gen2.csv', '\ufeff' + [`${GEN2},Commission USDT,Duration`,
      '1,ENTRY SHORT,2023-01-02 09:30:15,Sell,"1,000.50",2,2001,15.5,0.0155,20,0.02,-3,-0.003,15.5,0.0155,0.4,75',
      '1,exit short,2023-01-02 10:45:00,Cover,"992.75",2,1985.5,15.5,0.0155,20,0.02,-3,-0.003,15.5,0.0155,0.4,75'].join('\r\n') + '\r\n');
    const c = await collect(p);
    expect(c.strategies[0]!['currency']).toBe('USDT');
    expect(c.trades[0]).toMatchObject({ side: 'SHORT', entry_price: 1000.5, exit_price: 992.75, net_pnl: 15.5, entry_ts: '2023-01-02 09:30:15' });
  });

  it('dates a trade by its exit in FORMAT_3 and by its entry, with the entry-time zone, in FORMAT_7', async () => {
    const p = file('tv-overnight.csv', [GEN1,
      '1,Entry long,Buy,2023-01-02 15:10,100,1,40,0.4,40,0.4,0,0,0,0',
      '1,Exit long,Close,2023-01-03 09:20,140,1,40,0.4,40,0.4,0,0,0,0'].join('\n'));
    const plain = await collect(p);
    expect(plain.daily).toMatchObject([{ trading_day: '2023-01-03', zone: 'ALL', pnl: 40, n_trades: 1 }]);
    const zoned = await collect(p, { zones: { method: 'equal', count: 4 } });
    expect(zoned.format).toBe('FORMAT_7_TradingView_Zone');
    expect(zoned.daily).toMatchObject([{ trading_day: '2023-01-02', zone: 'Zone 4', pnl: 40, n_trades: 1 }]);
    expect(zoned.trades[0]!['zone']).toBe('Zone 4');
  });

  it('reads a List of trades sheet with Excel date-time cells', async () => {
    const p = join(dir, 'tv.xlsx');
    await writeXlsx(p, [{ name: 'List of trades', rows: [GEN2.split(','),
      [1, 'Entry long', { serial: isoToExcelSerialForTests('2023-01-05', 9 * 3600 + 15 * 60), style: 'datetime' }, 'Buy', 100, 1, 100, 7, 0.07, 8, 0.08, -1, -0.01, 7, 0.07],
      [1, 'Exit long', '2023-01-05 09:40:00', 'Close', 107, 1, 107, 7, 0.07, 8, 0.08, -1, -0.01, 7, 0.07]] }]);
    const c = await collect(p, { zones: { method: 'freeform', boundaries: ['09:16'] } });
    expect(c.trades[0]).toMatchObject({ entry_ts: '2023-01-05 09:15:00', zone: 'Zone 1', trade_date: '2023-01-05' });
  });
});

const PRE = ['Portfolio: x', 'Period: a to b', 'Generated: now', 'Broker: Backinzo', '', 'Capital: 1', 'Mode: Backtest'];
const BZ = 'Sr No,Date,Day,Time,Time,Index,Strike,CE/PE,Qty,Entry Price,Exit Price,P/L,Remarks';

describe('Backinzo quirks', () => {
  it('takes the entry time from the first Time column and the exit time from the second', async () => {
    const c = await collect(file('bz-time.csv', [...PRE, BZ, '1,03-Jan-2023,Tue,09:20:05,10:05:10,NIFTY05JAN2318000CE,,,50,120.5,130.25,"1,487.50","SL, hit"'].join('\r\n')));
    expect(c.trades[0]).toMatchObject({
      entry_ts: '2023-01-03 09:20:05', exit_ts: '2023-01-03 10:05:10', net_pnl: 1487.5, exit_reason: 'SL, hit',
      instrument: 'NIFTY05JAN2318000CE', option_type: 'CE', strike: 18000, expiry: '2023-01-05',
    });
    expect(c.strategies[0]).toMatchObject({ underlying: 'NIFTY', strategy_type: 'BACKINZO', strategy_name: 'bz-time' });
  });

  it('accepts DD-Mon-YYYY, DD-Mon-YYYY HH:MM:SS, YYYY-MM-DD HH:MM:SS, DD/MM/YYYY and YYYY/MM/DD', async () => {
    const dates = ['03-Jan-2023', '04-jan-2023 09:30:00', '2023-01-05 09:31:00', '06/01/2023', '2023/01/09'];
    const c = await collect(file('bz-dates.csv', [...PRE, BZ, ...dates.map((d, i) => `${i + 1},${d},,,,NIFTY,,,,,,${i + 1},`)].join('\n')));
    expect(c.daily.map((d) => d['trading_day'])).toEqual(['2023-01-03', '2023-01-04', '2023-01-05', '2023-01-06', '2023-01-09']);
    expect(c.trades[1]!['entry_ts']).toBe('2023-01-04 09:30:00');
  });

  it('names FORMAT_5 strategies <file stem>_<column header> and skips blank cells', async () => {
    const fixed = 'Sr No,Date,Day,Total P/L,Cumulative P/L,Max Profit,Max Loss,Max Profit Time,Max Loss Time,Drawdown,Peak,Trades,Remarks';
    const c = await collect(file('bz-multi.csv', [...PRE, `${fixed},A,B`, '1,02-Jan-2023,Mon,0,0,0,0,,,0,0,0,,5,', '2,03-Jan-2023,Tue,0,0,0,0,,,0,0,0,,,-3'].join('\n')));
    expect(c.format).toBe('FORMAT_5_BACKINZO_Multi_CSV');
    expect(c.summary.strategies.map((s) => [s.name, s.tradingDays, s.totalPnl, s.firstDay])).toEqual([['bz-multi_A', 1, 5, '2023-01-02'], ['bz-multi_B', 1, -3, '2023-01-03']]);
    expect(c.trades).toEqual([]);
  });
});

const TRANS = ['Portfolio Name', 'Strategy Name', 'ID', 'Entry Date', 'Enter On', 'Entry Day', 'Exit Date', 'Exit at', 'Exit Day', 'Index', 'Expiry', 'Strike', 'CE/PE', 'Trade', 'Qty', 'Entry at', 'Exit at', 'Points', 'Points After Slippage', 'PNL', 'AfterSlippage', 'Taxes', 'Net PNL', 'Re-entry No', 'SL Re-entry No', 'TGT Re-entry No', 'Reason', 'Strategy Entry No', 'Index At Entry', 'Index At Exit', 'MaxProfit', 'MaxLoss'];
const d = (iso: string): WriteCell => ({ serial: isoToExcelSerialForTests(iso, 0), style: 'date' });
function leg(id: number, day: string, enter: string, exitAt: string, cp: string, net: number, exitPrice = 99.5): WriteCell[] {
  return ['P', 'S', id, d(day), enter, 'Monday', d(day), exitAt, 'Monday', 'NIFTY05JAN2318000CE', d('2023-01-05'), 18000, cp, 'SELL', 50, 100, exitPrice, 1, 1, net + 10, net + 10, 10, net, 0, 0, 0, 'Target Hit', 1, 18000, 18010, 20, -5];
}
function metrics(total: number, name = 'S'): WriteCell[][] {
  return [['Particulars', 'Combined', name], ['Total PnL', total, total], ['Margin Required', 150000, 125000]];
}

describe('Python workbook quirks', () => {
  it('reads the first Exit at as the exit time and the second as the exit price; CALL/PUT become CE/PE', async () => {
    const p = join(dir, 'py-legs.xlsx');
    await writeXlsx(p, [{ name: 'Metrics', rows: metrics(30) }, { name: 'PORTFOLIO Trans', rows: [TRANS, leg(1, '2023-01-02', '09:20:00', '10:05:30', 'CALL', 20, 87.25), leg(1, '2023-01-02', '09:20:00', '10:05:30', 'PUT', 10)] }]);
    const c = await collect(p);
    expect(c.format).toBe('FORMAT_2_PYTHON_XLSX');
    expect(c.trades.map((t) => [t['trade_key'], t['leg_id'], t['option_type'], t['exit_ts'], t['exit_price'], t['side'], t['gross_pnl'], t['net_pnl'], t['expiry']])).toEqual([
      ['1', '1', 'CE', '2023-01-02 10:05:30', 87.25, 'SHORT', 30, 20, '2023-01-05'],
      ['1', '2', 'PE', '2023-01-02 10:05:30', 99.5, 'SHORT', 20, 10, '2023-01-05'],
    ]);
    expect(c.daily).toMatchObject([{ trading_day: '2023-01-02', pnl: 30, n_trades: 1 }]);
    expect(c.strategies[0]).toMatchObject({ margin_required: 150000, underlying: 'NIFTY' });
    expect(c.summary.warnings).toEqual([]);
  });

  it('warns when the recomputed total disagrees with Metrics Total PnL beyond rounding', async () => {
    const p = join(dir, 'py-metrics.xlsx');
    await writeXlsx(p, [{ name: 'metrics', rows: metrics(1030) }, { name: 'portfolio trans', rows: [TRANS, leg(1, '2023-01-02', '09:20:00', '10:00:00', 'CE', 30)] }]);
    const c = await collect(p);
    expect(c.summary.warnings.map((w) => w.code)).toEqual(['STRATA_FORMAT_METRICS_MISMATCH']);
    expect(c.summary.warnings[0]!.message).toContain('1030.00');
  });

  it('reads each strategy Trans sheet in FORMAT_6 and only the portfolio sheet with Tv Setting (FORMAT_8)', async () => {
    const sheets = [
      { name: 'Metrics', rows: [['Particulars', 'Combined', 'A', 'B'], ['Total PnL', 30, 20, 10]] },
      { name: 'PORTFOLIO Trans', rows: [TRANS, leg(1, '2023-01-02', '09:20:00', '10:00:00', 'CE', 20), leg(2, '2023-01-02', '13:00:00', '14:00:00', 'PE', 10)] },
      { name: 'A Trans', rows: [TRANS, leg(1, '2023-01-02', '09:20:00', '10:00:00', 'CE', 20)] },
      { name: 'B Trans', rows: [TRANS, leg(2, '2023-01-02', '13:00:00', '14:00:00', 'PE', 10)] },
    ];
    const p6 = join(dir, 'py-multi.xlsx');
    await writeXlsx(p6, sheets);
    const c6 = await collect(p6);
    expect(c6.format).toBe('FORMAT_6_PYTHON_MULTI_XLSX');
    expect(c6.summary.strategies.map((s) => [s.name, s.totalPnl])).toEqual([['py-multi_A', 20], ['py-multi_B', 10]]);
    expect(c6.summary.warnings).toEqual([]);
    const p8 = join(dir, 'py-tv.xlsx');
    await writeXlsx(p8, [{ name: 'Tv Setting', rows: [['k', 'v']] }, ...sheets]);
    const c8 = await collect(p8);
    expect(c8.format).toBe('FORMAT_8_PYTHON_MULTI_ZONE_XLSX');
    expect(c8.daily.map((r) => [r['zone'], r['pnl']])).toEqual([['Zone 1', 20], ['Zone 3', 10]]);
    expect(c8.strategies.map((s) => s['strategy_name'])).toEqual(['py-tv']);
  });
});

describe('zones', () => {
  it('reports a trade entered outside every zone as Outside Market and never moves it', async () => {
    const p = file('tv-outside.csv', [GEN1,
      '1,Entry long,Buy,2023-01-02 09:05,100,1,5,0,0,0,0,0,0,0', '1,Exit long,Close,2023-01-02 09:40,105,1,5,0,0,0,0,0,0,0',
      '2,Entry long,Buy,2023-01-02 15:30,100,1,7,0,0,0,0,0,0,0', '2,Exit long,Close,2023-01-02 15:35,107,1,7,0,0,0,0,0,0,0',
      '3,Entry long,Buy,2023-01-02 15:29,100,1,1,0,0,0,0,0,0,0', '3,Exit long,Close,2023-01-02 15:35,101,1,1,0,0,0,0,0,0,0'].join('\n'));
    const c = await collect(p, { zones: { method: 'equal' } });
    expect(c.daily.map((r) => [r['zone'], r['pnl'], r['n_trades']])).toEqual([['Outside Market', 12, 2], ['Zone 4', 1, 1]]);
    expect(c.summary.warnings.map((w) => w.code)).toEqual(['STRATA_FORMAT_OUTSIDE_MARKET']);
  });

  it('buckets by custom windows and by a configured session', async () => {
    const p = file('tv-custom.csv', [GEN1,
      '1,Entry long,Buy,2023-01-02 09:30,100,1,5,0,0,0,0,0,0,0', '1,Exit long,Close,2023-01-02 09:40,105,1,5,0,0,0,0,0,0,0',
      '2,Entry long,Buy,2023-01-02 12:00,100,1,7,0,0,0,0,0,0,0', '2,Exit long,Close,2023-01-02 12:35,107,1,7,0,0,0,0,0,0,0'].join('\n'));
    const custom = await collect(p, { zones: { method: 'custom', windows: ['09:15-10:00', '13:00-15:30'] } });
    expect(custom.daily.map((r) => r['zone'])).toEqual(['Outside Market', 'Zone 1']);
    const session = await collect(p, { zones: { method: 'equal', count: 2, session: '09:00-13:00' } });
    expect(session.daily.map((r) => r['zone'])).toEqual(['Zone 1', 'Zone 2']);
  });
});

describe('files, names and validation', () => {
  it('suffixes a strategy name already taken by another file instead of summing', async () => {
    mkdirSync(join(dir, 'x'));
    mkdirSync(join(dir, 'y'));
    const rows = [GEN1, '1,Entry long,Buy,2023-01-02 09:30,100,1,5,0,0,0,0,0,0,0', '1,Exit long,Close,2023-01-02 09:40,105,1,5,0,0,0,0,0,0,0'];
    writeFileSync(join(dir, 'x', 'same.csv'), rows.join('\n'));
    writeFileSync(join(dir, 'y', 'same.csv'), rows.join('\n').replace(/,5,/g, ',6,'));
    const r = await inspectFiles([join(dir, 'x', 'same.csv'), join(dir, 'y', 'same.csv')]);
    expect(r.files.map((f) => f.summary!.strategies[0]!.name)).toEqual(['same', 'same (2)']);
    expect(r.files[1]!.summary!.warnings.map((w) => w.code)).toEqual(['STRATA_FORMAT_NAME_SUFFIXED']);
  });

  it('keeps the valid rows in lenient mode and reports the rest, up to the problem limit', async () => {
    const bad = [1, 2, 3, 4].map((i) => `${i + 1},0${i}-Jan-2023,,,,NIFTY,,,,,,oops,`);
    const p = file('bz-lenient.csv', [...PRE, BZ, '1,02-Jan-2023,,,,NIFTY,,,,,,10,', ...bad].join('\n') + '\n');
    const strict = await rejection(p, { maxProblems: 2 });
    expect(strict.code).toBe('STRATA_FORMAT_NON_NUMERIC');
    expect((strict.data['problems'] as unknown[]).length).toBe(2);
    expect(strict.data['total']).toBe(4);
    const c = await collect(p, { lenient: true, maxProblems: 3 });
    expect(c.summary.strategies[0]!.totalPnl).toBe(10);
    expect(c.summary.problems.map((x) => x.row)).toEqual([10, 11, 12]);
    expect(c.summary.totalProblems).toBe(4);
  });

  it('validates an explicit format against the content', async () => {
    const p = file('tv-force.csv', [GEN1, '1,Entry long,Buy,2023-01-02 09:30,100,1,5,0,0,0,0,0,0,0', '1,Exit long,Close,2023-01-02 09:40,105,1,5,0,0,0,0,0,0,0'].join('\n'));
    expect((await rejection(p, { format: 'FORMAT_1' })).code).toBe('STRATA_FORMAT_MISMATCH');
    expect((await rejection(p, { format: 'FORMAT_9' })).code).toBe('STRATA_FORMAT_INVALID_OPTION');
    expect((await rejection(p, { zones: { method: 'freeform', boundaries: ['16:00'] } })).code).toBe('STRATA_FORMAT_INVALID_OPTION');
    const forced = await collect(p, { format: 'FORMAT_7_TradingView_Zone' });
    expect(forced.summary.zones).toBe('equal 4');
    expect(forced.daily[0]!['zone']).toBe('Zone 1');
  });

  it('detects from at most the first 64 KiB of a CSV', async () => {
    const head = [GEN1, '1,Entry long,Buy,2023-01-02 09:30,100,1,5,0,0,0,0,0,0,0', '1,Exit long,Close,2023-01-02 09:40,105,1,5,0,0,0,0,0,0,0'].join('\n') + '\n';
    const p = join(dir, 'tv-tail.csv');
    writeFileSync(p, Buffer.concat([Buffer.from(head + ' '.repeat(70 * 1024) + '\n'), Buffer.from([0xff, 0xfe, 0x0a])]));
    expect((await detectFormat(p)).format).toBe('FORMAT_3_TRADING_VIEW_CSV');
    expect((await rejection(p)).code).toBe('STRATA_FORMAT_ENCODING');
  });
});
