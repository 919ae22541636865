// The job-scheduler's protocol: commands from clients (submit, cancel, pause, resume, reprioritise, queries),
// the runner reports it receives (progress, checkpoint, completed, failed, stopped), its replies, and the job
// events it publishes. Every runner report carries the scheduler epoch and the assignment it works under, so
// a stale runner or a stale scheduler is fenced. Plain msgpack-safe data.
import type { ActorRef } from '../../runtime/index.ts';
import type { ErrorInfo, JobResult, JobStatus, Priority, RunCheckpoint, RunProgress, SlaStatus, StopReason } from '../../engine/jobs/index.ts';
import type { JobSpec } from '../../engine/jobs/index.ts';
import type { RunnerCommand } from '../algorithm-runner/index.ts';

export const PROTOCOL = 1;

/** A coded refusal as data (never a stack). */
export interface Refused {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

/** What a client sees of a job. */
export interface JobView {
  readonly id: string;
  readonly seq: number;
  readonly status: JobStatus;
  readonly priority: Priority;
  readonly owner: string;
  readonly algorithm: string;
  readonly idempotencyKey: string | null;
  readonly acceptedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly deadline: number | null;
  readonly sla: SlaStatus;
  /** expected start (queued jobs) and finish, epoch ms, or null when unknown */
  readonly expectedStartAt: number | null;
  readonly expectedFinishAt: number | null;
  readonly attempts: number;
  readonly failures: number;
  readonly interruptions: number;
  /** runs that failed because the store could not answer, waited for outside the failure budget */
  readonly storeWaits: number;
  readonly checkpoints: number;
  /** evaluations done at the last durable checkpoint; for a finished job (its checkpoint dropped), those of its result */
  readonly checkpointEvaluations: number;
  readonly progress: RunProgress | null;
  readonly lastError: ErrorInfo | null;
  /** the runner working on it now (its path), or null */
  readonly runner: string | null;
  readonly hasResult: boolean;
}

export interface JobListFilter {
  readonly status?: readonly JobStatus[];
  readonly owner?: string;
  readonly priority?: Priority;
}

export type SubmitReply =
  | { readonly type: 'job.submit.ok'; readonly job: JobView; readonly duplicate: boolean }
  | { readonly type: 'job.submit.rejected'; readonly error: Refused };

export type JobReply =
  | { readonly type: 'job.command.ok'; readonly job: JobView }
  | { readonly type: 'job.command.rejected'; readonly error: Refused };

export type ListReply = { readonly type: 'job.list.ok'; readonly jobs: readonly JobView[] };

export type ResultReply =
  | { readonly type: 'job.result.ok'; readonly result: JobResult }
  | { readonly type: 'job.result.rejected'; readonly error: Refused };

/** Replies to a runner's checkpoint or completion: `rejected` means fenced (stop working on it). */
export type RunnerReportReply =
  | { readonly type: 'runner.report.ok' }
  | { readonly type: 'runner.report.rejected'; readonly error: Refused };

export type JobEvent =
  | { readonly type: 'job.queued'; readonly id: string; readonly at: number; readonly priority: Priority }
  | { readonly type: 'job.started'; readonly id: string; readonly at: number; readonly attempt: number; readonly runner: string; readonly fromEvaluations: number }
  | { readonly type: 'job.progressed'; readonly id: string; readonly at: number; readonly progress: RunProgress }
  | { readonly type: 'job.checkpointed'; readonly id: string; readonly at: number; readonly evaluations: number; readonly generation: number }
  | { readonly type: 'job.completed'; readonly id: string; readonly at: number; readonly evaluations: number; readonly best: readonly number[] | null }
  | { readonly type: 'job.failed'; readonly id: string; readonly at: number; readonly error: ErrorInfo }
  | { readonly type: 'job.retrying'; readonly id: string; readonly at: number; readonly retryAt: number; readonly error: ErrorInfo }
  | { readonly type: 'job.interrupted'; readonly id: string; readonly at: number; readonly reason: string }
  | { readonly type: 'job.cancelled'; readonly id: string; readonly at: number }
  | { readonly type: 'job.paused'; readonly id: string; readonly at: number }
  | { readonly type: 'job.resumed'; readonly id: string; readonly at: number }
  | { readonly type: 'job.reprioritised'; readonly id: string; readonly at: number; readonly priority: Priority };

export type SchedulerCommand =
  | { readonly type: 'job.submit'; readonly spec: unknown; readonly idempotencyKey: string | null; readonly replyTo: ActorRef<SubmitReply> }
  | { readonly type: 'job.cancel'; readonly id: string; readonly replyTo: ActorRef<JobReply> }
  | { readonly type: 'job.pause'; readonly id: string; readonly replyTo: ActorRef<JobReply> }
  | { readonly type: 'job.resume'; readonly id: string; readonly replyTo: ActorRef<JobReply> }
  | { readonly type: 'job.reprioritise'; readonly id: string; readonly priority: Priority; readonly replyTo: ActorRef<JobReply> }
  | { readonly type: 'job.get'; readonly id: string; readonly replyTo: ActorRef<JobReply> }
  | { readonly type: 'job.list'; readonly filter: JobListFilter; readonly replyTo: ActorRef<ListReply> }
  | { readonly type: 'job.result'; readonly id: string; readonly replyTo: ActorRef<ResultReply> }
  | { readonly type: 'job.subscribe'; readonly subscriber: ActorRef<JobEvent> }
  | { readonly type: 'job.unsubscribe'; readonly subscriber: ActorRef<JobEvent> }
  /** a runner (local or on another member) offers itself; the scheduler watches it */
  | { readonly type: 'runner.register'; readonly runner: ActorRef<RunnerCommand> }
  /** graceful shutdown: dispatch nothing more; every running job checkpoints and stops (it stays `running` in
   *  the journal and resumes from that checkpoint at the next start); the reply comes once all have stopped */
  | { readonly type: 'scheduler.drain'; readonly replyTo: ActorRef<DrainReply> };

export type DrainReply = { readonly type: 'scheduler.drained'; readonly checkpointed: readonly string[] };

/** Reports from a runner, each under the assignment it was given. */
export interface Assignment {
  readonly jobId: string;
  /** the scheduler's fencing epoch */
  readonly epoch: number;
  /** `<epoch>.<jobId>.<attempt>`: unique per dispatch */
  readonly assignment: string;
}

export type RunnerReport =
  | (Assignment & { readonly type: 'runner.progressed'; readonly progress: RunProgress })
  | (Assignment & { readonly type: 'runner.checkpointed'; readonly checkpoint: RunCheckpoint; readonly replyTo: ActorRef<RunnerReportReply> })
  | (Assignment & { readonly type: 'runner.completed'; readonly result: JobResult; readonly replyTo: ActorRef<RunnerReportReply> })
  | (Assignment & { readonly type: 'runner.failed'; readonly error: ErrorInfo })
  | (Assignment & { readonly type: 'runner.stopped'; readonly reason: StopReason })
  | (Assignment & { readonly type: 'runner.refused'; readonly error: Refused })
  /** the runner has no job (its last run has ended): only now is its slot free */
  | { readonly type: 'runner.idle'; readonly runner: ActorRef<RunnerCommand> };

/** Timers and journal completions the scheduler sends itself. */
export type SchedulerInternal =
  | { readonly type: 'scheduler.tick' }
  /** the runners listed under RUNNER_SERVICE_KEY now (from the receptionist subscription) */
  | { readonly type: 'scheduler.runners-listed'; readonly runners: readonly ActorRef<RunnerCommand>[] }
  | { readonly type: 'scheduler.journal-failed'; readonly error: Refused };

export type SchedulerMessage = SchedulerCommand | RunnerReport | SchedulerInternal;

export type { JobSpec };
