// The bad-file cases in workbook form: header-only sheets of each workbook family, a workbook matching two
// families, and row problems located by sheet, row and column.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeXlsx, type WriteSheet } from '../../../engine/formats/index.ts';
import { collect, rejection } from './ingest-collector.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-badbooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TV = ['Trade #', 'Type', 'Signal', 'Date/Time', 'Price INR', 'Contracts', 'Profit INR'];
const TRANS = ['ID', 'Entry Date', 'Enter On', 'Exit Date', 'Exit at', 'Net PNL'];

async function book(name: string, sheets: WriteSheet[]): Promise<string> {
  const path = join(dir, name);
  await writeXlsx(path, sheets);
  return path;
}

describe('bad workbooks', () => {
  it('refuses header-only sheets of each workbook family with STRATA_FORMAT_HEADER_ONLY', async () => {
    for (const [name, sheets] of [
      ['tv.xlsx', [{ name: 'List of trades', rows: [TV] }]],
      ['python.xlsx', [{ name: 'PORTFOLIO Trans', rows: [TRANS] }]],
      ['consolidated.xlsx', [{ name: '2.1', rows: [['Date', 'Profit']] }]],
    ] as [string, WriteSheet[]][]) {
      expect((await rejection(await book(name, sheets))).code, name).toBe('STRATA_FORMAT_HEADER_ONLY');
    }
  });

  it('refuses a workbook with both a List of trades and Trans sheets as ambiguous, naming both families', async () => {
    const path = await book('both.xlsx', [
      { name: 'List of trades', rows: [TV, [1, 'Entry long', 'x', '2023-01-02 09:20', 1, 1, 5], [1, 'Exit long', 'y', '2023-01-02 09:30', 2, 1, 5]] },
      { name: 'PORTFOLIO Trans', rows: [TRANS, [1, '2023-01-02', '09:20:00', '2023-01-02', '09:30:00', 5]] },
    ]);
    const r = await rejection(path);
    expect(r.code).toBe('STRATA_FORMAT_AMBIGUOUS');
    expect(r.message).toContain('List of trades');
    expect(r.message).toContain('Trans');
    expect((await collect(path, { format: 'FORMAT_3' })).summary.strategies[0]!.totalPnl).toBe(5);
  });

  it('locates workbook row problems by sheet, row and column: impossible dates and non-numeric P&L', async () => {
    const path = await book('rows.xlsx', [{ name: 'PORTFOLIO Trans', rows: [TRANS,
      [1, '2023-01-02', '09:20:00', '2023-02-30', '09:30:00', 5],
      [2, '2023-01-02', '09:20:00', '2023-01-02', '09:30:00', 'n/a'],
      [3, '2023-01-03', '09:20:00', '2023-01-03', '09:30:00', 7.25]] }]);
    const r = await rejection(path);
    expect(r.code).toBe('STRATA_FORMAT_INVALID_DATE');
    expect(r.data['problems']).toEqual([
      { code: 'STRATA_FORMAT_INVALID_DATE', file: 'rows.xlsx', sheet: 'PORTFOLIO Trans', row: 2, column: 'Exit Date', value: '2023-02-30', reason: 'not a date, or a day that does not exist' },
      { code: 'STRATA_FORMAT_NON_NUMERIC', file: 'rows.xlsx', sheet: 'PORTFOLIO Trans', row: 3, column: 'Net PNL', value: 'n/a', reason: 'Net PNL is not a number' },
    ]);
    const lenient = await collect(path, { lenient: true });
    expect(lenient.summary.strategies[0]!.totalPnl).toBe(7.25);
    expect(lenient.summary.totalProblems).toBe(2);
  });
});
