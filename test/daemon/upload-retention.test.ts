// A daemon that takes uploads for weeks stays bounded: a committed (or duplicate) upload's file moves to
// processed/ as inbox files do, a rejected one stays for a retry until it is forgotten, only the newest
// ingest.retainUploads finished uploads are remembered, and uploads stored before a restart can still be
// processed after it. Real daemon, real DuckDB file, REST.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { startHarness, type Harness } from '../api/daemon-harness.ts';

let h: Harness | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = null;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const octets = { 'content-type': 'application/octet-stream' };

async function backinzo(dir: string, name: string, seed: number): Promise<Uint8Array> {
  const path = join(dir, name);
  await writeLargeBackinzoCsv(path, 800, seed);
  return new Uint8Array(await readFile(path));
}

async function outcomeOf(harness: Harness, id: string): Promise<{ state: string; outcome: Record<string, unknown> | null }> {
  const end = Date.now() + 20_000;
  for (;;) {
    const r = await harness.request('GET', `/api/v1/consolidator/uploads/${id}`);
    if (r.status === 200 && r.body.state !== 'processing' && r.body.state !== 'stored') return r.body;
    if (Date.now() > end) throw new Error(`upload ${id}: ${r.text}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const uploadsDirOf = (harness: Harness, dataDir?: string) => join(dataDir ?? join(harness.dir, 'data'), 'ingest', 'uploads');

describe('uploads kept', () => {
  it('moves a committed upload to processed/, and keeps a rejected one until a lenient retry commits it', async () => {
    h = await startHarness();
    const good = await backinzo(h.dir, 'good.csv', 1);
    const up = await h.request('POST', '/api/v1/consolidator/uploads?name=good.csv&process=true', { raw: good, headers: octets });
    const done = await outcomeOf(h, up.body.id);
    expect(done.state).toBe('committed');
    const movedTo = done.outcome!['movedTo'] as string;
    expect(movedTo).toContain(join('ingest', 'processed'));
    expect(new Uint8Array(await readFile(movedTo))).toEqual(good);
    expect(existsSync(join(uploadsDirOf(h), up.body.id))).toBe(false);

    // one impossible date: strict refuses the file, lenient imports the other rows
    const lines = Buffer.from(await backinzo(h.dir, 'one-bad-row.csv', 2)).toString('utf8').split('\n');
    const row = lines.findIndex((l) => /^5,/.test(l));
    lines[row] = lines[row]!.replace(/^5,[^,]+,/, '5,31-Feb-2023,');
    const bad = await h.request('POST', '/api/v1/consolidator/uploads?name=one-bad-row.csv&process=true', { raw: lines.join('\n'), headers: octets });
    const rejected = await outcomeOf(h, bad.body.id);
    expect(rejected.state).toBe('rejected');
    expect(await readdir(join(uploadsDirOf(h), bad.body.id))).toEqual(['one-bad-row.csv']);
    const retry = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [bad.body.id], lenient: true } });
    expect(retry.status).toBe(202);
    expect((await outcomeOf(h, bad.body.id)).state).toBe('committed');
    expect(existsSync(join(uploadsDirOf(h), bad.body.id))).toBe(false);

    // a committed upload asked to process again is reported as it is, not read again
    const again = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [up.body.id] } });
    expect(again.body.processing[0]).toMatchObject({ id: up.body.id, state: 'committed' });
  }, 60_000);

  it('forgets the oldest finished uploads beyond ingest.retainUploads, and a forgotten rejected one\'s file', async () => {
    h = await startHarness({ 'ingest.retainUploads': 2 });
    const rejected = await h.request('POST', '/api/v1/consolidator/uploads?name=bad.csv&process=true', { raw: 'Date,Profit\nnot-a-date,abc\n', headers: octets });
    expect((await outcomeOf(h, rejected.body.id)).state).toBe('rejected');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const up = await h.request('POST', `/api/v1/consolidator/uploads?name=f${i}.csv&process=true`, { raw: await backinzo(h.dir, `f${i}.csv`, 10 + i), headers: octets });
      expect((await outcomeOf(h, up.body.id)).state).toBe('committed');
      ids.push(up.body.id);
    }
    const listed = (await h.request('GET', '/api/v1/consolidator/results')).body.uploads.map((u: { id: string }) => u.id);
    expect(listed).toEqual(ids.slice(1));
    expect((await h.request('GET', `/api/v1/consolidator/uploads/${ids[0]}`)).status).toBe(404);
    expect((await h.request('GET', `/api/v1/consolidator/uploads/${rejected.body.id}`)).status).toBe(404);
    // the rejected file left uploads/ with it; quarantine/ keeps its copy and report
    const end = Date.now() + 5_000;
    while (existsSync(join(uploadsDirOf(h), rejected.body.id)) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(await readdir(uploadsDirOf(h))).toEqual([]);
    expect((await readdir(join(h.dir, 'data', 'ingest', 'quarantine'))).some((f) => f.startsWith('bad'))).toBe(true);
    // every ingest still counted
    expect((await h.request('GET', '/api/v1/status')).body.ingest).toMatchObject({ committed: 3, rejected: 1 });
  }, 60_000);

  it('takes back the uploads stored before a restart, so they can still be processed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-uploads-'));
    dirs.push(dataDir);
    h = await startHarness({ dataDir });
    const bytes = await backinzo(dataDir, 'later.csv', 7);
    const up = await h.request('POST', '/api/v1/consolidator/uploads?name=later.csv', { raw: bytes, headers: octets });
    expect(up.body.state).toBe('stored');
    await h.close();
    h = null;
    // an empty upload folder (a crash between mkdir and write) is tidied away
    await mkdir(join(dataDir, 'ingest', 'uploads', 'empty-one'));
    h = await startHarness({ dataDir });
    const stored = (await h.request('GET', '/api/v1/consolidator/results')).body.uploads;
    expect(stored).toEqual([expect.objectContaining({ id: up.body.id, name: 'later.csv', sizeBytes: bytes.byteLength, state: 'stored' })]);
    expect(existsSync(join(uploadsDirOf(h, dataDir), 'empty-one'))).toBe(false);
    const p = await h.request('POST', '/api/v1/consolidator/process', { body: {} });
    expect(p.body.processing.map((u: { id: string }) => u.id)).toEqual([up.body.id]);
    expect((await outcomeOf(h, up.body.id)).state).toBe('committed');
  }, 60_000);
});
