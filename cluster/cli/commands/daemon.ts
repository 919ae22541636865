// `strata daemon --config FILE`: a daemon configured by its file that joins the cluster named there (seeds,
// shared secret from the environment or a file); no demo unless the file asks for one. Exit codes as `up`.
import type { Command } from 'commander';
import { addDaemonFlags, DAEMON_HELP, runDaemon, type DaemonFlags } from './up.ts';
import { processIo, usageExits, type CliIo } from './inspect.ts';

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('daemon')
    .description('run a daemon from a config file and join the cluster it names (cluster.enabled, seeds, secret)');
  addDaemonFlags(cmd, true).addHelpText('after', `${DAEMON_HELP}
A config for a member of a three-member cluster:
  dataDir: /var/lib/strata
  api: { port: 7300, tokens: [{ name: ops, role: operator, secret: { env: STRATA_OPS_TOKEN } }] }
  cluster: { enabled: true, name: prod, port: 7400, seeds: [10.0.0.1:7400, 10.0.0.2:7400], secret: { file: /etc/strata/cluster-secret } }`);
  usageExits(cmd, io);
  cmd.action(async (flags: DaemonFlags) => {
    await runDaemon({
      kind: 'daemon', flags, io,
      defaults: { 'demo.enabled': false, 'cluster.enabled': true },
    });
  });
}
