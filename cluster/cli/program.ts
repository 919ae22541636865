// The `strata` command line (commander; main.ts starts it): daemon (up, daemon), data (generate, inspect,
// ingest), store (nodes, store-node), jobs (optimize, jobs), watching (console) and benchmarks (bench). Each
// command lives in commands/<name>.ts and exports register(program). Exit status: 0 ok, 1 failure, 2 usage error.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { register as registerBench } from './commands/bench.ts';
import { register as registerConsole } from './commands/console.ts';
import { register as registerDaemon } from './commands/daemon.ts';
import { register as registerFiles } from './commands/files.ts';
import { register as registerGenerate } from './commands/generate.ts';
import { register as registerIngest } from './commands/ingest.ts';
import { register as registerInspect } from './commands/inspect.ts';
import { register as registerNodes } from './commands/nodes.ts';
import { register as registerUp } from './commands/up.ts';

const COMMANDS = join(import.meta.dirname, 'commands');

/** Commands whose modules are written by other issues (jobs, store); registered when their file is present. */
export const OPTIONAL_COMMANDS = ['store-node', 'optimize', 'jobs'] as const;

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('strata')
    .description('Strata: an actor-model cluster runtime and the strategy-portfolio platform built on it')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Start here:  strata up            the daemon with embedded defaults; prints the console URL
             strata console       live terminal view of a running daemon
Docs: docs/daemon.md (daemon, config), docs/api.md (REST, WebSocket, console), docs/errors.md (codes).
Exit status: 0 ok, 1 failure (see the message and its STRATA_… code), 2 usage or config error.`);
  registerUp(program);
  registerDaemon(program);
  registerConsole(program);
  registerNodes(program);
  registerGenerate(program);
  registerInspect(program);
  registerIngest(program);
  registerFiles(program);
  for (const name of OPTIONAL_COMMANDS) {
    const file = join(COMMANDS, `${name}.ts`);
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as { register?: (p: Command) => void };
    if (typeof mod.register === 'function') mod.register(program);
  }
  registerBench(program);
  return program;
}

/** Parses `argv` and runs the command; a usage error exits with 2. */
export async function runCli(argv: readonly string[]): Promise<void> {
  const program = await buildProgram();
  program.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
  await program.parseAsync([...argv]);
}
