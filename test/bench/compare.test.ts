import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareOne, compareResults, formatComparison, relativeSpread } from '../../bench/compare.ts';
import { compareFiles } from '../../bench/run.ts';
import { jsonl, line } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--compare', () => {
  it('measures noise as the min–max spread relative to the median', () => {
    expect(relativeSpread({ value: 100, min: 90, max: 130 })).toBeCloseTo(0.4);
  });

  it('flags a throughput that fell well beyond both runs’ spread as a regression', () => {
    const before = line({ scenario: 'runtime.tell', value: 100, min: 98, max: 102 });
    const after = line({ scenario: 'runtime.tell', value: 70, min: 69, max: 71 });
    expect(compareOne(before, after).verdict).toBe('regression');
    expect(compareOne(after, before).verdict).toBe('improvement');
  });

  it('calls the same fall within noise when the runs themselves spread wider', () => {
    const before = line({ scenario: 'runtime.tell', value: 100, min: 60, max: 140 });
    const after = line({ scenario: 'runtime.tell', value: 70, min: 50, max: 110 });
    const row = compareOne(before, after);
    expect(row.noise).toBeCloseTo(60 / 70); // the new run spread 50–110 around 70
    expect(row.verdict).toBe('noise');
  });

  it('ignores a small change between two tight runs (below the 5 % floor)', () => {
    const before = line({ scenario: 'runtime.tell', value: 100, min: 100, max: 100, runs: 1 });
    const after = line({ scenario: 'runtime.tell', value: 97, min: 97, max: 97, runs: 1 });
    expect(compareOne(before, after).verdict).toBe('noise');
    expect(compareOne(before, after, { minNoise: 0.01 }).verdict).toBe('regression');
  });

  it('treats a latency that rose as a regression (lower is better)', () => {
    const before = line({ scenario: 'runtime.ask', metric: 'p99', unit: 'µs', value: 10, min: 9, max: 11 });
    const after = line({ scenario: 'runtime.ask', metric: 'p99', unit: 'µs', value: 20, min: 19, max: 22 });
    expect(compareOne(before, after).verdict).toBe('regression');
  });

  it('on one machine flags a figure with a baseline only when value and ratio both fell beyond noise', () => {
    const fig = (value: number, baseline: number) => line({ scenario: 'store.append', value, min: value * 0.98, max: value * 1.02, baseline: { name: 'raw', value: baseline }, ratio: value / baseline });
    expect(compareOne(fig(100, 125), fig(60, 125)).verdict).toBe('regression');
    expect(compareOne(fig(60, 125), fig(100, 125)).verdict).toBe('improvement');
    // the whole machine slower: value and baseline fell alike, the ratio held
    expect(compareOne(fig(100, 125), fig(60, 75)).verdict).toBe('drift');
    // only the baseline moved (its own noise is not recorded): no verdict on the code
    expect(compareOne(fig(100, 125), fig(100, 200)).verdict).toBe('noise');
  });

  it('across machines judges the ratio alone', () => {
    const xeon = { cpu: 'Xeon', cores: 16, memGiB: 64, node: 'v24.21.0' };
    const before = line({ scenario: 'engine.kernel', value: 100, min: 99, max: 101, baseline: { name: 'raw', value: 125 }, ratio: 0.8 });
    expect(compareOne(before, line({ scenario: 'engine.kernel', machine: xeon, value: 300, min: 299, max: 301, baseline: { name: 'raw', value: 600 }, ratio: 0.5 })).verdict).toBe('regression');
    expect(compareOne(before, line({ scenario: 'engine.kernel', machine: xeon, value: 300, min: 299, max: 301, baseline: { name: 'raw', value: 375 }, ratio: 0.8 })).verdict).toBe('noise');
    expect(compareOne(before, line({ scenario: 'engine.kernel', machine: xeon, value: 30, min: 29, max: 31 })).verdict).toBe('noise');
  });

  it('lists figures only one run has as new or gone', () => {
    const rows = compareResults([line({ scenario: 'runtime.tell' }), line({ scenario: 'runtime.old' })], [line({ scenario: 'runtime.tell' }), line({ scenario: 'runtime.fresh' })]);
    expect(rows.map((r) => `${r.scenario}:${r.verdict}`)).toEqual(['runtime.tell:noise', 'runtime.fresh:new', 'runtime.old:gone']);
  });

  it('prints the table and exits 1 on a regression, 0 without one', () => {
    const oldPath = join(dir, 'old.jsonl');
    const newPath = join(dir, 'new.jsonl');
    const samePath = join(dir, 'same.jsonl');
    writeFileSync(oldPath, jsonl([line({ scenario: 'runtime.tell', value: 100, min: 99, max: 101 }), line({ scenario: 'store.append', value: 5, min: 4, max: 6 })]));
    writeFileSync(newPath, jsonl([line({ scenario: 'runtime.tell', value: 50, min: 49, max: 51, commit: 'def5678' }), line({ scenario: 'store.append', value: 5.2, min: 4, max: 6 })]));
    writeFileSync(samePath, jsonl([line({ scenario: 'runtime.tell', value: 101, min: 99, max: 103 }), line({ scenario: 'store.append', value: 5, min: 4, max: 6 })]));
    let out = '';
    const io = { out: (t: string) => { out += t; }, err: () => {} };
    expect(compareFiles(oldPath, newPath, io)).toBe(1);
    expect(out).toMatch(/REGRESSION runtime\.tell throughput: value ×0\.500/);
    expect(out).toMatch(/1 regression\(s\), 0 improvement\(s\), 1 within noise/);
    expect(out).toMatch(/old: abc1234 .* new: def5678/);
    out = '';
    expect(compareFiles(oldPath, samePath, io)).toBe(0);
    expect(out).toMatch(/0 regression\(s\)/);
  });

  it('warns when the runs come from different machines', () => {
    const a = [line({ scenario: 'runtime.tell' })];
    const b = [line({ scenario: 'runtime.tell', machine: { cpu: 'Xeon', cores: 16, memGiB: 64, node: 'v24.21.0' } })];
    expect(formatComparison(compareResults(a, b), a, b)).toMatch(/different machines .* trust the ratios/);
  });
});
