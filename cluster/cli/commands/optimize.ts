// `strata optimize [options]`: builds an optimisation job spec from flags (or --spec FILE) and runs it where
// the target says (cluster/cli/commands/target.ts), with a progress bar, then prints the best portfolio with
// its validation figures:
//   - a store folder (--store DIR, or no running daemon): in this process through the job service (durable
//     journal in <store>/jobs, P&L from the embedded store or a --generated universe); a rerun with the same
//     --key after a crash resumes the same job from its last checkpoint;
//   - a daemon (--url / --token / --data-dir, STRATA_URL, or the daemon `strata up` recorded when it
//     answers): submitted through its REST API (POST /api/v1/optimizer/jobs, --key as the spec's
//     idempotencyKey), followed by polling the job until it finishes, and its result fetched; the daemon's
//     own pool and store apply, so --threads and --generated are usage errors there.
// --detach only queues the job. Exit 0 completed (or queued with --detach), 1 refused / failed / cancelled,
// 2 usage error. Also the store-folder plumbing `strata jobs` shares.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { etaText, stderrBar } from './progress-bar.ts';
import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import { createStoreNodeSink, type StoredFile } from '../../../actors/ingest/index.ts';
import { createJobService, type JobEvent, type JobService } from '../../../actors/job-scheduler/index.ts';
import { createGeneratedMatrixSource, createStoreMatrixSource, PRIORITIES, type JobResult, type MatrixSource } from '../../../engine/jobs/index.ts';
import { openDuckDbNode, type StoreNode } from '../../../engine/store/index.ts';
import { METRIC_SENSE } from '../../../engine/portfolio/index.ts';
import { createSystem, type ActorSystem } from '../../../runtime/index.ts';
import { apiGet, apiGetPatiently, apiPost, type Connection } from '../../api/client.ts';
import type { JobView as DaemonJobView } from '../../daemon/services.ts';
import { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, positiveInt, processIo, usageExits, type CliIo } from './inspect.ts';
import { daemonStoredFiles, resolveFileRef } from './stored-file-ref.ts';
import { addTargetFlags, targetFor, type Target } from './target.ts';

export { DEFAULT_STORE_DIR } from './target.ts';

/** The job journal folder and the store file inside a --store folder (the ingest command's layout). */
export function jobsLayout(dir: string): { jobsDir: string; storeFile: string } {
  const root = resolve(dir);
  return { jobsDir: join(root, 'jobs'), storeFile: join(root, 'store.duckdb') };
}

/** A matrix source over the store folder's DuckDB file, opened on the first load only. */
export function lazyStoreSource(storeFile: string): MatrixSource & { close(): Promise<void> } {
  let node: Promise<StoreNode> | null = null;
  return {
    async load(query) {
      node ??= openDuckDbNode({ path: storeFile });
      return createStoreMatrixSource({ nodes: [{ node: await node }] }).load(query);
    },
    async close() { if (node) await (await node).close(); },
  };
}

