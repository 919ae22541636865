// What the job journal holds and how it folds back into the scheduler's state: accepted jobs, lifecycle
// states, priority changes, checkpoints, results, scheduler epochs, and the snapshot that compaction writes.
// Pure data and a pure fold, so recovery is a function of the file alone.
import type { JobResult } from './job-result.ts';
import type { JobSpec, Priority } from './job-spec.ts';
import type { RunCheckpoint } from './run-loop.ts';

export type JobStatus = 'queued' | 'running' | 'paused' | 'backingOff' | 'completed' | 'failed' | 'cancelled';
export const FINISHED_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isFinished = (s: JobStatus): boolean => FINISHED_STATUSES.includes(s);

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** the code of the error underneath, where this one wraps it (a matrix load that failed because the store could
   *  not answer: `STRATA_LB_NO_REPLICA`) */
  readonly cause?: string;
}

/** The lifecycle machine's context plus its state value: what the journal stores after every transition. */
export interface JobLifecycle {
  readonly status: JobStatus;
  /** dispatches so far */
  readonly attempts: number;
  /** retryable failures so far (the failure budget counts these) */
  readonly failures: number;
  /** runners, threads or schedulers lost under the job (their own budget) */
  readonly interruptions: number;
  /** failures because the store could not answer (every replica of some partition down or unreachable): the job
   *  waits for the store, with the retry backoff, outside its failure budget. Absent in journals written before
   *  2026-12-06. */
  readonly storeWaits?: number;
  readonly checkpoints: number;
  readonly lastError: ErrorInfo | null;
  /** epoch ms when a backing-off job is due again */
  readonly retryAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export interface PersistedJob {
  readonly id: string;
  readonly seq: number;
  readonly spec: JobSpec;
  readonly acceptedAt: number;
  readonly priority: Priority;
  readonly life: JobLifecycle;
  readonly checkpoint: RunCheckpoint | null;
  readonly result: JobResult | null;
}

export type JournalRecord =
  | { readonly t: 'epoch'; readonly epoch: number; readonly at: number }
  | { readonly t: 'accepted'; readonly id: string; readonly seq: number; readonly spec: JobSpec; readonly acceptedAt: number; readonly life: JobLifecycle }
  | { readonly t: 'state'; readonly id: string; readonly life: JobLifecycle; readonly at: number }
  | { readonly t: 'priority'; readonly id: string; readonly priority: Priority; readonly at: number }
  | { readonly t: 'checkpoint'; readonly id: string; readonly epoch: number; readonly assignment: string; readonly checkpoint: RunCheckpoint }
  | { readonly t: 'result'; readonly id: string; readonly epoch: number; readonly assignment: string; readonly result: JobResult }
  /** `generation`: how many compactions the scheduler of `epoch` had done (1 for its first; absent: 0) */
  | { readonly t: 'snapshot'; readonly epoch: number; readonly nextSeq: number; readonly jobs: readonly PersistedJob[]; readonly generation?: number }
  | { readonly t: 'forgotten'; readonly ids: readonly string[] };

export interface JournalState {
  readonly epoch: number;
  readonly nextSeq: number;
  /** in acceptance order */
  readonly jobs: Map<string, PersistedJob>;
}

export function emptyJournalState(): JournalState {
  return { epoch: 0, nextSeq: 1, jobs: new Map() };
}

/** Applies one record; records about unknown jobs (compacted away) are ignored. Mutates and returns state. */
export function applyRecord(state: JournalState, r: JournalRecord): JournalState {
  const jobs = state.jobs;
  const update = (id: string, patch: Partial<PersistedJob>): void => {
    const j = jobs.get(id);
    if (j) jobs.set(id, { ...j, ...patch });
  };
  switch (r.t) {
    case 'epoch': return { ...state, epoch: Math.max(state.epoch, r.epoch) };
    case 'accepted':
      jobs.set(r.id, { id: r.id, seq: r.seq, spec: r.spec, acceptedAt: r.acceptedAt, priority: r.spec.priority ?? 'normal', life: r.life, checkpoint: null, result: null });
      return { ...state, nextSeq: Math.max(state.nextSeq, r.seq + 1) };
    // A finished job needs its checkpoint no more (its result is kept), and an algorithm's state can be large (TPE
    // keeps every trial): dropped at once, not only by the next compaction, or a long-running scheduler holds the
    // last checkpoint of up to `retainFinished` finished jobs in memory.
    case 'state': update(r.id, isFinished(r.life.status) ? { life: r.life, checkpoint: null } : { life: r.life }); return state;
    case 'priority': update(r.id, { priority: r.priority }); return state;
    case 'checkpoint': update(r.id, { checkpoint: r.checkpoint }); return state;
    case 'result': update(r.id, { result: r.result }); return state;
    case 'forgotten': for (const id of r.ids) jobs.delete(id); return state;
    case 'snapshot': {
      jobs.clear();
      for (const j of r.jobs) jobs.set(j.id, j);
      return { epoch: Math.max(state.epoch, r.epoch), nextSeq: Math.max(state.nextSeq, r.nextSeq), jobs };
    }
  }
}

export function replayJournal(records: readonly JournalRecord[]): JournalState {
  let state = emptyJournalState();
  for (const r of records) state = applyRecord(state, r);
  return state;
}

/**
 * How far a journal image has come: the epoch of its last scheduler, how many compactions that scheduler had
 * done, and how many records it appended since. Every scheduler has its own epoch, above all before it, and
 * only appends and compacts, so of two images of one lineage the greater position holds everything the other
 * holds (compared epoch, then generation, then records).
 */
export interface JournalPosition {
  readonly epoch: number;
  readonly generation: number;
  readonly records: number;
}

export function journalPosition(records: readonly JournalRecord[]): JournalPosition {
  let epoch = 0, generation = 0, count = 0;
  for (const r of records) {
    if (r.t === 'epoch' && r.epoch > epoch) { epoch = r.epoch; generation = 0; count = 0; }
    else if (r.t === 'snapshot') { epoch = Math.max(epoch, r.epoch); generation = r.generation ?? 0; count = 0; }
    else count++;
  }
  return { epoch, generation, records: count };
}

export function comparePositions(a: JournalPosition, b: JournalPosition): number {
  return a.epoch - b.epoch || a.generation - b.generation || a.records - b.records;
}

/**
 * The position of what a scheduler of `epoch` started from: its image without its own epoch record and what
 * it appended after it (compactions it did included: their snapshots hold its start too, so the image's own
 * position stands in when no epoch record of `epoch` is left).
 */
export function basePosition(records: readonly JournalRecord[], epoch: number): JournalPosition {
  const at = records.findIndex((r) => r.t === 'epoch' && r.epoch === epoch);
  return journalPosition(at < 0 ? records : records.slice(0, at));
}

/** The compacted journal: one snapshot record (finished jobs beyond `retainFinished`, oldest first, dropped);
 *  `generation` counts the compactions of this scheduler (journalPosition). */
export function snapshotRecords(state: JournalState, retainFinished: number, generation = 0): JournalRecord[] {
  const all = [...state.jobs.values()].sort((a, b) => a.seq - b.seq);
  const finished = all.filter((j) => isFinished(j.life.status));
  const drop = new Set(finished.slice(0, Math.max(0, finished.length - retainFinished)).map((j) => j.id));
  // a finished job needs no checkpoint any more: its result is kept
  const jobs = all.filter((j) => !drop.has(j.id)).map((j) => (isFinished(j.life.status) ? { ...j, checkpoint: null } : j));
  return [{ t: 'snapshot', epoch: state.epoch, nextSeq: state.nextSeq, jobs, ...(generation > 0 ? { generation } : {}) }];
}

export function jobIdOf(seq: number): string {
  return `job-${String(seq).padStart(6, '0')}`;
}
