// The job lifecycle as an xstate machine: queued → running → (checkpointed …) → completed | failed |
// cancelled, with pause/resume, retries with backoff for retryable failures inside a failure budget (a store that
// cannot answer is waited for, with the same backoff, outside it), and
// requeueing (from the last checkpoint) when a runner, thread or member is lost. Pure: time, the jitter draw
// and the policy arrive on events; its context is exactly what the journal stores after every transition.
import { assign, setup, transition } from 'xstate';
import type { ErrorInfo, JobLifecycle, JobStatus } from '../../engine/jobs/index.ts';
import { backoffDelay, type BackoffOptions } from '../../runtime/index.ts';

export interface RetryPolicy {
  /** retryable failures tolerated; the next one fails the job (STRATA_JOB_FAILURE_BUDGET) */
  readonly maxFailures: number;
  /** runners / threads / members lost under one job, tolerated */
  readonly maxInterruptions: number;
  readonly backoff: BackoffOptions;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxFailures: 3,
  maxInterruptions: 20,
  backoff: { minMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 },
};

export type JobMachineEvent =
  | { readonly type: 'dispatch'; readonly at: number }
  | { readonly type: 'checkpointed' }
  | { readonly type: 'fail'; readonly at: number; readonly error: ErrorInfo; readonly policy: RetryPolicy; readonly draw: number }
  | { readonly type: 'interrupt'; readonly at: number; readonly reason: string; readonly policy: RetryPolicy }
  | { readonly type: 'retryDue'; readonly at: number }
  | { readonly type: 'complete'; readonly at: number }
  | { readonly type: 'cancel'; readonly at: number }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' };

export function initialLifecycle(): JobLifecycle {
  return { status: 'queued', attempts: 0, failures: 0, interruptions: 0, checkpoints: 0, lastError: null, retryAt: null, startedAt: null, finishedAt: null };
}

/** Codes that say the store could not answer for now (no serving replica, a node unreachable, timed out, its breaker
 *  open or its host gone), not that it refused the statement. */
const STORE_UNAVAILABLE = new Set([
  'STRATA_LB_NO_REPLICA', 'STRATA_LB_RETRIES_EXHAUSTED', 'STRATA_NODE_BREAKER_OPEN', 'STRATA_NODE_HOST_DIED', 'STRATA_NODE_HOST_FAILED',
  'STRATA_STORE_TIMEOUT', 'STRATA_STORE_UNREACHABLE', 'STRATA_STORE_SESSION_INVALID',
]);

/**
 * A run failed because the store could not answer (its matrix load's cause, or the error itself): the job waits for
 * the store, as an ingest does, instead of spending its failure budget. With the default budget (3 retries, 0.5 s
 * doubling) a store away for more than about 4 s failed every job that tried to load its matrix meanwhile
 * (`STRATA_JOB_FAILURE_BUDGET`), though the store came back.
 */
export function waitsForStore(error: ErrorInfo): boolean {
  return error.retryable && STORE_UNAVAILABLE.has(error.cause ?? error.code);
}

const budgetError = (last: ErrorInfo, what: string, n: number): ErrorInfo => ({
  code: 'STRATA_JOB_FAILURE_BUDGET', retryable: false,
  message: `the job ${what} ${n} times, over its failure budget; last cause ${last.code}: ${last.message}`,
});