export function parseGenerated(value: string): { nStrategies: number; nDays: number; seed: number } {
  const m = /^(\d+)x(\d+)(?::(\d+))?$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected STRATEGIESxDAYS[:SEED], e.g. 200x750, got ${JSON.stringify(value)}`);
  return { nStrategies: Number(m[1]), nDays: Number(m[2]), seed: m[3] !== undefined ? Number(m[3]) : 1 };
}

export interface JobsSession {
  readonly system: ActorSystem;
  readonly service: JobService;
  close(): Promise<void>;
}

/** The job service over a store folder, in this process. `runners: 0` only edits and reads the journal. */
export async function openJobsSession(options: {
  readonly store: string; readonly runners: number; readonly threads?: number; readonly generated?: { nStrategies: number; nDays: number; seed: number };
  readonly onEvent?: (e: JobEvent) => void;
}): Promise<JobsSession> {
  const layout = jobsLayout(options.store);
  await mkdir(layout.jobsDir, { recursive: true });
  const store = options.generated ? null : lazyStoreSource(layout.storeFile);
  const system = createSystem({ name: 'strata-jobs', logger: pino({ level: process.env['STRATA_LOG_LEVEL'] ?? 'silent' }) });
  try {
    const service = await createJobService({
      system, dir: layout.jobsDir, matrixSource: options.generated ? createGeneratedMatrixSource(options.generated) : store!,
      runners: options.runners,
      ...(options.threads !== undefined ? { poolThreads: options.threads } : options.runners === 0 ? { poolThreads: 1 } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    return { system, service, async close() { await service.close(); await system.terminate(); await store?.close(); } };
  } catch (e) {
    await system.terminate();
    await store?.close();
    throw e;
  }
}

export function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string; data?: { issues?: { path: string; message: string }[] } };
  const lines = [`${err.code ?? 'error'}: ${err.message ?? String(e)}`];
  const issues = err.data?.issues ?? [];
  // one issue is usually the message itself: listed again only when it says more
  const said = issues.length === 1 && lines[0]!.includes(`${issues[0]!.path}: ${issues[0]!.message}`);
  if (!said) for (const i of issues) lines.push(`  - ${i.path}: ${i.message}`);
  return `${lines.join('\n')}\n`;
}

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(x));
/** A figure as the CLI prints it: thousands separators, at most `digits` decimals. */
export const formatNumber = fmt;

/** `job`: only its id is printed (a journal's JobView, a daemon's, or just `{ id }`). */
export function resultText(job: { readonly id: string }, r: JobResult): string {
  const lines = [`${job.id}: completed · ${r.algorithm.id}${r.algorithm.recommended ? ' (recommended)' : ''} · ${r.evaluations.toLocaleString('en-US')} evaluations · ${r.nStrategies} strategies × ${r.days.count} days (${r.days.first} … ${r.days.last})`];
  const b = r.best;
  if (b) {
    const m = b.metrics;
    lines.push(`best portfolio (${b.strategyIds.length}): ${b.strategyIds.join(', ')}`);
    if (b.weights) lines.push(`  weights: ${b.weights.map((w) => fmt(w, 3)).join(', ')}`);
    lines.push(`  net profit ${fmt(m.netProfit)} · max drawdown ${fmt(m.maxDrawdown)} · ratio ${fmt(m.ratio, 3)} · Sharpe ${fmt(m.sharpe, 3)} · Sortino ${fmt(m.sortino, 3)} · win rate ${fmt(m.winRate * 100, 1)}%`);
    if (b.deflatedSharpe) lines.push(`  deflated Sharpe: probability ${fmt(b.deflatedSharpe.probability, 3)} over ${b.deflatedSharpe.trials.toLocaleString('en-US')} trials`);
    if (b.bootstrap) lines.push(`  bootstrap 95%: Sharpe ${fmt(b.bootstrap.sharpe.lower, 3)} … ${fmt(b.bootstrap.sharpe.upper, 3)} · ratio ${fmt(b.bootstrap.ratio.lower, 3)} … ${fmt(b.bootstrap.ratio.upper, 3)}`);
    if (b.walkForward) lines.push(`  walk-forward (${b.walkForward.folds.length} folds): out-of-sample net profit ${fmt(b.walkForward.outOfSample.netProfit)}, Sharpe ${fmt(b.walkForward.outOfSample.sharpe, 3)}, efficiency ${fmt(b.walkForward.efficiency, 3)}`);
  }
  if (r.front.length > 1) lines.push(`Pareto front: ${r.front.length} portfolios`);
  lines.push(`state digest ${r.stateDigest.slice(0, 16)}…`);
  return `${lines.join('\n')}\n`;
}

/** One job's progress as both job layers report it: the scheduler's RunProgress and the daemon's JobProgressView. */
export interface JobProgressFigures {
  readonly evaluations: number;
  /** the evaluation budget, or null for a wall-time-only job */
  readonly budget: number | null;
  readonly evaluationsPerSec: number;
  readonly etaMs: number | null;
  /** the best candidate's primary objective as the engine reports it (negated where the user maximises),
   *  null before the first one */
  readonly best: number | null;
  /** the primary objective's metric (e.g. netProfit): the bar then shows it by name, with its own sign */
  readonly bestMetric?: string;
}

/** "netProfit 289,246.83" for an engine objective value of the named metric (maximised ones come negated). */
export function objectiveText(value: number | null, metric: string | undefined): string {
  if (value === null) return '-';
  if (metric === undefined || !Object.hasOwn(METRIC_SENSE, metric)) return fmt(value, 3);
  return `${metric} ${fmt(METRIC_SENSE[metric as keyof typeof METRIC_SENSE] === 'maximise' ? -value : value, 3)}`;
}

/** A cli-progress bar on stderr for job progress (`strata optimize`, `strata jobs run`, `strata up`'s demo
 *  job): the first draw starts it, stop() clears it; drawing again after stop() starts a fresh one. */
export function jobProgressBar(): { draw(job: string, p: JobProgressFigures): void; stop(): void } {
  const bar = stderrBar('{job} [{bar}] {percentage}% | {evals} evaluations | {rate}/s | best {best} | ETA {etaText}');
  return {
    draw(job, p) {
      const payload = { job, evals: p.evaluations.toLocaleString('en-US'), rate: Math.round(p.evaluationsPerSec).toLocaleString('en-US'), best: objectiveText(p.best, p.bestMetric), etaText: etaText(p.etaMs) };
      bar.draw(p.budget ?? Math.max(1, p.evaluations), p.evaluations, payload);
    },
    stop: () => bar.stop(),
  };
}

/** `primaryOf(jobId)`: the job's primary objective metric, when the caller knows its spec. */
export function progressBar(io: CliIo, primaryOf: (id: string) => string | undefined = () => undefined): { onEvent(e: JobEvent): void; stop(): void } {
  if (!io.interactive) return { onEvent() {}, stop() {} };
  const bar = jobProgressBar();
  const primary = (id: string): { bestMetric?: string } => { const m = primaryOf(id); return m === undefined ? {} : { bestMetric: m }; };
  return {
    onEvent(e) {
      if (e.type === 'job.progressed') {
        const p = e.progress;
        bar.draw(e.id, { evaluations: p.evaluations, budget: p.budget, evaluationsPerSec: p.evaluationsPerSec, etaMs: p.etaMs, best: p.best ? p.best.objectives[0]! : null, ...(primary(e.id)) });
      } else if (e.type === 'job.completed' || e.type === 'job.failed' || e.type === 'job.cancelled') {
        bar.stop();
      }
    },
    stop: () => bar.stop(),
  };
}

interface OptimizeFlags {
  store?: string; url?: string; token?: string; dataDir?: string; spec?: string; algorithm: string; objectives: string; k?: number; kMin?: number; kMax?: number;
  from: string; to: string; zone?: string; underlyings?: string; strategyTypes?: string; maxStrategies?: number;
  strategyIds?: string; files?: string;
  evaluations?: number; wallTime?: number; seed: number; priority?: string; deadline?: string; walkForward?: number; bootstrap?: number;
  params?: string; capital?: number; threads?: number; key?: string; generated?: { nStrategies: number; nDays: number; seed: number }; json?: boolean; detach?: boolean;
}

const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

export function specFromFlags(f: OptimizeFlags): Record<string, unknown> {
  const kMin = f.kMin ?? f.k ?? 10;
  const kMax = f.kMax ?? f.k ?? kMin;
  const universe = {
    ...(f.strategyIds ? { strategyIds: list(f.strategyIds) } : {}),
    ...(f.underlyings ? { underlyings: list(f.underlyings) } : {}),
    ...(f.strategyTypes ? { strategyTypes: list(f.strategyTypes) } : {}),
    ...(f.maxStrategies !== undefined ? { maxStrategies: f.maxStrategies } : {}),
  };
  let params: unknown;
  if (f.params !== undefined) {
    try { params = JSON.parse(f.params); } catch { throw new InvalidArgumentError(`--params must be a JSON object, got ${JSON.stringify(f.params)}`); }
  }
  return {
    ...(Object.keys(universe).length > 0 ? { universe } : {}),
    dateRange: { from: f.from, to: f.to },
    ...(f.zone ? { zone: f.zone } : {}),
    problem: { objectives: list(f.objectives), kMin, kMax, ...(f.capital !== undefined ? { capital: f.capital } : {}) },
    algorithm: { id: f.algorithm, ...(params !== undefined ? { params } : {}) },
    budget: { ...(f.evaluations !== undefined || f.wallTime === undefined ? { evaluations: f.evaluations ?? 20_000 } : {}), ...(f.wallTime !== undefined ? { wallTimeMs: f.wallTime * 1000 } : {}) },
    seed: f.seed,
    ...(f.priority ? { priority: f.priority } : {}),
    ...(f.deadline ? { deadline: Date.parse(f.deadline) } : {}),
    ...(f.walkForward !== undefined || f.bootstrap !== undefined ? { validation: { ...(f.walkForward !== undefined ? { walkForwardFolds: f.walkForward } : {}), ...(f.bootstrap !== undefined ? { bootstrapResamples: f.bootstrap } : {}) } } : {}),
  };
}

const nonNegativeInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got ${JSON.stringify(v)}`);
  return n;
};
const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got ${JSON.stringify(v)}`);
  return n;
};

/** The strategy ids of stored files named as `strata files` names them, on the daemon or in the store folder. */
async function strategyIdsOfFiles(target: Target, refs: readonly string[]): Promise<string[]> {
  let files: readonly StoredFile[] = [];
  if (target.kind === 'daemon') files = await daemonStoredFiles(target.conn);
  else {
    const { storeFile } = jobsLayout(target.dir);
    if (existsSync(storeFile)) {
      const node = await openDuckDbNode({ path: storeFile });
      try {
        await node.ensureSchema();
        files = await createStoreNodeSink(node).committedFiles();
      } finally {
        await node.close();
      }
    }
  }
  return refs.flatMap((r) => [...resolveFileRef(files, r).strategyIds]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
/** how often a daemon job is polled while the command follows it */
export const DAEMON_POLL_MS = 250;
/** How long a followed job's daemon may stay unreachable (a restart, say: the job resumes from its checkpoint)
 *  before `optimize` stops following it; the job itself goes on. */
export const DAEMON_UNREACHABLE_MS = 120_000;

/** The next view of a followed job, riding out a daemon that is briefly unreachable or not ready (restarting). */
async function nextView(io: CliIo, conn: Connection, id: string, unreachableMs: number): Promise<DaemonJobView> {
  try {
    return await apiGetPatiently<DaemonJobView>(conn, `/api/v1/optimizer/jobs/${encodeURIComponent(id)}`, {
      unreachableMs,
      onWaiting: (code) => io.err(`daemon at ${conn.url} does not answer (${code}); retrying for up to ${Math.round(unreachableMs / 1000)} s, the job goes on there\n`),
      onBack: () => io.err(`daemon at ${conn.url} answers again; following ${id}\n`),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'STRATA_API_SERVICE_UNAVAILABLE' || code === 'STRATA_API_NOT_READY') {
      throw Object.assign(e as Error, { message: `${(e as Error).message}; stopped following ${id}, which the daemon keeps (strata jobs show ${id})` });
    }
    throw e;
  }
}

/** On a daemon: submit the spec, then (unless --detach) follow the job to its end and print its result. */
async function optimizeOnDaemon(io: CliIo, conn: Connection, flags: OptimizeFlags, spec: unknown, primary: string | undefined): Promise<void> {
  const body = flags.key !== undefined && spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? { ...(spec as object), idempotencyKey: flags.key } : spec;
  const bar = io.interactive ? jobProgressBar() : null;
  try {
    const job = await apiPost<DaemonJobView>(conn, '/api/v1/optimizer/jobs', body);
    if (flags.detach) {
      io.out(flags.json ? `${JSON.stringify({ job })}\n` : `${job.id} submitted, now ${job.state} · daemon ${conn.url}\n`);
      io.setExitCode(EXIT_OK);
      return;
    }
    let done = job;
    // Ctrl-C stops following, not the job: say how to find it again
    const onSigint = (): void => {
      bar?.stop();
      io.err(`\n${job.id} keeps running in the daemon: \`strata jobs show ${job.id}\` looks at it, \`strata jobs cancel ${job.id}\` stops it\n`);
      process.exit(130);
    };
    if (io.interactive) process.once('SIGINT', onSigint);
    try {
    while (!FINISHED.has(done.state)) {
      const p = done.progress;
      if (bar && p) {
        bar.draw(done.id, {
          evaluations: p.evaluations, budget: p.budget, evaluationsPerSec: p.evaluationsPerSec, etaMs: p.etaMs, best: p.best?.[0] ?? null,
          ...(primary !== undefined ? { bestMetric: primary } : {}),
        });
      }
      await sleep(DAEMON_POLL_MS);
      done = await nextView(io, conn, job.id, DAEMON_UNREACHABLE_MS);
    }
    } finally {
      process.off('SIGINT', onSigint);
    }
    bar?.stop();
    if (done.state !== 'completed') {
      io.err(`${done.id}: ${done.state}${done.error ? ` · ${done.error.code}: ${done.error.message}` : ''}\n`);
      io.setExitCode(EXIT_REJECTED);
      return;
    }
    const result = await apiGet<JobResult>(conn, `/api/v1/optimizer/jobs/${encodeURIComponent(job.id)}/result`);
    io.out(flags.json ? `${JSON.stringify({ job: done, result })}\n` : resultText(done, result));
    io.setExitCode(EXIT_OK);
  } catch (e) {
    io.err(`optimize: ${errorText(e)}`);
    io.setExitCode(EXIT_REJECTED);
  } finally {
    bar?.stop();
  }
}

