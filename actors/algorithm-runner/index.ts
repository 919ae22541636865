// actors/algorithm-runner: runs one job at a time: loads the P&L matrix through a MatrixSource, shares it with
// the CPU pool, runs the ask/tell loop, checkpoints, reports progress and the result to its scheduler.
export { PROTOCOL, RUNNER_SERVICE_KEY } from './messages.ts';
export type { RunnerCommand, RunnerDiscovery, RunnerInternal, RunnerMessage, RunnerRegistry } from './messages.ts';
export { algorithmRunnerBehaviour, DEFAULT_RUNNER_SETTINGS } from './actor.ts';
export type { RunnerOptions, RunnerSettings } from './actor.ts';
export { createRunnerPool, RUNNER_WORKER } from './runner-pool.ts';
export type { RunnerPool, RunnerPoolOptions } from './runner-pool.ts';
export { createStoreClusterMatrixSource } from './store-cluster-source.ts';
export type { StoreClusterLike } from './store-cluster-source.ts';
export { catalogue, runnerError } from './errors.ts';
export type { RunnerErrorCode } from './errors.ts';
