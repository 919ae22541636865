// HTTP request durations as one Prometheus histogram, counted per series in a typed array: a request costs a
// short bucket scan and three additions, where prom-client's labelled observe validates and hashes the label
// set on every call. It joins a prom-client registry as a metric of its own and is read at scrape time.
import type { Metric, Registry } from 'prom-client';

export interface RequestSeries {
  observe(seconds: number): void;
}

export interface RequestHistogram {
  readonly name: string;
  /** the series of one method, route and status; callers keep it (creating one per request defeats the point) */
  series(method: string, route: string, status: number): RequestSeries;
  /** a route's series by method and status, found without building a key per request (for per-route hooks) */
  forRoute(route: string): (method: string, status: number) => RequestSeries;
}

interface Series {
  readonly labels: { method: string; route: string; status: string };
  /** per-bucket counts (not cumulative); the last slot is +Inf */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export function createRequestHistogram(o: { name: string; help: string; bucketsSeconds: readonly number[]; registry: Registry }): RequestHistogram {
  const bounds = Float64Array.from(o.bucketsSeconds);
  for (let i = 1; i < bounds.length; i++) if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`histogram ${o.name}: buckets must increase (${o.bucketsSeconds.join(', ')})`);
  const all = new Map<string, Series>();
  const histogram: RequestHistogram = {
    name: o.name,
    series(method, route, status) {
      const key = `${method} ${status} ${route}`;
      let s = all.get(key);
      if (!s) all.set(key, s = { labels: { method, route, status: String(status) }, counts: new Float64Array(bounds.length + 1), sum: 0, count: 0 });
      const series = s;
      return {
        observe(seconds) {
          let i = 0;
          while (i < bounds.length && seconds > bounds[i]!) i++;
          series.counts[i]!++;
          series.sum += seconds;
          series.count++;
        },
      };
    },
    forRoute(route) {
      const byMethod = new Map<string, Map<number, RequestSeries>>();
      return (method, status) => {
        let byStatus = byMethod.get(method);
        if (!byStatus) byMethod.set(method, byStatus = new Map());
        let s = byStatus.get(status);
        if (!s) byStatus.set(status, s = histogram.series(method, route, status));
        return s;
      };
    },
  };
  // what prom-client's registry reads of a metric: the same shape its own Histogram.get() returns
  const metric = {
    name: o.name,
    help: o.help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const s of all.values()) {
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += s.counts[i]!;
          values.push({ labels: { le: bounds[i]!, ...s.labels }, value: cumulative, metricName: `${o.name}_bucket` });
        }
        values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${o.name}_bucket` });
        values.push({ labels: s.labels, value: s.sum, metricName: `${o.name}_sum` });
        values.push({ labels: s.labels, value: s.count, metricName: `${o.name}_count` });
      }
      return { name: o.name, help: o.help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      for (const s of all.values()) { s.counts.fill(0); s.sum = 0; s.count = 0; }
    },
  };
  o.registry.registerMetric(metric as unknown as Metric);
  return histogram;
}
