// actors/algorithm-runner: runs one job at a time: loads the P&L matrix through a MatrixSource, shares it with
// the CPU pool, runs the ask/tell loop, checkpoints, reports progress and the result to its scheduler.
export { PROTOCOL, RUNNER_SERVICE_KEY } from './messages.ts';
export type { RunnerCommand, RunnerInternal, RunnerMessage, RunnerReceptionist } from './messages.ts';
export { algorithmRunnerBehaviour, DEFAULT_RUNNER_SETTINGS } from './actor.ts';
export type { RunnerOptions, RunnerSettings } from './actor.ts';
export { createRunnerPool, RUNNER_WORKER } from './runner-pool.ts';
export type { RunnerPool, RunnerPoolOptions } from './runner-pool.ts';
export { createStoreClusterMatrixSource } from './store-cluster-source.ts';
export type { StoreClusterLike } from './store-cluster-source.ts';
export { catalogue, runnerError } from './errors.ts';
export type { RunnerErrorCode } from './errors.ts';
export { runnerBehaviour } from './actor.ts';
export type { AttachEngine, RunnerEngine } from './actor.ts';
export type { RunnerAttach } from './messages.ts';
export { matrixServerBehaviour, toSharedMatrix, fromSharedMatrix } from './matrix-server.ts';
export type { MatrixReply, MatrixRequest, SharedMatrix } from './matrix-server.ts';
export { THREAD_RUNNER, threadRunnerBehaviour } from './thread-runner.ts';
export type { ThreadRunnerProps } from './thread-runner.ts';
export { RUNNER_BEHAVIOURS, behaviours as runnerCatalogue, runnerBehaviours } from './behaviours.ts';
export { createSqlEvaluation, storeClusterPushDown } from './sql-evaluation.ts';
export type { SqlJobMatrix, SqlPushDown } from './sql-evaluation.ts';
export type { JobMatrix } from './actor.ts';
