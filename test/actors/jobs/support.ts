// Shared parts of the job suites: a small generated universe, a job spec over it, temp folders, and a job
// service in a fresh actor system with the codec check on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createGeneratedMatrixSource, type MatrixSource } from '../../../engine/jobs/index.ts';
import { createJobService, type JobService, type JobServiceOptions } from '../../../actors/job-scheduler/index.ts';
import { createSystem, encode, type ActorSystem } from '../../../runtime/index.ts';

export const UNIVERSE = { nStrategies: 30, nDays: 260, seed: 11 } as const;

export function jobSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dateRange: { from: '2020-01-01', to: '2020-12-31' },
    problem: { objectives: ['ratio'], kMin: 5, kMax: 5 },
    algorithm: { id: 'genetic-algorithm' },
    budget: { evaluations: 4_000 },
    seed: 99,
    validation: { walkForwardFolds: 2, bootstrapResamples: 100 },
    ...overrides,
  };
}

export function createTempDirs(): { make(): string; cleanup(): void } {
  const dirs: string[] = [];
  return {
    make() { const d = mkdtempSync(join(tmpdir(), 'strata-jobs-')); dirs.push(d); return d; },
    cleanup() { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); },
  };
}

export interface Harness {
  readonly system: ActorSystem;
  readonly service: JobService;
  close(): Promise<void>;
}

export async function startService(dir: string, options: Partial<Omit<JobServiceOptions, 'system' | 'dir'>> & { matrixSource?: MatrixSource } = {}): Promise<Harness> {
  const system = createSystem({ name: 'jobs-test', codecCheck: true, logger: pino({ level: 'silent' }) });
  const service = await createJobService({
    system, dir, matrixSource: options.matrixSource ?? createGeneratedMatrixSource(UNIVERSE), poolThreads: 2,
    runner: { checkpointGenerations: 2, checkpointMs: 0, progressMs: 50 },
    ...options,
    scheduler: { tickMs: 20, retry: { maxFailures: 2, maxInterruptions: 10, backoff: { minMs: 20, maxMs: 100, factor: 2, jitter: 0.2 } }, ...options.scheduler },
  });
  return { system, service, async close() { await service.close(); await system.terminate(); } };
}

/** The result's exact bytes, for bit-for-bit comparison. */
export const resultBytes = (result: unknown): string => Buffer.from(encode(result)).toString('base64');
