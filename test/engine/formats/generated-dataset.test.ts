// Every format from generated files: exact totals per strategy, day and zone against expected.json, stable
// ids, deterministic output, and cross-checks of the XLSX reader and writer against exceljs.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, inspectFiles, XlsxWorkbook, type Dataset } from '../../../engine/formats/index.ts';
import { collect, dailyByName } from './ingest-collector.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-formats-'));
let ds: Dataset;
beforeAll(async () => { ds = await generateDataset({ outDir: join(dir, 'a'), strategies: 3, days: 12, seed: 42 }); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('generated dataset', () => {
  it('writes files in all eight formats', () => {
    expect(new Set(ds.files.map((f) => f.format)).size).toBe(8);
  });

  it('round-trips every file to the expected daily P&L, zone and trade count, to the cent', async () => {
    for (const f of ds.files) {
      const c = await collect(join(ds.outDir, f.file), f.zoneMode ? { zones: { method: 'equal', count: 4 } } : {});
      expect(c.format, f.file).toBe(f.format);
      expect(c.strategies.map((s) => s['strategy_name']).sort(), f.file).toEqual(f.strategies.map((s) => s.name).sort());
      for (const s of f.strategies) {
        const got = dailyByName(c, s.name);
        expect([...got.keys()].sort(), `${f.file} ${s.name} days`).toEqual(s.daily.map((d) => `${d.trading_day}|${d.zone}`).sort());
        for (const d of s.daily) {
          const g = got.get(`${d.trading_day}|${d.zone}`)!;
          expect(Math.abs(g.pnl - d.pnl), `${f.file} ${s.name} ${d.trading_day} ${d.zone}`).toBeLessThan(0.005);
          expect(g.n, `${f.file} ${s.name} ${d.trading_day} n_trades`).toBe(d.n_trades);
        }
        const summary = c.summary.strategies.find((x) => x.name === s.name)!;
        expect(Math.abs(summary.totalPnl - s.totalPnl)).toBeLessThan(0.005);
        expect(summary.trades).toBe(s.trades);
      }
    }
  });

  it('emits trades whose net P&L adds up to the daily rows, with float64 columns as Float64Array', async () => {
    const c = await collect(join(ds.outDir, 'f1_backinzo.csv'));
    const tradeSum = c.trades.reduce((a, t) => a + (t['net_pnl'] as number), 0);
    const dailySum = c.daily.reduce((a, d) => a + (d['pnl'] as number), 0);
    expect(Math.abs(tradeSum - dailySum)).toBeLessThan(0.005);
    expect(c.batchTypes.has('trades.net_pnl:Float64Array')).toBe(true);
    expect(c.batchTypes.has('daily_pnl.pnl:Float64Array')).toBe(true);
    expect(c.trades.every((t) => /^\d{4}-\d{2}-\d{2}$/.test(t['trade_date'] as string))).toBe(true);
  });

  it('writes byte-identical files for the same seed, so content hashes and strategy ids repeat', async () => {
    const again = await generateDataset({ outDir: join(dir, 'b'), strategies: 3, days: 12, seed: 42 });
    for (const f of again.files) expect(sha(join(again.outDir, f.file)), f.file).toBe(sha(join(ds.outDir, f.file)));
    const other = await generateDataset({ outDir: join(dir, 'c'), strategies: 3, days: 12, seed: 43 });
    expect(sha(join(other.outDir, 'f1_backinzo.csv'))).not.toBe(sha(join(ds.outDir, 'f1_backinzo.csv')));
  });

  it('derives strategy ids from the content hash and sub-key, not from the file name', async () => {
    const src = join(ds.outDir, 'f6_python_multi.xlsx');
    const copy = join(dir, 'renamed.xlsx');
    copyFileSync(src, copy);
    const a = await collect(src), b = await collect(copy);
    expect(b.strategies.map((s) => s['strategy_id'])).toEqual(a.strategies.map((s) => s['strategy_id']));
    expect(new Set(a.strategies.map((s) => s['strategy_id'])).size).toBe(a.strategies.length);
    expect(b.strategies.map((s) => s['strategy_name'])).not.toEqual(a.strategies.map((s) => s['strategy_name']));
  });

  it('inspects every file of the dataset with no name collisions and no errors', async () => {
    const plain = ds.files.filter((f) => !f.zoneMode).map((f) => join(ds.outDir, f.file));
    const r = await inspectFiles(plain);
    expect(r.files.every((f) => f.ok)).toBe(true);
    expect(r.files.flatMap((f) => f.summary!.warnings).filter((w) => w.code === 'STRATA_FORMAT_NAME_SUFFIXED')).toEqual([]);
  });

  it('writes workbooks exceljs reads with the same values', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(ds.outDir, 'f4_wide.xlsx'));
    const sheet = wb.getWorksheet('Daily')!;
    const expected = ds.files.find((f) => f.file === 'f4_wide.xlsx')!.strategies;
    let total = 0;
    sheet.eachRow((row, n) => { if (n > 1) { const v = row.getCell(3).value; if (typeof v === 'number') total += v; } });
    expect(Math.abs(total - expected[0]!.totalPnl)).toBeLessThan(0.005);
    expect(sheet.getRow(1).getCell(4).value).toBe(expected[1]!.name);
    expect(sheet.getRow(2).getCell(1).value).toBeInstanceOf(Date);
  });

  it('reads a workbook written by exceljs: shared strings, date-styled cells, numbers', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('2.1');
    ws.addRow(['Date', 'Profit']);
    ws.addRow([new Date(Date.UTC(2023, 0, 2)), 1500.25]);
    ws.addRow(['03-01-2023', -200.5]);
    ws.getColumn(1).numFmt = 'dd/mm/yyyy';
    const path = join(dir, 'exceljs-2.1.xlsx');
    await wb.xlsx.writeFile(path);
    const book = await XlsxWorkbook.open(path);
    const rows: unknown[][] = [];
    for await (const b of book.rows(book.sheet('2.1')!)) rows.push(...b.rows.map((r) => r.cells));
    book.close();
    expect(rows[0]).toEqual(['Date', 'Profit']);
    expect(rows[1]![0]).toMatchObject({ kind: 'date' });
    const c = await collect(path);
    expect(c.format).toBe('FORMAT_4_CONSOLIDATED_XLSX');
    expect(dailyByName(c, 'exceljs-2.1')).toEqual(new Map([['2023-01-02|ALL', { pnl: 1500.25, n: null }], ['2023-01-03|ALL', { pnl: -200.5, n: null }]]));
  });
});
