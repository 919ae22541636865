// The bad-file corpus (test/fixtures/formats/expected-codes.json) each ends in its own error code; binary
// cases (truncated or foreign zips, workbooks missing columns) are built in a temp folder.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectFiles, writeXlsx } from '../../../engine/formats/index.ts';
import { zip } from '../../../engine/formats/xlsx-writer.ts';
import { collect, rejection } from './ingest-collector.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'formats');
const manifest = JSON.parse(readFileSync(join(fixtures, 'expected-codes.json'), 'utf8')) as Record<string, { code: string | null; note: string }>;
const dir = mkdtempSync(join(tmpdir(), 'strata-badfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad-file corpus', () => {
  for (const [file, { code, note }] of Object.entries(manifest)) {
    if (code === null) continue;
    it(`rejects ${file} (${note}) with ${code}`, async () => {
      const r = await rejection(join(fixtures, file));
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(10);
    });
  }

  it('lists every problem as file · sheet · row · column · value · reason', async () => {
    const r = await rejection(join(fixtures, 'non-numeric-pnl.csv'));
    expect(r.data['problems']).toEqual([
      { code: 'STRATA_FORMAT_NON_NUMERIC', file: 'non-numeric-pnl.csv', sheet: null, row: 11, column: 'P/L', value: 'abc', reason: 'P/L is not a number' },
      { code: 'STRATA_FORMAT_NON_NUMERIC', file: 'non-numeric-pnl.csv', sheet: null, row: 12, column: 'P/L', value: '', reason: 'P/L is not a number' },
    ]);
    expect(r.message).toContain('non-numeric-pnl.csv · row 11 · column "P/L" · value "abc"');
  });

  it('names both impossible dates, never rolling 31-Apr into May', async () => {
    const r = await rejection(join(fixtures, 'impossible-date.csv'));
    expect((r.data['problems'] as { value: string }[]).map((p) => p.value)).toEqual(['31-Apr-2023', '29-Feb-2023']);
  });

  it('gives the byte offset of the first invalid UTF-8 byte', async () => {
    const r = await rejection(join(fixtures, 'windows-1252-backinzo.csv'));
    const bytes = readFileSync(join(fixtures, 'windows-1252-backinzo.csv'));
    expect(r.data['offset']).toBe(bytes.indexOf(0xf4));
  });

  it('lists the candidates of an ambiguous file, and --format picks one of them', async () => {
    const file = join(fixtures, 'ambiguous-family.csv');
    const r = await rejection(file);
    expect((r.data['candidates'] as { family: string }[]).map((c) => c.family).sort()).toEqual(['backinzo', 'tradingview']);
    // Forced to TradingView, the Backinzo lines are rows that do not parse: strict rejects, lenient skips them.
    expect((await rejection(file, { format: 'FORMAT_3' })).code).toBe('STRATA_FORMAT_NON_NUMERIC');
    const c = await collect(file, { format: 'FORMAT_3', lenient: true });
    expect(c.format).toBe('FORMAT_3_TRADING_VIEW_CSV');
    expect(c.summary.strategies[0]!.trades).toBe(3);
    expect(c.summary.problems.map((p) => p.row)).toEqual([8, 9]);
  });

  it('keeps hostile strategy names verbatim as data', async () => {
    const c = await collect(join(fixtures, 'hostile-names.csv'));
    expect(c.strategies.map((s) => s['strategy_name'])).toEqual([
      'hostile-names_O\'Brien "quoted"', 'hostile-names_comma, separated', "hostile-names_Robert'); DROP TABLE strategies;--", 'hostile-names_日本 ∆ émoji 🚀', 'hostile-names_back\\slash',
    ]);
    expect(c.summary.strategies.map((s) => s.totalPnl)).toEqual([100, -20.25, 1003, 0, 1]);
  });

  it('refuses a truncated XLSX zip with STRATA_FORMAT_TRUNCATED_XLSX', async () => {
    const path = join(dir, 'truncated.xlsx');
    await writeXlsx(path, [{ name: '2.1', rows: [['Date', 'Profit'], ...Array.from({ length: 2000 }, (_, i) => [`0${1 + (i % 9)}-01-2023`, i])] }]);
    truncateSync(path, Math.floor(statSync(path).size / 2));
    expect((await rejection(path)).code).toBe('STRATA_FORMAT_TRUNCATED_XLSX');
  });

  it('refuses a zip that holds no workbook with STRATA_FORMAT_XLSX_CORRUPT', async () => {
    const path = join(dir, 'not-a-workbook.xlsx');
    writeFileSync(path, zip([['readme.txt', Buffer.from('hello')]]));
    expect((await rejection(path)).code).toBe('STRATA_FORMAT_XLSX_CORRUPT');
  });

  it('refuses a Python Trans sheet without Net PNL with STRATA_FORMAT_MISSING_COLUMN', async () => {
    const path = join(dir, 'no-net-pnl.xlsx');
    await writeXlsx(path, [{ name: 'PORTFOLIO Trans', rows: [['ID', 'Entry Date', 'Exit Date', 'PNL'], [1, '2023-01-02', '2023-01-02', 5]] }]);
    const r = await rejection(path);
    expect(r.code).toBe('STRATA_FORMAT_MISSING_COLUMN');
    expect(r.message).toContain('net pnl');
  });

  it('refuses a legacy .xls and a missing file with their codes', async () => {
    const xls = join(dir, 'old.xls');
    writeFileSync(xls, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]));
    expect((await rejection(xls)).code).toBe('STRATA_FORMAT_UNKNOWN');
    const missing = await rejection(join(dir, 'nope.csv'));
    expect(missing.code).toBe('STRATA_FORMAT_READ_FAILED');
    // the system's code once, then its message
    expect(missing.message).toMatch(/nope\.csv": ENOENT: no such file or directory/);
  });

  it('reports rejected files in an inspection instead of throwing', async () => {
    const r = await inspectFiles([join(fixtures, 'empty.csv'), join(fixtures, 'hostile-names.csv')]);
    expect(r.files.map((f) => [f.ok, f.error?.code ?? null])).toEqual([[false, 'STRATA_FORMAT_EMPTY_FILE'], [true, null]]);
  });
});
