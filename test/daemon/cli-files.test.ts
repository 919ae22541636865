// `strata files list|remove` on a running daemon (in-process, real socket, the default 3-node store) and on a store
// folder in this process: a stored file is named by a hash prefix or its file name, its rows leave every table
// on every node, the journal forgets it, an ambiguous or unknown name removes nothing (exit 1); the REST routes
// answer 404 for an unknown hash, 400 for a malformed one and 403 for a viewer. `strata ingest --replace` swaps a
// corrected export in for a stored file, on a daemon and on a store folder.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingFiles } from '../../actors/ingest/index.ts';
import { register as registerFiles } from '../../cluster/cli/commands/files.ts';
import { register as registerIngest } from '../../cluster/cli/commands/ingest.ts';
import { register as registerOptimize } from '../../cluster/cli/commands/optimize.ts';
import { generateDataset, type Dataset } from '../../engine/formats/index.ts';
import { OPERATOR, VIEWER, startHarness, type Harness } from '../api/daemon-harness.ts';
import { runCli } from '../support/cli.ts';

let h: Harness;
let ds: Dataset;
const cli = (...args: string[]) => runCli([registerFiles, registerIngest], args);
const onDaemon = (token = OPERATOR) => ['--url', h.url, '--token', token];

beforeAll(async () => {
  h = await startHarness({ 'store.mode': 'cluster', 'store.nodes': 3, 'store.hosting': 'inline' });
  ds = await generateDataset({ outDir: join(h.dir, 'files'), strategies: 3, days: 40, seed: 11 });
  // the same export under two folders: two stored files with one name
  await mkdir(join(h.dir, 'again'));
  const r = await cli('ingest', join(ds.outDir, 'f1_backinzo.csv'), join(ds.outDir, 'f6_python_multi.xlsx'), join(ds.outDir, 'f3_tv_gen1.csv'), ...onDaemon());
  expect(r.code).toBe(0);
}, 60_000);
afterAll(async () => { await h?.close(); });


