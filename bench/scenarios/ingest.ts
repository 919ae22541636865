// Ingest benchmarks (issue 6): parse throughput per format, each next to a raw reader run in the same process
// on the same file — DuckDB's own read_csv for CSV, the exceljs streaming reader for XLSX; end to end through
// the ingest actor into an embedded DuckDB store file; and the peak RSS of a child process parsing, and one
// ingesting into the store, a large and a 10× smaller CSV (it must not grow with size).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { pino } from 'pino';
import { createStoreNodeSink, ingestBehaviour, type IngestCommand, type IngestFilesReply, type IngestSink, type IngestStatus } from '../../actors/ingest/index.ts';
import { createStoreCluster, createStoreClusterSink } from '../../actors/store/index.ts';
import { openDuckDbNode } from '../../engine/store/index.ts';
import { createSystem, type ActorSystem } from '../../runtime/index.ts';
import {
  generateDataset, hashFile, ingestFile, ParsePool, writeLargeBackinzoCsv, writeLargeTradingView, type ParseOptions,
} from '../../engine/formats/index.ts';
import { DAEMON_ENV, DAEMON_NODE_FLAGS, daemonCommandPrefix } from '../../cluster/cli/process-settings.ts';
import { defaultDuckDbMemoryLimitMb, defaultDuckDbThreads, defaultParseThreads, defaultStoreHosting } from '../../cluster/config/index.ts';
import { compared, interleaved, repeat, summarise, type Scenario, type Summary } from '../scenario.ts';

const run = promisify(execFile);
// peak-RSS children run as a daemon does (npm start, the strata command): same V8 flags and malloc arenas
const daemonProcess = { args: [...DAEMON_NODE_FLAGS], env: { ...process.env, ...DAEMON_ENV } };
const formatsIndex = pathToFileURL(join(import.meta.dirname, '..', '..', 'engine', 'formats', 'index.ts')).href;
const ingestIndex = pathToFileURL(join(import.meta.dirname, '..', '..', 'actors', 'ingest', 'index.ts')).href;
const storeIndex = pathToFileURL(join(import.meta.dirname, '..', '..', 'engine', 'store', 'index.ts')).href;
const runtimeIndex = pathToFileURL(join(import.meta.dirname, '..', '..', 'runtime', 'index.ts')).href;
const storeClusterIndex = pathToFileURL(join(import.meta.dirname, '..', '..', 'actors', 'store', 'index.ts')).href;
// The child's own peak RSS, in KiB, printed as its last act. Not process.resourceUsage().maxRSS: Linux keeps that
// high-water mark across fork and exec, so a child whose own peak stays below its parent's RSS at the fork
// reported the parent's (the bench process's 183 MiB, for 100 K, 1 M and 3 M rows alike). VmHWM belongs to the
// address space the exec made; elsewhere than Linux, maxRSS is all there is.
const PRINT_PEAK_RSS = `const { readFileSync } = await import('node:fs');
let peakKiB = process.resourceUsage().maxRSS;
try { const m = /^VmHWM:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8')); if (m) peakKiB = Number(m[1]); } catch { /* not Linux */ }
process.stdout.write(String(peakKiB));`;
let storeSeq = 0;
/** where the daemon runs its embedded nodes on this machine (cluster/config defaultStoreHosting) */
const DEFAULT_HOSTING = defaultStoreHosting(availableParallelism());
// the daemon's default store: 3 DuckDB nodes with the daemon's default hosting, DuckDB threads and memory each
const DEFAULT_STORE_NODES = Array.from({ length: 3 }, (_, i) => ({
  name: `n${i + 1}`, kind: 'duckdb' as const, duckdbThreads: defaultDuckDbThreads(availableParallelism(), 3), memoryLimitMb: defaultDuckDbMemoryLimitMb(3), hosting: DEFAULT_HOSTING,
}));
// The issue's bound is 400 MB, which is 381 MiB: figures are in MiB, so is the bound.
const RSS_TARGET = '<=381 MiB (400 MB), independent of file size';

// The parse threads a daemon on this machine starts with (config ingest.parseThreads): every ingest here runs
// as the daemon would. 0 (below 8 cores): the ingest actor's thread parses.
const PARSE_THREADS = defaultParseThreads(availableParallelism());
let parsePool: ParsePool | null = null;
const poolOption = (): { parsePool?: ParsePool } => (parsePool ? { parsePool } : {});

