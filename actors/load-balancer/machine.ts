// A store node's standing with the load-balancer, as an xstate machine that only decides: `starting` until its
// first connection (trusted as is unless the durable hints name it), `serving` (read from and written to), `down` (neither; its writes are
// remembered as hints), `catchingUp` (written to, not read from, while per-partition checksums decide what
// to copy from healthy replicas). A write it missed while serving sends it to catch up before it serves again.
import { setup } from 'xstate';

export type MemberEvent =
  /** the proxy reports the node reachable with a closed breaker */
  | { readonly type: 'node.available' }
  /** unreachable, or breaker open / half-open */
  | { readonly type: 'node.unavailable' }
  /** a write for this node was skipped or failed */
  | { readonly type: 'write.missed' }
  | { readonly type: 'catchup.done' }
  | { readonly type: 'catchup.failed' };

export const memberMachine = setup({
  types: { events: {} as MemberEvent },
  actions: {
    // effects, provided by the load-balancer
    startCatchUp: () => {},
    scheduleRetry: () => {},
  },
}).createMachine({
  id: 'member',
  initial: 'starting',
  states: {
    starting: {
      on: {
        'node.available': { target: 'serving' },
        'write.missed': { target: 'down' },
      },
    },
    serving: {
      on: {
        'node.unavailable': { target: 'down' },
        'write.missed': { target: 'catchingUp' },
      },
    },
    down: {
      on: {
        'node.available': { target: 'catchingUp' },
      },
    },
    catchingUp: {
      entry: 'startCatchUp',
      on: {
        'catchup.done': { target: 'serving' },
        'catchup.failed': { target: 'down', actions: 'scheduleRetry' },
        'node.unavailable': { target: 'down' },
      },
    },
  },
});

export type MemberPhase = 'starting' | 'serving' | 'down' | 'catchingUp';
