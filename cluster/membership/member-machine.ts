// The life of one member in a member's local view, as an xstate machine: joining → up → leaving → removed,
// any live state ⇄ unreachable (suspicion only: the failure detector's opinion, never a decision), and down
// (a decision: the member is out and must come back as a new incarnation). Down and removed never go back.
// Pure: events come from merged gossip; the machine refuses transitions that would resurrect a member.
import { assign, setup } from 'xstate';

export type MemberStatus = 'joining' | 'up' | 'leaving' | 'down' | 'removed';
export type MemberState = MemberStatus | 'unreachable';

export type MemberEvent =
  | { type: 'member.promoted' }
  | { type: 'member.leaving' }
  | { type: 'member.unreachable' }
  | { type: 'member.reachable' }
  | { type: 'member.downed' }
  | { type: 'member.removed' };

export interface MemberContext {
  /** the membership status behind an unreachable member */
  readonly status: 'joining' | 'up' | 'leaving';
}

export const memberMachine = setup({
  types: { context: {} as MemberContext, events: {} as MemberEvent },
  guards: {
    wasJoining: ({ context }) => context.status === 'joining',
    wasUp: ({ context }) => context.status === 'up',
    wasLeaving: ({ context }) => context.status === 'leaving',
  },
}).createMachine({
  id: 'member',
  context: { status: 'joining' },
  initial: 'joining',
  states: {
    joining: {
      entry: assign({ status: 'joining' as const }),
      on: { 'member.promoted': 'up', 'member.leaving': 'leaving', 'member.unreachable': 'unreachable', 'member.downed': 'down', 'member.removed': 'removed' },
    },
    up: {
      entry: assign({ status: 'up' as const }),
      on: { 'member.leaving': 'leaving', 'member.unreachable': 'unreachable', 'member.downed': 'down' },
    },
    leaving: {
      entry: assign({ status: 'leaving' as const }),
      on: { 'member.unreachable': 'unreachable', 'member.downed': 'down', 'member.removed': 'removed' },
    },
    unreachable: {
      on: {
        'member.reachable': [
          { guard: 'wasJoining', target: 'joining' },
          { guard: 'wasUp', target: 'up' },
          { guard: 'wasLeaving', target: 'leaving' },
        ],
        // gossip from the reachable part of the cluster still moves the status underneath
        'member.promoted': { guard: 'wasJoining', actions: assign({ status: 'up' as const }) },
        'member.leaving': { actions: assign({ status: 'leaving' as const }) },
        'member.downed': 'down',
        'member.removed': { guard: 'wasLeaving', target: 'removed' },
      },
    },
    down: {
      on: { 'member.removed': 'removed' },
    },
    removed: { type: 'final' },
  },
});
