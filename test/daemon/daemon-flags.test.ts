// `strata daemon` configured by flags alone, as issue 4 names them: `--cluster c1 --listen HOST:PORT --seeds …`
// with the shared secret from `--secret-file`. Two real member processes form one cluster; a member without a
// secret, or with a malformed address, is a usage error (exit 2) naming the problem; one naming another cluster
// is refused by the first.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonApi, killAll, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { untilValue } from '../support/poll.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'cluster', 'cli', 'main.ts');
const TOKEN = 'daemon-flags-test-operator-token-01';
const env = { STRATA_API_TOKEN: TOKEN, STRATA_STORE_MODE: 'single-node', STRATA_JOBS_MODE: 'local', STRATA_LOG_LEVEL: 'warn' };
let dir: string;
const members: DaemonProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-daemon-flags-'));
  await writeFile(join(dir, 'secret'), 'a-shared-cluster-secret-from-a-file-0123456789\n', { mode: 0o600 });
});
afterAll(async () => {
  killAll(members);
  await rm(dir, { recursive: true, force: true });
});

type Member = { id: string; status: string; self: boolean };
const membersOf = async (m: DaemonProcess): Promise<Member[]> => (await daemonApi(m.url, TOKEN, 'GET', '/api/v1/admin/snapshot')).body.members as Member[];

function runDaemonCli(args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [MAIN, 'daemon', '--data-dir', join(dir, 'refused'), '--port', '0', ...args], {
    cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => { err += String(d); });
  return new Promise((r) => child.on('exit', (code) => r({ code, err })));
}

describe('strata daemon configured by flags', () => {
  it('forms a cluster from --cluster, --listen, --seeds and --secret-file, with no config file', { timeout: 60_000 }, async () => {
    const common = ['--cluster', 'c1', '--secret-file', join(dir, 'secret'), '--port', '0'];
    const a = await startDaemonProcess({ dir, name: 'a', config: null, env, args: [...common, '--listen', '127.0.0.1:0'] });
    members.push(a);
    const aId = (await untilValue(async () => (await membersOf(a)).find((m) => m.self)?.id ?? null, (id) => id !== null, 'a\'s member id', 20_000))!;
    expect(aId).toMatch(/^127\.0\.0\.1:\d+#\d+$/);
    const b = await startDaemonProcess({ dir, name: 'b', config: null, env, args: [...common, '--listen', '127.0.0.1:0', '--seeds', aId.split('#')[0]!] });
    members.push(b);
    for (const m of [a, b]) {
      const seen = await untilValue(() => membersOf(m), (list) => list.filter((x) => x.status === 'up').length === 2, `${m.name} sees two up members`, 30_000);
      expect(seen.map((x) => x.status)).toEqual(['up', 'up']);
    }
    // the name is the flag's: a member of another cluster with the same secret is refused, the view stays two
    // (it never joins, so it never opens its API: spawned here, not through startDaemonProcess)
    const c = spawn(process.execPath, [MAIN, 'daemon', '--data-dir', join(dir, 'c'), '--cluster', 'c2', '--secret-file', join(dir, 'secret'), '--port', '0', '--listen', '127.0.0.1:0', '--seeds', aId.split('#')[0]!], {
      cwd: dir, env: { ...process.env, ...env, STRATA_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let cOut = '';
    c.stdout!.on('data', (d) => { cOut += String(d); });
    c.stderr!.on('data', (d) => { cOut += String(d); });
    try {
      await untilValue(async () => `${a.out()}${cOut}`, (out) => out.includes('STRATA_CLUSTER_NAME_MISMATCH'), 'the other cluster\'s member refused', 20_000);
      expect((await membersOf(a)).map((x) => x.status)).toEqual(['up', 'up']);
    } finally {
      c.kill('SIGKILL');
    }
    // the secret came from the file and never reaches a log line
    expect(`${a.out()}${b.out()}${cOut}`).not.toContain('a-shared-cluster-secret-from-a-file');
  });

  it('refuses a member with no secret, a malformed --listen or a malformed seed (exit 2)', async () => {
    const noSecret = await runDaemonCli(['--cluster', 'c1']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toMatch(/cluster\.secret: is required when cluster\.enabled is true/);
    const listen = await runDaemonCli(['--listen', '127.0.0.1']);
    expect(listen.code).toBe(2);
    expect(listen.err).toContain('expected host:port (e.g. 127.0.0.1:7101), got "127.0.0.1"');
    const seeds = await runDaemonCli(['--seeds', '127.0.0.1:7101,nowhere']);
    expect(seeds.code).toBe(2);
    expect(seeds.err).toContain('got "nowhere"');
  });
});
