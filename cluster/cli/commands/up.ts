// `strata up`: the daemon with embedded defaults (data dir ./.strata, embedded DuckDB store, worker pool,
// inbox folders, demo data generated, ingested and optimised on first start, with the demo job's progress);
// it keeps running and prints the console URL. Also the daemon runner `strata daemon` shares. Exit: 0 after a graceful stop, 1 start or run
// failure, 2 usage or config error, 130 when a second signal cut the shutdown short.
import { stderrBar, type StderrBar } from './progress-bar.ts';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type LoadedConfig, type LoadOptions } from '../../config/index.ts';
import { createDaemonLogger, DEMO_OBJECTIVES, installShutdown, startDaemon, type Daemon, type JobService, type JobView, type StartStep } from '../../daemon/index.ts';
import type { JobResult } from '../../../engine/jobs/index.ts';
import { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, processIo, usageExits, type CliIo } from './inspect.ts';
import { formatNumber, jobProgressBar } from './optimize.ts';
import { relative, resolve } from 'node:path';

export interface DaemonFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly host?: string;
  readonly port?: number;
  readonly workers?: number;
  readonly demo?: boolean;
  readonly logLevel?: string;
  /** `strata daemon` only: the cluster this member joins */
  readonly cluster?: string;
  readonly listen?: { readonly host: string; readonly port: number };
  readonly seeds?: readonly string[];
  readonly secretFile?: string;
}

