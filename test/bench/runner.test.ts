import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseResults } from '../../bench/report/result-line.ts';
import { listAreas, main, runBench } from '../../bench/run.ts';
import { AREA_NAMES } from '../../bench/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, 'fixtures', 'scenarios');

/** 'gone', or the state letter from /proc (Z: dead, waiting to be reaped by init). */
function processState(pid: number): string {
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0); } catch { return 'gone'; }
}

function capture() {
  const io = { outText: '', errText: '', out(t: string) { io.outText += t; }, err(t: string) { io.errText += t; } };
  return io;
}

describe('the bench runner', () => {
  it('registers all ten areas, each with its baseline, in run order', () => {
    expect(AREA_NAMES).toEqual(['runtime', 'threads', 'cluster', 'store', 'ingest', 'engine', 'jobs', 'api', 'failover', 'scaling']);
    expect(listAreas(fixtures).filter((a) => a.available).map((a) => a.area)).toEqual(['engine', 'jobs', 'api']);
    for (const a of listAreas()) expect(a.baseline.length).toBeGreaterThan(10);
  });

  it('runs each area in a child process: missing ones are "not available", a crash or a hang does not stop the rest', async () => {
    const io = capture();
    const out = join(dir, 'fixtures-run');
    const outcome = await runBench({ areas: [], quick: true, outDir: out, timeoutS: 4, threads: [1, 3], scenarioDir: fixtures }, io);
    const status = Object.fromEntries(outcome.info.areas.map((a) => [a.area, a.status]));
    expect(status).toEqual({
      runtime: 'not available', threads: 'not available', cluster: 'not available', store: 'not available', ingest: 'not available',
      engine: 'timed out', jobs: 'ok', api: 'failed', failover: 'not available', scaling: 'not available',
    });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.info.areas.find((a) => a.area === 'api')!.message).toMatch(/crashed on purpose/);
    expect(outcome.info.areas.find((a) => a.area === 'jobs')!.message).toBe('1 invalid line(s) dropped');
    expect(io.errText).toMatch(/== runtime: not available \(no bench\/scenarios\/runtime\.ts yet\)/);
    expect(io.errText).toMatch(/threads 1,3/);
    // the process the crashed area left holding our stderr was ended with its group
    const leftover = Number(/leftover pid (\d+)/.exec(io.errText)![1]);
    await expect.poll(() => processState(leftover), { timeout: 10_000 }).toMatch(/^(gone|Z)$/);
    // every line on stdout and in results.jsonl is a valid result, stamped with machine, commit and time
    const stdoutLines = parseResults(io.outText, 'stdout');
    expect(stdoutLines.map((r) => `${r.scenario} ${r.metric}`)).toEqual(['engine.fixture throughput', 'jobs.fixture throughput', 'jobs.fixture p99', 'api.fixture throughput']);
    expect(stdoutLines[1]).toMatchObject({ value: 100, min: 90, max: 110, runs: 3, baseline: { value: 200 }, ratio: 0.5 });
    expect(stdoutLines[2]!.value).toBe(2); // the quick profile reached the scenario: median of [1, 3]
    expect(stdoutLines[0]!.machine.cores).toBeGreaterThan(0);
    expect(parseResults(readFileSync(join(out, 'results.jsonl'), 'utf8'), 'results.jsonl')).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ profile: 'quick' });
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| engine \| timed out: killed after 4 s/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<svg[^>]*>.*jobs: higher is better/s);
    expect(existsSync(join(out, 'plots', 'jobs-throughput.svg'))).toBe(true);
  });

  it('runs a real area end to end: the scaling curves at the thread counts asked for and over members', async () => {
    const io = capture();
    const out = join(dir, 'scaling-run');
    const outcome = await runBench({ areas: ['scaling'], quick: true, outDir: out, threads: [1, 2] }, io);
    expect(outcome.exitCode).toBe(0);
    const members = outcome.results.filter((r) => r.scenario.startsWith('scaling.members-')).map((r) => r.scenario);
    expect(outcome.results.map((r) => r.scenario)).toEqual(['scaling.threads-1', 'scaling.threads-2', ...members]);
    expect(members[0]).toBe('scaling.members-1');
    for (const r of outcome.results) {
      expect(r.baseline?.name).toMatch(/one thread/);
      expect(r.ratio).toBeCloseTo(r.value / r.baseline!.value, 3);
      expect(r.min).toBeLessThanOrEqual(r.value);
    }
    expect(existsSync(join(out, 'plots', 'scaling-threads-throughput-scaling.svg'))).toBe(true);
    expect(existsSync(join(out, 'plots', 'scaling-members-throughput-scaling.svg'))).toBe(members.length > 1);
  }, 90_000);

  it('refuses an unknown area and a bad thread list with exit status 2', async () => {
    const io = capture();
    expect(await main(['warp'], io)).toBe(2);
    expect(io.errText).toMatch(/STRATA_BENCH_UNKNOWN_AREA: unknown bench area\(s\): warp/);
    expect(await main(['scaling', '--threads', '1,zero'], io)).toBe(2);
    expect(io.errText).toMatch(/STRATA_BENCH_BAD_OPTION: --threads wants positive integers/);
    expect(await main(['--bogus'], io)).toBe(2);
  });
});
