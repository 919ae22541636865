// The algorithm-runner's protocol: the scheduler starts a job under an assignment (epoch + id) and may stop
// it; the runner answers with the reports in actors/job-scheduler/messages.ts. Plain msgpack-safe data.
import { serviceKey, type ActorRef, type ServiceKey } from '../../runtime/index.ts';
import type { JobSpec, RunCheckpoint, StopReason } from '../../engine/jobs/index.ts';
import type { RunnerReport } from '../job-scheduler/index.ts';

export const PROTOCOL = 1;

/** The receptionist key runners register under (local or cluster receptionist); a scheduler given a
 *  receptionist subscribes to it and takes every runner that appears, on any member. */
export const RUNNER_SERVICE_KEY: ServiceKey<RunnerCommand> = serviceKey<RunnerCommand>('strata.algorithm-runner');

/** A receptionist as runners and schedulers use it (runtime Receptionist, cluster ClusterReceptionist): a
 *  runner registers itself, a scheduler subscribes to the listing. */
export interface RunnerReceptionist {
  register(key: ServiceKey<RunnerCommand>, ref: ActorRef<RunnerCommand>): void;
  subscribe(key: ServiceKey<RunnerCommand>, listener: (refs: readonly ActorRef<RunnerCommand>[]) => void): () => void;
}

export type RunnerCommand =
  | {
    readonly type: 'runner.start';
    readonly jobId: string;
    readonly epoch: number;
    readonly assignment: string;
    readonly spec: JobSpec;
    /** the last durable checkpoint, or null for a fresh start */
    readonly checkpoint: RunCheckpoint | null;
    readonly scheduler: ActorRef<RunnerReport>;
  }
  | { readonly type: 'runner.stop'; readonly epoch: number; readonly assignment: string; readonly reason: StopReason };

/** The runner's own notes to itself (the run loop runs beside the mailbox, not inside a receive). */
export type RunnerInternal = { readonly type: 'runner.loop-ended'; readonly assignment: string };

/** To a runner on a worker thread, from whoever placed it: where to load matrices (the main thread's matrix
 *  server), and the ref its scheduler knows it by (the proxy on main), used in its runner.idle reports. */
export type RunnerAttach = {
  readonly type: 'runner.attach';
  readonly matrices: ActorRef<import('./matrix-server.ts').MatrixRequest>;
  readonly self: ActorRef<RunnerCommand>;
};

export type RunnerMessage = RunnerCommand | RunnerInternal | RunnerAttach;