/** `host:port` (an IPv6 host in brackets: `[::1]:7101`). */
export function listenOption(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^\s:\[\]]+)):(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected host:port (e.g. 127.0.0.1:7101), got ${JSON.stringify(value)}`);
  return { host: (m[1] ?? m[2])!, port: portOption(m[3]!) };
}

/** Comma-separated `host:port` seeds. */
export function seedsOption(value: string): string[] {
  const seeds = value.split(',').map((x) => x.trim()).filter(Boolean);
  for (const seed of seeds) listenOption(seed);
  return seeds;
}

export function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError(`expected a port 0-65535, got ${JSON.stringify(value)}`);
  return n;
}

export function countOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

export function addDaemonFlags(cmd: Command): Command {
  return cmd.option('--config <file>', 'config file, YAML or JSON (docs/daemon.md); STRATA_* environment variables override it')
    .option('--data-dir <dir>', 'data folder: store files, inbox folders, token (default ./.strata)')
    .option('--host <host>', 'API listen address (default 127.0.0.1)')
    .option('--port <port>', 'API port (default 7300; 0 = any free port)', portOption)
    .option('--workers <n>', 'evaluation pool threads per running job (0 = main thread)', countOption)
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent');
}

export const DAEMON_HELP = `
Environment: STRATA_DATA_DIR, STRATA_API_HOST, STRATA_API_PORT, STRATA_API_TOKEN (operator token),
STRATA_VIEWER_TOKEN, STRATA_LOG_LEVEL, STRATA_LOG_FORMAT=json|pretty, STRATA_WORKERS, STRATA_DEMO=0|1,
STRATA_STORE_MODE=cluster|single-node, STRATA_JOBS_MODE=scheduler|local,
STRATA_CLUSTER_NAME/HOST/PORT/SEEDS/SECRET. Signals: SIGTERM/SIGINT stop gracefully (a second one exits at
once), SIGHUP reloads the config. Exit status: 0 stopped cleanly, 1 failed, 2 usage or config error.`;

function flagSettings(f: DaemonFlags): Record<string, unknown> {
  return {
    ...(f.dataDir !== undefined ? { dataDir: f.dataDir } : {}),
    ...(f.host !== undefined ? { 'api.host': f.host } : {}),
    ...(f.port !== undefined ? { 'api.port': f.port } : {}),
    ...(f.workers !== undefined ? { 'workers.threads': f.workers } : {}),
    ...(f.demo === false ? { 'demo.enabled': false } : {}),
    ...(f.logLevel !== undefined ? { logLevel: f.logLevel } : {}),
    ...(f.cluster !== undefined ? { 'cluster.name': f.cluster } : {}),
    ...(f.listen !== undefined ? { 'cluster.host': f.listen.host, 'cluster.port': f.listen.port } : {}),
    ...(f.seeds !== undefined ? { 'cluster.seeds': f.seeds } : {}),
    ...(f.secretFile !== undefined ? { 'cluster.secret': { file: f.secretFile } } : {}),
  };
}

function describeConfigError(e: { code?: string; message?: string; data?: { issues?: { key: string; message: string }[] } }): string {
  const issues = e.data?.issues;
  if (e.code === 'STRATA_CONFIG_INVALID' && issues?.length) return `${e.code}: invalid config\n${issues.map((i) => `  ${i.key}: ${i.message}`).join('\n')}\n`;
  return `${e.code ?? 'error'}: ${e.message ?? String(e)}\n`;
}

/** Progress of the start on a terminal (bars) or as plain lines (pipes, tests). */
function startReporter(io: CliIo): { onStep(s: StartStep): void; stop(): void } {
  let bar: StderrBar | null = null;
  const stopBar = (): void => { bar?.stop(); bar = null; };
  return {
    onStep(s) {
      switch (s.step) {
        case 'store': io.out(`store: ${s.mode}, ${s.nodes} node${s.nodes === 1 ? '' : 's'}\n`); break;
        case 'api': io.out(`api: ${s.url} (OpenAPI at ${s.url}/docs)\n`); break;
        case 'demo.generated':
          io.out(`demo: generated ${s.files} files in ${s.dir}; ingesting\n`);
          if (io.interactive) {
            bar = stderrBar('demo ingest [{bar}] {value}/{total} files | {file}');
          }
          break;
        case 'demo.ingest':
          if (bar) {
            bar.draw(s.total, s.done, { file: s.file });
            if (s.done === s.total) stopBar();
          } else io.out(`demo: ingested ${s.done}/${s.total} ${s.file}\n`);
          break;
        case 'demo.job': stopBar(); io.out(`demo: optimisation job ${s.job.id} queued (${s.job.algorithm})\n`); break;
        case 'ready': stopBar(); break;
      }
    },
    stop: stopBar,
  };
}

/** how often, at most, a non-interactive `strata up` prints the demo job's progress */
const DEMO_PROGRESS_EVERY_MS = 3_000;

const seconds = (v: JobView): string => (v.startedAt !== null && v.finishedAt !== null ? `${((v.finishedAt - v.startedAt) / 1000).toFixed(1)} s` : '? s');

function bestText(r: JobResult | null, v: JobView): string {
  const b = r?.best;
  if (b) return `best net profit ${formatNumber(b.metrics.netProfit)}, max drawdown ${formatNumber(b.metrics.maxDrawdown)}, Sharpe ${formatNumber(b.metrics.sharpe, 3)} (${b.strategyIds.length} strategies: ${b.strategyIds.join(', ')})`;
  const o = v.progress?.best;
  return o ? `best objectives ${o.map((x) => formatNumber(x, 3)).join(' / ')}` : 'no feasible portfolio';
}

/** The demo job's progress once the daemon is up: a bar on a terminal, else a line at most every few seconds;
 *  then one line when it finishes. Subscribes first and then reads the job, so a job that finished while the
 *  daemon was still starting is reported too. stop() (at shutdown) clears the bar and prints nothing more. */
function reportDemoJob(jobs: JobService, id: string, io: CliIo): { stop(): void } {
  const bar = io.interactive ? jobProgressBar() : null;
  let lastLineAt = -Infinity;
  let lastState: JobView['state'] | null = null;
  let over = false;
  let stopped = false;
  const progress = (v: JobView): void => {
    const p = v.progress;
    if (!p) return;
    if (bar) {
      bar.draw(`demo ${id}`, { evaluations: p.evaluations, budget: p.budget, evaluationsPerSec: p.evaluationsPerSec, etaMs: p.etaMs, best: p.best?.[0] ?? null, bestMetric: DEMO_OBJECTIVES[0] });
      return;
    }
    const now = Date.now();
    if (now - lastLineAt < DEMO_PROGRESS_EVERY_MS) return;
    lastLineAt = now;
    const evals = p.evaluations.toLocaleString('en-US');
    const share = p.budget !== null ? `${Math.floor((100 * p.evaluations) / p.budget)}% (${evals}/${p.budget.toLocaleString('en-US')} evaluations)` : `${evals} evaluations`;
    io.out(`demo: job ${id} ${share}${p.etaMs !== null ? `, ETA ${(p.etaMs / 1000).toFixed(1)} s` : ''}\n`);
  };
  const finish = (v: JobView): void => {
    over = true;
    off();
    bar?.stop();
    const error = v.error ? `: ${v.error.code}: ${v.error.message}` : '';
    if (v.state === 'failed') io.out(`demo: job ${id} failed after ${seconds(v)}${error}\n`);
    else if (v.state === 'cancelled') io.out(`demo: job ${id} cancelled after ${seconds(v)}${error || ' by an operator'}\n`);
    else {
      const evals = v.progress ? `; ${v.progress.evaluations.toLocaleString('en-US')} evaluations` : '';
      void jobs.result(id).then((r) => r as JobResult, () => null).then((r) => {
        if (!stopped) io.out(`demo: job ${id} completed in ${seconds(v)}${evals}; ${bestText(r, v)}\n`);
      });
    }
  };
  const onView = (v: JobView): void => {
    if (over || stopped || v.id !== id) return;
    const changed = v.state !== lastState;
    lastState = v.state;
    switch (v.state) {
      case 'running': progress(v); break;
      case 'completed': case 'failed': case 'cancelled': finish(v); break;
      case 'paused':
        if (changed) { bar?.stop(); io.out(`demo: job ${id} paused\n`); }
        break;
      case 'backingOff':
        if (changed) { bar?.stop(); io.out(`demo: job ${id} failed and is retried${v.error ? ` (${v.error.code}: ${v.error.message})` : ''}\n`); }
        break;
      case 'queued': break;
    }
  };
  const off = jobs.onEvent((e) => onView(e.job));
  void jobs.get(id).then((v) => { if (v) onView(v); }, () => {});
  return {
    stop() {
      stopped = true;
      off();
      bar?.stop();
    },
  };
}

export interface RunDaemonOptions {
  readonly kind: 'up' | 'daemon';
  readonly flags: DaemonFlags;
  readonly io: CliIo;
  /** keys the command defaults differently from the schema (applied under the file) */
  readonly defaults?: Record<string, unknown>;
  /** checked after loading: a message makes it a usage error */
  check?(loaded: LoadedConfig): string | null;
}

/** Loads the config, starts the daemon, prints where it is, and stops it gracefully on a signal. */
export async function runDaemon(o: RunDaemonOptions): Promise<Daemon | null> {
  const load: LoadOptions = { file: o.flags.config ?? null, set: flagSettings(o.flags), ...(o.defaults ? { defaults: o.defaults } : {}) };
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(load);
  } catch (e) {
    o.io.err(describeConfigError(e as never));
    o.io.setExitCode(EXIT_USAGE);
    return null;
  }
  const problem = o.check?.(loaded) ?? null;
  if (problem) {
    o.io.err(`${problem}\n`);
    o.io.setExitCode(EXIT_USAGE);
    return null;
  }
  const log = createDaemonLogger({ level: loaded.config.logLevel });
  const reporter = startReporter(o.io);
  let daemon: Daemon;
  try {
    daemon = await startDaemon({ loaded, reload: load.file ? load : null, logger: log, onStep: (s) => reporter.onStep(s) });
  } catch (e) {
    reporter.stop();
    const err = e as { code?: string; message?: string };
    o.io.err(`strata ${o.kind}: ${err.code ?? 'error'}: ${err.message ?? String(e)}\n`);
    log.flush();
    o.io.setExitCode(EXIT_REJECTED);
    return null;
  }
  reporter.stop();
  o.io.out(`\nStrata is up. Console: ${daemon.consoleUrl}\n`);
  if (daemon.tokenFile) o.io.out(`API token (operator) in ${daemon.tokenFile}; stop with Ctrl-C (SIGINT) or SIGTERM.\n`);
  else o.io.out('Use a configured API token (#token=… in the console URL); stop with Ctrl-C (SIGINT) or SIGTERM.\n');
  o.io.out(cliHint(daemon.dataDir, process.cwd()));
  const demo = daemon.demoJob !== null && daemon.services.jobs ? reportDemoJob(daemon.services.jobs, daemon.demoJob, o.io) : null;
  // a stop clears the demo job's bar first, so the shutdown's lines are not drawn over
  const running: Daemon = { ...daemon, stop(reason) { demo?.stop(); return daemon.stop(reason); } };
  installShutdown(running, {
    log,
    onStopped: () => o.io.out('Strata stopped.\n'),
    exit: (code) => {
      o.io.setExitCode(code);
      // the listeners are closed; leave a moment for stdout and the log to drain
      setTimeout(() => process.exit(code), code === 0 ? 50 : 0).unref();
    },
  });
  o.io.setExitCode(EXIT_OK);
  return running;
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('up')
    .description('start the daemon with embedded defaults: DuckDB store, worker pool, inbox folders, demo data and a demo job on first start')
    .option('--no-demo', 'skip the first-start demo (generated files, ingest, demo optimisation job)');
  addDaemonFlags(cmd).addHelpText('after', DAEMON_HELP);
  usageExits(cmd, io);
  cmd.action(async (flags: DaemonFlags) => { await runDaemon({ kind: 'up', flags, io }); });
}

/** How to reach this daemon from another terminal: the commands find it through <cwd>/.strata/daemon.json, so
 *  a daemon whose data dir is elsewhere is named with --data-dir. */
export function cliHint(dataDir: string, cwd: string): string {
  const rel = relative(cwd, resolve(dataDir));
  const dir = rel === '' || rel.startsWith('..') ? resolve(dataDir) : rel;
  const named = rel === '.strata' ? '' : ` --data-dir ${/[\s"'$`\\]/.test(dir) ? JSON.stringify(dir) : dir}`;
  return `From another terminal here: npm run strata -- console${named} | ingest${named} FILES… | optimize${named} --k 5 | jobs list${named}\n`;
}

