// The job lifecycle machine on its own, with times and draws on the events (no clock, no threads).
import { describe, expect, it } from 'vitest';
import { initialLifecycle, nextLifecycle, waitsForStore, type RetryPolicy } from '../../../actors/job-scheduler/index.ts';
import type { JobLifecycle } from '../../../engine/jobs/index.ts';

const policy: RetryPolicy = { maxFailures: 2, maxInterruptions: 1, backoff: { minMs: 100, maxMs: 1_000, factor: 2, jitter: 0 } };
const transient = { code: 'STRATA_JOB_MATRIX_LOAD_FAILED', message: 'node down', retryable: true };

function step(life: JobLifecycle, ...events: Parameters<typeof nextLifecycle>[1][]): JobLifecycle {
  let l = life;
  for (const e of events) {
    const n = nextLifecycle(l, e);
    if (!n) throw new Error(`${e.type} refused in ${l.status}`);
    l = n;
  }
  return l;
}

describe('job lifecycle machine', () => {
  it('goes queued → running → checkpointed → completed', () => {
    const l = step(initialLifecycle(), { type: 'dispatch', at: 10 }, { type: 'checkpointed' }, { type: 'checkpointed' }, { type: 'complete', at: 50 });
    expect(l).toMatchObject({ status: 'completed', attempts: 1, checkpoints: 2, startedAt: 10, finishedAt: 50 });
    expect(nextLifecycle(l, { type: 'cancel', at: 60 })).toBeNull();
  });

  it('backs off exponentially on retryable failures and fails past the budget with the last cause', () => {
    let l = step(initialLifecycle(), { type: 'dispatch', at: 0 }, { type: 'fail', at: 100, error: transient, policy, draw: 0.5 });
    expect(l).toMatchObject({ status: 'backingOff', failures: 1, retryAt: 200 });
    expect(nextLifecycle(l, { type: 'dispatch', at: 150 })).toBeNull();
    l = step(l, { type: 'retryDue', at: 200 }, { type: 'dispatch', at: 200 }, { type: 'fail', at: 300, error: transient, policy, draw: 0.5 });
    expect(l).toMatchObject({ status: 'backingOff', failures: 2, retryAt: 500 });
    l = step(l, { type: 'retryDue', at: 500 }, { type: 'dispatch', at: 500 }, { type: 'fail', at: 600, error: transient, policy, draw: 0.5 });
    expect(l.status).toBe('failed');
    expect(l.lastError?.code).toBe('STRATA_JOB_FAILURE_BUDGET');
    expect(l.lastError?.message).toContain('node down');
  });

  it('waits for a store that cannot answer outside the failure budget, with the same backoff', () => {
    const away = { code: 'STRATA_JOB_MATRIX_LOAD_FAILED', message: 'no serving replica', retryable: true, cause: 'STRATA_LB_NO_REPLICA' };
    expect(waitsForStore(away)).toBe(true);
    expect(waitsForStore({ ...away, cause: 'STRATA_STORE_QUERY_FAILED' })).toBe(false); // the statement was refused
    expect(waitsForStore({ code: 'STRATA_STORE_UNREACHABLE', message: 'refused', retryable: true })).toBe(true);
    expect(waitsForStore({ ...away, retryable: false })).toBe(false);
    expect(waitsForStore(transient)).toBe(false);
    // five waits in a row, past a failure budget of 2: still backing off, each wait twice the one before up to 1 s
    let l = step(initialLifecycle(), { type: 'dispatch', at: 0 });
    const due: number[] = [];
    for (let i = 0; i < 5; i++) {
      const at = 1_000 * (i + 1);
      l = step(l, { type: 'fail', at, error: away, policy, draw: 0.5 });
      expect(l).toMatchObject({ status: 'backingOff', failures: 0, storeWaits: i + 1, lastError: away });
      due.push(l.retryAt! - at);
      l = step(l, { type: 'retryDue', at: l.retryAt! }, { type: 'dispatch', at: l.retryAt! });
    }
    expect(due).toEqual([100, 200, 400, 800, 1_000]);
    // the store back, the job completes; a failure of its own still counts against the budget
    expect(step(l, { type: 'fail', at: 9_000, error: transient, policy, draw: 0.5 })).toMatchObject({ status: 'backingOff', failures: 1, storeWaits: 5 });
    expect(step(l, { type: 'complete', at: 9_000 })).toMatchObject({ status: 'completed', storeWaits: 5 });
  });

  it('fails at once on a failure that is not retryable', () => {
    const bad = { code: 'STRATA_JOB_MATRIX_EMPTY', message: 'no days', retryable: false };
    const l = step(initialLifecycle(), { type: 'dispatch', at: 0 }, { type: 'fail', at: 5, error: bad, policy, draw: 0 });
    expect(l).toMatchObject({ status: 'failed', lastError: bad, finishedAt: 5 });
  });

  it('requeues on a lost runner within its own budget', () => {
    let l = step(initialLifecycle(), { type: 'dispatch', at: 0 }, { type: 'interrupt', at: 5, reason: 'member down', policy });
    expect(l).toMatchObject({ status: 'queued', interruptions: 1, failures: 0 });
    l = step(l, { type: 'dispatch', at: 6 }, { type: 'interrupt', at: 9, reason: 'member down again', policy });
    expect(l.status).toBe('failed');
    expect(l.lastError?.message).toContain('member down again');
  });

  it('pauses, resumes and cancels from the states that allow it', () => {
    const running = step(initialLifecycle(), { type: 'dispatch', at: 0 });
    const paused = step(running, { type: 'pause' }, { type: 'checkpointed' });
    expect(paused).toMatchObject({ status: 'paused', checkpoints: 1 });
    expect(nextLifecycle(paused, { type: 'pause' })).toBeNull();
    expect(step(paused, { type: 'resume' }).status).toBe('queued');
    expect(step(paused, { type: 'cancel', at: 3 })).toMatchObject({ status: 'cancelled', finishedAt: 3 });
    expect(nextLifecycle(initialLifecycle(), { type: 'resume' })).toBeNull();
    expect(nextLifecycle(initialLifecycle(), { type: 'complete', at: 1 })).toBeNull();
  });
});
