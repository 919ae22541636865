// Where `strata ingest`, `strata optimize` and `strata jobs` work: on a store folder in this process (the
// commands' own embedded store and job journal), or on a running daemon through its REST API. The rule, the
// same for the three commands:
//   --store DIR                         the store folder DIR, in this process
//   --url / --token / --data-dir, or
//   STRATA_URL in the environment       the daemon (an unreachable one is an error, never a fall-back)
//   none of these                       the daemon that `strata up` recorded in ./.strata/daemon.json (or
//                                       STRATA_DATA_DIR) when it answers; otherwise the folder strata-data,
//                                       with a note on stderr when a recorded daemon did not answer
// Naming both a store folder and a daemon is a usage error.
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { resolveConnection, type Connection } from '../../api/client.ts';
import { EXIT_REJECTED, EXIT_USAGE, type CliIo } from './inspect.ts';

export const DEFAULT_STORE_DIR = 'strata-data';

export interface TargetFlags {
  readonly store?: string;
  readonly url?: string;
  readonly token?: string;
  readonly dataDir?: string;
}

export type Target =
  | { readonly kind: 'store'; readonly dir: string; readonly note: string | null }
  | { readonly kind: 'daemon'; readonly conn: Connection; readonly how: 'flags' | 'env' | 'data-dir' };

export class TargetUsageError extends Error {}

const TARGET_HELP = `
Where it works: --store DIR works on that store folder in this process; --url/--token/--data-dir (or STRATA_URL)
on a running daemon through its API; with none of them, on the daemon that \`strata up\` recorded in
./.strata/daemon.json when it answers, else on the store folder ${DEFAULT_STORE_DIR}.`;

/** --store plus the daemon connection flags, with the rule above in the help. */
export function addTargetFlags(cmd: Command, storeHelp: string): Command {
  return cmd
    .addOption(new Option('--store <dir>', `${storeHelp} (default: a running daemon, else ${DEFAULT_STORE_DIR})`))
    .option('--url <url>', 'daemon URL (default: STRATA_URL, else <data-dir>/daemon.json)')
    .option('--token <token>', 'API token (default: STRATA_API_TOKEN, else the token file `strata up` wrote)')
    .option('--data-dir <dir>', 'where `strata up` keeps daemon.json and api-token (default ./.strata)')
    .addHelpText('after', TARGET_HELP);
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** true when something at the URL answers /healthz as a daemon does, within `timeoutMs` */
export async function daemonAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => null)) as { ok?: unknown } | null;
    return res.ok && body?.ok === true;
  } catch {
    return false;
  }
}

export async function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const daemonFlags = flags.url !== undefined || flags.token !== undefined || flags.dataDir !== undefined;
  if (flags.store !== undefined) {
    if (daemonFlags) throw new TargetUsageError('--store works on a store folder in this process; --url, --token and --data-dir name a daemon: give one or the other');
    return { kind: 'store', dir: flags.store, note: null };
  }
  if (daemonFlags) return { kind: 'daemon', conn: await resolveConnection(flags, env), how: 'flags' };
  if (env['STRATA_URL']) return { kind: 'daemon', conn: await resolveConnection(flags, env), how: 'env' };
  const dataDir = resolve(env['STRATA_DATA_DIR'] ?? './.strata');
  if (!(await exists(join(dataDir, 'daemon.json')))) return { kind: 'store', dir: DEFAULT_STORE_DIR, note: null };
  const conn = await resolveConnection({ dataDir }, env);
  if (await daemonAnswers(conn.url)) return { kind: 'daemon', conn, how: 'data-dir' };
  return {
    kind: 'store', dir: DEFAULT_STORE_DIR,
    note: `no daemon answers at ${conn.url} (recorded in ${join(dataDir, 'daemon.json')}); working on the store folder ${resolve(DEFAULT_STORE_DIR)} in this process\n`,
  };
}

/** One line on stderr saying which daemon a command works on (not when it was named explicitly). */
export function targetNote(t: Target): string | null {
  if (t.kind === 'store') return t.note;
  return t.how === 'data-dir' ? `daemon at ${t.conn.url} (from its daemon.json; --store DIR works on a store folder instead)\n` : null;
}

/**
 * resolveTarget for a command: a usage error (a store folder and a daemon both named) prints
 * `<command>: …` and exits 2, any other failure exits 1, both giving null; otherwise the target's note goes to
 * stderr and the target comes back.
 */
export async function targetFor(command: string, flags: TargetFlags, io: CliIo): Promise<Target | null> {
  let target: Target;
  try {
    target = await resolveTarget(flags);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    io.err(e instanceof TargetUsageError ? `${command}: ${err.message}\n` : `${command}: ${err.code ?? 'error'}: ${err.message ?? String(e)}\n`);
    io.setExitCode(e instanceof TargetUsageError ? EXIT_USAGE : EXIT_REJECTED);
    return null;
  }
  const note = targetNote(target);
  if (note !== null) io.err(note);
  return target;
}
