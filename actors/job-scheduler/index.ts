// actors/job-scheduler: the scheduler actor (a plain actor in one process, a cluster singleton's behaviour in
// a cluster), the job lifecycle machine, and the job service facade the daemon and the CLI use.
export { PROTOCOL } from './messages.ts';
export type {
  Assignment, DrainReply, JobEvent, JobListFilter, JobReply, JobView, ListReply, Refused, ResultReply, RunnerReport, RunnerReportReply,
  SchedulerCommand, SchedulerInternal, SchedulerMessage, SubmitReply,
} from './messages.ts';
export { jobMachine, lifecycleOf, nextLifecycle, initialLifecycle, waitsForStore, DEFAULT_RETRY_POLICY } from './machine.ts';
export type { JobMachineEvent, RetryPolicy } from './machine.ts';
export { schedulerBehaviour, DEFAULT_SCHEDULER_SETTINGS, JOURNAL_FILE } from './actor.ts';
export type { SchedulerOptions, SchedulerSettings } from './actor.ts';
export { createJobService, schedulerCommands } from './service.ts';
export type { JobService, JobServiceOptions, AlgorithmInfo, SubmitOutcome, SchedulerAsk } from './service.ts';
export { adoptNewestJournal, createJournalReplicaActor, actorJournalReplica, peerJournalReplica } from './journal-replica.ts';
export type { KeptCopy, ReplicaMessage, ReplicaReply, ReplicaState } from './journal-replica.ts';
export { catalogue, schedulerError } from './errors.ts';
export type { SchedulerErrorCode } from './errors.ts';
