// `strata ingest` on a daemon that is killed (SIGKILL) while it reads the uploaded file, then started again on
// the same data folder and port: the daemon's recovery reads the file again and its upload shows it (processing,
// then committed), the CLI waits through the outage and reports the file stored once, and the store holds its
// rows exactly once. Real `strata up` child processes, a real socket, a real DuckDB file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerIngest } from '../../cluster/cli/commands/ingest.ts';
import type { CliIo } from '../../cluster/cli/commands/inspect.ts';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { untilValue } from '../support/poll.ts';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'cluster', 'cli', 'main.ts');
const TOKEN = 'restart-test-operator-token-0123456789';
const ROWS = 400_000;
let dir: string;
let port: number;
const children: ChildProcess[] = [];

function up(): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main, 'up', '--no-demo', '--config', join(dir, 'strata.yaml')], {
    cwd: dir, env: { ...process.env, STRATA_API_TOKEN: TOKEN, STRATA_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  return { child, out: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

const until = <T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> =>
  untilValue(async () => fn(), ok, what, timeoutMs, 20);

const api = async (path: string): Promise<any> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return res.json();
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-cli-restart-'));
  port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
  await writeFile(join(dir, 'strata.yaml'), `api:\n  port: ${port}\nstore:\n  mode: single-node\nworkers:\n  threads: 1\n`);
  await writeLargeBackinzoCsv(join(dir, 'big.csv'), ROWS, 3);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('strata ingest through a daemon crash', () => {
  it('waits through the restart and reports the file stored once, its rows stored once', async () => {
    const first = up();
    await until(() => first.out(), (o) => o.includes('Strata is up.'), 'the first daemon');
    let out = '';
    let err = '';
    let code: number | null = null;
    const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, setExitCode: (c) => { code = c; }, exit: (e: CommanderError) => { throw e; }, interactive: false };
    const program = new Command('strata').exitOverride();
    registerIngest(program, io);
    const ingesting = program.parseAsync(['ingest', '--url', `http://127.0.0.1:${port}`, '--token', TOKEN, join(dir, 'big.csv')], { from: 'user' });
    // killed while it writes the file's rows: a quarter of them read (the journal says `writing` by then)
    const events = new WebSocket(`ws://127.0.0.1:${port}/api/v1/events?topics=consolidator&token=${TOKEN}`);
    let rowsRead = 0;
    events.on('message', (d) => {
      const ev = (JSON.parse(String(d)) as { data?: { type?: string; progress?: { rows: number } } }).data;
      if (ev?.type === 'ingest.file.progress') rowsRead = Math.max(rowsRead, ev.progress!.rows);
    });
    events.on('error', () => undefined);
    await until(() => rowsRead, (n) => n >= ROWS / 4, 'a quarter of the rows read');
    expect((await api('/api/v1/consolidator/results')).uploads[0].state).toBe('processing');
    first.child.kill('SIGKILL');
    events.terminate();
    expect(await first.exited).toBeNull();
    const second = up();
    await until(() => second.out(), (o) => o.includes('Strata is up.'), 'the second daemon');
    await ingesting;
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toMatch(/big\.csv: FORMAT_1_BACKINZO_CSV/);
    expect(out).toContain(`stored ${ROWS} trades`);
    expect(out).toContain('1 stored, 0 already present, 0 rejected or failed');
    expect(err).toMatch(/does not answer \(STRATA_API_SERVICE_UNAVAILABLE\)/);
    // the daemon's recovery read the file again; the CLI had no need to ask
    expect(err).not.toContain('asking it to read the file again');
    // the upload itself shows the outcome of the recovery's read, and the rows are there once
    const results = await api('/api/v1/consolidator/results');
    expect(results.uploads.map((u: { state: string }) => u.state)).toEqual(['committed']);
    const store = await api('/api/v1/store/cluster');
    await until(async () => (await api('/api/v1/store/cluster')).nodes[0].rowCounts?.trades, (n) => n === ROWS, 'the stored trades', 10_000);
    expect(store.nodes).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});
