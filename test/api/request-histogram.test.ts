import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestHistogram } from '../../cluster/api/request-histogram.ts';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

describe('request histogram', () => {
  it('exposes exactly what prom-client’s own histogram exposes for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = createRequestHistogram({ name: 'req_seconds', help: 'request duration', bucketsSeconds: BUCKETS, registry: ours });
    const ref = new Histogram({ name: 'req_seconds', help: 'request duration', labelNames: ['method', 'route', 'status'] as const, buckets: BUCKETS, registers: [theirs] });
    const series = [['GET', '/api/v1/status', 200], ['GET', '/api/v1/status', 401], ['POST', '/api/v1/optimizer/jobs', 201], ['GET', 'unmatched', 404]] as const;
    let x = 7;
    for (let i = 0; i < 2_000; i++) {
      const [method, route, status] = series[i % series.length]!;
      x = (x * 48271) % 2147483647;
      // durations from 0 to ~8 s, bucket bounds themselves included
      const seconds = i % 50 === 0 ? BUCKETS[i % BUCKETS.length]! : (x / 2147483647) ** 4 * 8;
      h.series(method, route, status).observe(seconds);
      ref.labels(method, route, String(status)).observe(seconds);
    }
    const lines = (text: string) => text.split('\n').filter((l) => l !== '').sort();
    expect(lines(await ours.metrics())).toEqual(lines(await theirs.metrics()));
    ours.resetMetrics();
    expect(await ours.metrics()).toMatch(/req_seconds_count\{method="GET",route="\/api\/v1\/status",status="200"\} 0/);
  });

  it('refuses buckets that do not increase', () => {
    expect(() => createRequestHistogram({ name: 'x', help: 'x', bucketsSeconds: [0.1, 0.1], registry: new Registry() })).toThrow(/must increase/);
  });
});
