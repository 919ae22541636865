// Exponential backoff with jitter, as a pure function: the random draw is an argument, so the supervisor
// machine stays deterministic and tests can replay any sequence.

export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  /** growth per consecutive restart, >= 1 */
  readonly factor: number;
  /** fraction of the delay that is randomised, 0..1: delay * (1 - jitter + 2 * jitter * random) */
  readonly jitter: number;
}

/** Delay before restart number `attempt` (0-based), within [minMs*(1-jitter), maxMs*(1+jitter)]. */
export function backoffDelay(options: BackoffOptions, attempt: number, random: number): number {
  const base = Math.min(options.maxMs, options.minMs * options.factor ** Math.max(0, attempt));
  const spread = 1 - options.jitter + 2 * options.jitter * Math.min(1, Math.max(0, random));
  return Math.max(0, Math.round(base * spread));
}
