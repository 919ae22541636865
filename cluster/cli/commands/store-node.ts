// `strata store-node --path FILE (--ipc | --check) [--read-connections N] [--threads N] [--memory-limit-mb N]`: with --ipc, hosts one
// embedded DuckDB store node in this process and serves it over the IPC channel of the node-proxy that forked it
// (so a crash test can kill -9 it for real); with --check, opens the file, prints its health as JSON and exits.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseHostArgs, serveOverIpc } from '../../../actors/node-proxy/index.ts';
import { openDuckDbNode } from '../../../engine/store/index.ts';
import { EXIT_REJECTED, EXIT_USAGE, processIo, usageExits, type CliIo } from './inspect.ts';

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('store-node')
    .description('host one embedded DuckDB store node for a node-proxy (over the IPC channel of the process that forked it)')
    .requiredOption('--path <file>', 'the DuckDB database file this process owns')
    .option('--read-connections <n>', 'connections for SELECTs (default 1)')
    .option('--threads <n>', "DuckDB's own worker threads")
    .option('--memory-limit-mb <n>', "the most memory DuckDB keeps for this node, MiB (default: 128 for a database file, DuckDB's own 80 % of RAM for :memory:)")
    .option('--ipc', 'serve the node over the IPC channel of the parent process (fork with serialization "advanced")')
    .option('--check', 'open the file, print its health as JSON and exit');
  usageExits(cmd, io);
  cmd.action(async (flags: { path: string; readConnections?: string; threads?: string; memoryLimitMb?: string; check?: boolean; ipc?: boolean }) => {
    const argv = ['--path', resolve(flags.path)];
    if (flags.readConnections !== undefined) argv.push('--read-connections', flags.readConnections);
    if (flags.threads !== undefined) argv.push('--threads', flags.threads);
    if (flags.memoryLimitMb !== undefined) argv.push('--memory-limit-mb', flags.memoryLimitMb);
    const config = parseHostArgs(argv);
    for (const [name, v] of [['--read-connections', config.readConnections], ['--threads', config.threads], ['--memory-limit-mb', config.memoryLimitMb]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
        io.err(`store-node: ${name} must be a whole number, got ${String(v)}\n`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
    }
    if (flags.check) {
      try {
        const node = await openDuckDbNode(config);
        await node.ensureSchema();
        io.out(`${JSON.stringify(await node.health(), null, 2)}\n`);
        await node.close();
      } catch (e) {
        const err = e as { code?: string; message?: string };
        io.err(`store-node: ${err.code ?? 'error'}: ${err.message ?? String(e)}\n`);
        io.setExitCode(EXIT_REJECTED);
      }
      return;
    }
    if (!flags.ipc || !process.send) {
      io.err(`store-node: ${flags.ipc ? 'no IPC channel: fork this command' : 'give --ipc (when forked by a node-proxy) or --check'}\n`);
      io.setExitCode(EXIT_USAGE);
      return;
    }
    await serveOverIpc(config);
  });
}
