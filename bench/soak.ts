// `npm run soak -- [--minutes 60] [--out DIR] …`: a long-running check of `strata up` as operators run it. It
// starts the daemon in a child process with the daemon's process settings, drives it over REST and WebSocket the
// way a team does (a new file uploaded and ingested every second, an optimisation job after every few, an event
// client per upload, status and console snapshots), samples its RSS and heap, and reports whether they level off.
// Not a benchmark: there is no baseline, and a figure here is the daemon's memory over time.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../cluster/cli/process-settings.ts';
import { tradingDays, writeLargeBackinzoCsv } from '../engine/formats/index.ts';
import { benchError } from './report/errors.ts';

const CLI = join(import.meta.dirname, '..', 'cluster', 'cli', 'main.ts');
const ALGORITHMS = ['nsga2', 'genetic-algorithm', 'simulated-annealing', 'tpe'] as const;
const MAX_JOBS_IN_FLIGHT = 2;
const MIB = 2 ** 20;

export interface SoakOptions {
  readonly minutes: number;
  readonly outDir: string;
  /** trades per uploaded Backinzo file (400 per trading day) */
  readonly rows: number;
  /** pause between one upload's end and the next upload */
  readonly everyMs: number;
  /** a job after every this many uploads; 0: no jobs */
  readonly jobEvery: number;
  readonly evaluations: number;
  /**
   * the most strategies a job reads (its universe's maxStrategies); null: every strategy stored, so each job's
   * matrix grows with every upload (each upload is a new strategy)
   */
  readonly universe: number | null;
  readonly sampleS: number;
  readonly readyTimeoutS: number;
  /** a config file for the daemon (`strata up --config`): soak the settings you run with */
  readonly config: string | null;
}

export interface SoakSample {
  readonly minute: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly externalMiB: number;
  /** DuckDB's own memory summed over the embedded store nodes (strata_store_node_memory_bytes), MiB */
  readonly storeMiB: number;
  /** V8 heap and external memory summed over the threads hosting the store nodes (strata_store_node_host_heap_bytes), MiB */
  readonly storeHeapMiB: number;
  /** the daemon process's memory by kind of mapping (/proc/PID/status and smaps) */
  readonly mapped: ProcessMemory;
  readonly uploads: number;
  readonly committed: number;
  readonly jobsCompleted: number;
  readonly jobsFailed: number;
  readonly errors: number;
}

/**
 * A process's resident memory by kind, from /proc: what a rise of RSS that no heap or DuckDB figure explains is
 * made of. `mallocHeapMiB` is glibc's main arena (the brk heap, `[heap]`); `mallocArenasMiB` the anonymous
 * mappings that start on a 64 MiB boundary, which is where glibc puts the arenas of other threads (an
 * approximation: another mapping can start there too); `otherAnonMiB` the rest of the anonymous memory (V8's
 * heaps, DuckDB's buffer memory, which it maps itself, large malloc blocks, stacks).
 */
export interface ProcessMemory {
  readonly threads: number;
  readonly rssAnonMiB: number;
  readonly rssFileMiB: number;
  readonly mallocHeapMiB: number;
  readonly mallocArenasMiB: number;
  readonly otherAnonMiB: number;
}

const ARENA_ALIGN = 64n * 1024n * 1024n;
const MAPPING = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/;

/** Reads /proc/PID/status and /proc/PID/smaps (Linux). */
export function processMemoryOf(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  let heap = 0;
  let arenas = 0;
  let other = 0;
  let kind: 'heap' | 'arena' | 'anon' | 'file' = 'file';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = MAPPING.exec(line);
    if (m) {
      const name = m[2]!;
      kind = name === '[heap]' ? 'heap' : name.startsWith('/') || name.startsWith('anon_inode:') ? 'file' : name === '' && BigInt(`0x${m[1]!}`) % ARENA_ALIGN === 0n ? 'arena' : 'anon';
    } else if (line.startsWith('Rss:')) {
      const kb = Number(line.slice(4).trim().split(' ')[0]);
      if (kind === 'heap') heap += kb;
      else if (kind === 'arena') arenas += kb;
      else if (kind === 'anon') other += kb;
    }
  }
  const mib = (kb: number): number => Math.round(kb / 1024);
  return {
    threads: field('Threads'), rssAnonMiB: mib(field('RssAnon')), rssFileMiB: mib(field('RssFile')),
    mallocHeapMiB: mib(heap), mallocArenasMiB: mib(arenas), otherAnonMiB: mib(other),
  };
}

