// Time for the runtime: every timer, backoff and timeout goes through a Clock so tests replay failure
// sequences with a simulated clock. The shape is a superset of xstate's Clock, so one clock drives both.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Timers keep the process alive like any Node timer: a pending ask timeout or a periodic actor timer is
  // work in progress. system.terminate() cancels them all.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

export interface SimulatedClock extends Clock {
  /** Moves time forward, firing due timers in time order (timers scheduled by fired timers included). */
  advance(ms: number): void;
  /** Number of timers not yet fired or cleared. */
  pending(): number;
}

export function createSimulatedClock(startAt = 0): SimulatedClock {
  let now = startAt;
  let nextId = 1;
  const timers = new Map<number, { at: number; seq: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), seq: id, fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id as number);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let dueId = -1;
        let due: { at: number; seq: number; fn: () => void } | undefined;
        for (const [id, t] of timers) {
          if (t.at <= until && (!due || t.at < due.at || (t.at === due.at && t.seq < due.seq))) {
            due = t;
            dueId = id;
          }
        }
        if (!due) break;
        timers.delete(dueId);
        now = Math.max(now, due.at);
        due.fn();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}
