// `--only PREFIX,…`: the matching rules, the checks on the value, and real runs of fixture areas in child
// processes (which sections ran, which lines came out, which areas were chosen, what the report records).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headerFacts } from '../../bench/report/render.ts';
import { parseResults } from '../../bench/report/result-line.ts';
import { areasForOnly, listAreas, main, parseOnly, runBench } from '../../bench/run.ts';
import { isReported, isWanted } from '../../bench/scenario.ts';
import { line } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, 'fixtures', 'only');

function capture() {
  const io = { outText: '', errText: '', out(t: string) { io.outText += t; }, err(t: string) { io.errText += t; } };
  return io;
}

describe('--only', () => {
  it('reports a line whose scenario starts with a prefix, and wants a section when either name is a prefix of the other', () => {
    expect(isReported(null, 'ingest.rss.csv-large')).toBe(true);
    expect(isReported(['ingest.rss'], 'ingest.rss.csv-large')).toBe(true);
    expect(isReported(['api.status', 'ingest.rss'], 'ingest.rss.e2e-3x')).toBe(true);
    expect(isReported(['ingest.rss.e2e-large'], 'ingest.rss')).toBe(false);
    expect(isReported(['ingest.csv.backinzo-vs-scan'], 'ingest.csv.backinzo')).toBe(false);
    expect(isReported(['ingest.e2e'], 'ingest.csv.backinzo')).toBe(false);

    expect(isWanted(null, 'anything')).toBe(true);
    expect(isWanted(['ingest'], 'ingest.rss')).toBe(true);
    expect(isWanted(['ingest.rss.e2e-large'], 'ingest.rss')).toBe(true);
    expect(isWanted(['ingest.rss.e2e-large'], 'ingest.rss.e2e')).toBe(true);
    expect(isWanted(['ingest.rss.e2e-large'], 'ingest.rss.csv')).toBe(false);
    // names grow with '-' as well as '.': a part of the section is still the section's business
    expect(isWanted(['ingest.csv.backinzo-vs-scan'], 'ingest.csv.backinzo')).toBe(true);
    expect(isWanted(['scaling.threads-2'], 'scaling.threads')).toBe(true);
    expect(isWanted(['scaling.threads-2'], 'scaling.members')).toBe(false);
    expect(isWanted(['ingest.e2e'], 'ingest.e2e.xlsx.tradingview')).toBe(true);
    expect(isWanted(['ingest.e2e'], 'ingest.xlsx.tradingview')).toBe(false);
    // areas are asked about as `<area>.`
    expect(isWanted(['ingest.rss'], 'ingest.')).toBe(true);
    expect(isWanted(['ingest'], 'ingest.')).toBe(true);
    expect(isWanted(['ingestion'], 'ingest.')).toBe(false);
  });

  it('takes comma-separated prefixes of letters, digits, dots, dashes and underscores, and refuses anything else', () => {
    expect(parseOnly('ingest.rss,ingest.e2e.csv.store-cluster,ingest.rss')).toEqual(['ingest.rss', 'ingest.e2e.csv.store-cluster']);
    expect(parseOnly('runtime.tell_x')).toEqual(['runtime.tell_x']);
    for (const bad of ['', ',', 'ingest.rss,', ',ingest', 'a,,b', 'ingest rss', 'ingest/rss', 'ingest*']) {
      expect(() => parseOnly(bad), bad).toThrow(expect.objectContaining({ code: 'STRATA_BENCH_BAD_OPTION' }));
    }
  });

  it('chooses the areas its prefixes name when none are named, and keeps the named ones as given', () => {
    const all = listAreas(fixtures);
    expect(areasForOnly(all, [], ['ingest.rss']).map((a) => a.area)).toEqual(['ingest']);
    expect(areasForOnly(all, [], ['s']).map((a) => a.area)).toEqual(['store', 'scaling']);
    expect(areasForOnly(all, [], ['api.status', 'cluster']).map((a) => a.area)).toEqual(['cluster', 'api']);
    expect(areasForOnly(all, [], undefined)).toHaveLength(10);
    const jobs = all.filter((a) => a.area === 'jobs');
    expect(areasForOnly(jobs, ['jobs'], ['ingest.rss']).map((a) => a.area)).toEqual(['jobs']);
    expect(() => areasForOnly(all, [], ['warp.speed'])).toThrow(expect.objectContaining({ code: 'STRATA_BENCH_BAD_OPTION' }));
  });

  it('runs alone the area it names, skips the sections not asked for and reports only the matching lines', async () => {
    const io = capture();
    const out = join(dir, 'store-a-two');
    const outcome = await runBench({ areas: [], quick: true, outDir: out, only: ['store.a.two'], scenarioDir: fixtures, command: 'npm run bench -- --only store.a.two' }, io);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.info.areas.map((a) => `${a.area} ${a.status} ${a.lines}`)).toEqual(['store ok 1']);
    expect(parseResults(io.outText, 'stdout').map((r) => r.scenario)).toEqual(['store.a.two']);
    expect(io.errText).toMatch(/ran section store\.a/);
    expect(io.errText).not.toMatch(/ran section store\.b/);
    expect(io.errText).not.toMatch(/ran jobs/);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ only: ['store.a.two'] });
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Profile: quick, only store\.a\.two \(a partial run\); command: `npm run bench -- --only store\.a\.two`/);

    const whole = capture();
    await runBench({ areas: ['store'], quick: true, outDir: null, only: ['store.b', 'store.a'], scenarioDir: fixtures }, whole);
    expect(parseResults(whole.outText, 'stdout').map((r) => r.scenario)).toEqual(['store.a.one', 'store.a.two', 'store.b']);
  }, 60_000);

  it('drops the lines not asked for of an area that never asks ctx.wants, and runs a named area even if no prefix matches it', async () => {
    const io = capture();
    expect(await main(['jobs', 'store', '--only', 'jobs.two', '--quick', '--scenario-dir', fixtures, '--out', join(dir, 'jobs-two')], io)).toBe(0);
    expect(parseResults(io.outText, 'stdout').map((r) => r.scenario)).toEqual(['jobs.two']);
    expect(io.errText).toMatch(/ran jobs/);
    expect(io.errText).toMatch(/--only names none of store's figures: it runs, and reports nothing/);
    expect(io.errText).not.toMatch(/ran section store/);
  }, 60_000);

  it('skips in a real area the thread counts and the member curve not asked for', async () => {
    const io = capture();
    const outcome = await runBench({ areas: [], quick: true, outDir: null, threads: [1, 2], only: ['scaling.threads-2'] }, io);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.info.areas.map((a) => a.area)).toEqual(['scaling']);
    expect(outcome.results.map((r) => r.scenario)).toEqual(['scaling.threads-2']);
    expect(io.errText).toMatch(/2 thread\(s\):/);
    expect(io.errText).not.toMatch(/ 1 thread\(s\):|member\(s\):/);
  }, 90_000);

  it('refuses a bad list, or one that matches no area, with exit status 2 and its code', async () => {
    for (const bad of [['--only', ''], ['--only', 'ingest.rss,'], ['--only', 'ingest rss'], ['store', '--only', 'a,,b'], ['--only', 'warp.speed']]) {
      const io = capture();
      expect(await main([...bad, '--scenario-dir', fixtures, '--out', join(dir, 'refused')], io), bad.join(' ')).toBe(2);
      expect(io.errText).toMatch(/^STRATA_BENCH_BAD_OPTION: --only /m);
      expect(io.outText).toBe('');
    }
  });

  it('shows the prefixes in the report header, and nothing when the run was whole', () => {
    const info = { profile: 'full' as const, areas: [], dirty: false, command: 'npm run bench' };
    expect(headerFacts([line({ scenario: 'ingest.rss.csv-large' })], { ...info, only: ['ingest.rss', 'api'] })[2]).toBe('Profile: full, only ingest.rss, api (a partial run); command: `npm run bench`');
    expect(headerFacts([], info)).toEqual(['Profile: full; command: `npm run bench`']);
  });
});