export interface SeriesSummary {
  readonly first: number;
  readonly max: number;
  readonly last: number;
  /** least-squares slope over the second half of the samples, MiB per hour (null: fewer than 4 samples there) */
  readonly slopeMiBPerHour: number | null;
}

export interface SoakSummary {
  readonly minutes: number;
  readonly samples: number;
  readonly uploads: number;
  readonly committed: number;
  readonly jobsCompleted: number;
  readonly jobsFailed: number;
  readonly errors: number;
  /** the first few error messages */
  readonly errorMessages: readonly string[];
  readonly rss: SeriesSummary;
  readonly heapUsed: SeriesSummary;
  /** DuckDB's own memory over the store nodes: how much of the RSS is their caches */
  readonly store: SeriesSummary;
  /** the store threads' V8 heaps and external memory */
  readonly storeHeap: SeriesSummary;
  /** glibc's heaps: the main arena and the threads' arenas (ProcessMemory) */
  readonly malloc: SeriesSummary;
  /** the rest of the anonymous memory (ProcessMemory.otherAnonMiB: V8's heaps, DuckDB's buffers, stacks) */
  readonly otherAnon: SeriesSummary;
  /** the daemon's threads: first, most and last sample */
  readonly threads: { readonly first: number; readonly max: number; readonly last: number };
  /** the daemon stopped with exit status 0 within 60 s of SIGTERM */
  readonly stoppedCleanly: boolean;
  /** why the soak ended before its time (the signal the driver got, e.g. 'SIGINT'); null when it ran its length */
  readonly stoppedEarly: string | null;
  readonly outDir: string;
}

export interface SoakIo {
  /** the summary as one JSON line (stdout) */
  out(text: string): void;
  /** progress (stderr) */
  err(text: string): void;
}

const processIo: SoakIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/** Least-squares slope of y over x; null with fewer than two distinct x. */
export function slope(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** First, max, last and the slope over the second half (where a cache that fills early has done so). */
export function summariseSeries(minutes: readonly number[], values: readonly number[]): SeriesSummary {
  const half = Math.floor(values.length / 2);
  const tail = values.length - half;
  const perMinute = tail >= 4 ? slope(minutes.slice(half), values.slice(half)) : null;
  return {
    first: values[0] ?? 0,
    max: values.length ? Math.max(...values) : 0,
    last: values[values.length - 1] ?? 0,
    slopeMiBPerHour: perMinute === null ? null : Math.round(perMinute * 60 * 10) / 10,
  };
}

export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' }, out: { type: 'string' }, rows: { type: 'string' }, 'every-ms': { type: 'string' },
      'job-every': { type: 'string' }, evaluations: { type: 'string' }, universe: { type: 'string' }, 'sample-s': { type: 'string' }, 'ready-timeout-s': { type: 'string' },
      config: { type: 'string' },
    },
  });
  const num = (name: string, text: string | undefined, fallback: number, ok: (n: number) => boolean, what: string): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || !ok(n)) throw benchError('STRATA_BENCH_BAD_OPTION', `--${name} wants ${what}, got "${text}"`, { option: name, value: text });
    return n;
  };
  const int = (n: number) => Number.isInteger(n);
  const options: SoakOptions = {
    minutes: num('minutes', v.minutes, 60, (n) => n > 0 && n <= 7 * 24 * 60, 'a number of minutes above 0 (at most a week)'),
    outDir: v.out ?? join(tmpdir(), `strata-soak-${new Date().toISOString().replace(/[:.]/g, '-')}`),
    rows: num('rows', v.rows, 2_000, (n) => int(n) && n >= 10 && n <= 1_000_000, 'a whole number of trades per file, 10 to 1,000,000'),
    everyMs: num('every-ms', v['every-ms'], 1_000, (n) => n >= 0 && n <= 3_600_000, 'a pause in ms between uploads, 0 to 3,600,000'),
    jobEvery: num('job-every', v['job-every'], 6, (n) => int(n) && n >= 0, 'a whole number of uploads per job (0: no jobs)'),
    universe: v.universe === undefined ? null : num('universe', v.universe, 0, (n) => int(n) && n >= 4 && n <= 1_000_000, 'a whole number of strategies per job, 4 to 1,000,000'),
    evaluations: num('evaluations', v.evaluations, 3_000, (n) => int(n) && n >= 100 && n <= 10_000_000, 'a whole number of evaluations per job, 100 to 10,000,000'),
    sampleS: num('sample-s', v['sample-s'], 60, (n) => n >= 1, 'seconds between samples, at least 1'),
    readyTimeoutS: num('ready-timeout-s', v['ready-timeout-s'], 120, (n) => n > 0, 'a positive number of seconds'),
    config: v.config ?? null,
  };
  if (options.config !== null && !existsSync(options.config)) throw benchError('STRATA_BENCH_BAD_OPTION', `--config names no file: ${options.config}`, { option: 'config', value: options.config });
  // the daemon's data would be an earlier soak's: its uploads come back as duplicates and its store is not fresh
  if (existsSync(join(options.outDir, 'data'))) throw benchError('STRATA_BENCH_BAD_OPTION', `--out ${options.outDir} holds an earlier soak's daemon data (data/); a soak starts a fresh daemon: name a new folder`, { option: 'out', value: options.outDir });
  return options;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const rssMiBOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