/**
 * Input rows per second through the ingest actor writing into `sink`: the clock runs from the request to the end
 * of `finish` (a checkpoint, or closing the store), and the file must come out committed.
 */
async function timedIngest(system: ActorSystem, sink: IngestSink, storeDir: string, path: string, rows: number, finish: () => Promise<unknown>): Promise<number> {
  const ingest = system.spawn(ingestBehaviour({ sink, ...poolOption(), scanIntervalMs: 0, folders: { inbox: null, zoneInbox: null, processed: join(storeDir, 'processed'), quarantine: join(storeDir, 'quarantine') } }));
  // the actor's start (its folders, the journal's recovery scan) happens once per actor, not per file: a status
  // reply means it is done, so the clock times the file alone, as the cluster variant starts after cluster.ready
  await system.ask<IngestCommand, IngestStatus>(ingest, (replyTo) => ({ type: 'ingest.status', replyTo }), { timeoutMs: 60_000 });
  const t0 = performance.now();
  const reply = await system.ask<IngestCommand, IngestFilesReply>(ingest, (replyTo) => ({ type: 'ingest.files', paths: [path], options: {}, replyTo }), { timeoutMs: 600_000 });
  await finish();
  const rate = rows / ((performance.now() - t0) / 1000);
  if (reply.type !== 'ingest.files.ok' || reply.outcomes[0]?.status !== 'committed') throw new Error(`end-to-end ingest into ${sink.label} failed: ${JSON.stringify(reply).slice(0, 300)}`);
  return rate;
}

