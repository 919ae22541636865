// Issue 8: a job survives kill -9 of the process running its scheduler and runner (the whole service) at
// random points, and completes exactly once with a result identical, bit for bit, to an uninterrupted run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanJournal, type JournalRecord } from '../../../engine/jobs/index.ts';
import { JOURNAL_FILE } from '../../../actors/job-scheduler/index.ts';
import { JobProc, seededPoints, until } from './job-harness.ts';
import type { JobProcessConfig } from './job-process.ts';
import { createTempDirs, jobSpec } from './support.ts';

const temp = createTempDirs();
const tempDir = (): string => temp.make();
afterAll(() => temp.cleanup());

const spec = jobSpec({
  dateRange: { from: '2020-01-01', to: '2021-12-31' },
  problem: { objectives: ['ratio'], kMin: 6, kMax: 6 },
  budget: { evaluations: 16_000 },
  seed: 20261202,
});

const config = (dir: string): JobProcessConfig => ({
  dir, spec, idempotencyKey: 'crash-job', universe: { nStrategies: 40, nDays: 320, seed: 7 }, checkpointGenerations: 2, poolThreads: 2,
});

async function runToEnd(proc: JobProc): Promise<{ status: string; result: string | null; interruptions: number }> {
  await until(() => proc.finished() !== undefined, 'the job to finish', 60_000);
  const f = proc.finished()!;
  await proc.exited;
  return { status: f['status'] as string, result: f['result'] as string | null, interruptions: f['interruptions'] as number };
}

function journalRecords(dir: string): JournalRecord[] {
  return scanJournal<JournalRecord>(readFileSync(join(dir, JOURNAL_FILE))).records;
}

describe('crash recovery with real processes', () => {
  it('completes exactly once with the uninterrupted result after kill -9 at random points', async () => {
    const reference = await runToEnd(new JobProc(config(tempDir())));
    expect(reference.status).toBe('completed');
    expect(reference.result).not.toBeNull();

    const seed = Date.now() % 100_000;
    const random = seededPoints(seed);
    const dir = tempDir();
    let kills = 0;
    let proc = new JobProc(config(dir));
    const all = [proc];
    for (let round = 0; round < 3; round++) {
      // a random point: after 1–4 more durable checkpoints, plus up to 40 ms into the next generations
      const want = 1 + Math.floor(random() * 4);
      await until(() => proc.count((e) => e['type'] === 'job.checkpointed') >= want || proc.finished() !== undefined, 'checkpoints', 60_000);
      if (proc.finished()) break;
      await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
      if (proc.finished()) break;
      await proc.kill9();
      kills++;
      proc = new JobProc(config(dir));
      all.push(proc);
    }
    const final = await runToEnd(proc);
    expect(final.status, `kill seed ${seed}`).toBe('completed');
    expect(kills, `kill seed ${seed}`).toBeGreaterThan(0);
    expect(final.result, `kill seed ${seed}: result differs from the uninterrupted run`).toBe(reference.result);

    const records = journalRecords(dir);
    const accepted = records.filter((r) => r.t === 'accepted');
    expect(accepted).toHaveLength(1); // the resubmissions after each restart found the idempotency key
    expect(records.filter((r) => r.t === 'result')).toHaveLength(1);
    const epochs = records.filter((r) => r.t === 'epoch').map((r) => (r as { epoch: number }).epoch);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(new Set(epochs).size).toBe(epochs.length);
    expect(final.interruptions).toBeGreaterThanOrEqual(1);
    // completed once over every incarnation of the service
    expect(all.reduce((n, p) => n + p.count((e) => e['type'] === 'job.completed'), 0)).toBe(1);
  }, 60_000);
});
