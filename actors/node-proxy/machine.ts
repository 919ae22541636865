// The node-proxy's circuit breaker as an xstate machine: it only decides. closed → open after
// `failureThreshold` consecutive failures; open → half-open when the wiring reports the open period elapsed
// (`breaker.probe-due`, from an actor timer, so time arrives on events); half-open lets exactly one probe
// through: its success closes the breaker, its failure opens it again. Only failures that say the node is
// unwell count (retryable ones: timeouts, unreachable, host died); a rejected statement does not.
import { assign, setup } from 'xstate';

export interface BreakerInput {
  readonly failureThreshold: number;
}

export interface BreakerContext extends BreakerInput {
  readonly consecutiveFailures: number;
  /** half-open only: the probe call is in flight */
  readonly probing: boolean;
  /** clock time the breaker last opened, or null */
  readonly openedAt: number | null;
}

export type BreakerEvent =
  | { readonly type: 'call.succeeded' }
  | { readonly type: 'call.failed'; readonly at: number }
  /** a call is let through in half-open: it is the probe */
  | { readonly type: 'probe.started' }
  | { readonly type: 'breaker.probe-due' };

export const breakerMachine = setup({
  types: {
    input: {} as BreakerInput,
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
  },
  actions: {
    // effects, provided by the wiring: start the open timer, report the transition
    scheduleProbe: () => {},
    cancelProbe: () => {},
    countFailure: assign({ consecutiveFailures: ({ context }) => context.consecutiveFailures + 1 }),
    resetFailures: assign({ consecutiveFailures: 0, probing: false }),
    markOpened: assign({ openedAt: ({ context, event }) => ('at' in event ? event.at : context.openedAt), probing: false }),
    markProbing: assign({ probing: true }),
  },
  guards: {
    thresholdReached: ({ context }) => context.consecutiveFailures + 1 >= context.failureThreshold,
    probeFree: ({ context }) => !context.probing,
  },
}).createMachine({
  id: 'breaker',
  context: ({ input }) => ({ ...input, consecutiveFailures: 0, probing: false, openedAt: null }),
  initial: 'closed',
  states: {
    closed: {
      on: {
        'call.succeeded': { actions: 'resetFailures' },
        'call.failed': [
          { guard: 'thresholdReached', target: 'open', actions: ['countFailure', 'markOpened'] },
          { actions: 'countFailure' },
        ],
      },
    },
    open: {
      entry: 'scheduleProbe',
      exit: 'cancelProbe',
      on: {
        'breaker.probe-due': { target: 'halfOpen' },
        'call.failed': { actions: 'countFailure' },
      },
    },
    halfOpen: {
      on: {
        'probe.started': { guard: 'probeFree', actions: 'markProbing' },
        'call.succeeded': { target: 'closed', actions: 'resetFailures' },
        'call.failed': { target: 'open', actions: ['countFailure', 'markOpened'] },
      },
    },
  },
});

export type BreakerStateValue = 'closed' | 'open' | 'halfOpen';

/** The state as the status reports it. */
export function breakerStateName(value: BreakerStateValue): 'closed' | 'open' | 'half-open' {
  return value === 'halfOpen' ? 'half-open' : value;
}
