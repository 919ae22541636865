// A FORMAT_1 file read in chunks on worker threads (engine/formats/parallel-csv.ts) must give what the serial
// reader gives: the same trade rows (source_row included), strategies, daily P&L and summary, and for a bad file
// the same rejection. Small chunks so every file here is cut many times; real piscina threads, real files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Piscina } from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchRows, ingestFile, ParsePool, rejectionData, writeLargeBackinzoCsv, type ParseOptions } from '../../../engine/formats/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-parallel-csv-'));
let pool: ParsePool;
beforeAll(() => { pool = new ParsePool({ threads: 2, minFileBytes: 0, chunkBytes: 16 << 10 }); });
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Read {
  readonly trades: string[];
  readonly tradeBatches: number;
  readonly other: Record<string, unknown>[];
  readonly summary: unknown;
}

async function read(path: string, options: ParseOptions = {}): Promise<Read | { error: ReturnType<typeof rejectionData> }> {
  const trades: string[] = [];
  const other: Record<string, unknown>[] = [];
  let summary: unknown = null;
  let tradeBatches = 0;
  try {
    for await (const ev of ingestFile(path, options)) {
      if (ev.type === 'batch') {
        if (ev.batch.table === 'trades') { tradeBatches++; for (const r of batchRows(ev.batch)) trades.push(JSON.stringify(r)); } else other.push(...batchRows(ev.batch).map((r) => ({ table: ev.batch.table, ...r })));
      }
      if (ev.type === 'done') summary = ev.summary;
    }
  } catch (e) {
    return { error: rejectionData(e) };
  }
  return { trades: trades.sort(), tradeBatches, other, summary };
}

/** Serial and parallel reads of one file, which must agree; returns the parallel one. */
async function same(path: string): Promise<Read> {
  const serial = await read(path);
  const parallel = await read(path, { parsePool: pool });
  // batches are cut at chunk ends as well, so there are more of them; their rows are the same
  const { tradeBatches: _, ...rows } = parallel as Read;
  const { tradeBatches: __, ...serialRows } = serial as Read;
  expect(rows).toEqual(serialRows);
  return parallel as Read;
}

const PREAMBLE = ['Portfolio: test', 'Period: 01-Jan-2023 to 31-Dec-2023', 'Generated: 2023-06-30 18:00:00', 'Broker: "Backinzo, Inc."', '', 'Capital: 500000', 'Mode: Backtest'];
const HEADER = 'Sr No,Date,Day,Time,Time,Index,Strike,CE/PE,Qty,Entry Price,Exit Price,P/L,Remarks';

/** A FORMAT_1 file of `n` trades over a few days; `row(i)` may replace a row's text. */
function backinzo(name: string, n: number, row: (i: number, line: string) => string = (_i, l) => l, eol = '\n'): string {
  const lines = [...PREAMBLE, HEADER];
  for (let i = 0; i < n; i++) {
    const day = String(2 + Math.floor(i / 300)).padStart(2, '0');
    const pnl = ((i * 7919) % 20000 - 9000) / 100;
    lines.push(row(i, `${i + 1},${day}-Jan-2023,Mon,09:${String(15 + (i % 40)).padStart(2, '0')}:00,10:00:00,NIFTY,${17500 + (i % 20) * 50},${i & 1 ? 'CE' : 'PE'},50,120.5,130.25,${pnl.toFixed(2)},Target`));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join(eol) + eol);
  return path;
}

