// The queue policy: strict priority levels, fair share between owners within a level, earliest deadline
// first within an owner, admission bounds with reasons, expected starts and SLA status.
import { describe, expect, it } from 'vitest';
import { admission, dispatchOrder, expectedStarts, pickNext, slaStatus, type QueueEntry } from '../../../engine/jobs/index.ts';

const entry = (id: string, over: Partial<QueueEntry> = {}): QueueEntry => ({ id, priority: 'normal', owner: 'ana', seq: Number(id.slice(1)), deadline: null, remainingMs: 1_000, ...over });

describe('priority queue policy', () => {
  it('serves higher levels first, then owners fairly, then the earliest deadline', () => {
    const entries = [
      entry('j1'), entry('j2'), entry('j3', { owner: 'bo' }), entry('j4', { priority: 'critical' }),
      entry('j5', { deadline: 5_000 }), entry('j6', { priority: 'low' }),
    ];
    // j4 (critical) first; ana then runs one job, so bo's j3 leads the normal level; ana's deadline job next
    expect(dispatchOrder(entries, { running: {}, lastServed: {} }).map((e) => e.id)).toEqual(['j4', 'j3', 'j5', 'j1', 'j2', 'j6']);
    // bo already runs a job: ana's go first in the level
    expect(pickNext(entries.filter((e) => e.priority === 'normal'), { running: { bo: 1 }, lastServed: {} })!.id).toBe('j5');
    expect(pickNext([], { running: {}, lastServed: {} })).toBeNull();
  });

  it('orders a large queue exactly as picking one job at a time would', () => {
    let s = 12345;
    const rand = (n: number): number => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s % n; };
    const levels = ['critical', 'high', 'normal', 'low'] as const;
    const many = Array.from({ length: 400 }, (_, i) => entry(`j${i + 1}`, {
      priority: levels[rand(4)]!, owner: `o${rand(5)}`, deadline: rand(3) === 0 ? 1_000 + rand(50) : null,
    }));
    const share = { running: { o1: 2, o3: 1 }, lastServed: { o2: 5 } };
    const naive: string[] = [];
    const left = [...many];
    const running: Record<string, number> = { ...share.running };
    const lastServed: Record<string, number> = { ...share.lastServed };
    let tick = 6;
    while (left.length > 0) {
      const next = pickNext(left, { running, lastServed })!;
      naive.push(next.id);
      left.splice(left.indexOf(next), 1);
      running[next.owner] = (running[next.owner] ?? 0) + 1;
      lastServed[next.owner] = tick++;
    }
    expect(dispatchOrder(many, share).map((e) => e.id)).toEqual(naive);
    const big = Array.from({ length: 20_000 }, (_, i) => entry(`j${i + 1}`, { owner: `o${i % 7}`, priority: levels[i % 4]! }));
    expect(dispatchOrder(big, { running: {}, lastServed: {} })).toHaveLength(20_000); // (quadratic would take minutes)
  });

  it('refuses admission with the bound that is reached', () => {
    const limits = { maxQueued: 3, maxQueuedPerLevel: 2, maxQueuedPerOwner: 1 };
    const now = 1_000;
    expect(admission([], { priority: 'normal', owner: 'ana', deadline: null }, now, limits)).toBeNull();
    expect(admission([entry('a')], { priority: 'normal', owner: 'ana', deadline: null }, now, limits)!.data['bound']).toBe('owner');
    expect(admission([entry('a'), entry('b', { owner: 'bo' })], { priority: 'normal', owner: 'cy', deadline: null }, now, limits)!.reason)
      .toBe('priority level normal holds 2 queued jobs, its bound is 2');
    const full = admission([entry('a'), entry('b', { owner: 'bo', priority: 'low' }), entry('c', { owner: 'cy', priority: 'high' })], { priority: 'critical', owner: 'dy', deadline: null }, now, limits)!;
    expect(full.code).toBe('STRATA_JOB_QUEUE_FULL');
    expect(full.data['bound']).toBe('total');
    expect(admission([], { priority: 'normal', owner: 'ana', deadline: 999 }, now, limits)!.code).toBe('STRATA_JOB_DEADLINE_PASSED');
  });

  it('expects starts on whichever runner frees first and derives the SLA status', () => {
    const order = [entry('j1', { remainingMs: 100 }), entry('j2', { remainingMs: 50 }), entry('j3')];
    const starts = expectedStarts(order, [0, 30], 0);
    expect([...starts]).toEqual([['j1', 0], ['j2', 30], ['j3', 80]]);
    expect(slaStatus({ deadline: null, finishedAt: null, expectedFinishAt: 10, expectedRunMs: 10 }, 0)).toBe('none');
    expect(slaStatus({ deadline: 1_000, finishedAt: null, expectedFinishAt: 500, expectedRunMs: 100 }, 0)).toBe('on-time');
    expect(slaStatus({ deadline: 1_000, finishedAt: null, expectedFinishAt: 995, expectedRunMs: 100 }, 0)).toBe('at-risk');
    expect(slaStatus({ deadline: 1_000, finishedAt: null, expectedFinishAt: null, expectedRunMs: 100 }, 1_001)).toBe('missed');
    expect(slaStatus({ deadline: 1_000, finishedAt: 1_200, expectedFinishAt: null, expectedRunMs: 100 }, 2_000)).toBe('missed');
    expect(slaStatus({ deadline: 1_000, finishedAt: 900, expectedFinishAt: null, expectedRunMs: 100 }, 2_000)).toBe('on-time');
  });
});
