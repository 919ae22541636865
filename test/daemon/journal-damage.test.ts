// A daemon whose job journal was damaged in the middle (a disk error, not a crash's torn tail) starts with the
// jobs recorded before and after the damage, keeps the file as found beside the journal, and says so in its
// recent errors (the consoles show them). Before, the damage was cut as a torn tail and every later job went
// without a word. Real in-process daemon, real journal file, REST.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../api/daemon-harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'strata-journal-damage-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const spec = (seed: number) => ({
  dateRange: { from: '2024-01-01', to: '2024-03-01' }, problem: { objectives: ['netProfit'], kMin: 2, kMax: 2 },
  algorithm: { id: 'random-search' }, budget: { evaluations: 100 }, seed,
});

async function jobIds(h: Harness): Promise<string[]> {
  const r = await h.request('GET', '/api/v1/optimizer/jobs');
  expect(r.status).toBe(200);
  return (r.body.jobs as { id: string }[]).map((j) => j.id).sort();
}

describe('a daemon with a damaged job journal', () => {
  it('starts with the jobs around the damage, keeps the damaged file, and reports it in its recent errors', { timeout: 120_000 }, async () => {
    const settings = { dataDir, 'jobs.mode': 'scheduler' };
    let h = await startHarness(settings);
    let before: string[];
    try {
      // an empty store: each job fails at once (no strategies), and is journaled all the same
      for (let i = 1; i <= 12; i++) expect((await h.request('POST', '/api/v1/optimizer/jobs', { body: spec(i) })).status).toBe(202);
      const end = Date.now() + 30_000;
      while ((await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs.some((j: { state: string }) => j.state === 'queued' || j.state === 'running')) {
        if (Date.now() > end) throw new Error('jobs did not finish');
        await new Promise((r) => setTimeout(r, 50));
      }
      before = await jobIds(h);
      expect(before).toHaveLength(12);
      expect((await h.request('GET', '/api/v1/admin/errors')).body.errors.filter((e: { code: string }) => e.code === 'STRATA_JOB_JOURNAL_CORRUPT')).toEqual([]);
    } finally {
      await h.close();
    }
    const path = join(dataDir, 'jobs', 'jobs.journal');
    const bytes = await readFile(path);
    const mid = Math.floor(bytes.length / 2);
    bytes.fill(0xee, mid, mid + 24);
    await writeFile(path, bytes);

    h = await startHarness(settings);
    try {
      const after = await jobIds(h);
      // the damage took at most the job whose records it hit; the ones before and after it are there
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(after).toContain(before[0]);
      expect(after).toContain(before.at(-1));
      for (const id of after) expect(before).toContain(id);
      const errors = (await h.request('GET', '/api/v1/admin/errors')).body.errors as { source: string; code: string; message: string }[];
      const damage = errors.find((e) => e.code === 'STRATA_JOB_JOURNAL_CORRUPT');
      expect(damage).toMatchObject({ source: 'jobs journal', message: expect.stringMatching(/bytes in 1 place\(s\) were skipped.*jobs\.journal\.damaged-\d+/) });
      const copies = (await readdir(join(dataDir, 'jobs'))).filter((f) => f.startsWith('jobs.journal.damaged-'));
      expect(copies).toHaveLength(1);
      expect((await readFile(join(dataDir, 'jobs', copies[0]!))).equals(bytes)).toBe(true);
    } finally {
      await h.close();
    }
  });
});
