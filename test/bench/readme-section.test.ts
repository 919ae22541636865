import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { README_END, README_START, renderReadmeSection, replaceReadmeSection, rewriteReadme } from '../../bench/report/readme-section.ts';
import { main } from '../../bench/run.ts';
import { jsonl, line } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const results = [
  line({ scenario: 'runtime.tell', value: 12_500_000, min: 11_800_000, max: 13_100_000, baseline: { name: 'raw ring-queue dispatch', value: 30_100_000 }, ratio: 0.415, target: { ratio: '>=0.33' } }),
  line({ scenario: 'runtime.ask', metric: 'p99', unit: 'µs', value: 30, min: 25, max: 40, target: { value: '<=20 µs' } }),
  line({ scenario: 'store.append', unit: 'rows/s', value: 500_000, min: 480_000, max: 520_000 }),
];

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe('the README performance section', () => {
  it('says where and when it was measured and whether each target was met', () => {
    const md = renderReadmeSection(results, '/tmp/run/results.jsonl', {
      profile: 'quick', dirty: false, command: 'npm run bench -- --quick',
      areas: [{ area: 'runtime', status: 'ok', seconds: 9, baseline: 'b', lines: 2 }, { area: 'jobs', status: 'not available', seconds: 0, baseline: 'b', lines: 0 }, { area: 'cluster', status: 'failed', seconds: 9, baseline: 'b', lines: 0 }],
    });
    expect(md).toMatch(/npm run bench -- --readme results\.jsonl` from a real run \(quick profile\)/);
    expect(md).toMatch(/Not measured in this run: jobs \(not available\), cluster \(failed\)\./);
    expect(md).toMatch(/AMD EPYC, 2 cores, 24 GiB, Node v24\.21\.0, commit abc1234, 2026-11-22/);
    expect(md).toMatch(/\| runtime\.tell throughput \| 12\.5 M msg\/s \(11\.8 M–13\.1 M\) \| raw ring-queue dispatch: 30\.1 M \| 0\.41 \| ratio >=0\.33 \| yes \|/);
    expect(md).toMatch(/\| runtime\.ask p99 \| 30 µs .* \| <=20 µs \| \*\*no\*\* \|/);
    expect(md.indexOf('**runtime**')).toBeLessThan(md.indexOf('**store**'));
  });

  it('replaces only the text between the markers', () => {
    const before = `# Title\n\nintro\n\n## Benchmarks\n${README_START}\nold figures\n${README_END}\n\ntail text ${'x'.repeat(50)}\n`;
    const after = replaceReadmeSection(before, 'NEW SECTION');
    expect(after).toBe(`# Title\n\nintro\n\n## Benchmarks\n${README_START}\nNEW SECTION\n${README_END}\n\ntail text ${'x'.repeat(50)}\n`);
    const start = before.indexOf(README_START) + README_START.length;
    expect(after.slice(0, start)).toBe(before.slice(0, start));
    expect(after.slice(after.indexOf(README_END))).toBe(before.slice(before.indexOf(README_END)));
    expect(replaceReadmeSection(after, 'NEW SECTION')).toBe(after);
  });

  it('refuses a README without markers, with two, or with them out of order', () => {
    expect(codeOf(() => replaceReadmeSection('# no markers\n', 'x'))).toBe('STRATA_BENCH_README_MARKERS');
    expect(codeOf(() => replaceReadmeSection(`${README_START}\n${README_END}\n${README_START}\n`, 'x'))).toBe('STRATA_BENCH_README_MARKERS');
    expect(() => replaceReadmeSection(`${README_END}\n${README_START}\n`, 'x')).toThrow(/wrong order/);
  });

  it('rewrites a copy of the real README between its markers and leaves the rest byte for byte', () => {
    const real = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    // the real README carries the markers; a copy of it gets hand-typed numbers between them
    const start = real.indexOf(README_START);
    const end = real.indexOf(README_END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const before = real.slice(0, start + README_START.length);
    const after = real.slice(end);
    const readme = join(dir, 'README.md');
    const res = join(dir, 'results.jsonl');
    writeFileSync(readme, `${before}\nhand-typed numbers\n${after}`);
    writeFileSync(res, jsonl(results));
    expect(rewriteReadme(readme, res)).toEqual({ changed: true, figures: 3 });
    const now = readFileSync(readme, 'utf8');
    expect(now.startsWith(`${before}\n`)).toBe(true);
    expect(now.endsWith(after)).toBe(true);
    expect(now).not.toContain('hand-typed numbers');
    expect(now).toContain('12.5 M msg/s');
    expect(rewriteReadme(readme, res).changed).toBe(false);
  });

  it('leaves the file untouched when the markers are missing', () => {
    const readme = join(dir, 'NO-MARKERS.md');
    const res = join(dir, 'results2.jsonl');
    writeFileSync(readme, '# hello\n');
    writeFileSync(res, jsonl(results));
    expect(() => rewriteReadme(readme, res)).toThrow(/bench:start/);
    expect(readFileSync(readme, 'utf8')).toBe('# hello\n');
  });

  it('is what `npm run bench -- --readme results.jsonl --readme-file FILE` does', async () => {
    const readme = join(dir, 'CLI-README.md');
    const res = join(dir, 'results3.jsonl');
    writeFileSync(readme, `top\n${README_START}\n${README_END}\nbottom\n`);
    writeFileSync(res, jsonl(results));
    let err = '';
    expect(await main(['--readme', res, '--readme-file', readme], { out: () => {}, err: (t) => { err += t; } })).toBe(0);
    expect(err).toMatch(/performance section rewritten from 3 figures/);
    const now = readFileSync(readme, 'utf8');
    expect(now.startsWith(`top\n${README_START}\n_Generated by`)).toBe(true);
    expect(now.endsWith(`|\n${README_END}\nbottom\n`)).toBe(true);
  });
});
