// The supervisor as an xstate machine: it only decides. Given a child's failure (with the directive, the
// time and a random draw on the event), it chooses resume / stop / back off then restart / escalate, keeping
// the restart budget. The actor cell provides the effects through machine.provide({ actions }).
import { assign, setup } from 'xstate';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { ErrorData } from './errors.ts';
import { failuresInWindow, type Directive } from './supervision.ts';

export interface SupervisorInput {
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly backoff: BackoffOptions;
}

export interface SupervisorContext extends SupervisorInput {
  /** failure times (epoch ms) inside the budget window */
  readonly failures: readonly number[];
  readonly backoffMs: number;
  /** children that failed and wait for the restart at the end of the backoff */
  readonly pending: readonly string[];
  readonly lastError: ErrorData | null;
}

export type SupervisorEvent = {
  readonly type: 'child.failed';
  readonly child: string;
  readonly error: ErrorData;
  readonly directive: Directive;
  /** clock time of the failure */
  readonly at: number;
  /** uniform draw in [0, 1) for the jitter, supplied by the wiring so the machine stays pure */
  readonly random: number;
};

const withinBudget = (context: SupervisorContext, event: SupervisorEvent): boolean =>
  failuresInWindow(context.failures, event.at, context.withinMs).length <= context.maxRestarts;

export const supervisorMachine = setup({
  types: {
    input: {} as SupervisorInput,
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
  },
  actions: {
    // Effects, provided by the actor wiring. Each receives the context and the event.
    resumeChild: () => {},
    stopChild: () => {},
    haltScope: () => {},
    restartScope: () => {},
    escalate: () => {},
    recordError: assign({ lastError: ({ event }) => event.error }),
    recordFailure: assign(({ context, event }) => {
      const failures = failuresInWindow(context.failures, event.at, context.withinMs);
      return {
        failures,
        lastError: event.error,
        backoffMs: backoffDelay(context.backoff, failures.length - 1, event.random),
        pending: context.pending.includes(event.child) ? context.pending : [...context.pending, event.child],
      };
    }),
    clearPending: assign({ pending: () => [] }),
  },
  guards: {
    isResume: ({ event }) => event.directive === 'resume',
    isStop: ({ event }) => event.directive === 'stop',
    isEscalate: ({ event }) => event.directive === 'escalate',
    withinBudget: ({ context, event }) => withinBudget(context, event),
  },
  delays: {
    backoff: ({ context }) => context.backoffMs,
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({ ...input, failures: [], backoffMs: 0, pending: [], lastError: null }),
  initial: 'supervising',
  states: {
    supervising: {
      on: {
        'child.failed': [
          { guard: 'isResume', actions: ['recordError', 'resumeChild'] },
          { guard: 'isStop', actions: ['recordError', 'stopChild'] },
          { guard: 'isEscalate', target: 'escalated', actions: ['recordError', 'escalate'] },
          { guard: 'withinBudget', target: 'backingOff', actions: ['recordFailure', 'haltScope'] },
          { target: 'escalated', actions: ['recordFailure', 'escalate'] },
        ],
      },
    },
    backingOff: {
      after: {
        backoff: { target: 'supervising', actions: ['restartScope', 'clearPending'] },
      },
      on: {
        'child.failed': [
          { guard: 'isResume', actions: ['recordError', 'resumeChild'] },
          { guard: 'isStop', actions: ['recordError', 'stopChild'] },
          { guard: 'isEscalate', target: 'escalated', actions: ['recordError', 'escalate'] },
          // another child of the same scope failed while we wait: it joins the pending restart
          { guard: 'withinBudget', actions: ['recordFailure', 'haltScope'] },
          { target: 'escalated', actions: ['recordFailure', 'escalate'] },
        ],
      },
    },
    escalated: { type: 'final' },
  },
});
