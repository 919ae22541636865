// A real process running the job service over a journal folder (the crash tests kill -9 it and start it
// again on the same folder): it submits its job with an idempotency key (a restart finds the same job),
// reports job events over IPC, and when the job has finished sends the msgpack bytes of its result.
import { pino } from 'pino';
import { encode } from '../../../runtime/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { createGeneratedMatrixSource } from '../../../engine/jobs/index.ts';
import { createJobService } from '../../../actors/job-scheduler/index.ts';

export interface JobProcessConfig {
  readonly dir: string;
  readonly spec: Record<string, unknown>;
  readonly idempotencyKey: string;
  readonly universe: { readonly nStrategies: number; readonly nDays: number; readonly seed: number };
  readonly checkpointGenerations: number;
  readonly poolThreads: number;
}

const config = JSON.parse(process.argv[2]!) as JobProcessConfig;
const send = (m: Record<string, unknown>): void => { process.send?.(m); };
const system = createSystem({ name: 'jobs-proc', codecCheck: true, logger: pino({ level: 'warn' }) });
const service = await createJobService({
  system, dir: config.dir, matrixSource: createGeneratedMatrixSource(config.universe), poolThreads: config.poolThreads,
  runner: { checkpointGenerations: config.checkpointGenerations, checkpointMs: 0, progressMs: 100 },
  scheduler: { retry: { maxFailures: 3, maxInterruptions: 50, backoff: { minMs: 10, maxMs: 100, factor: 2, jitter: 0.2 } } },
  onEvent: (e) => send({ ev: 'event', type: e.type, id: e.id, ...(e.type === 'job.checkpointed' ? { evaluations: e.evaluations } : {}) }),
});
send({ ev: 'ready', epoch: service.epoch, pid: process.pid });
const { job, duplicate } = await service.submit(config.spec, { idempotencyKey: config.idempotencyKey });
send({ ev: 'submitted', id: job.id, duplicate, status: job.status });
const done = await service.whenFinished(job.id, 120_000);
const result = done.status === 'completed' ? await service.result(job.id) : null;
send({ ev: 'finished', id: job.id, status: done.status, error: done.lastError, interruptions: done.interruptions, result: result ? Buffer.from(encode(result)).toString('base64') : null });
await service.close();
await system.terminate();
process.exit(0);
