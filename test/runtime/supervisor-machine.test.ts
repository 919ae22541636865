// The supervisor machine alone: no actors, no threads, a simulated clock. Any failure sequence replays.
import { describe, it, expect } from 'vitest';
import { createActor } from 'xstate';
import { createSimulatedClock, supervisorMachine, type SupervisorEvent } from '../../runtime/index.ts';

function harness(maxRestarts = 3, withinMs = 1_000) {
  const clock = createSimulatedClock(10_000);
  const effects: string[] = [];
  const machine = supervisorMachine.provide({
    actions: {
      resumeChild: ({ event }) => void effects.push(`resume:${event.child}`),
      stopChild: ({ event }) => void effects.push(`stop:${event.child}`),
      haltScope: ({ event }) => void effects.push(`halt:${event.child}`),
      restartScope: ({ context }) => void effects.push(`restart:${context.pending.join(',')}`),
      escalate: ({ event }) => void effects.push(`escalate:${event.child}`),
    },
  });
  const actor = createActor(machine, { clock, input: { maxRestarts, withinMs, backoff: { minMs: 100, maxMs: 800, factor: 2, jitter: 0 } } });
  actor.start();
  const fail = (child: string, directive: SupervisorEvent['directive'] = 'restart') =>
    actor.send({ type: 'child.failed', child, directive, at: clock.now(), random: 0.5, error: { code: 'STRATA_ACTOR_FAILED', message: 'x' } });
  return { clock, effects, actor, fail };
}

describe('supervisorMachine', () => {
  it('backs off exponentially between consecutive restarts inside the window', () => {
    const { clock, effects, actor, fail } = harness(5, 60_000);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      fail('a');
      delays.push(actor.getSnapshot().context.backoffMs);
      clock.advance(actor.getSnapshot().context.backoffMs);
    }
    expect(delays).toEqual([100, 200, 400, 800, 800]);
    expect(effects.filter((e) => e.startsWith('restart'))).toHaveLength(5);
  });

  it('does not restart before the backoff has elapsed', () => {
    const { clock, effects, fail } = harness();
    fail('a');
    clock.advance(99);
    expect(effects).toEqual(['halt:a']);
    clock.advance(1);
    expect(effects).toEqual(['halt:a', 'restart:a']);
  });

  it('escalates on the failure that exceeds the budget and then ignores further failures', () => {
    const { clock, effects, actor, fail } = harness(2, 10_000);
    fail('a');
    clock.advance(1_000);
    fail('a');
    clock.advance(1_000);
    fail('a');
    expect(effects.at(-1)).toBe('escalate:a');
    expect(actor.getSnapshot().status).toBe('done');
    fail('a');
    expect(effects.filter((e) => e.startsWith('escalate'))).toHaveLength(1);
  });

  it('gathers failures of several children during one backoff into one restart', () => {
    const { clock, effects, fail } = harness();
    fail('a');
    clock.advance(10);
    fail('b');
    clock.advance(500);
    expect(effects).toEqual(['halt:a', 'halt:b', 'restart:a,b']);
  });

  it('passes resume and stop through without touching the budget', () => {
    const { actor, effects, fail } = harness(0);
    fail('a', 'resume');
    fail('b', 'stop');
    expect(effects).toEqual(['resume:a', 'stop:b']);
    expect(actor.getSnapshot().value).toBe('supervising');
    expect(actor.getSnapshot().context.failures).toEqual([]);
  });
});
