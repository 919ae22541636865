// A daemon that runs for weeks keeps a bounded number of finished jobs (jobs.retainFinished): the in-memory job
// service forgets the oldest finished jobs and their results; over the durable scheduler the daemon's own views
// are trimmed the same way while the evaluation count stays a counter. Real daemon, real DuckDB file, REST.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../engine/formats/index.ts';
import { startHarness, type Harness } from '../api/daemon-harness.ts';

let h: Harness | null = null;
afterEach(async () => { await h?.close(); h = null; });

async function startWithData(mode: 'local' | 'scheduler'): Promise<{ h: Harness; spec: (seed: number) => Record<string, unknown> }> {
  const harness = await startHarness({ 'jobs.mode': mode, 'jobs.retainFinished': 2 });
  const ds = await generateDataset({ outDir: join(harness.dir, 'files'), strategies: 3, days: 30, seed: 8 });
  const files = (await readdir(ds.outDir)).filter((f) => f.endsWith('.csv')).map((f) => join(ds.outDir, f));
  await harness.daemon.services.ingest!.ingestPaths(files);
  const r = (await harness.daemon.services.store!.dayRange('ALL'))!;
  const spec = (seed: number) => ({ dateRange: { from: r.from, to: r.to }, problem: { objectives: ['netProfit'], kMin: 2, kMax: 2 }, algorithm: { id: 'random-search' }, budget: { evaluations: 200 }, seed });
  return { h: harness, spec };
}

async function runToEnd(harness: Harness, spec: Record<string, unknown>): Promise<string> {
  const sub = await harness.request('POST', '/api/v1/optimizer/jobs', { body: spec });
  expect(sub.status).toBe(202);
  const end = Date.now() + 20_000;
  for (;;) {
    const r = await harness.request('GET', `/api/v1/optimizer/jobs/${sub.body.id}`);
    if (r.body?.state === 'completed') return sub.body.id as string;
    if (r.body?.state === 'failed' || Date.now() > end) throw new Error(`job ${sub.body.id}: ${r.text}`);
    await new Promise((res) => setTimeout(res, 30));
  }
}

describe('finished jobs kept', () => {
  it('forgets the oldest finished jobs and their results beyond jobs.retainFinished (in-memory jobs)', async () => {
    const s = await startWithData('local');
    h = s.h;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await runToEnd(h, s.spec(i + 1)));
    const listed = (await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs.map((j: { id: string }) => j.id);
    expect(listed).toEqual(ids.slice(2));
    expect((await h.request('GET', `/api/v1/optimizer/jobs/${ids[0]}`)).status).toBe(404);
    expect((await h.request('GET', `/api/v1/optimizer/jobs/${ids[3]}/result`)).status).toBe(200);
    // no journal, so nothing to say of its runs
    expect((await h.request('GET', `/api/v1/optimizer/jobs/${ids[3]}`)).body.run).toBeNull();
    const m = (await h.request('GET', '/api/v1/optimizer/metrics')).body;
    expect(m.byState.completed).toBe(2);
    // the counts are kept as jobs change state: nothing left queued or running
    expect(Object.values(m.byState as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(2);
  }, 60_000);

  it('keeps the daemon\'s views of the durable scheduler\'s finished jobs to the same bound, counting every evaluation', async () => {
    const s = await startWithData('scheduler');
    h = s.h;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await runToEnd(h, s.spec(i + 1)));
    // the journal's account of the last one's runs
    expect((await h.request('GET', `/api/v1/optimizer/jobs/${ids[3]}`)).body.run).toMatchObject({
      attempts: 1, failures: 0, interruptions: 0, runner: null, idempotencyKey: null, deadline: null, sla: 'none', hasResult: true, checkpointEvaluations: 200,
    });
    // the scheduler compacts its journal (and forgets) only every so many records: it still lists all four,
    // and a listing does not bring dropped views back
    expect((await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs).toHaveLength(4);
    const m = (await h.request('GET', '/api/v1/optimizer/metrics')).body;
    expect(m.byState.completed).toBe(2);
    expect(Object.values(m.byState as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(2);
    // four jobs of 200 evaluations: the dropped views still count, once
    expect(m.evaluationsTotal).toBe(800);
  }, 60_000);
});