/** Input rows per second end to end: the ingest actor hashing, parsing and writing into a fresh DuckDB store file. */
async function endToEndRate(path: string, rows: number, dir: string, o: { checkpoint: boolean }): Promise<number> {
  const storeDir = join(dir, `store-${++storeSeq}`);
  mkdirSync(storeDir);
  const node = await openDuckDbNode({ path: join(storeDir, 'store.duckdb') });
  await node.ensureSchema();
  const system = createSystem({ name: 'bench-ingest', logger: pino({ level: 'silent' }) });
  try {
    // when the baseline ends with a checkpoint (read_csv into a file), ours does too: WAL-only rows leave work for later
    return await timedIngest(system, createStoreNodeSink(node), storeDir, path, rows, async () => { if (o.checkpoint) await node.query('CHECKPOINT'); });
  } finally {
    await system.terminate();
    await node.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

/**
 * The same through the daemon's default store: 3 embedded DuckDB nodes on worker threads, replication factor 2,
 * each with the daemon's default DuckDB threads (the cores shared among the nodes) and memory (192 MiB shared),
 * behind the load-balancer;
 * timed until the cluster has closed (each node checkpoints its file on close).
 */
async function endToEndClusterRate(path: string, rows: number, dir: string): Promise<number> {
  const storeDir = join(dir, `cluster-${++storeSeq}`);
  mkdirSync(storeDir);
  const system = createSystem({ name: 'bench-ingest-cluster', logger: pino({ level: 'silent' }) });
  const cluster = createStoreCluster({ system, dir: storeDir, nodes: DEFAULT_STORE_NODES, replicationFactor: 2 });
  try {
    await cluster.ready;
    return await timedIngest(system, createStoreClusterSink(cluster), storeDir, path, rows, () => cluster.close());
  } finally {
    await cluster.close();
    await system.terminate();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

/** DuckDB's read_csv straight into a table of a DuckDB file: the raw reference for the end-to-end figure. */
async function duckdbFileRate(path: string, rows: number, skip: number, dir: string): Promise<number> {
  const file = join(dir, `raw-${++storeSeq}.duckdb`);
  const instance = await DuckDBInstance.create(file);
  const con = await instance.connect();
  try {
    const t0 = performance.now();
    await con.run(`CREATE TABLE t AS SELECT * FROM read_csv('${path}', skip=${skip}, header=true, strict_mode=false, null_padding=true)`);
    await con.run('CHECKPOINT');
    return rows / ((performance.now() - t0) / 1000);
  } finally {
    con.disconnectSync();
    instance.closeSync();
    rmSync(file, { force: true });
    rmSync(`${file}.wal`, { force: true });
  }
}

/**
 * The peak RSS (MiB) of a fresh process, started as a daemon is, that ingests `path` through the ingest actor into
 * the store that `store` opens (its code defines `sink` and `closeStore`), its folders under `storeDir`. The child
 * runs from a module file, not `--input-type=module -e`: store threads inherit the process's flags, and a worker
 * started on a file with --input-type refuses to start.
 */
async function childPeakRssIngest(path: string, storeDir: string, store: string): Promise<number> {
  mkdirSync(storeDir);
  const code = `const { ingestBehaviour } = await import(${JSON.stringify(ingestIndex)});
const { createSystem } = await import(${JSON.stringify(runtimeIndex)});
const { ParsePool } = await import(${JSON.stringify(formatsIndex)});
const { pino } = await import(${JSON.stringify(import.meta.resolve('pino'))});
const system = createSystem({ name: 'rss', logger: pino({ level: 'silent' }) });
${store}
const parsePool = ${PARSE_THREADS} > 0 ? new ParsePool({ threads: ${PARSE_THREADS} }) : null;
const ingest = system.spawn(ingestBehaviour({ sink, ...(parsePool ? { parsePool } : {}), scanIntervalMs: 0, folders: { inbox: null, zoneInbox: null, processed: ${JSON.stringify(join(storeDir, 'p'))}, quarantine: ${JSON.stringify(join(storeDir, 'q'))} } }));
const reply = await system.ask(ingest, (replyTo) => ({ type: 'ingest.files', paths: [${JSON.stringify(path)}], options: {}, replyTo }), { timeoutMs: 600000 });
if (reply.outcomes?.[0]?.status !== 'committed') throw new Error(JSON.stringify(reply).slice(0, 300));
await closeStore(); await system.terminate(); await parsePool?.close();
${PRINT_PEAK_RSS}`;
  const script = `${storeDir}.mjs`;
  writeFileSync(script, code);
  try {
    const { stdout } = await run(process.execPath, [...daemonProcess.args, script], { maxBuffer: 1 << 20, cwd: join(import.meta.dirname, '..', '..'), env: daemonProcess.env });
    return Number(stdout) / 1024;
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
    rmSync(script, { force: true });
  }
}

/** Peak RSS (MiB) of a fresh process that ingests `path` through the ingest actor into a new DuckDB store file. */
async function childPeakRssEndToEnd(path: string, dir: string): Promise<number> {
  const storeDir = join(dir, `rss-store-${++storeSeq}`);
  return childPeakRssIngest(path, storeDir, `const { createStoreNodeSink } = await import(${JSON.stringify(ingestIndex)});
const { openDuckDbNode } = await import(${JSON.stringify(storeIndex)});
const node = await openDuckDbNode({ path: ${JSON.stringify(join(storeDir, 'store.duckdb'))} });
await node.ensureSchema();
const sink = createStoreNodeSink(node);
const closeStore = () => node.close();`);
}

/**
 * Peak RSS (MiB) of a fresh process that ingests `path` through the ingest actor into the daemon's default store:
 * 3 DuckDB nodes on worker threads, replication factor 2, the daemon's default DuckDB threads and memory per node.
 */
async function childPeakRssDefaultStore(path: string, dir: string): Promise<number> {
  const storeDir = join(dir, `rss-cluster-${++storeSeq}`);
  return childPeakRssIngest(path, storeDir, `const { createStoreCluster, createStoreClusterSink } = await import(${JSON.stringify(storeClusterIndex)});
const cluster = createStoreCluster({ system, dir: ${JSON.stringify(storeDir)}, nodes: ${JSON.stringify(DEFAULT_STORE_NODES)}, replicationFactor: 2 });
await cluster.ready;
const sink = createStoreClusterSink(cluster);
const closeStore = () => cluster.close();`);
}

/**
 * Repeats one pass (which returns its own rate over `rows`) until at least `minMs` were spent, and returns
 * the rate over all passes: a demo file takes a few ms per pass, where a single pass measures mostly warm-up
 * and timer noise. Used for our parser and for the raw reader alike.
 */
async function sustainedRate(rows: number, minMs: number, pass: () => Promise<number>): Promise<number> {
  let ms = 0;
  let passes = 0;
  while (passes === 0 || ms < minMs) {
    ms += (rows * 1000) / (await pass());
    passes++;
  }
  return (rows * passes * 1000) / ms;
}

/** Input rows per second for our parser: every batch consumed, the content hash given (hashing is separate). */
async function parseRate(path: string, rows: number, options: ParseOptions = {}): Promise<number> {
  const { contentHash } = await hashFile(path);
  const t0 = performance.now();
  let seen = 0;
  for await (const ev of ingestFile(path, { ...poolOption(), ...options, contentHash })) if (ev.type === 'batch') seen += ev.batch.rowCount;
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
${PRINT_PEAK_RSS}`;
  const { stdout } = await run(process.execPath, [...daemonProcess.args, '--input-type=module', '-e', code], { maxBuffer: 1 << 20, env: daemonProcess.env });
  return Number(stdout) / 1024;
}

export const scenario: Scenario = {
  area: 'ingest',
  description: 'parse throughput per format vs DuckDB read_csv / exceljs streaming; peak RSS vs file size',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'strata-bench-ingest-'));
    const runs = ctx.quick ? 2 : 5;
    parsePool = PARSE_THREADS > 0 ? new ParsePool({ threads: PARSE_THREADS }) : null;
    ctx.log(`parse threads (the daemon's default here): ${PARSE_THREADS}`);
    try {
      const csvRows = ctx.quick ? 100_000 : 1_000_000;
      // the large backinzo file serves the read_csv section and the peak-RSS one: written once, when one of them runs
      let backinzoFile: Awaited<ReturnType<typeof writeLargeBackinzoCsv>> | undefined;
      const largeBackinzo = async () => {
        if (!backinzoFile) {
          backinzoFile = await writeLargeBackinzoCsv(join(dir, 'backinzo.csv'), csvRows, 1);
          ctx.log(`backinzo CSV: ${csvRows} rows, ${(backinzoFile.sizeBytes / 2 ** 20).toFixed(1)} MiB`);
        }
        return backinzoFile;
      };
      if (ctx.wants('ingest.csv.backinzo')) {
        const backinzo = await largeBackinzo();
        const [duck, ours] = await interleaved(runs, [() => duckdbRate(backinzo.path, csvRows, 7), () => parseRate(backinzo.path, csvRows)]) as [Summary, Summary];
        ctx.emit(compared('ingest.csv.backinzo', 'throughput', 'rows/s', ours, { name: 'DuckDB read_csv into an in-memory table, same file', summary: duck }, { ratio: '>=0.4', value: '>=1000000 rows/s' }));
        // The same figure against DuckDB scanning only what a count and a sum need (its fastest read_csv path).
        const scan = await repeat(runs, () => duckdbScanRate(backinzo.path, csvRows, 7, 'P/L'));
        ctx.emit({ ...compared('ingest.csv.backinzo-vs-scan', 'throughput', 'rows/s', ours, { name: 'DuckDB read_csv count(*) + sum(P/L), projection pushdown', summary: scan }, { ratio: '>=0.4' }), note: 'our parser materialises every column; the baseline parses two' });
      }
      // The same parse on parse threads whatever the default (a config with ingest.parseThreads set): up to 4.
      if (ctx.wants('ingest.csv.backinzo-threads')) {
        const backinzo = await largeBackinzo();
        const threads = Math.max(2, Math.min(4, availableParallelism()));
        const pool = new ParsePool({ threads });
        try {
          const [duck, ours] = await interleaved(runs, [() => duckdbRate(backinzo.path, csvRows, 7), () => parseRate(backinzo.path, csvRows, { parsePool: pool })]) as [Summary, Summary];
          ctx.emit({ ...compared('ingest.csv.backinzo-threads', 'throughput', 'rows/s', ours, { name: 'DuckDB read_csv into an in-memory table, same file', summary: duck }, { ratio: '>=0.4' }), note: `our parser on ${threads} parse threads (ingest.parseThreads: ${threads}; this machine's default is ${PARSE_THREADS})` });
        } finally {
          await pool.close();
        }
      }

      // End to end: hash, detect, parse, journal and write into an embedded DuckDB store file.
      const e2eToFile = ctx.wants('ingest.e2e.csv.backinzo');
      const e2eToCluster = ctx.wants('ingest.e2e.csv.store-cluster');
      if (e2eToFile || e2eToCluster) {
        const e2eRows = ctx.quick ? 20_000 : 200_000;
        const e2eRuns = ctx.quick ? 2 : 5;
        const e2eFile = await writeLargeBackinzoCsv(join(dir, 'e2e.csv'), e2eRows, 6);
        // one run in the quick profile: starting three node threads is most of a 20 K-row run
        const clusterRuns = ctx.quick ? 1 : e2eRuns;
        ctx.log(`end to end, ${e2eRows} rows: into a DuckDB store file (${e2eToFile ? `${e2eRuns} runs` : 'not asked for'}) and into the daemon's default store (3 DuckDB nodes on threads, RF 2; ${e2eToCluster ? `${clusterRuns} run(s)` : 'not asked for'}), interleaved with the baseline`);
        const e2eBaseRun = () => duckdbFileRate(e2eFile.path, e2eRows, 7, dir);
        const e2eOursRun = () => endToEndRate(e2eFile.path, e2eRows, dir, { checkpoint: true });
        const clusterRun = () => endToEndClusterRate(e2eFile.path, e2eRows, dir);
        if (e2eToFile) {
          const [e2eBase, e2eOurs] = await interleaved(e2eRuns, [e2eBaseRun, e2eOursRun]) as [Summary, Summary];
          ctx.emit({ ...compared('ingest.e2e.csv.backinzo', 'throughput', 'rows/s', e2eOurs, { name: 'DuckDB read_csv into a table of a DuckDB file, same file', summary: e2eBase }, { ratio: '>=0.4', value: '>=1000000 rows/s' }), note: `${e2eRows} trade rows through the ingest actor into a DuckDB store file (journal, partition ids, all-or-nothing), then a checkpoint as on the baseline side` });
        }
        if (e2eToCluster) {
          const [clusterBase, clusterOurs] = await interleaved(clusterRuns, [e2eBaseRun, clusterRun]) as [Summary, Summary];
          ctx.emit({ ...compared('ingest.e2e.csv.store-cluster', 'throughput', 'rows/s', clusterOurs, { name: 'DuckDB read_csv into a table of a DuckDB file, same file', summary: clusterBase }, { ratio: '>=0.4' }), note: `${e2eRows} trade rows through the ingest actor into the daemon's default store: 3 DuckDB nodes hosted ${DEFAULT_HOSTING === 'inline' ? 'in-line' : 'on a worker thread each'} (${defaultDuckDbThreads(availableParallelism(), 3)} DuckDB threads each), replication factor 2 (every row written twice), through the load-balancer; until the nodes have closed (checkpointed)` });
        }
      }

      if (ctx.wants('ingest.csv.tradingview')) {
        const tvTrades = ctx.quick ? 30_000 : 300_000;
        const tv = await writeLargeTradingView(join(dir, 'tv.csv'), tvTrades, 'csv', 2);
        ctx.log(`TradingView CSV: ${tv.rows} rows`);
        const [tvDuck, tvOurs] = await interleaved(runs, [() => duckdbRate(tv.path, tv.rows, 0), () => parseRate(tv.path, tv.rows)]) as [Summary, Summary];
        ctx.emit(compared('ingest.csv.tradingview', 'throughput', 'rows/s', tvOurs, { name: 'DuckDB read_csv into an in-memory table, same file', summary: tvDuck }, { ratio: '>=0.4' }));
      }

      // parse and end to end share their baseline runs: one section, whichever of its two lines was asked for
      if (ctx.wants('ingest.xlsx.tradingview') || ctx.wants('ingest.e2e.xlsx.tradingview')) {
        const xTrades = ctx.quick ? 5_000 : 60_000;
        const tvx = await writeLargeTradingView(join(dir, 'tv.xlsx'), xTrades, 'xlsx', 3);
        const xRuns = ctx.quick ? 2 : 3;
        ctx.log(`TradingView XLSX: ${tvx.rows} rows, parse and end to end, ${xRuns} runs`);
        const [xBase, xOurs, xE2e] = await interleaved(xRuns, [
          () => exceljsRate(tvx.path, tvx.rows), () => parseRate(tvx.path, tvx.rows), () => endToEndRate(tvx.path, tvx.rows, dir, { checkpoint: false }),
        ]) as [Summary, Summary, Summary];
        ctx.emit(compared('ingest.xlsx.tradingview', 'throughput', 'rows/s', xOurs, { name: 'exceljs streaming WorkbookReader, same file', summary: xBase }, { ratio: '>=2' }));
        ctx.emit({ ...compared('ingest.e2e.xlsx.tradingview', 'throughput', 'rows/s', xE2e, { name: 'exceljs streaming WorkbookReader (read only), same file', summary: xBase }, { ratio: '>=2' }), note: `${tvx.rows} input rows (${xTrades} trades) through the ingest actor into a DuckDB store file` });
      }

      // The eight formats from one generated dataset (smaller files: fixed costs weigh more).
      if (ctx.wants('ingest.format')) {
        const ds = await generateDataset({ outDir: join(dir, 'ds'), strategies: 4, days: ctx.quick ? 200 : 5000, seed: 11 });
        // quick: 3 runs of ≥ 150 ms a side (2 runs of ≥ 50 ms swung a 733-row workbook's ratio 1.9–3.8× from run to run)
        const formatRuns = ctx.quick ? 3 : 5;
        ctx.log(`the ${ds.files.length} generated demo files, ${formatRuns} runs each`);
        for (const f of ds.files) {
          const name = `ingest.format.${f.format}.${f.file.replace(/^zones\//, '').replace(/\.\w+$/, '')}`;
          if (!ctx.wants(name)) continue;
          const path = join(ds.outDir, f.file);
          const opts: ParseOptions = f.zoneMode ? { zones: { method: 'equal' } } : {};
          let rows = 0;
          for await (const ev of ingestFile(path, opts)) if (ev.type === 'done') rows = ev.summary.rows.trades || ev.summary.rows.daily_pnl;
          const minMs = ctx.quick ? 150 : 300;
          // each run repeats the file for ≥ minMs, ours and the raw reader's runs interleaved
          const oursRun = () => sustainedRate(rows, minMs, () => parseRate(path, rows, opts));
          ctx.log(`  ${f.file}: ${rows} rows`);
          const isCsv = f.file.endsWith('.csv');
          const baseName = isCsv ? 'DuckDB read_csv into an in-memory table, same file' : 'exceljs streaming WorkbookReader, same file (all sheets)';
          const baseRun = isCsv
            ? () => sustainedRate(rows, minMs, () => duckdbRate(path, rows, f.format.startsWith('FORMAT_1') || f.format.startsWith('FORMAT_5') ? 7 : 0))
            : () => sustainedRate(rows, minMs, () => exceljsRate(path, rows));
          let ours: Summary;
          let base: { name: string; summary: Summary } | null = null;
          let why = '';
          let refused: unknown = null;
          const guardedBase = async (): Promise<number> => { try { return await baseRun(); } catch (e) { refused = e; throw e; } };
          try {
            const [o, b] = await interleaved(formatRuns, [oursRun, guardedBase]) as [Summary, Summary];
            ours = o;
            base = { name: baseName, summary: b };
          } catch (e) {
            if (refused === null) throw e; // our parser failed: not a missing baseline
            why = `; no baseline: the raw reader refused the file (${String((refused as Error).message).split('\n')[0]})`;
            ours = await repeat(formatRuns, oursRun);
          }
          ctx.emit({ ...compared(name, 'throughput', 'rows/s', ours, base, isCsv ? { ratio: '>=0.4' } : { ratio: '>=2' }), note: `${f.file}, ${rows} canonical rows (trades, legs or daily cells); each run repeats the file for ≥ ${minMs} ms, on both sides${why}` });
        }
      }

      // Peak RSS: each figure is its own child process, so the parse and the end-to-end lines can run apart.
      const rssParse = ctx.wants('ingest.rss.csv');
      const rssE2e = ctx.wants('ingest.rss.e2e');
      const rssCluster = ctx.wants('ingest.rss.store-cluster');
      if (rssParse || rssE2e || rssCluster) {
        const backinzo = await largeBackinzo();
        const small = await writeLargeBackinzoCsv(join(dir, 'rss-small.csv'), csvRows / 10, 4);
        ctx.log(`peak RSS in child processes: ${rssParse && rssE2e ? 'parse and end to end' : rssParse ? 'parse' : 'end to end'}, ${csvRows / 10} and ${csvRows} rows${ctx.quick ? "" : ` (and ${csvRows * 3})`}`);
        const rssSmall = rssParse ? await childPeakRss(small.path) : 0;
        const rssLarge = rssParse ? await childPeakRss(backinzo.path) : 0;
        const rssE2eSmall = rssE2e ? await childPeakRssEndToEnd(small.path, dir) : 0;
        const rssE2eLarge = rssE2e ? await childPeakRssEndToEnd(backinzo.path, dir) : 0;
        if (rssE2e) ctx.emit({ ...compared('ingest.rss.e2e-large', 'peak RSS', 'MiB', summarise([rssE2eLarge]), { name: `same ingest of a 10× smaller file (${csvRows / 10} rows)`, summary: summarise([rssE2eSmall]) }, { value: RSS_TARGET }), note: `${csvRows} rows through the ingest actor into a DuckDB store file, in a child process started as a daemon is (${daemonCommandPrefix()})` });
        if (rssParse) ctx.emit({ ...compared('ingest.rss.csv-large', 'peak RSS', 'MiB', summarise([rssLarge]), { name: `same parse of a 10× smaller file (${csvRows / 10} rows)`, summary: summarise([rssSmall]) }, { value: RSS_TARGET }), note: `${csvRows} rows, ${(backinzo.sizeBytes / 2 ** 20).toFixed(0)} MiB file, daemon process settings; ratio ≈ 1 means size-independent` });
        if (rssCluster) {
          ctx.log(`peak RSS through the daemon's default store (3 DuckDB nodes ${DEFAULT_HOSTING === 'inline' ? 'in-line' : 'on threads'}, RF 2): ${csvRows / 10} and ${csvRows} rows`);
          const clusterSmall = await childPeakRssDefaultStore(small.path, dir);
          const clusterLarge = await childPeakRssDefaultStore(backinzo.path, dir);
          ctx.emit({ ...compared('ingest.rss.store-cluster', 'peak RSS', 'MiB', summarise([clusterLarge]), { name: `same ingest of a 10× smaller file (${csvRows / 10} rows)`, summary: summarise([clusterSmall]) }, { value: RSS_TARGET }), note: `${csvRows} rows through the ingest actor into the daemon's default store (3 DuckDB nodes hosted ${DEFAULT_HOSTING === 'inline' ? 'in-line' : 'on a worker thread each'}, RF 2, ${defaultDuckDbMemoryLimitMb(3)} MiB of DuckDB memory each), in a child process started as a daemon is; the daemon itself adds its API, jobs and console (docs/store.md)` });
        }
        if (!ctx.quick) {
          // The 10× smaller file ends before the garbage collector reaches its steady heap; a 3× larger file
          // shows whether memory keeps growing with size past that point.
          const huge = await writeLargeBackinzoCsv(join(dir, 'rss-huge.csv'), csvRows * 3, 5);
          const rssHuge = rssParse ? await childPeakRss(huge.path) : 0;
          const rssE2eHuge = rssE2e ? await childPeakRssEndToEnd(huge.path, dir) : 0;
          rmSync(huge.path, { force: true });
          if (rssParse) ctx.emit({ ...compared('ingest.rss.csv-3x', 'peak RSS', 'MiB', summarise([rssHuge]), { name: `same parse of the ${csvRows}-row file`, summary: summarise([rssLarge]) }, { value: RSS_TARGET }), note: `${csvRows * 3} rows; ratio ≈ 1 means size-independent` });
          if (rssE2e) ctx.emit({ ...compared('ingest.rss.e2e-3x', 'peak RSS', 'MiB', summarise([rssE2eHuge]), { name: `same ingest of the ${csvRows}-row file`, summary: summarise([rssE2eLarge]) }, { value: RSS_TARGET }), note: `${csvRows * 3} rows through the ingest actor into a DuckDB store file (its default memory cap, 128 MiB); ratio ≈ 1 means size-independent` });
        }
      }
    } finally {
      await parsePool?.close();
      parsePool = null;
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
