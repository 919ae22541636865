// Per-operation latency histograms of one node-proxy (hdr-histogram-js, µs, 1 µs – 60 s at 2 significant
// digits), summarised as p50/p90/p99/max for inspection.
import { build, type Histogram } from 'hdr-histogram-js';
import type { LatencyFigures } from './messages.ts';

export class LatencyBook {
  readonly #byOp = new Map<string, Histogram>();

  record(op: string, elapsedMs: number): void {
    let h = this.#byOp.get(op);
    if (!h) {
      h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2 });
      this.#byOp.set(op, h);
    }
    h.recordValue(Math.min(60_000_000, Math.max(1, Math.round(elapsedMs * 1000))));
  }

  summary(): Record<string, LatencyFigures> {
    const out: Record<string, LatencyFigures> = {};
    for (const [op, h] of this.#byOp) {
      out[op] = { count: h.totalCount, p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99), max: h.maxValue };
    }
    return out;
  }
}
