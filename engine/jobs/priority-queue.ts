// The scheduler's queue policy as pure functions over plain entries: strict priority levels, fair share
// between owners within a level (the owner with the fewest running jobs, then the one served longest ago),
// earliest deadline first within an owner, then arrival order; admission bounds; expected start times and
// the SLA status (on time / at risk / missed) of every job.
import { PRIORITIES, type Priority } from './job-spec.ts';

export interface QueueEntry {
  readonly id: string;
  readonly priority: Priority;
  readonly owner: string;
  /** acceptance order */
  readonly seq: number;
  /** epoch ms, or null */
  readonly deadline: number | null;
  /** expected run time left, ms */
  readonly remainingMs: number;
}

export interface QueueLimits {
  /** queued jobs in all levels together */
  readonly maxQueued: number;
  readonly maxQueuedPerLevel: number;
  readonly maxQueuedPerOwner: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxQueued: 10_000, maxQueuedPerLevel: 5_000, maxQueuedPerOwner: 2_000 };

export interface Refusal {
  readonly code: 'STRATA_JOB_QUEUE_FULL' | 'STRATA_JOB_DEADLINE_PASSED';
  readonly reason: string;
  readonly data: Readonly<Record<string, string | number>>;
}

/** Why a new job may not join the queue (null: admitted). `queued` are the jobs waiting now. */
export function admission(
  queued: readonly Pick<QueueEntry, 'priority' | 'owner'>[],
  job: { readonly priority: Priority; readonly owner: string; readonly deadline: number | null },
  now: number,
  limits: QueueLimits,
): Refusal | null {
  if (job.deadline !== null && job.deadline <= now) {
    return { code: 'STRATA_JOB_DEADLINE_PASSED', reason: `deadline ${new Date(job.deadline).toISOString()} is already past (now ${new Date(now).toISOString()})`, data: { deadline: job.deadline, now } };
  }
  if (queued.length >= limits.maxQueued) {
    return { code: 'STRATA_JOB_QUEUE_FULL', reason: `the queue holds ${queued.length} jobs, its bound is ${limits.maxQueued}`, data: { bound: 'total', queued: queued.length, limit: limits.maxQueued } };
  }
  const level = queued.filter((q) => q.priority === job.priority).length;
  if (level >= limits.maxQueuedPerLevel) {
    return { code: 'STRATA_JOB_QUEUE_FULL', reason: `priority level ${job.priority} holds ${level} queued jobs, its bound is ${limits.maxQueuedPerLevel}`, data: { bound: 'level', priority: job.priority, queued: level, limit: limits.maxQueuedPerLevel } };
  }
  const owner = queued.filter((q) => q.owner === job.owner).length;
  if (owner >= limits.maxQueuedPerOwner) {
    return { code: 'STRATA_JOB_QUEUE_FULL', reason: `owner ${JSON.stringify(job.owner)} has ${owner} queued jobs, the bound per owner is ${limits.maxQueuedPerOwner}`, data: { bound: 'owner', owner: job.owner, queued: owner, limit: limits.maxQueuedPerOwner } };
  }
  return null;
}

export interface ShareState {
  /** running jobs per owner */
  readonly running: Readonly<Record<string, number>>;
  /** a counter value per owner, larger = served more recently */
  readonly lastServed: Readonly<Record<string, number>>;
}

const byDeadlineThenSeq = (a: QueueEntry, b: QueueEntry): number =>
  (a.deadline ?? Number.POSITIVE_INFINITY) - (b.deadline ?? Number.POSITIVE_INFINITY) || a.seq - b.seq;

/** The entry to dispatch next, or null when none waits. */
export function pickNext(entries: readonly QueueEntry[], share: ShareState): QueueEntry | null {
  for (const level of PRIORITIES) {
    const inLevel = entries.filter((e) => e.priority === level);
    if (inLevel.length === 0) continue;
    let owner: string | null = null;
    for (const e of inLevel) {
      if (owner === null || compareOwners(e.owner, owner, share) < 0) owner = e.owner;
    }
    return inLevel.filter((e) => e.owner === owner).sort(byDeadlineThenSeq)[0]!;
  }
  return null;
}

function compareOwners(a: string, b: string, share: ShareState): number {
  if (a === b) return 0;
  return (share.running[a] ?? 0) - (share.running[b] ?? 0)
    || (share.lastServed[a] ?? -1) - (share.lastServed[b] ?? -1)
    || (a < b ? -1 : 1);
}

/**
 * The whole dispatch order, as pickNext would give it one job at a time (each pick counting as a running job
 * of its owner), in O(n log n + n × owners): level by level, each owner's entries sorted once, the owner chosen
 * per pick by a scan over the level's owners.
 */
export function dispatchOrder(entries: readonly QueueEntry[], share: ShareState): QueueEntry[] {
  const running: Record<string, number> = { ...share.running };
  const lastServed: Record<string, number> = { ...share.lastServed };
  let tick = Math.max(0, ...Object.values(lastServed)) + 1;
  const out: QueueEntry[] = [];
  for (const level of PRIORITIES) {
    const byOwner = new Map<string, QueueEntry[]>();
    for (const e of entries) {
      if (e.priority !== level) continue;
      const list = byOwner.get(e.owner);
      if (list) list.push(e); else byOwner.set(e.owner, [e]);
    }
    const heads = new Map<string, number>();
    for (const [owner, list] of byOwner) { list.sort(byDeadlineThenSeq); heads.set(owner, 0); }
    const current: ShareState = { running, lastServed };
    while (heads.size > 0) {
      let owner: string | null = null;
      for (const o of heads.keys()) if (owner === null || compareOwners(o, owner, current) < 0) owner = o;
      const at = heads.get(owner!)!;
      const list = byOwner.get(owner!)!;
      out.push(list[at]!);
      if (at + 1 < list.length) heads.set(owner!, at + 1); else heads.delete(owner!);
      running[owner!] = (running[owner!] ?? 0) + 1;
      lastServed[owner!] = tick++;
    }
  }
  return out;
}

/**
 * Expected start time of each queued entry: the queue in dispatch order taken by whichever runner frees up
 * first. `runnerFreeAt` has one entry per runner (now for an idle one).
 */
export function expectedStarts(order: readonly QueueEntry[], runnerFreeAt: readonly number[], now: number): Map<string, number> {
  const starts = new Map<string, number>();
  if (runnerFreeAt.length === 0) return starts;
  const free = runnerFreeAt.map((t) => Math.max(t, now));
  for (const e of order) {
    let k = 0;
    for (let i = 1; i < free.length; i++) if (free[i]! < free[k]!) k = i;
    starts.set(e.id, free[k]!);
    free[k] = free[k]! + e.remainingMs;
  }
  return starts;
}

export type SlaStatus = 'none' | 'on-time' | 'at-risk' | 'missed';

/**
 * Missed: finished after the deadline, or unfinished past it. At risk: the expected finish is later than the
 * deadline minus the margin (a fraction of the job's expected run time, so long jobs warn earlier).
 */
export function slaStatus(job: {
  readonly deadline: number | null;
  readonly finishedAt: number | null;
  readonly expectedFinishAt: number | null;
  readonly expectedRunMs: number;
}, now: number, riskMargin = 0.1): SlaStatus {
  if (job.deadline === null) return 'none';
  if (job.finishedAt !== null) return job.finishedAt <= job.deadline ? 'on-time' : 'missed';
  if (now > job.deadline) return 'missed';
  const finish = job.expectedFinishAt ?? Number.POSITIVE_INFINITY;
  return finish > job.deadline - riskMargin * job.expectedRunMs ? 'at-risk' : 'on-time';
}
