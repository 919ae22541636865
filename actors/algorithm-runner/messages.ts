// The algorithm-runner's protocol: the scheduler starts a job under an assignment (epoch + id) and may stop
// it; the runner answers with the reports in actors/job-scheduler/messages.ts. Plain msgpack-safe data.
import { serviceKey, type ActorRef, type ServiceKey } from '../../runtime/index.ts';
import type { JobSpec, RunCheckpoint, StopReason } from '../../engine/jobs/index.ts';
import type { RunnerReport } from '../job-scheduler/index.ts';

export const PROTOCOL = 1;

/** The receptionist key runners register under (local or cluster receptionist); a scheduler given a
 *  receptionist subscribes to it and takes every runner that appears, on any member. */
export const RUNNER_SERVICE_KEY: ServiceKey<RunnerCommand> = serviceKey<RunnerCommand>('strata.algorithm-runner');

/** What a runner needs to offer itself (runtime Receptionist, cluster ClusterReceptionist). */
export interface RunnerRegistry {
  register(key: ServiceKey<RunnerCommand>, ref: ActorRef<RunnerCommand>): void;
}

/** What a scheduler needs to discover runners (runtime Receptionist, cluster ClusterReceptionist). */
export interface RunnerDiscovery {
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

export type RunnerMessage = RunnerCommand | RunnerInternal;
