// Prometheus metrics of one daemon (its own registry, so several daemons in one test process never mix):
// process defaults, HTTP requests by route and status, WebSocket clients and drops, and gauges read from the
// services at scrape time (jobs by state, evaluations, store nodes up, quorum, ingest outcomes).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Services } from '../daemon/services.ts';
import type { EventHub } from './event-hub.ts';
import { createRequestHistogram, type RequestHistogram } from './request-histogram.ts';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpDuration: RequestHistogram;
  readonly wsDropped: Counter<'reason'>;
}

export function createApiMetrics(services: Services, hub: EventHub, ingestCounts: () => Readonly<Record<string, number>>, ingestWaiting: () => number = () => 0): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'strata_' });
  const httpDuration = createRequestHistogram({
    name: 'strata_http_request_duration_seconds', help: 'HTTP request duration by route and status',
    bucketsSeconds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registry,
  });
  const wsDropped = new Counter({ name: 'strata_ws_dropped_total', help: 'WebSocket clients dropped, by reason', labelNames: ['reason'] as const, registers: [registry] });
  new Gauge({ name: 'strata_ws_clients', help: 'connected WebSocket clients', registers: [registry], collect() { this.set(hub.subscribers); } });
  new Gauge({ name: 'strata_events_published_total', help: 'events published to the hub', registers: [registry], collect() { this.set(hub.published); } });
  new Gauge({
    name: 'strata_jobs', help: 'jobs by state', labelNames: ['state'] as const, registers: [registry],
    collect() {
      const m = services.jobs?.metrics();
      if (m) for (const [state, n] of Object.entries(m.byState)) this.set({ state }, n);
    },
  });
  new Gauge({ name: 'strata_job_evaluations_total', help: 'candidate portfolios evaluated by finished or stopped runs', registers: [registry], collect() { this.set(services.jobs?.metrics().evaluationsTotal ?? 0); } });
  new Gauge({ name: 'strata_job_evaluations_per_second', help: 'evaluation rate of the running job', registers: [registry], collect() { this.set(services.jobs?.metrics().evaluationsPerSec ?? 0); } });
  new Gauge({
    name: 'strata_store_node_up', help: '1 when a store node is up', labelNames: ['node'] as const, registers: [registry],
    collect() { for (const n of services.store?.status().nodes ?? []) this.set({ node: n.name }, n.state === 'up' ? 1 : 0); },
  });
  new Gauge({
    name: 'strata_store_node_memory_bytes', help: 'DuckDB\'s own memory per embedded store node at its last health check (its cache, capped by store.memoryLimitMb)', labelNames: ['node'] as const, registers: [registry],
    collect() { for (const n of services.store?.status().nodes ?? []) if (n.memoryBytes !== null) this.set({ node: n.name }, n.memoryBytes); },
  });
  new Gauge({
    name: 'strata_store_node_host_heap_bytes', help: 'V8 heap and external memory of the thread or process hosting each embedded store node', labelNames: ['node'] as const, registers: [registry],
    collect() { for (const n of services.store?.status().nodes ?? []) if (n.hostHeapBytes !== null) this.set({ node: n.name }, n.hostHeapBytes); },
  });
  new Gauge({ name: 'strata_store_quorum', help: '1 when every partition has a live replica', registers: [registry], collect() { this.set(services.store?.status().quorum ? 1 : 0); } });
  new Gauge({
    name: 'strata_ingest_outcomes', help: 'ingest outcomes since start (committed, duplicate, rejected, failed)', labelNames: ['status'] as const, registers: [registry],
    collect() { for (const [status, n] of Object.entries(ingestCounts())) this.set({ status }, n); },
  });
  new Gauge({
    name: 'strata_ingest_waiting_files', help: 'files waiting to be read again: the store could not take them for now (a full disk, no writable replica) or they changed while read',
    registers: [registry], collect() { this.set(ingestWaiting()); },
  });
  return { registry, httpDuration, wsDropped };
}
