// `strata nodes [--url URL] [--token T] [--json]`: the store nodes of a running daemon with state, circuit
// breaker, ping latency percentiles, in-flight calls and row counts. Exit 0 with store quorum, 1 without
// quorum or when the daemon cannot be reached, 2 usage error.
import type { Command } from 'commander';
import { apiGet, resolveConnection } from '../../api/client.ts';
import type { StoreStatus } from '../../daemon/services.ts';
import { EXIT_OK, EXIT_REJECTED, processIo, usageExits, type CliIo } from './inspect.ts';

export function addConnectionFlags(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'daemon URL (default: STRATA_URL, else <data-dir>/daemon.json, else http://127.0.0.1:7300)')
    .option('--token <token>', 'API token (default: STRATA_API_TOKEN, else the token file `strata up` wrote)')
    .option('--data-dir <dir>', 'where `strata up` keeps daemon.json and api-token (default ./.strata)');
}

const pad = (s: string, n: number): string => (s.length >= n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

export function formatNodes(s: StoreStatus): string {
  const lines = [`store: ${s.mode}, replication ${s.replicationFactor}, quorum ${s.quorum ? 'yes' : 'NO'}`, ''];
  lines.push(`${pad('node', 12)} ${pad('state', 12)} ${pad('breaker', 10)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('in-flight', 10)} ${pad('trades', 10)} ${pad('DuckDB MiB', 11)} label`);
  for (const n of s.nodes) {
    lines.push([
      pad(n.name, 12), pad(n.state, 12), pad(n.breaker ?? '-', 10), pad(n.latencyMs ? n.latencyMs.p50.toFixed(2) : '-', 8),
      pad(n.latencyMs ? n.latencyMs.p99.toFixed(2) : '-', 8), pad(n.inFlight === null ? '-' : String(n.inFlight), 10),
      pad(n.rowCounts ? String(n.rowCounts['trades'] ?? 0) : '-', 10),
      pad(typeof n.memoryBytes === 'number' ? (n.memoryBytes / 2 ** 20).toFixed(0) : '-', 11), n.label,
    ].join(' '));
    if (n.lastError) lines.push(`  last error: ${n.lastError.code}: ${n.lastError.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('nodes')
    .description('list the store nodes of a running daemon: state, breaker, latency, in-flight calls, row counts')
    .option('--json', 'print the store status as JSON');
  addConnectionFlags(cmd).addHelpText('after', '\nExit status: 0 store quorum up, 1 no quorum or daemon unreachable, 2 usage error.');
  usageExits(cmd, io);
  cmd.action(async (flags: { url?: string; token?: string; dataDir?: string; json?: boolean }) => {
    try {
      const conn = await resolveConnection(flags);
      const s = await apiGet<StoreStatus>(conn, '/api/v1/store/cluster');
      io.out(flags.json ? `${JSON.stringify(s, null, 2)}\n` : formatNodes(s));
      io.setExitCode(s.quorum ? EXIT_OK : EXIT_REJECTED);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      io.err(`strata nodes: ${err.code ?? 'error'}: ${err.message ?? String(e)}\n`);
      io.setExitCode(EXIT_REJECTED);
    }
  });
}