export const jobMachine = setup({
  types: { context: {} as JobLifecycle, events: {} as JobMachineEvent, input: {} as JobLifecycle },
  guards: {
    storeUnavailable: ({ event }) => event.type === 'fail' && waitsForStore(event.error),
    retryableWithinBudget: ({ context, event }) => event.type === 'fail' && event.error.retryable && context.failures + 1 <= event.policy.maxFailures,
    interruptionsWithinBudget: ({ context, event }) => event.type === 'interrupt' && context.interruptions + 1 <= event.policy.maxInterruptions,
  },
  actions: {
    dispatched: assign(({ context, event }) => (event.type === 'dispatch'
      ? { attempts: context.attempts + 1, startedAt: context.startedAt ?? event.at, retryAt: null } : {})),
    countCheckpoint: assign(({ context }) => ({ checkpoints: context.checkpoints + 1 })),
    scheduleRetry: assign(({ context, event }) => {
      if (event.type !== 'fail') return {};
      const failures = context.failures + 1;
      return { failures, lastError: event.error, retryAt: event.at + backoffDelay(event.policy.backoff, failures - 1, event.draw) };
    }),
    scheduleStoreWait: assign(({ context, event }) => {
      if (event.type !== 'fail') return {};
      const storeWaits = (context.storeWaits ?? 0) + 1;
      return { storeWaits, lastError: event.error, retryAt: event.at + backoffDelay(event.policy.backoff, storeWaits - 1, event.draw) };
    }),
    failOut: assign(({ context, event }) => {
      if (event.type !== 'fail') return {};
      const failures = context.failures + (event.error.retryable ? 1 : 0);
      return { failures, lastError: event.error.retryable ? budgetError(event.error, 'failed', failures) : event.error, finishedAt: event.at, retryAt: null };
    }),
    countInterruption: assign(({ context, event }) => (event.type === 'interrupt'
      ? { interruptions: context.interruptions + 1, lastError: { code: 'STRATA_JOB_RUNNER_LOST', message: event.reason, retryable: true } } : {})),
    interruptedOut: assign(({ context, event }) => {
      if (event.type !== 'interrupt') return {};
      const n = context.interruptions + 1;
      return { interruptions: n, finishedAt: event.at, lastError: budgetError({ code: 'STRATA_JOB_RUNNER_LOST', message: event.reason, retryable: true }, 'lost its runner', n) };
    }),
    finish: assign(({ event }) => ('at' in event ? { finishedAt: event.at, retryAt: null } : {})),
    clearRetry: assign({ retryAt: null }),
  },
}).createMachine({
  id: 'job',
  context: ({ input }) => input,
  initial: 'queued',
  states: {
    queued: {
      on: {
        dispatch: { target: 'running', actions: 'dispatched' },
        pause: 'paused',
        cancel: { target: 'cancelled', actions: 'finish' },
      },
    },
    running: {
      on: {
        checkpointed: { actions: 'countCheckpoint' },
        complete: { target: 'completed', actions: 'finish' },
        fail: [
          { guard: 'storeUnavailable', target: 'backingOff', actions: 'scheduleStoreWait' },
          { guard: 'retryableWithinBudget', target: 'backingOff', actions: 'scheduleRetry' },
          { target: 'failed', actions: 'failOut' },
        ],
        interrupt: [
          { guard: 'interruptionsWithinBudget', target: 'queued', actions: 'countInterruption' },
          { target: 'failed', actions: 'interruptedOut' },
        ],
        pause: 'paused',
        cancel: { target: 'cancelled', actions: 'finish' },
      },
    },
    backingOff: {
      on: {
        retryDue: { target: 'queued', actions: 'clearRetry' },
        pause: { target: 'paused', actions: 'clearRetry' },
        cancel: { target: 'cancelled', actions: 'finish' },
      },
    },
    paused: {
      on: {
        // a checkpoint written while the runner stops for the pause still counts, and so does a run that
        // finished before the runner saw the pause
        checkpointed: { actions: 'countCheckpoint' },
        complete: { target: 'completed', actions: 'finish' },
        resume: 'queued',
        cancel: { target: 'cancelled', actions: 'finish' },
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** The persisted lifecycle with its status (the machine's state value) folded in. */
export function lifecycleOf(status: JobStatus, context: JobLifecycle): JobLifecycle {
  return { ...context, status };
}

/** The lifecycle after `event`, or null when the job's state does not accept it. */
export function nextLifecycle(life: JobLifecycle, event: JobMachineEvent): JobLifecycle | null {
  const snapshot = jobMachine.resolveState({ value: life.status, context: life });
  if (!snapshot.can(event)) return null;
  const [next] = transition(jobMachine, snapshot, event);
  return lifecycleOf(next.value as JobStatus, next.context);
}
