// The φ-accrual failure detector (Hayashibara et al.), as in Akka: φ = −log10(P(a heartbeat arrives later
// than now)), from a sliding window of heartbeat intervals modelled as a normal distribution whose mean is
// raised by the acceptable pause. Pure: time is an argument, so tests replay any arrival sequence.

export interface PhiOptions {
  /** φ above which the peer is suspected */
  readonly threshold: number;
  readonly maxSamples: number;
  /** floor on the standard deviation, so a perfectly regular sender is not suspected after one late beat */
  readonly minStdDeviationMs: number;
  /** pauses up to this long (GC, a busy loop) are not suspicious */
  readonly acceptableHeartbeatPauseMs: number;
  /** the interval assumed before real samples exist */
  readonly firstHeartbeatEstimateMs: number;
}

export const defaultPhiOptions: PhiOptions = {
  threshold: 8,
  maxSamples: 200,
  // 50 ms: φ 8 is then crossed about 2.76 s after the last heartbeat (mean 500 ms + 2 s pause + 5.2 σ), so a
  // dead member is unreachable 2.3–2.9 s after it died, within the 3 s the cluster promises (100 ms: up to 3.1 s)
  minStdDeviationMs: 50,
  acceptableHeartbeatPauseMs: 2_000,
  firstHeartbeatEstimateMs: 500,
};

export class PhiAccrualDetector {
  readonly #o: PhiOptions;
  readonly #intervals: number[] = [];
  #sum = 0;
  #sumSquares = 0;
  #last: number | null = null;

  constructor(options: PhiOptions) {
    this.#o = options;
    // seed with two samples around the estimate (mean = estimate, std = estimate / 4)
    const mean = options.firstHeartbeatEstimateMs;
    const std = mean / 4;
    this.#add(mean - std);
    this.#add(mean + std);
  }

  #add(interval: number): void {
    if (this.#intervals.length >= this.#o.maxSamples) {
      const old = this.#intervals.shift()!;
      this.#sum -= old;
      this.#sumSquares -= old * old;
    }
    this.#intervals.push(interval);
    this.#sum += interval;
    this.#sumSquares += interval * interval;
  }

  heartbeat(now: number): void {
    if (this.#last !== null) this.#add(now - this.#last);
    this.#last = now;
  }

  get lastHeartbeatAt(): number | null {
    return this.#last;
  }

  phi(now: number): number {
    if (this.#last === null) return 0;
    const n = this.#intervals.length;
    const mean = this.#sum / n;
    const variance = Math.max(0, this.#sumSquares / n - mean * mean);
    const std = Math.max(Math.sqrt(variance), this.#o.minStdDeviationMs);
    return phiOf(now - this.#last, mean + this.#o.acceptableHeartbeatPauseMs, std);
  }

  isAvailable(now: number): boolean {
    return this.phi(now) < this.#o.threshold;
  }
}

/** φ for `elapsed` ms since the last heartbeat, with the logistic approximation of the normal CDF. */
export function phiOf(elapsed: number, mean: number, std: number): number {
  const y = (elapsed - mean) / std;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return elapsed > mean ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
}
