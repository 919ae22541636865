// How a parent supervises its children: the strategy (which children a failure affects), the directive
// for an error, the restart budget, the backoff, and what happens to messages that arrive mid-restart.
import type { BackoffOptions } from './backoff.ts';
import type { ErrorData } from './errors.ts';
import { createError } from './errors.ts';

export type Directive = 'restart' | 'resume' | 'stop' | 'escalate';

/** one-for-one: only the failed child; one-for-all: every child; rest-for-one: the failed child and the
 *  children started after it (Erlang's semantics). */
export type StrategyKind = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/** stash: messages that arrive during a restart wait in the mailbox and are processed by the new
 *  instance; fail-fast: they (and what was queued) go to dead letters and the sender learns it. */
export type RestartMessagePolicy = 'stash' | 'fail-fast';

export interface SupervisionStrategy {
  readonly kind: StrategyKind;
  /** restart budget: more than maxRestarts failures within withinMs escalate to the grandparent */
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly backoff: BackoffOptions;
  readonly duringRestart: RestartMessagePolicy;
  readonly decide: (error: ErrorData) => Directive;
}

export const defaultStrategy: SupervisionStrategy = {
  kind: 'one-for-one',
  maxRestarts: 10,
  withinMs: 60_000,
  backoff: { minMs: 10, maxMs: 10_000, factor: 2, jitter: 0.2 },
  duringRestart: 'stash',
  decide: () => 'restart',
};

export type StrategyOptions = Partial<Omit<SupervisionStrategy, 'backoff'>> & { readonly backoff?: Partial<BackoffOptions> };

export function createStrategy(options: StrategyOptions = {}): SupervisionStrategy {
  const s: SupervisionStrategy = {
    ...defaultStrategy,
    ...options,
    backoff: { ...defaultStrategy.backoff, ...options.backoff },
  };
  const bad = (what: string, value: unknown) =>
    createError('STRATA_INVALID_OPTION', `supervision ${what} is out of range: ${JSON.stringify(value)}`, { option: what, value });
  if (!Number.isInteger(s.maxRestarts) || s.maxRestarts < 0) throw bad('maxRestarts', s.maxRestarts);
  if (!(s.withinMs > 0)) throw bad('withinMs', s.withinMs);
  if (!(s.backoff.minMs >= 0) || !(s.backoff.maxMs >= s.backoff.minMs)) throw bad('backoff.minMs/maxMs', s.backoff);
  if (!(s.backoff.factor >= 1)) throw bad('backoff.factor', s.backoff.factor);
  if (!(s.backoff.jitter >= 0 && s.backoff.jitter <= 1)) throw bad('backoff.jitter', s.backoff.jitter);
  return s;
}

/** The failures still inside the window at `now`, the new one included: the restart-budget arithmetic. */
export function failuresInWindow(previous: readonly number[], now: number, withinMs: number): number[] {
  const from = now - withinMs;
  const kept = previous.filter((t) => t > from);
  kept.push(now);
  return kept;
}