/** In this process, on a store folder's job journal (or a --generated universe). */
async function optimizeOnStore(io: CliIo, store: string, flags: OptimizeFlags, spec: unknown, primary: string | undefined): Promise<void> {
  const bar = progressBar(io, () => primary);
  let session: JobsSession;
  try {
    session = await openJobsSession({
      store, runners: flags.detach ? 0 : 1, ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
      ...(flags.generated ? { generated: flags.generated } : {}), onEvent: (e) => bar.onEvent(e),
    });
  } catch (e) {
    io.err(`optimize: ${errorText(e)}`);
    io.setExitCode(EXIT_REJECTED);
    return;
  }
  try {
    const { job, duplicate } = await session.service.submit(spec, flags.key !== undefined ? { idempotencyKey: flags.key } : {});
    if (flags.detach) {
      io.out(flags.json ? `${JSON.stringify({ job, duplicate })}\n` : `${job.id} ${duplicate ? 'already exists' : 'queued'} (${job.status}) · journal ${jobsLayout(store).jobsDir}\n`);
      io.setExitCode(EXIT_OK);
      return;
    }
    const done = await session.service.whenFinished(job.id, 30 * 24 * 3600_000);
    bar.stop();
    if (done.status !== 'completed') {
      io.err(`${done.id}: ${done.status}${done.lastError ? ` · ${done.lastError.code}: ${done.lastError.message}` : ''}\n`);
      io.setExitCode(EXIT_REJECTED);
      return;
    }
    const result = await session.service.result(job.id);
    io.out(flags.json ? `${JSON.stringify({ job: done, result })}\n` : resultText(done, result));
    io.setExitCode(EXIT_OK);
  } catch (e) {
    bar.stop();
    io.err(`optimize: ${errorText(e)}`);
    io.setExitCode(EXIT_REJECTED);
  } finally {
    bar.stop();
    await session.close();
  }
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = addTargetFlags(program.command('optimize')
    .description('run a portfolio optimisation job: on a running daemon through its API, or in this process on a store folder (durable: rerun with the same --key to resume after a crash)'),
  'store folder (DuckDB file; the job journal goes to <dir>/jobs)')
    .option('--spec <file>', 'a JSON job spec (the other job flags are then ignored)')
    .option('--algorithm <id>', 'algorithm id, or "recommend"', 'recommend')
    .option('--params <json>', 'algorithm hyperparameters as a JSON object')
    .option('--objectives <list>', 'comma-separated metrics to optimise (first is primary)', 'ratio')
    .option('--k <n>', 'portfolio size', positiveInt)
    .option('--k-min <n>', 'smallest portfolio size', positiveInt)
    .option('--k-max <n>', 'largest portfolio size', positiveInt)
    .option('--capital <amount>', 'capital for drawdown % and Calmar', positiveNumber)
    .option('--from <day>', 'first day (YYYY-MM-DD)', '1900-01-01')
    .option('--to <day>', 'last day (YYYY-MM-DD)', '2999-12-31')
    .option('--zone <zone>', 'daily_pnl zone (ALL when zones were off at ingest)')
    .option('--strategy-ids <list>', 'universe: only these strategy ids (comma-separated)')
    .option('--files <list>', 'universe: only the strategies of these stored files (content-hash prefixes or file names, as `strata files list` shows; with --strategy-ids, both)')
    .option('--underlyings <list>', 'universe: only these underlyings')
    .option('--strategy-types <list>', 'universe: only these strategy types')
    .option('--max-strategies <n>', 'universe: at most this many strategies', positiveInt)
    .option('--evaluations <n>', 'evaluation budget (default 20,000)', positiveInt)
    .option('--wall-time <seconds>', 'wall-time budget in seconds', positiveInt)
    .option('--seed <n>', 'random seed (same seed, same answer)', nonNegativeInt, 1)
    .option('--priority <level>', `priority: ${PRIORITIES.join(', ')}`)
    .option('--deadline <iso>', 'finish by (ISO date-time): SLA status')
    .option('--walk-forward <folds>', 'walk-forward folds (0: none; default 3)', nonNegativeInt)
    .option('--bootstrap <n>', 'bootstrap resamples (0: none; default 500)', nonNegativeInt)
    .option('--threads <n>', 'CPU pool threads (store folder only: a daemon uses its own pool)', positiveInt)
    .option('--key <key>', 'idempotency key: the same key names the same job')
    .option('--generated <NxD[:seed]>', 'optimise over a generated universe instead of the store (store folder only; demo, tests)', parseGenerated)
    .option('--detach', 'only queue the job (a daemon runs it; on a store folder run it later with `strata jobs run`)')
    .option('--json', 'print the result as JSON');
  usageExits(cmd, io);
  cmd.action(async (flags: OptimizeFlags) => {
    const target = await targetFor('optimize', flags, io);
    if (target === null) return;
    if (target.kind === 'daemon') {
      const inProcess = [flags.threads !== undefined ? '--threads' : null, flags.generated ? '--generated' : null].filter((f) => f !== null);
      if (inProcess.length > 0) {
        io.err(`optimize: ${inProcess.join(' and ')} work in this process on a store folder only; the daemon at ${target.conn.url} uses its own pool and store (give --store DIR to optimise in this process)\n`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
    }
    let spec: unknown;
    try {
      if (flags.files !== undefined && !flags.spec) {
        if (flags.generated) throw new Error('--files names stored files; a --generated universe has none');
        const ids = await strategyIdsOfFiles(target, list(flags.files) ?? []);
        flags = { ...flags, strategyIds: [...new Set([...(list(flags.strategyIds) ?? []), ...ids])].join(',') };
      }
      spec = flags.spec ? JSON.parse(await readFile(resolve(flags.spec), 'utf8')) : specFromFlags(flags);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      io.err(`optimize: ${typeof code === 'string' && code.startsWith('STRATA_') ? `${code}: ` : ''}${(e as Error).message}\n`);
      io.setExitCode(EXIT_REJECTED);
      return;
    }
    const first = (spec as { problem?: { objectives?: unknown[] } } | null)?.problem?.objectives?.[0];
    const primary = typeof first === 'string' ? first : undefined;
    if (target.kind === 'daemon') await optimizeOnDaemon(io, target.conn, flags, spec, primary);
    else await optimizeOnStore(io, target.dir, flags, spec, primary);
  });
}
