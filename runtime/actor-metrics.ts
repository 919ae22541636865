// Opt-in per-actor metrics: messages processed, failures, mailbox depth high-water mark, and processing
// time in an hdr-histogram (µs). Off by default: timing every message costs a clock read.
import { build, type Histogram } from 'hdr-histogram-js';

export interface ActorMetricsSnapshot {
  readonly processed: number;
  readonly failures: number;
  readonly maxMailboxDepth: number;
  readonly processingUs: { readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };
}

export class ActorMetrics {
  processed = 0;
  failures = 0;
  maxMailboxDepth = 0;
  readonly #histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2 });

  record(elapsedMs: number, depth: number): void {
    this.processed++;
    if (depth > this.maxMailboxDepth) this.maxMailboxDepth = depth;
    this.#histogram.recordValue(Math.max(1, Math.round(elapsedMs * 1000)));
  }

  snapshot(): ActorMetricsSnapshot {
    const h = this.#histogram;
    return {
      processed: this.processed,
      failures: this.failures,
      maxMailboxDepth: this.maxMailboxDepth,
      processingUs: { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue, mean: h.mean },
    };
  }
}
