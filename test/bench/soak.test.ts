// The soak tool: a real `strata up` child process driven for a few seconds (uploads, jobs, event clients,
// snapshots), sampled, stopped with SIGTERM; its options and its series summary.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, parseSoakArgs, processMemoryOf, slope, summariseSeries, type SoakSummary } from '../../bench/soak.ts';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

function capture() {
  const r = { out: '', err: '' };
  return { r, io: { out: (t: string) => { r.out += t; }, err: (t: string) => { r.err += t; } } };
}

describe('soak', () => {
  it('drives a real daemon, samples it, and stops it cleanly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-soak-test-'));
    dirs.push(dir);
    const { r, io } = capture();
    // store nodes on threads of their own whatever the machine's default (in-line below 8 cores), so that the
    // soak's figure for the heaps of the threads hosting them has threads to measure
    const config = join(dir, 'soak.yaml');
    writeFileSync(config, 'store:\n  hosting: thread\n');
    const code = await main(['--minutes', '0.25', '--sample-s', '3', '--every-ms', '50', '--rows', '400', '--job-every', '3', '--evaluations', '200', '--universe', '4', '--out', join(dir, 'out'), '--config', config], io);
    const summary = JSON.parse(r.out) as SoakSummary;
    expect(summary.errorMessages).toEqual([]);
    expect(code).toBe(0);
    expect(summary.uploads).toBeGreaterThanOrEqual(5);
    expect(summary.committed).toBe(summary.uploads);
    expect(summary.jobsCompleted).toBeGreaterThanOrEqual(1);
    expect(summary.stoppedCleanly).toBe(true);
    expect(summary.rss.max).toBeGreaterThan(50);
    expect(summary.heapUsed.max).toBeGreaterThan(5);
    // the store nodes' DuckDB memory, from /metrics: a number for every sample (0 when nothing is cached)
    expect(summary.store.max).toBeGreaterThanOrEqual(0);
    // and the heaps of the threads that host them: a V8 isolate is megabytes
    expect(summary.storeHeap.max).toBeGreaterThan(1);
    // the process by kind of mapping: a daemon has its main thread and a thread per store node at least
    expect(summary.threads.max).toBeGreaterThanOrEqual(4);
    expect(summary.malloc.max).toBeGreaterThan(0);
    expect(summary.otherAnon.max).toBeGreaterThan(0);
    const samples = readFileSync(join(dir, 'out', 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { minute: number; uploads: number });
    expect(samples).toHaveLength(summary.samples);
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples[samples.length - 1]!.uploads).toBe(summary.uploads);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'))).toEqual(summary);
    expect(r.err).toMatch(/rss +\d+ → max \d+ → \d+ MiB/);
  }, 120_000);

  it('ends early on SIGTERM with a last sample and a clean stop of the daemon, leaving no process behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-soak-stop-'));
    dirs.push(dir);
    const out = join(dir, 'out');
    const soak = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bench', 'soak.ts'), '--minutes', '10', '--sample-s', '2', '--every-ms', '50', '--rows', '200', '--job-every', '0', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    soak.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    const exited = new Promise<number | null>((resolve) => soak.once('exit', (code) => resolve(code)));
    // the signal once the daemon is up and a sample after the first one has been taken (uploads are under way)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no second sample within 90 s: ${stderr}`)), 90_000);
      soak.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if ((stderr.match(/^\[ *\d+\.\d+ min\]/gm) ?? []).length >= 2) { clearTimeout(timer); resolve(); }
      });
    });
    soak.kill('SIGTERM');
    expect(await exited).toBe(0);
    const summary = JSON.parse(stdout) as SoakSummary;
    expect(summary.stoppedEarly).toBe('SIGTERM');
    expect(summary.stoppedCleanly).toBe(true);
    expect(summary.minutes).toBeLessThan(2);
    expect(summary.uploads).toBeGreaterThanOrEqual(1);
    expect(summary.committed).toBe(summary.uploads);
    expect(stderr).toMatch(/stopped early \(SIGTERM\) after [\d.]+ of 10 min/);
    // the daemon (its own process group) is gone: no process runs on this soak's data folder
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain(join(out, 'data'));
  }, 150_000);

  it('splits a process\'s resident memory by kind of mapping, adding up to its anonymous RSS', () => {
    const keep = Buffer.alloc(64 * 2 ** 20, 1); // 64 MiB touched: a large malloc block, anonymous
    const m = processMemoryOf(process.pid);
    const status = readFileSync('/proc/self/status', 'utf8');
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)![1]);
    expect(m.threads).toBe(threads);
    expect(m.rssAnonMiB).toBeGreaterThanOrEqual(64);
    expect(m.rssFileMiB).toBeGreaterThan(0);
    const parts = m.mallocHeapMiB + m.mallocArenasMiB + m.otherAnonMiB;
    // smaps and status are read a moment apart, and rounded per part
    expect(Math.abs(parts - m.rssAnonMiB)).toBeLessThanOrEqual(Math.max(8, m.rssAnonMiB * 0.1));
    expect(keep[keep.length - 1]).toBe(1);
  });

  it('refuses options out of range with exit status 2 and the code', async () => {
    for (const args of [['--minutes', '0'], ['--rows', '5'], ['--job-every', '1.5'], ['--sample-s', 'soon'], ['--universe', '3'], ['--universe', 'all'], ['--config', '/no/such/strata.yaml']]) {
      const { r, io } = capture();
      expect(await main(args, io)).toBe(2);
      expect(r.err).toMatch(/^STRATA_BENCH_BAD_OPTION: --/);
    }
    expect(parseSoakArgs([])).toMatchObject({ minutes: 60, rows: 2_000, everyMs: 1_000, jobEvery: 6, sampleS: 60, universe: null });
    expect(parseSoakArgs(['--universe', '200']).universe).toBe(200);
    // an --out that holds an earlier soak's daemon data
    const used = await mkdtemp(join(tmpdir(), 'strata-soak-used-'));
    dirs.push(used);
    expect(parseSoakArgs(['--out', used]).outDir).toBe(used);
    mkdirSync(join(used, 'data'));
    const { r, io } = capture();
    expect(await main(['--out', used], io)).toBe(2);
    expect(r.err).toMatch(/^STRATA_BENCH_BAD_OPTION: --out .* earlier soak/);
  });

  it('reports the slope of the second half, where an early filling cache has settled', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBe(2);
    expect(slope([1], [5])).toBeNull();
    // rises fast, then flat: the second half's slope is 0 MiB/h
    const minutes = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(summariseSeries(minutes, [300, 400, 500, 600, 600, 600, 600, 600])).toEqual({ first: 300, max: 600, last: 600, slopeMiBPerHour: 0 });
    // still growing 1 MiB a minute at the end: 60 MiB/h
    expect(summariseSeries(minutes, [300, 301, 302, 303, 304, 305, 306, 307]).slopeMiBPerHour).toBe(60);
    expect(summariseSeries([0, 1], [1, 2]).slopeMiBPerHour).toBeNull();
  });
});
