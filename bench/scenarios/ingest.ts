// Ingest benchmarks (issue 6): parse throughput per format, each next to a raw reader run in the same process
// on the same file — DuckDB's own read_csv (into an in-memory table) for CSV, the exceljs streaming reader for
// XLSX — and the peak RSS of a child process parsing a small and a large CSV (it must not grow with size).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import {
  generateDataset, hashFile, ingestFile, writeLargeBackinzoCsv, writeLargeTradingView, type ParseOptions,
} from '../../engine/formats/index.ts';
import { compared, repeat, summarise, type Scenario } from '../scenario.ts';

const run = promisify(execFile);
const formatsIndex = pathToFileURL(join(import.meta.dirname, '..', '..', 'engine', 'formats', 'index.ts')).href;

/** Input rows per second for our parser: every batch consumed, the content hash given (hashing is separate). */
async function parseRate(path: string, rows: number, options: ParseOptions = {}): Promise<number> {
  const { contentHash } = await hashFile(path);
  const t0 = performance.now();
  let seen = 0;
  for await (const ev of ingestFile(path, { ...options, contentHash })) if (ev.type === 'batch') seen += ev.batch.rowCount;
  if (seen === 0) throw new Error(`${path}: nothing parsed`);
  return rows / ((performance.now() - t0) / 1000);
}

async function duckdbRate(path: string, rows: number, skip: number): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    const t0 = performance.now();
    await con.run(`CREATE TABLE t AS SELECT * FROM read_csv('${path}', skip=${skip}, header=true, strict_mode=false, null_padding=true)`);
    const rate = rows / ((performance.now() - t0) / 1000);
    const n = Number((await con.runAndReadAll('SELECT count(*) AS n FROM t')).getRowObjects()[0]!['n']);
    if (n === 0) throw new Error('read_csv read no rows');
    return rate;
  } finally {
    con.disconnectSync();
    instance.closeSync();
  }
}

/** DuckDB reading the same file for a count and a sum only: projection pushdown parses two columns. */
async function duckdbScanRate(path: string, rows: number, skip: number, column: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    const t0 = performance.now();
    const r = await con.runAndReadAll(`SELECT count(*) AS n, sum("${column}") AS s FROM read_csv('${path}', skip=${skip}, header=true)`);
    const rate = rows / ((performance.now() - t0) / 1000);
    if (Number(r.getRowObjects()[0]!['n']) !== rows) throw new Error('read_csv count differs');
    return rate;
  } finally {
    con.disconnectSync();
    instance.closeSync();
  }
}

async function exceljsRate(path: string, rows: number): Promise<number> {
  const t0 = performance.now();
  let cells = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', styles: 'cache', worksheets: 'emit' });
  for await (const sheet of reader) {
    for await (const row of sheet as AsyncIterable<ExcelJS.Row>) row.eachCell(() => { cells++; });
  }
  if (cells === 0) throw new Error('exceljs read nothing');
  return rows / ((performance.now() - t0) / 1000);
}

