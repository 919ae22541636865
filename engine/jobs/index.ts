// The public surface of engine/jobs: the pure parts of optimisation jobs — the validated spec, the durable
// journal and its records, the priority queue policy, the matrix source interface, the run loop and the
// result report. The actors (actors/job-scheduler, actors/algorithm-runner) wire these together.
export { catalogue, jobError } from './errors.ts';
export type { JobErrorCode } from './errors.ts';
export { PRIORITIES, WALL_TIME_ONLY_EVALUATIONS, evaluationBudget, jobSpecSchema, parseJobSpec, portfolioSpecOf, priorityOf } from './job-spec.ts';
export type { JobSpec, Priority, SpecIssue } from './job-spec.ts';
export { JOURNAL_MAGIC, MAX_RECORD_BYTES, encodeFrame, journalDamageMessage, openJournal, replaceFileSync, scanJournal } from './journal.ts';
export type { Journal, JournalOptions, JournalReplica, RecoveryInfo, SkippedBytes } from './journal.ts';
export { FINISHED_STATUSES, applyRecord, basePosition, comparePositions, emptyJournalState, isFinished, jobIdOf, journalPosition, replayJournal, snapshotRecords } from './job-records.ts';
export type { ErrorInfo, JobLifecycle, JobStatus, JournalPosition, JournalRecord, JournalState, PersistedJob } from './job-records.ts';
export { DEFAULT_QUEUE_LIMITS, admission, dispatchOrder, expectedStarts, pickNext, slaStatus } from './priority-queue.ts';
export type { QueueEntry, QueueLimits, Refusal, ShareState, SlaStatus } from './priority-queue.ts';
export { DEFAULT_ZONE, createGeneratedMatrixSource, generateUniverse, matrixDigest, matrixQueryOf, toLoadedMatrix } from './matrix-source.ts';
export type { GeneratedStrategy, GeneratedUniverseOptions, LoadedMatrix, MatrixQuery, MatrixSource, UniverseFilter } from './matrix-source.ts';
export { createStoreMatrixSource } from './store-matrix-source.ts';
export type { StoreMatrixSourceOptions } from './store-matrix-source.ts';
export { buildProblem, createJobAlgorithm, resolveAlgorithm, runJobLoop } from './run-loop.ts';
export type { ResolvedAlgorithm, RunCheckpoint, RunHooks, RunOutcome, RunProgress, StopReason } from './run-loop.ts';
export { buildJobResult, stateDigest } from './job-result.ts';
export type { BestReport, JobResult, PortfolioReport, WalkForwardReport } from './job-result.ts';
