// `strata inspect` as functions: the per-strategy summary (format, name, trades, trading days, winning
// days, total P&L, first and last day) with warnings and errors, as data and as readable text.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInspection, inspectFiles } from '../../../engine/formats/index.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'formats');

describe('inspectFiles', () => {
  it('summarises each strategy and prints warnings and rejections as text', async () => {
    const r = await inspectFiles([join(fixtures, 'hostile-names.csv'), join(fixtures, 'non-numeric-pnl.csv')]);
    const s = r.files[0]!.summary!;
    expect(s.format).toBe('FORMAT_5_BACKINZO_Multi_CSV');
    expect(s.strategies[0]).toMatchObject({ name: 'hostile-names_O\'Brien "quoted"', trades: null, tradingDays: 2, winningDays: 1, totalPnl: 100, firstDay: '2023-01-02', lastDay: '2023-01-03', currency: 'INR' });
    expect(s.strategies[3]).toMatchObject({ tradingDays: 2, winningDays: 1, totalPnl: 0 });
    const text = formatInspection(r);
    expect(text).toContain('hostile-names.csv: FORMAT_5_BACKINZO_Multi_CSV');
    expect(text).toMatch(/hostile-names_Robert'\); DROP TABLE strategies;--\s+-\s+2\s+2\s+1,003\.00 INR\s+2023-01-02\s+2023-01-03/);
    expect(text).toContain('non-numeric-pnl.csv: REJECTED STRATA_FORMAT_NON_NUMERIC');
    expect(text).toContain('row 12 · column "P/L" · value "" · P/L is not a number');
    // The whole result is plain data: it survives JSON (the CLI's --json and the ingest report).
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
