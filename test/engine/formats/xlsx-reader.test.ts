// The streaming XLSX reader: every cell kind (shared and inline strings, numbers, booleans, date styles,
// sparse rows) read back exactly whatever the size of the inflated chunks, so no element split across two
// chunks is ever lost; custom number formats are told apart as dates or not.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { XlsxWorkbook, generateDataset, ingestFile, writeXlsx, type CellValue, type WriteCell } from '../../../engine/formats/index.ts';
import { isDateFormatCode } from '../../../engine/formats/xlsx-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-xlsx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readSheet(path: string, sheet: string, chunkBytes: number): Promise<{ r: number; cells: CellValue[] }[]> {
  const wb = await XlsxWorkbook.open(path, { chunkBytes });
  try {
    const out: { r: number; cells: CellValue[] }[] = [];
    for await (const b of wb.rows(wb.sheet(sheet)!)) out.push(...b.rows);
    return out;
  } finally {
    wb.close();
  }
}

const expected = (c: WriteCell): CellValue => {
  if (c !== null && typeof c === 'object') return 'inline' in c ? c.inline : { kind: 'date', serial: c.serial };
  return c;
};

describe('XlsxWorkbook', () => {
  it('reads back every cell across any inflate chunk size', async () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 12 }).map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff]/g, 'x')),
      fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100),
      fc.boolean(),
      fc.constant(null),
      fc.integer({ min: 40000, max: 50000 }).map((n): WriteCell => ({ serial: n, style: 'date' })),
      fc.constantFrom<WriteCell>({ inline: 'inline <&> "text"' }, { serial: 0.5, style: 'time' }),
    );
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 64, max: 400 }), fc.boolean(),
      async (rows, chunk, inline) => {
        const path = join(dir, `p${n++}.xlsx`);
        await writeXlsx(path, [{ name: 'Other', rows: [['x']] }, { name: 'Data & more', rows }], { inlineStrings: inline });
        const got = await readSheet(path, 'data & MORE', chunk);
        // Trailing nulls are not written, and rows with no cells come back as empty rows.
        const want = rows.map((r, i) => {
          const cells = r.map(expected);
          while (cells.length && cells.at(-1) === null) cells.pop();
          return { r: i + 1, cells };
        });
        expect(got).toEqual(want);
      }), { numRuns: 60 });
  });

  it('loses no shared string when thousands of them cross chunk boundaries', async () => {
    const path = join(dir, 'many.xlsx');
    const rows = Array.from({ length: 3000 }, (_, i) => [`string number ${i} ${'∆'.repeat(i % 7)}`, i]);
    await writeXlsx(path, [{ name: 'S', rows }]);
    const got = await readSheet(path, 'S', 97);
    expect(got.map((r) => r.cells)).toEqual(rows);
  });

  it('tells date formats from number formats', () => {
    for (const f of ['dd/mm/yyyy', 'yyyy\\-mm\\-dd\\ hh:mm:ss', '[$-409]d-mmm-yy', 'h:mm AM/PM', '[h]:mm:ss']) expect(isDateFormatCode(f), f).toBe(true);
    for (const f of ['#,##0.00;[Red]\\-#,##0.00', '0.00%', '"days" 0', '[Blue]0.00', 'General']) expect(isDateFormatCode(f), f).toBe(false);
  });

  it('reads a workbook once for detection and parsing, and closes it however the reader stops', async () => {
    const ds = await generateDataset({ outDir: join(dir, 'ds'), strategies: 2, days: 20, seed: 3 });
    const path = join(ds.outDir, ds.files.find((f) => f.file.endsWith('f4_wide.xlsx'))!.file);
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 40; i++) {
      // stopped right after the first event: the workbook detection opened must still be closed
      for await (const ev of ingestFile(path, { contentHash: 'x' })) { expect(ev.type).toBe('started'); break; }
    }
    let done = 0;
    for (let i = 0; i < 10; i++) for await (const ev of ingestFile(path, { contentHash: 'x' })) if (ev.type === 'done') done++;
    expect(done).toBe(10);
    expect(fds() - before).toBeLessThan(5);
  });
});
