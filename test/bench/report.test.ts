import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupByArea } from '../../bench/report/figures.ts';
import { renderMarkdown, writeReport } from '../../bench/report/render.ts';
import { checkCondition, formatNumber, targetVerdict } from '../../bench/report/target.ts';
import { line } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pct = (metric: string, value: number, base: number) =>
  line({ scenario: 'runtime.ask', metric, unit: 'µs', value, min: value * 0.9, max: value * 1.2, baseline: { name: 'raw <promise> & hops', value: base }, ratio: value / base });
const results = [
  line({ scenario: 'runtime.tell', value: 12_500_000, min: 11_800_000, max: 13_100_000, baseline: { name: 'raw ring-queue', value: 30_100_000 }, ratio: 0.415, target: { ratio: '>=0.33' } }),
  pct('p50', 2, 1), pct('p90', 3, 2), pct('p99', 4, 3), pct('p99.9', 38, 20), pct('max', 1257, 400),
  ...[1, 2, 4].map((t) => line({ scenario: `scaling.threads-${t}`, unit: 'candidates/s', value: 10_000 * t * 0.9, min: 9_000 * t * 0.9, max: 11_000 * t * 0.9, baseline: { name: 'one thread', value: 10_000 }, ratio: 0.9 * t, target: { ratio: `>=${0.95 * t}` }, note: 'a note with <angle> brackets' })),
];

/** Tags open and close in order (self-closing allowed): enough to know a viewer will parse the SVG. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) { if (stack.pop() !== m[2]) return false; } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe('the report', () => {
  it('groups figures by area in list order into bars, percentile curves and scaling curves', () => {
    const areas = groupByArea([...results].reverse());
    expect(areas.map((a) => a.area)).toEqual(['runtime', 'scaling']);
    expect(areas[0]!.throughput.map((r) => r.scenario)).toEqual(['runtime.tell']);
    expect(areas[0]!.latency[0]!.points.map((r) => r.metric)).toEqual(['p50', 'p90', 'p99', 'p99.9', 'max']);
    expect(areas[1]!.scaling[0]!.points.map((p) => p.threads)).toEqual([1, 2, 4]);
  });

  it('writes report.md, report.html and one well-formed SVG per plot, escaping text and fetching nothing', () => {
    const written = writeReport(dir, results, { profile: 'quick', dirty: true, command: 'npm run bench -- --quick', areas: [{ area: 'jobs', status: 'not available', seconds: 0, baseline: 'b', lines: 0 }] });
    expect(readdirSync(join(dir, 'plots')).sort()).toEqual(['runtime-ask-latency.svg', 'runtime-throughput.svg', 'scaling-threads-throughput-scaling.svg', 'scaling-throughput.svg']);
    for (const file of written.filter((f) => f.endsWith('.svg'))) {
      const svg = readFileSync(file, 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(balanced(svg), file).toBe(true);
    }
    expect(readFileSync(join(dir, 'plots', 'runtime-ask-latency.svg'), 'utf8')).toContain('raw &lt;promise&gt; &amp; hops');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('a note with &lt;angle&gt; brackets');
    expect(html).toContain('(with uncommitted changes)');
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('![runtime: throughput against baseline](plots/runtime-throughput.svg)');
    expect(md).toMatch(/\| jobs \| not available \| 0 s \| 0 \| b \|/);
  });

  it('marks targets met or missed in the tables', () => {
    const md = renderMarkdown(results, null);
    expect(md).toMatch(/\| runtime\.tell \| throughput \| 12\.5 M msg\/s \| 11\.8 M–13\.1 M \(5 runs\) \| raw ring-queue: 30\.1 M \| 0\.415 \| ratio >=0\.33 \| yes \|/);
    expect(md).toMatch(/\| scaling\.threads-4 \| .* \| 3\.600 \| ratio >=3\.8 \| \*\*no\*\* \|$/m);
  });
});

describe('targets and numbers', () => {
  it('reads comparisons with units, "baseline +" bounds and several conditions', () => {
    expect(checkCondition('>=0.33', 0.4, undefined)).toBe('met');
    expect(checkCondition('<=2000 ms', 2100, undefined)).toBe('missed');
    expect(checkCondition('<= baseline + 1000 µs', 2573, 2499)).toBe('met');
    expect(checkCondition('<= baseline + 1000 µs', 3600, 2499)).toBe('missed');
    expect(checkCondition('==0', 0, undefined)).toBe('met');
    expect(checkCondition('fast enough', 1, undefined)).toBe('unknown');
    expect(targetVerdict({ value: 12e6, ratio: 0.3, target: { ratio: '>=0.33', value: '>=10000000 msg/s' } })).toBe('missed');
    expect(targetVerdict({ value: 12e6, ratio: 0.4, target: { ratio: '>=0.33', value: '>=10000000 msg/s' } })).toBe('met');
    expect(targetVerdict({ value: 1 })).toBe('unknown');
  });

  it('writes numbers with three significant digits and K/M/G', () => {
    expect([12_500_000, 1_409_536, 999_999, 17_507, 8985, 0.4152, 2, 2.5e10].map(formatNumber)).toEqual(['12.5 M', '1.41 M', '1000 K', '17.5 K', '8985', '0.415', '2', '25 G']);
  });
});
