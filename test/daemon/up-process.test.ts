// `strata up` as a real child process: config errors exit 2 naming the key; a first start generates, ingests
// and optimises the demo data while /readyz says "starting", then prints the console URL; SIGTERM stops it
// gracefully (exit 0); a restart keeps the data and skips the demo, never logs a configured token, refuses a
// second daemon on its data dir, and a second signal during shutdown exits at once (130), its lock taken over
// by the next start.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'cluster', 'cli', 'main.ts');
let dir: string;
const children: ChildProcess[] = [];

interface Run { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> }

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [main, ...args], {
    cwd: dir, env: { ...process.env, STRATA_LOG_LEVEL: 'info', STRATA_LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { err += String(d); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function waitFor(r: Run, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(r.out());
    if (m) return m;
    if (Date.now() > end || r.child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${r.out()}\n${r.err()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-up-'));
  // one DuckDB store node keeps this test about the daemon's life cycle (the store cluster has its own tests)
  await writeFile(join(dir, 'strata.yaml'), 'api:\n  port: 0\nstore:\n  mode: single-node\nworkers:\n  threads: 1\ndemo:\n  strategies: 3\n  days: 30\n  evaluations: 5000\n');
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('strata up', () => {
  it('exits 2 and names the key when the config is invalid', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'api:\n  port: 99999\n  colour: blue\n');
    const r = run(['up', '--config', join(dir, 'bad.yaml')]);
    expect(await r.exited).toBe(2);
    expect(r.err()).toContain('STRATA_CONFIG_INVALID');
    expect(r.err()).toMatch(/api\.port: .*65535/);
    expect(r.err()).toMatch(/api: Unrecognized key: "colour"/);
  });

  it('starts with the demo, is not ready until it is up, and stops gracefully on SIGTERM', async () => {
    const r = run(['up', '--config', join(dir, 'strata.yaml'), '--data-dir', join(dir, 'data')]);
    const [, url] = await waitFor(r, /^api: (http:\/\/127\.0\.0\.1:\d+)/m);
    const early = await fetch(`${url}/readyz`);
    expect(early.status).toBe(503);
    expect(((await early.json()) as { error: { code: string; data: { reasons: string[] } } }).error).toMatchObject({ code: 'STRATA_API_NOT_READY', data: { reasons: ['starting'] } });
    const [, consoleUrl, token] = await waitFor(r, /Console: (\S+)#token=(\S+)/);
    expect(consoleUrl).toBe(`${url}/console`);
    expect(r.out()).toMatch(/demo: ingested 11\/11/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const status = (await (await fetch(`${url}/api/v1/status`, auth)).json()) as { services: unknown; store: { nodesTotal: number; quorum: boolean } };
    expect(status.services).toEqual({ store: 'single-node', jobs: 'scheduler', ingest: 'actor' });
    expect(status.store).toMatchObject({ nodesTotal: 1, quorum: true });
    let jobs: { state: string }[] = [];
    for (let i = 0; i < 300 && !(jobs.length === 1 && jobs[0]!.state === 'completed'); i++) {
      jobs = ((await (await fetch(`${url}/api/v1/optimizer/jobs`, auth)).json()) as { jobs: { state: string }[] }).jobs;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(jobs.map((j) => j.state)).toEqual(['completed']);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('"msg":"jobs checkpointed; closing the API"');
    expect(r.out()).toContain('Strata stopped.');
  });

  it('restarts on the same data without the demo, never logs a configured token, and exits at once on a second signal', async () => {
    const secret = 'configured-operator-token-5f1e2d3c4b';
    const r = run(['up', '--config', join(dir, 'strata.yaml'), '--data-dir', join(dir, 'data'), '--log-level', 'debug'], { STRATA_API_TOKEN: secret });
    const consoleUrl = (await waitFor(r, /Console: (\S+)/))[1]!;
    expect(consoleUrl).not.toContain('#token=');
    expect(r.out()).not.toMatch(/^demo:/m);
    const url = consoleUrl.replace(/\/console$/, '');
    expect((await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    const jobs = (await (await fetch(`${url}/api/v1/optimizer/jobs`, { headers: { authorization: `Bearer ${secret}` } })).json()) as { jobs: { state: string }[] };
    expect(jobs.jobs.map((j) => j.state)).toEqual(['completed']); // the durable journal kept the demo job
    // a second daemon on the same data dir is refused before it opens anything, naming the first; the first runs on
    const second = run(['up', '--config', join(dir, 'strata.yaml'), '--data-dir', join(dir, 'data')]);
    expect(await second.exited).toBe(1);
    expect(second.err()).toContain(`strata up: STRATA_DAEMON_DATA_DIR_IN_USE: data dir ${join(dir, 'data')} is in use by the daemon with pid ${r.child.pid} (${url})`);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // two different signals back to back (the same signal twice may be merged by the kernel)
    r.child.kill('SIGTERM');
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(130);
    expect(r.out()).toContain('second signal: exiting now');
    expect(`${r.out()}${r.err()}`).not.toContain(secret);
  });

  it('takes over the data dir lock that a daemon which exited at once left behind, warns of another store mode\'s files, and removes the lock on a graceful stop', async () => {
    // the lock a daemon that exited at once leaves: its pid, no longer alive (written here, so the test does not
    // depend on whether the last test's second signal beat its graceful stop)
    const lock = join(dir, 'data', 'daemon.lock');
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.on('exit', r));
    writeFileSync(lock, String(gone.pid));
    expect(() => process.kill(gone.pid!, 0)).toThrow();
    // a store cluster's file beside this single-node store (the mode switched between starts): said, not read
    writeFileSync(join(dir, 'data', 'store', 'n1.duckdb'), '');
    const r = run(['up', '--config', join(dir, 'strata.yaml'), '--data-dir', join(dir, 'data')]);
    await waitFor(r, /Strata is up/);
    expect(r.out()).toContain(`store.mode is single-node, but ${join(dir, 'data', 'store')} also holds the files of a store cluster (n1.duckdb): their rows are not read; set store.mode: cluster to use them`);
    expect(readFileSync(lock, 'utf8')).toBe(String(r.child.pid));
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });
});