describe('strata files on a daemon', () => {
  it('lists the stored files with their hash, format, strategies and rows', async () => {
    const r = await cli('files', 'list', ...onDaemon(VIEWER));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[0-9a-f]{12} {2}FORMAT_1_BACKINZO_CSV +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}1 strategy +\d+ trades, \d+ days +f1_backinzo\.csv$/m);
    expect(r.out).toMatch(/ {2}3 strategies +[\d,]+ trades, [\d,]+ days +f6_python_multi\.xlsx$/m);
    expect(r.out).toMatch(/^3 stored file\(s\) · daemon http:\/\/127\.0\.0\.1:\d+$/m);
    expect(r.out).not.toMatch(/waiting to be read again/); // nothing waits (the daemon's consolidator status says so)
    const json = JSON.parse((await cli('files', 'list', '--json', ...onDaemon(VIEWER))).out) as { contentHash: string; strategyIds: string[] }[];
    expect(json).toHaveLength(3);
    expect(json.every((f) => /^[0-9a-f]{64}$/.test(f.contentHash))).toBe(true);
  });

  it('optimises over the strategies of named stored files (--files), with or without --strategy-ids', async () => {
    const files = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string; file: string; strategyIds: string[] }[];
    const f6 = files.find((f) => f.file.endsWith('f6_python_multi.xlsx'))!;
    const f1 = files.find((f) => f.file.endsWith('f1_backinzo.csv'))!;
    const job = ['--k', '2', '--evaluations', '200', '--algorithm', 'random-search', '--walk-forward', '0', '--bootstrap', '0', '--json'];
    const r = await runCli([registerOptimize], ['optimize', '--files', 'f6_python_multi.xlsx', ...job, ...onDaemon()]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { result: { nStrategies: number; best: { strategyIds: string[] } } };
    expect(out.result.nStrategies).toBe(f6.strategyIds.length);
    expect(out.result.best.strategyIds.every((id) => f6.strategyIds.includes(id))).toBe(true);
    const both = JSON.parse((await runCli([registerOptimize], ['optimize', '--files', f6.contentHash.slice(0, 10), '--strategy-ids', f1.strategyIds[0]!, ...job, ...onDaemon()])).out) as typeof out;
    expect(both.result.nStrategies).toBe(f6.strategyIds.length + 1);
    const unknown = await runCli([registerOptimize], ['optimize', '--files', 'nope.csv', ...job, ...onDaemon()]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('optimize: STRATA_INGEST_UNKNOWN_FILE: no stored file has a content hash starting "nope.csv" or the name "nope.csv"');
  });

  it('removes a file by name: a job universe no longer sees its strategies, the others stay, the journal forgets it', async () => {
    const before = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string; file: string; strategyIds: string[]; rows: { trades: number; daily_pnl: number } }[];
    const target = before.find((f) => f.file.endsWith('f6_python_multi.xlsx'))!;
    const ids = target.strategyIds;
    // what a job's universe holds (strategies rows joined to their daily P&L, from every node)
    const universe = async (): Promise<readonly string[]> => (await h.daemon.services.store!.matrixSource().load({ universe: {}, dateRange: { from: '1900-01-01', to: '2999-12-31' }, zone: 'ALL' })).strategyIds;
    const all = await universe();
    expect(ids.every((id) => all.includes(id))).toBe(true);
    const r = await cli('files', 'remove', 'f6_python_multi.xlsx', ...onDaemon());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^removed ${target.contentHash.slice(0, 12)} {2}f6_python_multi\\.xlsx: 3 strategies, [\\d,]+ trades, [\\d,]+ days$`, 'm'));
    expect([...await universe()].sort()).toEqual(all.filter((id) => !ids.includes(id)).sort());
    const after = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string }[];
    expect(after.map((f) => f.contentHash)).toEqual(before.filter((f) => f !== target).map((f) => f.contentHash));
  });

  it('removes by hash prefix, and ingests the same bytes again afterwards (not a duplicate)', async () => {
    const files = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string; file: string }[];
    const f1 = files.find((f) => f.file.endsWith('f1_backinzo.csv'))!;
    expect((await cli('files', 'remove', f1.contentHash.slice(0, 8), ...onDaemon())).code).toBe(0);
    const again = await cli('ingest', join(ds.outDir, 'f1_backinzo.csv'), ...onDaemon());
    expect(again.out).toMatch(/1 stored, 0 already present/);
  });

  it('refuses an ambiguous name and an unknown one, removing nothing of the others named with them (exit 1)', async () => {
    // f3_tv_gen1.csv stored a second time from another folder: different bytes, the same name
    await copyFile(join(ds.outDir, 'f3_tv_gen2.csv'), join(h.dir, 'again', 'f3_tv_gen1.csv'));
    expect((await cli('ingest', join(h.dir, 'again', 'f3_tv_gen1.csv'), ...onDaemon())).code).toBe(0);
    const count = async () => ((await h.request('GET', '/api/v1/consolidator/files')).body.files as unknown[]).length;
    const n = await count();
    const ambiguous = await cli('files', 'remove', 'f1_backinzo.csv', 'f3_tv_gen1.csv', ...onDaemon());
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toMatch(/^files remove: STRATA_INGEST_AMBIGUOUS_FILE: "f3_tv_gen1\.csv" names 2 stored files; give more of the content hash:/);
    const unknown = await cli('files', 'remove', 'deadbeef', ...onDaemon());
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('files remove: STRATA_INGEST_UNKNOWN_FILE: no stored file has a content hash starting "deadbeef"');
    expect(await count()).toBe(n);
  });

  it('answers the REST route with 404 for an unknown hash, 400 for a malformed one, 403 for a viewer', async () => {
    const unknown = await h.request('DELETE', `/api/v1/consolidator/files/${'0'.repeat(64)}`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'STRATA_INGEST_UNKNOWN_FILE']);
    const bad = await h.request('DELETE', '/api/v1/consolidator/files/not-a-hash');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'STRATA_API_INVALID_REQUEST']);
    const files = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string }[];
    const viewer = await h.request('DELETE', `/api/v1/consolidator/files/${files[0]!.contentHash}`, { token: VIEWER });
    expect([viewer.status, viewer.body.error.code]).toEqual([403, 'STRATA_API_FORBIDDEN']);
  });
});

describe('strata ingest --replace', () => {
  it('replaces a stored file with a corrected export on the daemon: one file of that name, its strategy names kept', async () => {
    const corrected = await generateDataset({ outDir: join(h.dir, 'corrected'), strategies: 3, days: 40, seed: 12 });
    const before = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string; file: string }[];
    const old = before.find((f) => f.file.endsWith('f1_backinzo.csv'))!;
    const r = await cli('ingest', join(corrected.outDir, 'f1_backinzo.csv'), '--replace', 'f1_backinzo.csv', ...onDaemon());
    expect(r.code).toBe(0);
    expect(r.out).toContain(`replaced f1_backinzo.csv (${old.contentHash.slice(0, 12)}), its rows removed`);
    // the strategy keeps its name: no " (2)"
    expect(r.out).toMatch(/^ +f1_backinzo +\d+ /m);
    const after = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string; file: string }[];
    expect(after.filter((f) => f.file.endsWith('f1_backinzo.csv'))).toHaveLength(1);
    expect(after.map((f) => f.contentHash)).not.toContain(old.contentHash);
    expect(after).toHaveLength(before.length);
  });

  it('refuses --replace with several files (exit 2) or naming no stored file (exit 1), uploading nothing', async () => {
    const uploads = h.daemon.services.ingest!.uploads().length;
    const two = await cli('ingest', join(ds.outDir, 'f1_backinzo.csv'), join(ds.outDir, 'f3_tv_gen2.csv'), '--replace', 'f1_backinzo.csv', ...onDaemon());
    expect(two.code).toBe(2);
    expect(two.err).toContain('ingest: --replace takes one file to ingest, got 2');
    const none = await cli('ingest', join(ds.outDir, 'f3_tv_gen2.csv'), '--replace', 'nothing-like-it.csv', ...onDaemon());
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^ingest: --replace: STRATA_INGEST_UNKNOWN_FILE: no stored file has a content hash starting "nothing-like-it\.csv" or the name/);
    expect(h.daemon.services.ingest!.uploads().length).toBe(uploads);
  });

  it('checks the REST process route\'s replaces: one upload, a stored file', async () => {
    const up = await h.request('POST', '/api/v1/consolidator/uploads?name=x.csv', { raw: 'a,b\n1,2\n', headers: { 'content-type': 'application/octet-stream' } });
    const up2 = await h.request('POST', '/api/v1/consolidator/uploads?name=y.csv', { raw: 'a,b\n1,3\n', headers: { 'content-type': 'application/octet-stream' } });
    const files = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string }[];
    const two = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [up.body.id, up2.body.id], replaces: files[0]!.contentHash } });
    expect([two.status, two.body.error.code]).toEqual([400, 'STRATA_FORMAT_INVALID_OPTION']);
    const unknown = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [up.body.id], replaces: 'f'.repeat(64) } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'STRATA_INGEST_UNKNOWN_FILE']);
    const malformed = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [up.body.id], replaces: 'abc' } });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'STRATA_API_INVALID_REQUEST']);
    // nothing started: both uploads still wait
    expect(h.daemon.services.ingest!.getUpload(up.body.id)!.state).toBe('stored');
    expect(h.daemon.services.ingest!.getUpload(up2.body.id)!.state).toBe('stored');
  });
});

describe('strata files on a store folder', () => {
  it('lists and removes in this process', async () => {
    const store = join(h.dir, 'folder-store');
    expect((await cli('ingest', join(ds.outDir, 'f1_backinzo.csv'), join(ds.outDir, 'f3_tv_gen2.csv'), '--store', store)).code).toBe(0);
    const listed = await cli('files', 'list', '--store', store);
    expect(listed.out).toMatch(/^2 stored file\(s\) · store \S+store\.duckdb$/m);
    expect(listed.out).not.toMatch(/waiting to be read again/);
    // a file an earlier `strata ingest` could not store (its disk full) and left pending is listed as waiting
    const waits = join(h.dir, 'waits.csv');
    await copyFile(join(ds.outDir, 'f3_tv_gen1.csv'), waits);
    await new PendingFiles(join(store, 'ingest', 'pending')).put({
      path: waits, origin: 'request', options: {}, attempts: 2, firstFailedAt: Date.UTC(2026, 11, 6, 4, 30), nextAt: Date.UTC(2026, 11, 6, 4, 30, 3),
      code: 'STRATA_STORE_NO_SPACE', message: `${store}/store.duckdb: the disk holding ${store} is full (0 bytes free)`,
    });
    const waiting = await cli('files', 'list', '--store', store);
    expect(waiting.out).toContain(`\n1 file(s) not stored yet, waiting to be read again:\n  ${waits}\n    2 attempt(s) since 2026-12-06 04:30:00 UTC; read again by the next \`strata ingest\` on this store; last: STRATA_STORE_NO_SPACE: ${store}/store.duckdb: the disk holding`);
    // the next ingest there reads it first and stores it: nothing waits any more
    const next = await cli('ingest', join(ds.outDir, 'f1_backinzo.csv'), '--store', store);
    expect(next.out).toMatch(/read again first, left by an earlier run/);
    expect(next.out).toMatch(/waits\.csv: FORMAT_3_TRADING_VIEW_CSV/);
    expect((await cli('files', 'list', '--store', store)).out).not.toMatch(/waiting to be read again/);
    expect((await cli('files', 'remove', 'waits.csv', '--store', store)).code).toBe(0);
    const removed = await cli('files', 'remove', 'f3_tv_gen2.csv', '--store', store);
    expect(removed.code).toBe(0);
    expect(removed.out).toMatch(/^1 file\(s\) removed · store /m);
    const json = JSON.parse((await cli('files', 'list', '--json', '--store', store)).out) as { file: string }[];
    expect(json.map((f) => f.file.split('/').at(-1))).toEqual(['f1_backinzo.csv']);
    // and a replacement in this process
    const corrected = await generateDataset({ outDir: join(h.dir, 'corrected-store'), strategies: 3, days: 40, seed: 13 });
    const replaced = await cli('ingest', join(corrected.outDir, 'f1_backinzo.csv'), '--replace', 'f1_backinzo.csv', '--store', store);
    expect(replaced.code).toBe(0);
    expect(replaced.out).toMatch(/replaced f1_backinzo\.csv \([0-9a-f]{12}\), its rows removed/);
    expect((JSON.parse((await cli('files', 'list', '--json', '--store', store)).out) as unknown[])).toHaveLength(1);
    // a job over that file's strategies, in this process
    const opt = await runCli([registerOptimize], ['optimize', '--store', store, '--files', 'f1_backinzo.csv', '--k', '1', '--evaluations', '50', '--algorithm', 'random-search', '--walk-forward', '0', '--bootstrap', '0', '--threads', '1', '--json']);
    expect(opt.code).toBe(0);
    expect((JSON.parse(opt.out) as { result: { nStrategies: number } }).result.nStrategies).toBe(1);
  });
});
