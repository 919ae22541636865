// Real `strata daemon` child processes for the multi-member tests: write a member's config (or pass flags), spawn it,
// wait for its API, call the API with a token, and the demo CSV files every member ingests.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateDataset } from '../../engine/formats/index.ts';
import { untilValue } from './poll.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'cluster', 'cli', 'main.ts');

export interface DaemonProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** the API's base URL */
  readonly url: string;
  readonly dataDir: string;
  /** everything it printed so far (stdout and stderr) */
  out(): string;
}

/**
 * Writes `<dir>/<name>.json` (the config, its dataDir `<dir>/<name>`) unless `config` is null, copies `files` into the member's inbox,
 * spawns the daemon and resolves once its API listens (rejects with its output if it exits first).
 */
export async function startDaemonProcess(o: {
  readonly dir: string;
  readonly name: string;
  /** null: no config file, the member is configured by `args` and `env` alone (its data dir still `<dir>/<name>`) */
  readonly config: Record<string, unknown> | null;
  /** more `strata daemon` flags */
  readonly args?: readonly string[];
  readonly files?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}): Promise<DaemonProcess> {
  const dataDir = join(o.dir, o.name);
  await mkdir(join(dataDir, 'ingest', 'inbox'), { recursive: true });
  for (const f of o.files ?? []) await copyFile(f, join(dataDir, 'ingest', 'inbox', f.split('/').at(-1)!));
  let configArgs = ['--data-dir', dataDir];
  if (o.config !== null) {
    const config = join(o.dir, `${o.name}.json`);
    await writeFile(config, JSON.stringify({ dataDir, ...o.config }));
    configArgs = ['--config', config];
  }
  const child = spawn(process.execPath, [MAIN, 'daemon', ...configArgs, ...(o.args ?? [])], {
    cwd: o.dir, env: { ...process.env, STRATA_LOG_FORMAT: 'json', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const found = await untilValue(async () => /^api: (https?:\/\/127\.0\.0\.1:\d+)/m.exec(out) ?? null, (u) => u !== null || child.exitCode !== null, `${o.name}'s API`, o.timeoutMs ?? 30_000);
  if (found === null) throw new Error(`${o.name} exited ${child.exitCode}:\n${out}`);
  return { name: o.name, child, url: found[1]!, dataDir, out: () => out };
}

/** A JSON call to a daemon's API with a bearer token; the body parsed (null when empty). */
export async function daemonApi(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

/** The generated dataset's CSV files, their full date range and how many strategies they hold. */
export async function csvDataset(dir: string, seed: number): Promise<{ files: string[]; range: { from: string; to: string }; strategies: number }> {
  const ds = await generateDataset({ outDir: join(dir, 'files'), strategies: 4, days: 120, seed });
  const files = (await readdir(ds.outDir)).filter((f) => f.endsWith('.csv')).map((f) => join(ds.outDir, f));
  const csv = ds.files.filter((f) => f.file.endsWith('.csv'));
  const days = csv.flatMap((f) => f.strategies.flatMap((s) => s.daily.map((d) => d.trading_day))).sort();
  return { files, range: { from: days[0]!, to: days.at(-1)! }, strategies: csv.reduce((n, f) => n + f.strategies.length, 0) };
}

/** SIGKILLs every member still running (afterAll). */
export function killAll(members: readonly DaemonProcess[]): void {
  for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
}

/** SIGTERMs a daemon process and resolves with its exit code once it exits (0: a clean stop); drops it from `running`. */
export async function stopDaemonProcess(m: DaemonProcess, running?: DaemonProcess[]): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => m.child.once('exit', (code) => resolve(code)));
  m.child.kill('SIGTERM');
  const code = await exited;
  if (running) running.splice(running.indexOf(m), 1);
  return code;
}
