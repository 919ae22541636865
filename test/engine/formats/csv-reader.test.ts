// The streaming CSV reader: any table survives serialisation and re-reading across arbitrary chunk
// boundaries (quotes, "" escapes, embedded newlines, CRLF, LF, lone CR, a BOM), with correct line numbers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvBlocks } from '../../../engine/formats/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string, chunkBytes: number): Promise<{ rows: string[][]; lines: number[] }> {
  const rows: string[][] = [], lines: number[] = [];
  for await (const b of readCsvBlocks(path, { chunkBytes })) { rows.push(...b.rows()); for (let r = 0; r < b.rowCount; r++) lines.push(b.line(r)); }
  return { rows, lines };
}

const quote = (f: string) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f);

describe('readCsvBlocks', () => {
  it('reads back any table across any chunk size, skipping blank rows', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.stringMatching(/^[a-z0-9 ,"\r\n€日]{0,6}$/), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 }),
      fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), fc.integer({ min: 3, max: 40 }),
      async (table, eol, bom, chunk) => {
        const path = join(dir, `t${n++}.csv`);
        writeFileSync(path, (bom ? '\ufeff' : '') + table.map((r) => r.map(quote).join(',')).join(eol) + (n % 2 ? eol : ''));
        const { rows } = await readAll(path, chunk);
        // A row that is one empty field is a blank line, which carries no data and is skipped.
        expect(rows).toEqual(table.filter((r) => !(r.length === 1 && r[0] === '')));
      }), { numRuns: 150 });
  });

  it('numbers each row by the line it starts on, counting blank lines and quoted newlines', async () => {
    const path = join(dir, 'lines.csv');
    writeFileSync(path, 'a,b\r\n\r\n"x\ny",z\r\nlast,1');
    const { rows, lines } = await readAll(path, 4);
    expect(rows).toEqual([['a', 'b'], ['x\ny', 'z'], ['last', '1']]);
    expect(lines).toEqual([1, 3, 5]);
  });

  it('refuses bytes that are not UTF-8, even when a multi-byte character straddles two chunks', async () => {
    const ok = join(dir, 'straddle.csv');
    writeFileSync(ok, 'x,€€€€€€€€\n');
    expect((await readAll(ok, 5)).rows).toEqual([['x', '€€€€€€€€']]);
    const bad = join(dir, 'latin1.csv');
    writeFileSync(bad, Buffer.from([0x61, 0x2c, 0xe9, 0x0a]));
    await expect(readAll(bad, 2)).rejects.toMatchObject({ code: 'STRATA_FORMAT_ENCODING' });
  });

  it('names the offset of the first byte that is not UTF-8 in the file, whatever the chunk size and however long the line', async () => {
    const bytes = Buffer.concat([Buffer.from('abc,def\nghi,jkl\nmno,p'), Buffer.from([0xe9]), Buffer.from('q\nrst,uvw\n')]);
    const path = join(dir, 'offset.csv');
    writeFileSync(path, bytes);
    for (const chunk of [3, 4, 5, 7, 11, 1 << 20]) {
      await expect(readAll(path, chunk)).rejects.toMatchObject({ code: 'STRATA_FORMAT_ENCODING', data: { offset: bytes.indexOf(0xe9) } });
    }
    // a line many chunks long before the bad byte: the buffer grows and the offset still counts from the start
    const long = Buffer.concat([Buffer.from('a,'), Buffer.alloc(5000, 0x62), Buffer.from('\nc,d'), Buffer.from([0xff]), Buffer.from('\n')]);
    const longPath = join(dir, 'offset-long.csv');
    writeFileSync(longPath, long);
    await expect(readAll(longPath, 64)).rejects.toMatchObject({ code: 'STRATA_FORMAT_ENCODING', data: { offset: long.indexOf(0xff) } });
    writeFileSync(longPath, long.subarray(0, long.indexOf(0xff)));
    expect((await readAll(longPath, 64)).rows).toEqual([['a', 'b'.repeat(5000)], ['c', 'd']]);
  });
});
