// `strata ingest` on a running daemon through its REST API (an in-process daemon on a real socket): files and
// folders uploaded and read with the CLI's file options, outcomes under the user's own paths, duplicates,
// rejections, the daemon's refusals and an unreachable one (exit 1), usage errors (exit 2), the daemon found
// from its data dir, the progress socket on a terminal; and the REST process route checking its options before
// any upload starts.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { register as registerIngest } from '../../cluster/cli/commands/ingest.ts';
import type { CliIo } from '../../cluster/cli/commands/inspect.ts';
import { generateDataset, type Dataset } from '../../engine/formats/index.ts';
import { OPERATOR, VIEWER, startHarness, type Harness } from '../api/daemon-harness.ts';
import { untilValue } from '../support/poll.ts';

let h: Harness;
let ds: Dataset;
let other: Dataset;

interface Run { code: number; out: string; err: string }

async function ingest(args: readonly string[], interactive = false): Promise<Run> {
  const run: Run = { code: 0, out: '', err: '' };
  const io: CliIo = {
    out: (t) => { run.out += t; }, err: (t) => { run.err += t; }, setExitCode: (c) => { run.code = c; },
    exit: (e) => { throw e; }, interactive,
  };
  const program = new Command('strata').exitOverride().configureOutput({ writeOut: (t) => { run.out += t; }, writeErr: (t) => { run.err += t; } });
  registerIngest(program, io);
  try {
    await program.parseAsync(['ingest', ...args], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    run.code = e.exitCode;
  }
  return run;
}

const onDaemon = (token = OPERATOR) => ['--url', h.url, '--token', token];
const uploadCount = () => h.daemon.services.ingest!.uploads().length;

const until = <T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> =>
  untilValue(async () => fn(), ok, what, timeoutMs, 50);

beforeAll(async () => {
  h = await startHarness();
  ds = await generateDataset({ outDir: join(h.dir, 'files'), strategies: 3, days: 60, seed: 4 });
  other = await generateDataset({ outDir: join(h.dir, 'other'), strategies: 3, days: 60, seed: 5 });
}, 60_000);
afterAll(async () => { await h?.close(); });

describe('strata ingest on a daemon', () => {
  it('uploads two files, the daemon stores their rows, and the outcomes name the user\'s paths', async () => {
    const files = [join(ds.outDir, 'f1_backinzo.csv'), join(ds.outDir, 'f3_tv_gen1.csv')];
    const before = (await h.request('GET', '/api/v1/status')).body.ingest;
    expect(await h.daemon.services.store!.dayRange('ALL')).toBeNull();
    const r = await ingest([...onDaemon(), ...files]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^f1_backinzo\.csv: FORMAT_1_BACKINZO_CSV/m);
    expect(r.out).toMatch(/^f3_tv_gen1\.csv: FORMAT_3_TRADING_VIEW_CSV/m);
    expect(r.out.match(/^ {2}stored \d+ trades, \d+ daily rows/gm)).toHaveLength(2);
    expect(r.out).toContain(`2 stored, 0 already present, 0 rejected or failed · daemon ${h.url}\n`);
    // nothing of the daemon's own upload paths shows
    expect(r.out).not.toContain('uploads/');
    const after = (await h.request('GET', '/api/v1/status')).body.ingest;
    expect(after.committed).toBe(before.committed + 2);
    const range = await h.daemon.services.store!.dayRange('ALL');
    expect(range?.strategies).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('finds the same bytes already ingested (exit 0), with the user\'s paths in the JSON', async () => {
    const files = [join(ds.outDir, 'f1_backinzo.csv'), join(ds.outDir, 'f3_tv_gen1.csv')];
    const text = await ingest([...onDaemon(), ...files]);
    expect(text.code, text.out + text.err).toBe(0);
    expect(text.out).toContain(`${resolve(files[0]!)}: already ingested`);
    expect(text.out).toContain(`0 stored, 2 already present, 0 rejected or failed · daemon ${h.url}`);
    const json = await ingest([...onDaemon(), '--json', files[0]!]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { daemon: string; outcomes: { status: string; file: string }[] };
    expect(parsed.daemon).toBe(h.url);
    expect(parsed.outcomes).toEqual([expect.objectContaining({ status: 'duplicate', file: resolve(files[0]!) })]);
  }, 60_000);

  it('reports a rejected file with its code and exits 1', async () => {
    const bad = join(h.dir, 'garbage.csv');
    await writeFile(bad, 'this is not\na trade list at all\n§§§ 1 2 3\n');
    const r = await ingest([...onDaemon(), bad]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^${resolve(bad).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: REJECTED STRATA_FORMAT_[A-Z_]+, nothing written`, 'm'));
    expect(r.out).toContain('0 stored, 0 already present, 1 rejected or failed');
    // the rejection's message names the user's file, not the daemon's copy under uploads/
    expect(r.out).not.toContain('/ingest/uploads/');
    expect(r.out).toMatch(new RegExp(`^ {2}${resolve(bad).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `, 'm'));
    const json = await ingest([...onDaemon(), '--json', bad]);
    expect(json.code).toBe(1);
    const o = (JSON.parse(json.out) as { outcomes: { status: string; code: string; file: string }[] }).outcomes[0]!;
    expect(o).toMatchObject({ status: 'rejected', file: resolve(bad) });
    expect(r.out).toContain(`REJECTED ${o.code}`);
  }, 60_000);

  it('ingests a folder: its files only, sorted, hidden and partial names skipped', async () => {
    const folder = join(h.dir, 'folder');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await copyFile(join(other.outDir, 'f3_tv_gen2.csv'), join(folder, 'b.csv'));
    await copyFile(join(other.outDir, 'f1_backinzo.csv'), join(folder, 'a.csv'));
    await copyFile(join(other.outDir, 'f3_tv_gen1.csv'), join(folder, 'sub', 'deeper.csv'));
    await writeFile(join(folder, '.hidden.csv'), 'x');
    await writeFile(join(folder, 'c.csv.part'), 'x');
    const uploads = uploadCount();
    const r = await ingest([...onDaemon(), '--json', folder]);
    expect(r.code, r.out + r.err).toBe(0);
    const outcomes = (JSON.parse(r.out) as { outcomes: { status: string; file: string }[] }).outcomes;
    expect(outcomes.map((o) => [basename(o.file), o.status])).toEqual([['a.csv', 'committed'], ['b.csv', 'committed']]);
    expect(uploadCount()).toBe(uploads + 2);
  }, 60_000);

  it('passes the file options to the daemon: --zones equal:2 buckets a zone file into two zones', async () => {
    const zoneFile = join(ds.outDir, 'zones', 'f7_tv_zone.xlsx');
    const r = await ingest([...onDaemon(), '--json', '--zones', 'equal:2', zoneFile]);
    expect(r.code, r.out + r.err).toBe(0);
    const o = (JSON.parse(r.out) as { outcomes: { status: string; summary: { zones: string; format: string } }[] }).outcomes[0]!;
    expect(o.status).toBe('committed');
    expect(o.summary.format).toBe('FORMAT_7_TradingView_Zone');
    expect(o.summary.zones).toBe('equal 2');
    expect(await h.daemon.services.store!.dayRange('Zone 2')).not.toBeNull();
    expect(await h.daemon.services.store!.dayRange('Zone 3')).toBeNull();
  }, 60_000);

  it('exits 1 with the daemon\'s code when a viewer token may not upload, and uploads nothing', async () => {
    const uploads = uploadCount();
    const r = await ingest([...onDaemon(VIEWER), join(other.outDir, 'f5_backinzo_multi.csv')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ingest: STRATA_API_FORBIDDEN: /m);
    expect(uploadCount()).toBe(uploads);
  });

  it('exits 1 when the daemon cannot be reached, and when a path is missing (nothing uploaded)', async () => {
    const down = await ingest(['--url', 'http://127.0.0.1:9', '--token', OPERATOR, join(ds.outDir, 'f1_backinzo.csv')]);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/^ingest: STRATA_API_SERVICE_UNAVAILABLE: cannot reach the daemon at http:\/\/127\.0\.0\.1:9/m);
    const uploads = uploadCount();
    const missing = await ingest([...onDaemon(), join(other.outDir, 'f5_backinzo_multi.csv'), join(h.dir, 'no-such.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no-such.csv: no such file or folder; nothing was uploaded');
    expect(uploadCount()).toBe(uploads);
  });

  it('exits 2 on usage errors: --store with --url, --parse-threads on a daemon', async () => {
    const both = await ingest(['--store', join(h.dir, 'store'), '--url', h.url, join(ds.outDir, 'f1_backinzo.csv')]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^ingest: .*one or the other/m);
    const threads = await ingest([...onDaemon(), '--parse-threads', '2', join(ds.outDir, 'f1_backinzo.csv')]);
    expect(threads.code).toBe(2);
    expect(threads.err).toMatch(/^ingest: .*ingest\.parseThreads/m);
  });

  it('finds the daemon from its data dir (--data-dir)', async () => {
    const file = join(other.outDir, 'f5_backinzo_multi.csv');
    const r = await ingest(['--data-dir', h.daemon.dataDir, '--token', OPERATOR, file]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`1 stored, 0 already present, 0 rejected or failed · daemon ${h.url}`);
  }, 60_000);

  it('on a terminal follows the daemon\'s events on a socket and closes it at the end', async () => {
    const subscribe = vi.spyOn(h.daemon.hub, 'subscribe');
    try {
      const r = await ingest([...onDaemon(), join(other.outDir, 'f3_tv_gen1.csv')], true);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain('1 stored');
      expect(subscribe).toHaveBeenCalledTimes(1);
    } finally {
      subscribe.mockRestore();
    }
    await until(() => h.daemon.hub.subscribers, (n) => n === 0, 'the socket to close');
  }, 60_000);
});

describe('POST /api/v1/consolidator/process file options', () => {
  it('refuses bad options with a coded 4xx before any upload starts, then reads with good ones', async () => {
    const bytes = new Uint8Array(await readFile(join(ds.outDir, 'f3_tv_gen2.csv')));
    const up = await h.request('POST', '/api/v1/consolidator/uploads?name=tv.csv', { raw: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    const id = up.body.id as string;
    for (const [body, code] of [
      [{ zones: 'bogus' }, 'STRATA_FORMAT_INVALID_OPTION'],
      [{ session: '16:00-09:00' }, 'STRATA_FORMAT_INVALID_OPTION'],
      [{ format: 'FORMAT_9' }, 'STRATA_FORMAT_INVALID_OPTION'],
      [{ tz: 'Mars/Olympus_Mons' }, 'STRATA_FORMAT_INVALID_OPTION'],
      [{ maxProblems: 0 }, 'STRATA_API_INVALID_REQUEST'],
      [{ sessions: '09:15-15:30' }, 'STRATA_API_INVALID_REQUEST'],
    ] as const) {
      const r = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [id], ...body } });
      expect([r.status, r.body?.error?.code], JSON.stringify(body)).toEqual([400, code]);
      expect((await h.request('GET', `/api/v1/consolidator/uploads/${id}`)).body.state, JSON.stringify(body)).toBe('stored');
    }
    const ok = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [id], format: '3', tz: 'UTC', maxProblems: 5 } });
    expect(ok.status).toBe(202);
    const done = await until(() => h.request('GET', `/api/v1/consolidator/uploads/${id}`), (r) => r.body.state !== 'processing', 'the outcome');
    expect(done.body.state).toBe('committed');
    expect(done.body.outcome.summary).toMatchObject({ format: 'FORMAT_3_TRADING_VIEW_CSV', tz: 'UTC' });
  }, 60_000);
});

describe('strata ingest on a daemon with a small upload limit', () => {
  it('reports a file over the limit as rejected with the daemon\'s code and stores the others (exit 1)', async () => {
    const small = await startHarness({ 'api.uploadLimitBytes': 4_096 });
    try {
      const big = join(small.dir, 'big.csv');
      await writeFile(big, `${'x'.repeat(100)}\n`.repeat(200));
      const tiny = join(small.dir, 'tiny.csv');
      // a valid FORMAT_3 file under the limit: the generated one cut to its header and first trades
      const lines = (await readFile(join(ds.outDir, 'f3_tv_gen1.csv'), 'utf8')).split('\n');
      await writeFile(tiny, `${lines.slice(0, 9).join('\n')}\n`);
      expect((await readFile(tiny)).byteLength).toBeLessThan(4_096);
      const r = await ingest(['--url', small.url, '--token', OPERATOR, big, tiny]);
      expect(r.code, r.out + r.err).toBe(1);
      expect(r.out).toMatch(/big\.csv: REJECTED STRATA_API_PAYLOAD_TOO_LARGE, nothing written/);
      expect(r.out).toMatch(/tiny\.csv: FORMAT_3_TRADING_VIEW_CSV/);
      expect(r.out).toContain(`1 stored, 0 already present, 1 rejected or failed · daemon ${small.url}`);
      expect(small.daemon.services.ingest!.uploads().map((u) => [u.name, u.state])).toEqual([['tiny.csv', 'committed']]);
    } finally {
      await small.close();
    }
  }, 60_000);
});

describe('apiUploadFile', () => {
  it('reports the bytes sent as it streams a file from disk, up to its size', async () => {
    const { apiUploadFile } = await import('../../cluster/api/client.ts');
    const h2 = await startHarness();
    try {
      const file = join(h2.dir, 'three-mib.csv');
      await writeFile(file, Buffer.alloc(3 * 2 ** 20, 0x61));
      const seen: [number, number][] = [];
      const u = await apiUploadFile<{ id: string; sizeBytes: number; state: string }>({ url: h2.url, token: OPERATOR }, file, { onProgress: (sent, size) => seen.push([sent, size]) });
      expect(u).toMatchObject({ sizeBytes: 3 * 2 ** 20, state: 'stored' });
      // read in chunks (64 KiB each by default): many reports, growing, the last one the whole file
      expect(seen.length).toBeGreaterThan(10);
      for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
      expect(seen.at(-1)).toEqual([3 * 2 ** 20, 3 * 2 ** 20]);
    } finally {
      await h2.close();
    }
  });
});
