// `strata up`'s demo job progress as a real child process on a pipe (non-interactive): a progress line at most
// every few seconds, then one line when the job completes or is cancelled, with the daemon still serving; a
// SIGTERM while the job runs stops gracefully with no progress printed after it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'cluster', 'cli', 'main.ts');
let dir: string;
const children: ChildProcess[] = [];

interface Line { readonly text: string; readonly at: number }
interface Run { child: ChildProcess; lines: Line[]; out: () => string; exited: Promise<number | null> }

/** `strata up` on a fresh data dir with a demo of `evaluations`; stdout is a pipe, so no bars */
async function up(name: string, evaluations: number): Promise<Run> {
  const config = join(dir, `${name}.yaml`);
  await writeFile(config, `api:\n  port: 0\nstore:\n  mode: single-node\nworkers:\n  threads: 1\ndemo:\n  strategies: 3\n  days: 30\n  evaluations: ${evaluations}\n`);
  const child = spawn(process.execPath, [main, 'up', '--config', config, '--data-dir', join(dir, name)], {
    cwd: dir, env: { ...process.env, STRATA_LOG_LEVEL: 'warn', STRATA_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Line[] = [];
  let out = '';
  let partial = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
    partial += String(d);
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const text of parts) lines.push({ text, at: Date.now() });
  });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, lines, out: () => out, exited };
}

async function waitFor(r: Run, pattern: RegExp, timeoutMs = 45_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const l of r.lines) {
      const m = pattern.exec(l.text);
      if (m) return m;
    }
    if (Date.now() > end || r.child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${r.out()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const PROGRESS = /^demo: job (job-\d+) (\d+)% \(([\d,]+)\/([\d,]+) evaluations\)(?:, ETA \d+\.\d s)?$/;
const count = (s: string): number => Number(s.replaceAll(',', ''));

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-up-progress-')); });
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('strata up: the demo job progress', () => {
  it('prints a progress line at most every few seconds and a line when the job completes, and keeps running', async () => {
    const r = await up('completes', 800_000);
    const [, id] = await waitFor(r, /^demo: optimisation job (job-\d+) queued \(nsga2\)$/);
    const [, seconds] = await waitFor(r, new RegExp(`^demo: job ${id} completed in (\\d+\\.\\d) s; 800,000 evaluations; best net profit -?[\\d,.]+, max drawdown [\\d,.]+, Sharpe -?[\\d,.]+ \\((\\d+) strategies: \\w+(, \\w+)*\\)$`));
    const progress = r.lines.filter((l) => PROGRESS.test(l.text));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const parsed = progress.map((l) => PROGRESS.exec(l.text)!);
    for (const m of parsed) {
      expect(m[1]).toBe(id);
      expect(m[4]).toBe('800,000');
      expect(Number(m[2])).toBe(Math.floor((100 * count(m[3]!)) / 800_000));
    }
    // evaluations only go up, and lines are throttled (the runner reports every 250 ms)
    for (let i = 1; i < parsed.length; i++) {
      expect(count(parsed[i]![3]!)).toBeGreaterThan(count(parsed[i - 1]![3]!));
      expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(2_000);
    }
    expect(progress.length).toBeLessThanOrEqual(Math.floor(Number(seconds) / 3) + 2);
    // the progress follows the start banner; nothing about the job follows its final line
    const texts = r.lines.map((l) => l.text);
    const banner = texts.findIndex((t) => t.startsWith('Strata is up.'));
    const final = texts.findIndex((t) => t.startsWith(`demo: job ${id} completed`));
    expect(texts.findIndex((t) => PROGRESS.test(t))).toBeGreaterThan(banner);
    await new Promise((res) => setTimeout(res, 500));
    expect(r.lines.slice(final + 1).filter((l) => l.text.startsWith('demo:'))).toEqual([]);
    const url = (await waitFor(r, /Console: (http:\/\/[^/]+)\/console/))[1]!;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('Strata stopped.');
  }, 90_000);

  it('prints the cancellation when an operator cancels the demo job', async () => {
    const r = await up('cancelled', 10_000_000);
    const [, id] = await waitFor(r, PROGRESS);
    const [, url, token] = await waitFor(r, /Console: (http:\/\/[^/]+)\/console#token=(\S+)/);
    const res = await fetch(`${url}/api/v1/optimizer/jobs/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    await waitFor(r, new RegExp(`^demo: job ${id} cancelled after \\d+\\.\\d s by an operator$`));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  }, 60_000);

  it('stops gracefully on SIGTERM while the demo job runs, printing no progress after the signal', async () => {
    const r = await up('interrupted', 10_000_000);
    const [, id] = await waitFor(r, PROGRESS);
    const signalledAt = r.lines.length;
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    const after = r.lines.slice(signalledAt).map((l) => l.text);
    expect(after).toContain('Strata stopped.');
    expect(after.filter((t) => t.startsWith(`demo: job ${id}`))).toEqual([]);
  }, 60_000);
});