describe('parallel FORMAT_1 reads', () => {
  it('give the serial reader\'s rows, lines, daily P&L and summary for a large generated file', async () => {
    const big = await writeLargeBackinzoCsv(join(dir, 'large.csv'), 20_000, 3);
    const r = await same(big.path);
    expect(r.trades).toHaveLength(20_000);
    // the file was cut into many chunks: more trade batches than a serial read's 8,192-row ones
    expect(r.tradeBatches).toBeGreaterThan(Math.ceil(20_000 / 8192));
    const summary = r.summary as { strategies: { totalPnl: number; trades: number }[] };
    expect(summary.strategies[0]!.trades).toBe(20_000);
    expect(summary.strategies[0]!.totalPnl).toBeCloseTo(big.totalPnl, 6);
  });

  it('read quoted fields with line breaks and commas across chunk cuts, CRLF line ends and a BOM', async () => {
    // every other remark is quoted over five lines, with commas and "" escapes: most cuts after a line feed fall
    // inside one, and that chunk is read again from its last row
    const remark = (i: number, line: string) => (i % 2 === 0 ? line.replace(/Target$/, `"stop, then\nre-entry ""${i}""\nand\nthen\nexit"`) : line);
    const recuts = pool.stats.recuts;
    await same(backinzo('quoted.csv', 3_000, remark));
    expect(pool.stats.recuts).toBeGreaterThan(recuts);
    await same(backinzo('crlf.csv', 3_000, remark, '\r\n'));
    const bom = backinzo('bom.csv', 2_000);
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(await import('node:fs').then((f) => f.readFileSync(bom)))]));
    await same(bom);
  });

  it('read a quoted field longer than a chunk', async () => {
    const long = 'x'.repeat(40 << 10);
    await same(backinzo('long-field.csv', 2_000, (i, line) => (i === 700 ? line.replace(/Target$/, `"${long}\n${long}"`) : line)));
  });

  it('reject a bad file with the serial reader\'s report: duplicate trade numbers in different chunks, bad P&L late in the file', async () => {
    const dup = await read(backinzo('dup.csv', 3_000, (i, line) => (i === 2_900 ? line.replace(/^\d+,/, '17,') : line)), { parsePool: pool });
    expect(dup).toEqual(await read(join(dir, 'dup.csv')));
    expect(dup).toMatchObject({ error: { code: 'STRATA_FORMAT_DUPLICATE_TRADE', data: { problems: [{ row: 2_909, value: '17' }] } } });
    const bad = await read(backinzo('bad-pnl.csv', 3_000, (i, line) => (i % 1_000 === 999 ? line.replace(/,-?[\d.]+,Target$/, ',n/a,Target') : line)), { parsePool: pool });
    expect(bad).toEqual(await read(join(dir, 'bad-pnl.csv')));
    expect(bad).toMatchObject({ error: { code: 'STRATA_FORMAT_NON_NUMERIC', data: { total: 3 } } });
  });

  it('reject bytes that are not UTF-8 late in the file as the serial reader does', async () => {
    const path = backinzo('latin1.csv', 6_000); // larger than the 256 KiB the plan reads for the header
    const bytes = await import('node:fs').then((f) => f.readFileSync(path));
    const at = bytes.length - 5_000;
    bytes[bytes.indexOf('Target', at)] = 0xe9; // a Latin-1 é
    writeFileSync(path, bytes);
    const parallel = await read(path, { parsePool: pool });
    expect(parallel).toEqual(await read(path));
    expect(parallel).toMatchObject({ error: { code: 'STRATA_FORMAT_ENCODING' } });
  });

  it('leave lenient reads and files without trade numbers to the serial reader, with the same results', async () => {
    const lenient = backinzo('lenient.csv', 2_000, (i, line) => (i === 1_500 ? line.replace(/,-?[\d.]+,Target$/, ',n/a,Target') : line));
    expect(await read(lenient, { lenient: true, parsePool: pool })).toEqual(await read(lenient, { lenient: true }));
    const noKeys = backinzo('no-sr-no.csv', 2_000, (i, line) => line.replace(/^\d+,/, ''));
    writeFileSync(noKeys, (await import('node:fs')).readFileSync(noKeys, 'utf8').replace(HEADER, HEADER.replace('Sr No,', '')));
    await same(noKeys);
  });

  it('agree with the serial reader on random files: quoted remarks with line breaks, CRLF, blank lines, any chunk size (property)', async () => {
    let run = 0;
    const remarkArb = fc.oneof(
      fc.constant('Target'),
      fc.constant(''),
      fc.stringMatching(/^[a-z ,]{1,12}$/).map((t) => `"${t}"`),
      fc.tuple(fc.stringMatching(/^[a-z ]{0,8}$/), fc.integer({ min: 1, max: 4 })).map(([t, n]) => `"${t}${'\n, ""x""'.repeat(n)}"`),
    );
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ remark: remarkArb, blankAfter: fc.boolean(), pnl: fc.integer({ min: -99_999, max: 99_999 }) }), { minLength: 1, maxLength: 400 }),
      fc.boolean(), fc.integer({ min: 256, max: 8_192 }),
      async (rows, crlf, chunkBytes) => {
        const path = backinzo(`prop-${++run}.csv`, rows.length, (i, line) => {
          const r = rows[i]!;
          const withPnl = line.replace(/,-?[\d.]+,Target$/, `,${(r.pnl / 100).toFixed(2)},${r.remark}`);
          return r.blankAfter ? `${withPnl}\n` : withPnl;
        }, crlf ? '\r\n' : '\n');
        const own = new ParsePool({ threads: 2, minFileBytes: 0, chunkBytes });
        try {
          const serial = await read(path);
          const parallel = await read(path, { parsePool: own });
          const { tradeBatches: _, ...p } = parallel as Read;
          const { tradeBatches: __, ...s } = serial as Read;
          expect(p).toEqual(s);
        } finally {
          await own.close();
        }
      },
    ), { numRuns: 40 });
  }, 120_000);

  it('count an error of the pool itself instead of throwing it (a chunk\'s reply after the pool closed)', async () => {
    // seen once in CI after the test below: piscina's "Unexpected message from Worker" with no listener was an
    // uncaught exception, which in a daemon stopping mid-read ends the process
    let inner: Piscina | null = null;
    const run = Piscina.prototype.run;
    Piscina.prototype.run = function (this: Piscina, ...args: Parameters<Piscina['run']>) { inner = this; return run.apply(this, args); };
    const own = new ParsePool({ threads: 1, minFileBytes: 0, chunkBytes: 16 << 10 });
    try {
      const path = backinzo('pool-error.csv', 1_000);
      for await (const ev of ingestFile(path, { parsePool: own })) void ev;
    } finally {
      Piscina.prototype.run = run;
    }
    expect(() => inner!.emit('error', new Error('Unexpected message from Worker: { taskId: 3 }'))).not.toThrow();
    expect(own.stats.poolErrors).toBe(1);
    await own.close();
  });

  it('finish a file on this thread when the pool is closed mid-read (a daemon stopping), with the same rows', async () => {
    const own = new ParsePool({ threads: 2, minFileBytes: 0, chunkBytes: 16 << 10 });
    const path = backinzo('closing.csv', 6_000);
    const serial = await read(path);
    const trades: string[] = [];
    let batches = 0;
    for await (const ev of ingestFile(path, { parsePool: own })) {
      if (ev.type === 'batch' && ev.batch.table === 'trades') {
        for (const r of batchRows(ev.batch)) trades.push(JSON.stringify(r));
        if (++batches === 3) await own.close(); // threads terminated with chunks in flight
      }
    }
    expect(own.closed).toBe(true);
    expect(own.stats.parsedHere).toBeGreaterThan(0);
    expect(trades.sort()).toEqual((serial as Read).trades);
  });
});
