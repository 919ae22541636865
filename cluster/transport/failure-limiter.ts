// Rate limit on failed handshakes per remote host: after `maxFailures` inside `windowMs`, the host's
// connections are refused at once (no HMAC work, no log line per attempt) until `blockMs` has passed.
// Also decides which refusals get logged, so a peer hammering with a wrong secret cannot flood the log.

export interface FailureLimiterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly blockMs: number;
}

export const defaultFailureLimits: FailureLimiterOptions = { maxFailures: 5, windowMs: 10_000, blockMs: 30_000 };

interface HostRecord {
  failures: number[];
  blockedUntil: number;
  /** refusals not logged since the last logged one */
  suppressed: number;
  lastLoggedAt: number;
}

export class FailureLimiter {
  readonly #options: FailureLimiterOptions;
  readonly #now: () => number;
  readonly #hosts = new Map<string, HostRecord>();

  constructor(options: FailureLimiterOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  #record(host: string): HostRecord {
    let r = this.#hosts.get(host);
    if (r === undefined) {
      // bounded: forget the oldest host when many distinct hosts fail
      if (this.#hosts.size >= 10_000) this.#hosts.delete(this.#hosts.keys().next().value!);
      this.#hosts.set(host, (r = { failures: [], blockedUntil: 0, suppressed: 0, lastLoggedAt: -Infinity }));
    }
    return r;
  }

  isBlocked(host: string): boolean {
    const r = this.#hosts.get(host);
    return r !== undefined && r.blockedUntil > this.#now();
  }

  /** Records a failure; returns true when this failure started a block. */
  fail(host: string): boolean {
    const now = this.#now();
    const r = this.#record(host);
    r.failures = r.failures.filter((t) => t > now - this.#options.windowMs);
    r.failures.push(now);
    if (r.failures.length >= this.#options.maxFailures && r.blockedUntil <= now) {
      r.blockedUntil = now + this.#options.blockMs;
      r.failures = [];
      return true;
    }
    return false;
  }

  succeed(host: string): void {
    const r = this.#hosts.get(host);
    if (r && r.blockedUntil <= this.#now()) this.#hosts.delete(host);
  }

  /** Whether to log a refusal for this host now (at most one line per window); returns how many were
   *  suppressed since the last logged line, or -1 to stay quiet. */
  shouldLog(host: string): number {
    const now = this.#now();
    const r = this.#record(host);
    if (now - r.lastLoggedAt >= this.#options.windowMs) {
      const n = r.suppressed;
      r.suppressed = 0;
      r.lastLoggedAt = now;
      return n;
    }
    r.suppressed++;
    return -1;
  }
}
