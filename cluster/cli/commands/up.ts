// `strata up`: the daemon with embedded defaults (data dir ./.strata, embedded DuckDB store, worker pool,
// inbox folders, demo data generated, ingested and optimised on first start); it keeps running and prints the
// console URL. Also the daemon runner `strata daemon` shares. Exit: 0 after a graceful stop, 1 start or run
// failure, 2 usage or config error, 130 when a second signal cut the shutdown short.
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type LoadedConfig, type LoadOptions } from '../../config/index.ts';
import { createDaemonLogger, installShutdown, startDaemon, type Daemon, type StartStep } from '../../daemon/index.ts';
import { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, processIo, usageExits, type CliIo } from './inspect.ts';

export interface DaemonFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly host?: string;
  readonly port?: number;
  readonly workers?: number;
  readonly demo?: boolean;
  readonly logLevel?: string;
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

export function addDaemonFlags(cmd: Command, configRequired = false): Command {
  const help = 'config file, YAML or JSON (docs/daemon.md); STRATA_* environment variables override it';
  return (configRequired ? cmd.requiredOption('--config <file>', help) : cmd.option('--config <file>', help))
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
  };
}

function describeConfigError(e: { code?: string; message?: string; data?: { issues?: { key: string; message: string }[] } }): string {
  const issues = e.data?.issues;
  if (e.code === 'STRATA_CONFIG_INVALID' && issues?.length) return `${e.code}: invalid config\n${issues.map((i) => `  ${i.key}: ${i.message}`).join('\n')}\n`;
  return `${e.code ?? 'error'}: ${e.message ?? String(e)}\n`;
}

/** Progress of the start on a terminal (bars) or as plain lines (pipes, tests). */
function startReporter(io: CliIo): { onStep(s: StartStep): void; stop(): void } {
  let bar: cliProgress.SingleBar | null = null;
  const stopBar = (): void => { bar?.stop(); bar = null; };
  return {
    onStep(s) {
      switch (s.step) {
        case 'store': io.out(`store: ${s.mode}, ${s.nodes} node${s.nodes === 1 ? '' : 's'}\n`); break;
        case 'api': io.out(`api: ${s.url} (OpenAPI at ${s.url}/docs)\n`); break;
        case 'demo.generated':
          io.out(`demo: generated ${s.files} files in ${s.dir}; ingesting\n`);
          if (io.interactive) {
            bar = new cliProgress.SingleBar({ format: 'demo ingest [{bar}] {value}/{total} files | {file}', stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic);
          }
          break;
        case 'demo.ingest':
          if (bar) {
            if (s.done === 1) bar.start(s.total, 0, { file: '' });
            bar.update(s.done, { file: s.file });
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
  installShutdown(daemon, {
    log,
    onStopped: () => o.io.out('Strata stopped.\n'),
    exit: (code) => {
      o.io.setExitCode(code);
      // the listeners are closed; leave a moment for stdout and the log to drain
      setTimeout(() => process.exit(code), code === 0 ? 50 : 0).unref();
    },
  });
  o.io.setExitCode(EXIT_OK);
  return daemon;
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('up')
    .description('start the daemon with embedded defaults: DuckDB store, worker pool, inbox folders, demo data and a demo job on first start')
    .option('--no-demo', 'skip the first-start demo (generated files, ingest, demo optimisation job)');
  addDaemonFlags(cmd).addHelpText('after', DAEMON_HELP);
  usageExits(cmd, io);
  cmd.action(async (flags: DaemonFlags) => { await runDaemon({ kind: 'up', flags, io }); });
}
