// `strata daemon [--config FILE] [--cluster NAME --listen HOST:PORT --seeds HOST:PORT,… --secret-file F]`: a daemon
// that joins a cluster, configured by its file, its flags or STRATA_* variables (the flags win over the file);
// the shared secret comes from a file or the environment, never from the command line (other users see it in
// the process list); no demo unless the config asks for one. Exit codes as `up`.
import type { Command } from 'commander';
import { addDaemonFlags, DAEMON_HELP, listenOption, runDaemon, seedsOption, type DaemonFlags } from './up.ts';
import { processIo, usageExits, type CliIo } from './inspect.ts';

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('daemon')
    .description('run a daemon that joins a cluster: from a config file, flags or STRATA_* variables (name, listen address, seeds, secret)');
  addDaemonFlags(cmd)
    .option('--cluster <name>', 'cluster name: members of one cluster name the same (default strata)')
    .option('--listen <host:port>', 'cluster link address of this member (default 127.0.0.1, any free port)', listenOption)
    .option('--seeds <list>', 'members to join through, comma-separated host:port (none: this member starts the cluster)', seedsOption)
    .option('--secret-file <file>', 'the shared cluster secret, read from this file (or STRATA_CLUSTER_SECRET; never a flag value)')
    .addHelpText('after', `${DAEMON_HELP}
The first two members of a cluster on one machine (each its own data dir and API port):
  echo "$(openssl rand -hex 32)" > secret && chmod 600 secret
  strata daemon --cluster c1 --listen 127.0.0.1:7101 --secret-file secret --data-dir m1 --port 7301
  strata daemon --cluster c1 --listen 127.0.0.1:7102 --seeds 127.0.0.1:7101 --secret-file secret --data-dir m2 --port 7302
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
