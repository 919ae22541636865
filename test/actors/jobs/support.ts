// Shared parts of the job suites: a small generated universe, a job spec over it, temp folders, and a job
// service in a fresh actor system with the codec check on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createGeneratedMatrixSource, generateUniverse, type GeneratedUniverseOptions, type MatrixSource } from '../../../engine/jobs/index.ts';
import type { StoreCluster } from '../../../actors/store/index.ts';
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

/** Writes a generated universe into a store cluster (strategies, then daily P&L), as an ingest would. */
export async function seedStore(store: StoreCluster, options: GeneratedUniverseOptions): Promise<void> {
  const u = generateUniverse(options);
  const n = u.strategies.length;
  await store.append('strategies', {
    rowCount: n,
    columns: {
      strategy_id: u.strategies.map((s) => s.strategyId), strategy_name: u.strategies.map((s) => s.strategyId),
      source_format: u.strategies.map((s) => s.sourceFormat), underlying: u.strategies.map((s) => s.underlying),
      strategy_type: u.strategies.map((s) => s.strategyType), currency: u.strategies.map((s) => s.currency),
      first_trading_day: u.strategies.map(() => u.days[0]!), last_trading_day: u.strategies.map(() => u.days.at(-1)!),
    },
  });
  const rows = n * u.days.length;
  await store.append('daily_pnl', {
    rowCount: rows,
    columns: {
      strategy_id: Array.from({ length: rows }, (_, i) => u.strategies[Math.floor(i / u.days.length)]!.strategyId),
      trading_day: Array.from({ length: rows }, (_, i) => u.days[i % u.days.length]!),
      zone: new Array<string>(rows).fill('ALL'),
      pnl: u.values,
      n_trades: Array.from({ length: rows }, (_, i) => u.trades[Math.floor(i / u.days.length)]! / u.days.length),
    },
  });
}