const metricOf = (text: string, name: string): number => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
};

/** The sum of a metric over all its label sets (0 when it has none). */
const metricSum = (text: string, name: string): number => {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** sleep(ms), over as soon as `stop` is aborted */
const pause = (ms: number, stop: AbortSignal | undefined): Promise<void> => new Promise<void>((resolve) => {
  if (stop?.aborted) return resolve();
  const done = (): void => { clearTimeout(timer); stop?.removeEventListener('abort', done); resolve(); };
  const timer = setTimeout(done, ms);
  stop?.addEventListener('abort', done, { once: true });
});

/** Polls an upload until it leaves 'stored'/'processing'; its final state, or why it has none. */
async function uploadOutcome(base: string, headers: Record<string, string>, id: string, gone: () => boolean): Promise<string> {
  const end = Date.now() + 600_000;
  for (;;) {
    const r = await fetch(`${base}/api/v1/consolidator/uploads/${id}`, { headers });
    const u = (await r.json()) as { state?: string; outcome?: { code?: string; message?: string } | null };
    if (!r.ok) return `${r.status} ${JSON.stringify(u)}`;
    if (u.state !== 'stored' && u.state !== 'processing') return u.state === 'committed' ? 'committed' : `${u.state}: ${u.outcome?.code ?? ''} ${u.outcome?.message ?? ''}`;
    if (gone()) return 'the daemon ended while it was processing';
    if (Date.now() > end) return 'still processing after 10 minutes';
    await sleep(25);
  }
}

/**
 * Runs the soak; resolves with its summary (also written to outDir/summary.json). `stop` ends it early: the
 * upload under way finishes, jobs in flight are awaited, a last sample is taken and the daemon is stopped with
 * SIGTERM as at the end of a full run (`npm run soak` wires Ctrl-C and SIGTERM to it).
 */
export async function runSoak(o: SoakOptions, io: SoakIo = processIo, stop?: AbortSignal): Promise<SoakSummary> {
  mkdirSync(join(o.outDir, 'files'), { recursive: true });
  const samplesPath = join(o.outDir, 'samples.jsonl');
  writeFileSync(samplesPath, '');
  const logPath = join(o.outDir, 'daemon.log');
  const log = createWriteStream(logPath);
  // the daemon's operator token for this run only; the API refuses anything without it
  const token = randomBytes(24).toString('hex');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${token}` };
  io.err(`soak: strata up on ${base} for ${o.minutes} min; samples every ${o.sampleS} s into ${samplesPath}; daemon log ${logPath}\n`);
  const daemon: ChildProcess = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, 'up', '--no-demo', '--data-dir', join(o.outDir, 'data'), '--port', String(port), '--log-level', 'warn', ...(o.config ? ['--config', o.config] : [])], {
    env: { ...process.env, ...DAEMON_ENV, STRATA_API_TOKEN: token, STRATA_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // a process group of its own: a Ctrl-C in the terminal reaches the driver alone, which takes a last sample
    // and then stops the daemon itself (the daemon would otherwise stop first and the soak end as a failure)
    detached: true,
  });
  // and should the driver itself end some other way, the daemon does not outlive it
  const killOnExit = (): void => { if (!exited) daemon.kill('SIGKILL'); };
  process.on('exit', killOnExit);
  daemon.stdout!.pipe(log, { end: false });
  daemon.stderr!.pipe(log, { end: false });
  let exited: string | null = null;
  const exitedP = new Promise<number | null>((resolve) => daemon.once('exit', (code, signal) => { exited = `exit ${code ?? signal}`; resolve(code); }));
  const failed = (why: string) => benchError('STRATA_BENCH_SOAK_FAILED', `${why}; the daemon's log: ${logPath}`, { log: logPath });

  let uploads = 0;
  let committed = 0;
  let jobsCompleted = 0;
  let jobsFailed = 0;
  let errors = 0;
  const errorMessages: string[] = [];
  const error = (what: string) => {
    errors++;
    if (errorMessages.length < 10) errorMessages.push(what.slice(0, 300));
  };
  const samples: SoakSample[] = [];
  const t0 = Date.now();
  try {
    for (const deadline = Date.now() + o.readyTimeoutS * 1000; ;) {
      if (exited) throw failed(`the daemon ended before it was ready (${exited})`);
      if (stop?.aborted) throw failed(`stopped (${stopReason(stop)}) before the daemon was ready`);
      if (Date.now() > deadline) throw failed(`the daemon was not ready within ${o.readyTimeoutS} s`);
      try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not listening yet */ }
      await sleep(200);
    }
    const sample = async (): Promise<void> => {
      const text = await (await fetch(`${base}/metrics`, { headers })).text();
      const s: SoakSample = {
        minute: Math.round(((Date.now() - t0) / 60_000) * 100) / 100,
        rssMiB: Math.round(rssMiBOf(daemon.pid!)),
        heapUsedMiB: Math.round(metricOf(text, 'strata_nodejs_heap_size_used_bytes') / MIB),
        externalMiB: Math.round(metricOf(text, 'strata_nodejs_external_memory_bytes') / MIB),
        storeMiB: Math.round(metricSum(text, 'strata_store_node_memory_bytes') / MIB),
        storeHeapMiB: Math.round(metricSum(text, 'strata_store_node_host_heap_bytes') / MIB),
        mapped: processMemoryOf(daemon.pid!),
        uploads, committed, jobsCompleted, jobsFailed, errors,
      };
      samples.push(s);
      appendFileSync(samplesPath, `${JSON.stringify(s)}\n`);
      io.err(`[${s.minute.toFixed(1).padStart(6)} min] rss ${s.rssMiB} MiB, heap ${s.heapUsedMiB} MiB, external ${s.externalMiB} MiB, DuckDB ${s.storeMiB} MiB, store threads ${s.storeHeapMiB} MiB, malloc ${s.mapped.mallocHeapMiB}+${s.mapped.mallocArenasMiB} MiB, other anon ${s.mapped.otherAnonMiB} MiB, ${s.mapped.threads} threads; uploads ${uploads} (${committed} committed), jobs ${jobsCompleted} done ${jobsFailed} failed, errors ${errors}\n`);
    };
    await sample();
    const days = tradingDays(Math.max(1, Math.ceil(o.rows / 400)));
    const runJob = async (n: number): Promise<void> => {
      const algorithm = ALGORITHMS[n % ALGORITHMS.length]!;
      try {
        const r = await fetch(`${base}/api/v1/optimizer/jobs`, {
          method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({
            dateRange: { from: days[0], to: days[days.length - 1] },
            ...(o.universe !== null ? { universe: { maxStrategies: o.universe } } : {}),
            problem: { objectives: algorithm === 'nsga2' ? ['netProfit', 'maxDrawdown'] : ['ratio'], kMin: 2, kMax: 4 },
            algorithm: { id: algorithm }, budget: { evaluations: o.evaluations }, seed: n,
          }),
        });
        const job = (await r.json()) as { id?: string };
        if (!r.ok || !job.id) return error(`job submit: ${r.status} ${JSON.stringify(job)}`);
        for (;;) {
          await sleep(300);
          const j = (await (await fetch(`${base}/api/v1/optimizer/jobs/${job.id}`, { headers })).json()) as { state?: string; error?: unknown };
          if (j.state === 'completed') {
            const res = await fetch(`${base}/api/v1/optimizer/jobs/${job.id}/result`, { headers });
            await res.arrayBuffer();
            if (res.ok) jobsCompleted++;
            else error(`job ${job.id} result: ${res.status}`);
            return;
          }
          if (j.state === 'failed' || j.state === 'cancelled') {
            jobsFailed++;
            return error(`job ${job.id} (${algorithm}) ${j.state}: ${JSON.stringify(j.error ?? null)}`);
          }
          if (exited) return;
        }
      } catch (e) {
        error(`job: ${(e as Error).message}`);
      }
    };
    const jobs = new Set<Promise<void>>();
    let nextSample = Date.now() + o.sampleS * 1000;
    const end = t0 + o.minutes * 60_000;
    while (Date.now() < end && !stop?.aborted) {
      if (exited) throw failed(`the daemon ended during the soak (${exited})`);
      const i = uploads++;
      const name = `soak-${i}.csv`;
      const file = join(o.outDir, 'files', name);
      await writeLargeBackinzoCsv(file, o.rows, i + 1);
      // an event-stream client for the length of each upload: connects and disconnects are part of the load
      const events = new WebSocket(`ws://127.0.0.1:${port}/api/v1/events?topics=consolidator,optimizer&token=${token}`);
      events.on('error', () => undefined);
      try {
        const r = await fetch(`${base}/api/v1/consolidator/uploads?name=${name}&process=true`, {
          method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: readFileSync(file),
        });
        const u = (await r.json()) as { id?: string };
        if (!r.ok || !u.id) error(`upload ${name}: ${r.status} ${JSON.stringify(u)}`);
        else {
          // processing runs on after the 202: the upload's own route says when it is done and how
          const state = await uploadOutcome(base, headers, u.id, () => exited !== null);
          if (state === 'committed') committed++;
          else error(`upload ${name}: ${state}`);
        }
      } catch (e) {
        error(`upload ${name}: ${(e as Error).message}`);
      } finally {
        rmSync(file, { force: true });
      }
      await fetch(`${base}/api/v1/status`, { headers }).then((r) => r.arrayBuffer()).catch((e: Error) => error(`status: ${e.message}`));
      await fetch(`${base}/api/v1/admin/snapshot`, { headers }).then((r) => r.arrayBuffer()).catch((e: Error) => error(`snapshot: ${e.message}`));
      events.terminate();
      // the jobs pick 2 to 4 strategies: the first waits until the store holds four
      if (o.jobEvery > 0 && (i + 1) % o.jobEvery === 0 && committed >= 4) {
        const p: Promise<void> = runJob(i).finally(() => jobs.delete(p));
        jobs.add(p);
      }
      while (jobs.size >= MAX_JOBS_IN_FLIGHT) await Promise.race(jobs);
      if (o.everyMs > 0) await pause(o.everyMs, stop);
      if (Date.now() >= nextSample) {
        nextSample += o.sampleS * 1000;
        await sample();
      }
    }
    await Promise.all(jobs);
    await sample();
  } finally {
    if (!exited) daemon.kill('SIGTERM');
  }
  let stopTimer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exitedP, new Promise<'timeout'>((resolve) => { stopTimer = setTimeout(() => resolve('timeout'), 60_000); })]);
  // (a timer left running kept the driver alive for a minute after every soak)
  clearTimeout(stopTimer);
  if (code === 'timeout') daemon.kill('SIGKILL');
  process.off('exit', killOnExit);
  log.end();
  const minutes = samples.map((s) => s.minute);
  const summary: SoakSummary = {
    minutes: Math.round(((Date.now() - t0) / 60_000) * 100) / 100,
    samples: samples.length, uploads, committed, jobsCompleted, jobsFailed, errors, errorMessages,
    rss: summariseSeries(minutes, samples.map((s) => s.rssMiB)),
    heapUsed: summariseSeries(minutes, samples.map((s) => s.heapUsedMiB)),
    store: summariseSeries(minutes, samples.map((s) => s.storeMiB)),
    storeHeap: summariseSeries(minutes, samples.map((s) => s.storeHeapMiB)),
    malloc: summariseSeries(minutes, samples.map((s) => s.mapped.mallocHeapMiB + s.mapped.mallocArenasMiB)),
    otherAnon: summariseSeries(minutes, samples.map((s) => s.mapped.otherAnonMiB)),
    threads: { first: samples[0]?.mapped.threads ?? 0, max: Math.max(0, ...samples.map((s) => s.mapped.threads)), last: samples.at(-1)?.mapped.threads ?? 0 },
    stoppedCleanly: code === 0,
    stoppedEarly: stop?.aborted ? stopReason(stop) : null,
    outDir: o.outDir,
  };
  writeFileSync(join(o.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const slopeText = (s: SeriesSummary) => (s.slopeMiBPerHour === null ? 'too few samples for a slope' : `${s.slopeMiBPerHour} MiB/h over the second half`);
  if (summary.stoppedEarly !== null) io.err(`soak: stopped early (${summary.stoppedEarly}) after ${summary.minutes} of ${o.minutes} min\n`);
  io.err(`soak: ${summary.minutes} min, ${uploads} uploads (${committed} committed), ${jobsCompleted} jobs done, ${jobsFailed} failed, ${errors} errors\n`);
  io.err(`  rss  ${summary.rss.first} → max ${summary.rss.max} → ${summary.rss.last} MiB; ${slopeText(summary.rss)}\n`);
  io.err(`  heap ${summary.heapUsed.first} → max ${summary.heapUsed.max} → ${summary.heapUsed.last} MiB; ${slopeText(summary.heapUsed)}\n`);
  io.err(`  DuckDB (store nodes) ${summary.store.first} → max ${summary.store.max} → ${summary.store.last} MiB; ${slopeText(summary.store)}\n`);
  io.err(`  store threads' heaps ${summary.storeHeap.first} → max ${summary.storeHeap.max} → ${summary.storeHeap.last} MiB; ${slopeText(summary.storeHeap)}\n`);
  io.err(`  glibc malloc heaps ${summary.malloc.first} → max ${summary.malloc.max} → ${summary.malloc.last} MiB; ${slopeText(summary.malloc)}\n`);
  io.err(`  other anonymous memory ${summary.otherAnon.first} → max ${summary.otherAnon.max} → ${summary.otherAnon.last} MiB; ${slopeText(summary.otherAnon)}\n`);
  io.err(`  threads ${summary.threads.first} → max ${summary.threads.max} → ${summary.threads.last}\n`);
  if (!summary.stoppedCleanly) io.err(`  the daemon did not stop cleanly on SIGTERM (${code === 'timeout' ? 'still running after 60 s: killed' : `exit status ${String(code)}`})\n`);
  for (const m of errorMessages) io.err(`  error: ${m}\n`);
  io.out(`${JSON.stringify(summary)}\n`);
  return summary;
}

const stopReason = (stop: AbortSignal): string => (typeof stop.reason === 'string' ? stop.reason : 'stopped');

/**
 * The command line; returns the exit status: 0 clean, 1 errors or an unclean stop, 2 usage. A soak stopped
 * early through `stop` that otherwise went well is clean: its summary says it was stopped early.
 */
export async function main(argv: readonly string[], io: SoakIo = processIo, stop?: AbortSignal): Promise<number> {
  let options: SoakOptions;
  try {
    options = parseSoakArgs(argv);
  } catch (e) {
    const err = e as Error & { code?: string };
    io.err(`${err.code ? `${err.code}: ` : ''}${err.message}\nusage: npm run soak -- [--minutes 60] [--out DIR] [--rows 2000] [--every-ms 1000] [--job-every 6] [--evaluations 3000] [--universe N] [--sample-s 60] [--ready-timeout-s 120] [--config FILE]\n`);
    return 2;
  }
  try {
    const s = await runSoak(options, io, stop);
    return s.errors === 0 && s.stoppedCleanly ? 0 : 1;
  } catch (e) {
    const err = e as Error & { code?: string };
    io.err(`${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    return 1;
  }
}

if (process.argv[1] && existsSync(process.argv[1]) && import.meta.filename === process.argv[1]) {
  // the first Ctrl-C (or SIGTERM, SIGHUP) ends the soak early with its summary; a second one ends the driver at
  // once (its exit handler kills the daemon)
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stop.signal.aborted) process.exit(130);
      process.stderr.write(`soak: ${sig}: finishing the upload under way, a last sample, then stopping the daemon (again to quit at once)\n`);
      stop.abort(sig);
    });
  }
  process.exitCode = await main(process.argv.slice(2), processIo, stop.signal);
}
