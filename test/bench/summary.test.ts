import { describe, expect, it } from 'vitest';
import { betterDirection, compared, createLatencyRecorder, interleaved, latencyResults, repeat, summarise } from '../../bench/scenario.ts';

describe('medians with min–max', () => {
  it('takes the middle sample of an odd count and the mean of the middle two of an even count', () => {
    expect(summarise([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, runs: 3 });
    expect(summarise([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10, runs: 4 });
    expect(summarise([7])).toEqual({ median: 7, min: 7, max: 7, runs: 1 });
  });

  it('refuses to summarise nothing', () => {
    expect(() => summarise([])).toThrow(/no samples/);
  });

  it('runs a warm-up that is not counted, then the repetitions', async () => {
    const seen: number[] = [];
    let i = 0;
    const s = await repeat(3, () => { seen.push(i); return [1000, 10, 20, 30][i++]!; });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(s).toEqual({ median: 20, min: 10, max: 30, runs: 3 });
  });

  it('interleaves several measurements round by round after one uncounted warm-up of each', async () => {
    const calls: string[] = [];
    const values = { a: [999, 1, 2, 3], b: [888, 10, 30, 20] };
    const next = { a: 0, b: 0 };
    const take = (k: 'a' | 'b') => async () => { calls.push(`${k}${next[k]}`); return values[k][next[k]++]!; };
    const [a, b] = await interleaved(3, [take('a'), take('b')]);
    expect(calls).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    expect(a).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(b).toEqual({ median: 20, min: 10, max: 30, runs: 3 });
  });

  it('divides the median by the baseline median for the ratio', () => {
    const r = compared('runtime.tell', 'throughput', 'msg/s', summarise([10, 30, 20]), { name: 'raw', summary: summarise([40, 50, 60]) }, { ratio: '>=0.33' });
    expect(r).toMatchObject({ value: 20, min: 10, max: 30, runs: 3, baseline: { name: 'raw', value: 50 }, ratio: 0.4, target: { ratio: '>=0.33' } });
    expect(compared('runtime.ask', 'p50', 'µs', summarise([1]), null)).not.toHaveProperty('ratio');
  });

  it('reports p50, p90, p99, p99.9 and max from hdr-histogram, one line each, medians over repetitions', () => {
    const runs = [0, 1, 2].map((k) => {
      const h = createLatencyRecorder();
      for (let v = 1; v <= 1000; v++) h.record(v * (k + 1));
      return h.percentiles();
    });
    expect(runs[0]!.p50).toBe(500);
    expect(runs[0]!.max).toBe(1000);
    const lines = latencyResults('store.read', 'µs', runs, { name: 'direct', runs: [runs[0]!] });
    expect(lines.map((l) => l.metric)).toEqual(['p50', 'p90', 'p99', 'p99.9', 'max']);
    expect(lines[0]).toMatchObject({ value: 1000, min: 500, max: 1500, baseline: { value: 500 }, ratio: 2 });
    // hdr-histogram keeps 3 significant digits
    expect(lines[4]!.value).toBeGreaterThanOrEqual(1999);
    expect(lines[4]!.value).toBeLessThanOrEqual(2001);
  });

  it('knows that throughput is better higher and latency, time and memory lower', () => {
    expect(betterDirection({ metric: 'throughput', unit: 'rows/s' })).toBe('higher');
    expect(betterDirection({ metric: 'size', unit: 'candidates/s' })).toBe('higher');
    expect(betterDirection({ metric: 'p99', unit: 'µs' })).toBe('lower');
    expect(betterDirection({ metric: 'peak RSS', unit: 'MiB' })).toBe('lower');
    expect(betterDirection({ metric: 'p99', unit: 'µs', better: 'higher' })).toBe('higher');
  });
});