/** Peak RSS (MiB) of a fresh process that parses `path` to the end. */
async function childPeakRss(path: string): Promise<number> {
  const code = `const { ingestFile } = await import(${JSON.stringify(formatsIndex)});
for await (const ev of ingestFile(${JSON.stringify(path)}, { contentHash: 'bench' })) { if (ev.type === 'batch') void ev.batch.rowCount; }
process.stdout.write(String(process.resourceUsage().maxRSS));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { maxBuffer: 1 << 20 });
  return Number(stdout) / 1024;
}

export const scenario: Scenario = {
  area: 'ingest',
  description: 'parse throughput per format vs DuckDB read_csv / exceljs streaming; peak RSS vs file size',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'strata-bench-ingest-'));
    const runs = ctx.quick ? 3 : 5;
    try {
      const csvRows = ctx.quick ? 200_000 : 1_000_000;
      const backinzo = await writeLargeBackinzoCsv(join(dir, 'backinzo.csv'), csvRows, 1);
      ctx.log(`backinzo CSV: ${csvRows} rows, ${(backinzo.sizeBytes / 2 ** 20).toFixed(1)} MiB`);
      const duck = await repeat(runs, () => duckdbRate(backinzo.path, csvRows, 7));
      const ours = await repeat(runs, () => parseRate(backinzo.path, csvRows));
      ctx.emit(compared('ingest.csv.backinzo', 'throughput', 'rows/s', ours, { name: 'DuckDB read_csv into an in-memory table, same file', summary: duck }, { ratio: '>=0.4', value: '>=1000000 rows/s' }));
      // The same figure against DuckDB scanning only what a count and a sum need (its fastest read_csv path).
      const scan = await repeat(runs, () => duckdbScanRate(backinzo.path, csvRows, 7, 'P/L'));
      ctx.emit({ ...compared('ingest.csv.backinzo-vs-scan', 'throughput', 'rows/s', ours, { name: 'DuckDB read_csv count(*) + sum(P/L), projection pushdown', summary: scan }, { ratio: '>=0.4' }), note: 'our parser materialises every column; the baseline parses two' });

      const tvTrades = ctx.quick ? 60_000 : 300_000;
      const tv = await writeLargeTradingView(join(dir, 'tv.csv'), tvTrades, 'csv', 2);
      const tvDuck = await repeat(runs, () => duckdbRate(tv.path, tv.rows, 0));
      const tvOurs = await repeat(runs, () => parseRate(tv.path, tv.rows));
      ctx.emit(compared('ingest.csv.tradingview', 'throughput', 'rows/s', tvOurs, { name: 'DuckDB read_csv into an in-memory table, same file', summary: tvDuck }, { ratio: '>=0.4' }));

      const xTrades = ctx.quick ? 10_000 : 60_000;
      const tvx = await writeLargeTradingView(join(dir, 'tv.xlsx'), xTrades, 'xlsx', 3);
      const xRuns = ctx.quick ? 2 : 3;
      const xBase = await repeat(xRuns, () => exceljsRate(tvx.path, tvx.rows));
      const xOurs = await repeat(xRuns, () => parseRate(tvx.path, tvx.rows));
      ctx.emit(compared('ingest.xlsx.tradingview', 'throughput', 'rows/s', xOurs, { name: 'exceljs streaming WorkbookReader, same file', summary: xBase }, { ratio: '>=2' }));

      // The eight formats from one generated dataset (smaller files: fixed costs weigh more).
      const ds = await generateDataset({ outDir: join(dir, 'ds'), strategies: 4, days: ctx.quick ? 300 : 5000, seed: 11 });
      const formatRuns = ctx.quick ? 2 : 5;
      for (const f of ds.files) {
        const path = join(ds.outDir, f.file);
        const opts: ParseOptions = f.zoneMode ? { zones: { method: 'equal' } } : {};
        let rows = 0;
        for await (const ev of ingestFile(path, opts)) if (ev.type === 'done') rows = ev.summary.rows.trades || ev.summary.rows.daily_pnl;
        const ours = await repeat(formatRuns, () => parseRate(path, rows, opts));
        const isCsv = f.file.endsWith('.csv');
        let base: { name: string; summary: ReturnType<typeof summarise> } | null = null;
        let why = '';
        try {
          base = isCsv
            ? { name: 'DuckDB read_csv into an in-memory table, same file', summary: await repeat(formatRuns, () => duckdbRate(path, rows, f.format.startsWith('FORMAT_1') || f.format.startsWith('FORMAT_5') ? 7 : 0)) }
            : { name: 'exceljs streaming WorkbookReader, same file (all sheets)', summary: await repeat(formatRuns, () => exceljsRate(path, rows)) };
        } catch (e) {
          why = `; no baseline: the raw reader refused the file (${String((e as Error).message).split('\n')[0]})`;
        }
        ctx.emit({ ...compared(`ingest.format.${f.format}.${f.file.replace(/^zones\//, '').replace(/\.\w+$/, '')}`, 'throughput', 'rows/s', ours, base, isCsv ? { ratio: '>=0.4' } : { ratio: '>=2' }), note: `${f.file}, ${rows} canonical rows (trades, legs or daily cells)${why}` });
      }

      const small = await writeLargeBackinzoCsv(join(dir, 'rss-small.csv'), csvRows / 10, 4);
      const rssSmall = await childPeakRss(small.path);
      const rssLarge = await childPeakRss(backinzo.path);
      ctx.emit({ ...compared('ingest.rss.csv-large', 'peak RSS', 'MiB', summarise([rssLarge]), { name: `same parse of a 10× smaller file (${csvRows / 10} rows)`, summary: summarise([rssSmall]) }, { value: '<=400 MiB, independent of file size' }), note: `${csvRows} rows, ${(backinzo.sizeBytes / 2 ** 20).toFixed(0)} MiB file; ratio ≈ 1 means size-independent` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
