import { describe, expect, it } from 'vitest';
import { checkResultLine, parseResults } from '../../bench/report/result-line.ts';
import { jsonl, line } from './support.ts';

const example = '{"scenario":"runtime.tell","metric":"throughput","unit":"msg/s","value":12500000,"min":11800000,'
  + '"max":13100000,"runs":5,"baseline":{"name":"raw ring-queue dispatch","value":30100000},'
  + '"ratio":0.415,"target":{"ratio":">=0.33"},"machine":{"cpu":"…","cores":2,"memGiB":24,"node":"v24.x"},'
  + '"commit":"abc1234","at":"2026-11-22T10:00:00Z"}';

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe('result lines (BENCH.md)', () => {
  it('accepts the example line of BENCH.md', () => {
    expect(checkResultLine(JSON.parse(example))).toEqual([]);
    expect(parseResults(example, 'x.jsonl')[0]!.ratio).toBe(0.415);
  });

  it('rejects a line missing the machine facts or the commit', () => {
    const { machine: _m, ...noMachine } = line({ scenario: 'runtime.tell' });
    expect(checkResultLine(noMachine).join()).toMatch(/machine/);
    const { commit: _c, ...noCommit } = line({ scenario: 'runtime.tell' });
    expect(checkResultLine(noCommit).join()).toMatch(/commit/);
  });

  it('rejects a median outside its own min–max', () => {
    expect(checkResultLine(line({ scenario: 'runtime.tell', value: 120, min: 95, max: 105 })).join()).toMatch(/min 95 ≤ value 120 ≤ max 105/);
  });

  it('rejects a ratio without its baseline and a baseline without its ratio', () => {
    expect(checkResultLine(line({ scenario: 'runtime.tell', ratio: 0.5 })).join()).toMatch(/ratio and baseline/);
    expect(checkResultLine(line({ scenario: 'runtime.tell', baseline: { name: 'raw', value: 1 } })).join()).toMatch(/ratio and baseline/);
  });

  it('rejects an unknown area, a name without a dot and a non-ISO time', () => {
    expect(checkResultLine(line({ scenario: 'warp.speed' })).join()).toMatch(/unknown area "warp"/);
    expect(checkResultLine(line({ scenario: 'runtime' })).join()).toMatch(/<area>\.<what>/);
    expect(checkResultLine({ ...line({ scenario: 'runtime.tell' }), at: 'yesterday' }).join()).toMatch(/^at:/);
  });

  it('rejects a value that JSON turned into null (NaN or Infinity)', () => {
    const text = JSON.stringify({ ...line({ scenario: 'runtime.tell' }), value: Number.NaN });
    expect(text).toContain('"value":null');
    expect(checkResultLine(JSON.parse(text)).join()).toMatch(/value/);
  });

  it('names the file and line of a bad line and takes no partial result', () => {
    const text = jsonl([line({ scenario: 'runtime.tell' })]) + '\n{"scenario":"runtime.ask"}\n';
    expect(() => parseResults(text, 'run.jsonl')).toThrow(/run\.jsonl:3: not a benchmark result/);
    expect(codeOf(() => parseResults(text, 'run.jsonl'))).toBe('STRATA_BENCH_BAD_RESULT');
    expect(() => parseResults('{oops', 'a.jsonl')).toThrow(/a\.jsonl:1: not JSON/);
  });

  it('reads a JSON array as well as JSON lines, and refuses an empty file', () => {
    const rs = [line({ scenario: 'runtime.tell' }), line({ scenario: 'store.append' })];
    expect(parseResults(JSON.stringify(rs), 'a.json').map((r) => r.scenario)).toEqual(['runtime.tell', 'store.append']);
    expect(codeOf(() => parseResults(' \n', 'empty.jsonl'))).toBe('STRATA_BENCH_NO_RESULTS');
  });
});
