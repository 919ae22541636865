// A daemon whose store is two HeavyDB servers (the Thrift stand-in of test/support, a DuckDB file behind each) rides
// out both servers going away: an upload sent meanwhile fails and is kept (waiting for the store), and once the
// servers are back on their ports, with their files and none of the daemon's sessions, the daemon stores it by itself,
// every row once, beside the file stored before the outage. Real sockets, real Thrift, the daemon in-process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { startHarness, uploadFile, uploadState, type Harness } from '../api/daemon-harness.ts';
import { startHeavyDbStandIn, type HeavyDbStandIn } from '../support/heavydb-server/heavydb-stand-in.ts';
import { untilValue } from '../support/poll.ts';

const PASSWORD = 'heavydb-outage-password-0123';

/** Replication factor 2 over two servers: each server's file holds every row, once (read after everything closed). */
async function everyRowOnce(files: readonly string[], trades: number, pnl?: number): Promise<void> {
  for (const f of files) {
    const got = await storedIn(f);
    expect(got.trades).toBe(trades);
    if (pnl !== undefined) expect(Math.round(got.pnl * 100)).toBe(Math.round(pnl * 100));
  }
}

/** Trade rows and their P&L in a stand-in's DuckDB file, read after everything closed. */
async function storedIn(file: string): Promise<{ trades: number; pnl: number }> {
  const instance = await DuckDBInstance.create(file);
  const con = await instance.connect();
  try {
    const trades = Number((await con.runAndReadAll('SELECT COUNT(*) FROM trades')).getRows()[0]![0]);
    const pnl = Number((await con.runAndReadAll('SELECT COALESCE(SUM(pnl), 0) FROM daily_pnl')).getRows()[0]![0]);
    return { trades, pnl };
  } finally {
    con.disconnectSync();
    instance.closeSync();
  }
}

describe('a daemon whose HeavyDB servers all go away for a while', () => {
  let dir = '';
  const servers: HeavyDbStandIn[] = [];
  let h: Harness | null = null;
  const serve = (file: string, port?: number): Promise<HeavyDbStandIn> =>
    startHeavyDbStandIn({ user: 'strata', password: PASSWORD, database: 'heavyai', path: file, ...(port ? { port } : {}) });
  /** Stops the daemon, then the servers (their files stay for reading). */
  const stopAll = async (): Promise<void> => {
    await h?.close();
    h = null;
    for (const s of servers.splice(0)) await s.close();
  };
  /** Two servers on DuckDB files of a new folder, and a daemon over them (RF 2); what an earlier case left is removed. */
  const fresh = async (settings: Record<string, unknown> = {}): Promise<{ files: string[]; ports: number[] }> => {
    await stopAll();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'strata-heavydb-outage-'));
    const files = [join(dir, 'h1.duckdb'), join(dir, 'h2.duckdb')];
    for (const f of files) servers.push(await serve(f));
    const ports = servers.map((s) => s.port);
    h = await startHarness({
      'store.mode': 'cluster', 'store.nodes': 0, 'store.replicationFactor': 2, 'store.healthIntervalMs': 200,
      'store.heavydb': ports.map((port, i) => ({ name: `heavy${i + 1}`, url: `heavydb://strata@127.0.0.1:${port}/heavyai`, password: PASSWORD })),
      ...settings,
    });
    return { files, ports };
  };
  afterAll(async () => {
    await stopAll().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps an upload sent meanwhile and stores it, every row once, when they are back', { timeout: 120_000 }, async () => {
    const { files, ports } = await fresh();
    if (!h) throw new Error('no daemon');
    const before = await writeLargeBackinzoCsv(join(dir, 'before.csv'), 4_000, 3);
    const during = await writeLargeBackinzoCsv(join(dir, 'during.csv'), 3_000, 2);
    const first = await uploadFile(h, 'before.csv', before.path);
    expect((await uploadState(h, first, (s) => s !== 'stored' && s !== 'queued' && s !== 'processing', 60_000, 'the first upload')).state).toBe('committed');

    // both servers go away
    for (const s of servers.splice(0)) await s.close();
    const second = await uploadFile(h, 'during.csv', during.path);
    const failed = await uploadState(h, second, (s) => s === 'failed' || s === 'committed', 60_000, 'the upload sent while the store is away');
    expect(failed.state).toBe('failed');
    expect(failed.outcome).toMatchObject({ status: 'failed', retrying: true, code: expect.stringMatching(/^STRATA_(LB|NODE|STORE)_/) });
    const status = await h.request('GET', '/api/v1/consolidator/status');
    expect(status.body.retrying).toEqual([expect.objectContaining({ file: expect.stringContaining(second) })]);

    // the servers come back on their ports with their files: the daemon's sessions there are gone
    for (let i = 0; i < files.length; i++) servers.push(await serve(files[i]!, ports[i]));
    const stored = await uploadState(h, second, (s) => s === 'committed', 90_000, 'the waiting upload stored once the servers are back');
    expect(stored.outcome).toMatchObject({ status: 'committed' });
    expect((await h.request('GET', '/api/v1/consolidator/status')).body.retrying).toEqual([]);

    await stopAll();
    await everyRowOnce(files, 7_000, before.totalPnl + during.totalPnl);
  });

  it('rolls back a file being written when they go away and stores it once when they are back', { timeout: 120_000 }, async () => {
    const { files, ports } = await fresh();
    if (!h) throw new Error('no daemon');
    // 32,000 trades: four 8,192-row loads to each server
    const big = await writeLargeBackinzoCsv(join(dir, 'big.csv'), 32_000, 6);
    const loads = (): number => servers[0]!.calls.get('load:trades') ?? 0;
    const loadsBefore = loads();
    const id = await uploadFile(h, 'big.csv', big.path);
    await untilValue(async () => loads(), (n) => n >= loadsBefore + 2, 'two loads of the big file\'s trades done on the first server', 60_000, 2);
    // both servers go away with part of the file written to them
    const stand = servers.splice(0);
    await Promise.all(stand.map((s) => s.close()));
    const partial = await storedIn(files[0]!);
    expect(partial.trades).toBeGreaterThan(0);
    expect(partial.trades).toBeLessThan(32_000);
    const failed = await uploadState(h, id, (s) => s === 'failed' || s === 'committed', 60_000, 'the upload cut short by the outage');
    expect(failed.outcome).toMatchObject({ status: 'failed', retrying: true });

    for (let i = 0; i < files.length; i++) servers.push(await serve(files[i]!, ports[i]));
    const stored = await uploadState(h, id, (s) => s === 'committed', 90_000, 'the cut-short upload stored once the servers are back');
    expect(stored.outcome).toMatchObject({ status: 'committed' });
    // the attempts after the outage did not trip over what the cut-short one left counted on the servers' nodes
    // (before groupOf, the first attempt after it failed: "heavy1 holds 76535 of the … rows it acknowledged")
    const failures = h.daemon.hub.recentErrors().filter((e) => e.source === 'ingest big.csv');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.filter((e) => /rows it acknowledged/.test(e.message))).toEqual([]);
    await stopAll();
    await everyRowOnce(files, 32_000, big.totalPnl); // what the first attempt wrote was removed, not added to
  });

  it('goes on with one server when the other goes away mid-file, and catches that one up when it is back', { timeout: 120_000 }, async () => {
    const { files, ports } = await fresh();
    if (!h) throw new Error('no daemon');
    const big = await writeLargeBackinzoCsv(join(dir, 'big.csv'), 32_000, 6);
    const loads = (): number => servers[1]!.calls.get('load:trades') ?? 0;
    const id = await uploadFile(h, 'big.csv', big.path);
    await untilValue(async () => loads(), (n) => n >= 2, 'two loads of the big file\'s trades done on the second server', 60_000, 2);
    const gone = servers.splice(1, 1)[0]!;
    await gone.close();
    // the first server takes the whole file: stored on the first attempt
    const done = await uploadState(h, id, (s) => s === 'failed' || s === 'committed', 60_000, 'the upload with one server gone');
    expect(done.outcome).toMatchObject({ status: 'committed' });
    // the second server comes back behind: it is caught up from the first
    servers.push(await serve(files[1]!, ports[1]));
    await untilValue(() => h!.request('GET', '/api/v1/store/cluster'), (r) => r.status === 200 && (r.body.nodes as { name: string; state: string }[]).every((n) => n.state === 'up'), 'both servers serving again', 60_000, 100);
    const second = await writeLargeBackinzoCsv(join(dir, 'after.csv'), 2_000, 2);
    const after = await uploadFile(h, 'after.csv', second.path);
    expect((await uploadState(h, after, (s) => s === 'failed' || s === 'committed', 60_000, 'an upload after the server is back')).state).toBe('committed');
    await stopAll();
    await everyRowOnce(files, 34_000, big.totalPnl + second.totalPnl);
  });

  it('keeps a job that loads its matrix while they are away waiting, outside its failure budget, and completes it when they are back', { timeout: 120_000 }, async () => {
    const { files, ports } = await fresh({ 'jobs.mode': 'scheduler' });
    if (!h) throw new Error('no daemon');
    // four files, one strategy each: a universe for portfolios of 2 to 3
    for (const name of ['a', 'b', 'c', 'd']) {
      const csv = await writeLargeBackinzoCsv(join(dir, `${name}.csv`), 1_500, name.charCodeAt(0));
      const up = await uploadFile(h, `${name}.csv`, csv.path);
      expect((await uploadState(h, up, (s) => s === 'failed' || s === 'committed', 60_000, `${name}.csv stored`)).state).toBe('committed');
    }
    for (const s of servers.splice(0)) await s.close();
    const submitted = await h.request('POST', '/api/v1/optimizer/jobs', { body: {
      dateRange: { from: '2000-01-01', to: '2100-01-01' }, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 3 },
      algorithm: { id: 'nsga2' }, budget: { evaluations: 2_000 }, seed: 7,
    } });
    expect(submitted.status).toBe(202);
    const job = (): Promise<{ status: number; body: any }> => h!.request('GET', `/api/v1/optimizer/jobs/${submitted.body.id}`);
    // four failed loads: with the failure budget (3) that was the end of the job, STRATA_JOB_FAILURE_BUDGET
    const waiting = await untilValue(job, (r) => r.body.state === 'failed' || (r.body.run?.storeWaits ?? 0) >= 4, 'the job waiting for the store', 60_000, 50);
    expect(waiting.body.state).toBe('backingOff');
    expect(waiting.body.run).toMatchObject({ failures: 0, storeWaits: expect.any(Number) });
    expect(waiting.body.error.code).toBe('STRATA_JOB_MATRIX_LOAD_FAILED');
    for (let i = 0; i < files.length; i++) servers.push(await serve(files[i]!, ports[i]));
    const done = await untilValue(job, (r) => r.body.state === 'completed' || r.body.state === 'failed', 'the job finished once the servers are back', 60_000, 100);
    if (done.body.state !== 'completed') console.error(JSON.stringify(done.body.error));
    expect(done.body.state).toBe('completed');
    expect(done.body.run.failures).toBe(0);
  });

  it('starts while they are away, once they are back, and stores what the last run left waiting', { timeout: 120_000 }, async () => {
    const { files, ports } = await fresh();
    if (!h) throw new Error('no daemon');
    const before = await writeLargeBackinzoCsv(join(dir, 'before.csv'), 1_000, 9);
    const first = await uploadFile(h, 'before.csv', before.path);
    expect((await uploadState(h, first, (s) => s === 'failed' || s === 'committed', 60_000, 'a file stored first')).state).toBe('committed');
    for (const s of servers.splice(0)) await s.close();
    const waits = await writeLargeBackinzoCsv(join(dir, 'waits.csv'), 2_500, 4);
    const id = await uploadFile(h, 'waits.csv', waits.path);
    expect((await uploadState(h, id, (s) => s === 'failed' || s === 'committed', 60_000, 'the upload while the store is away')).outcome).toMatchObject({ retrying: true });
    // the daemon stops while the file waits, and starts again before the servers are back
    const dataDir = join(h.dir, 'data');
    await h.daemon.stop('restart');
    const starting = startHarness({
      dataDir, 'store.mode': 'cluster', 'store.nodes': 0, 'store.replicationFactor': 2, 'store.healthIntervalMs': 200,
      'store.heavydb': ports.map((port, i) => ({ name: `heavy${i + 1}`, url: `heavydb://strata@127.0.0.1:${port}/heavyai`, password: PASSWORD })),
    });
    await new Promise((r) => setTimeout(r, 3_000));
    for (let i = 0; i < files.length; i++) servers.push(await serve(files[i]!, ports[i]));
    h = await starting;
    const done = await untilValue(() => h!.request('GET', '/api/v1/consolidator/status'), (r) => r.status === 200 && r.body.counts.committed >= 1, 'the waiting file stored after the restart', 60_000, 100);
    expect(done.body.retrying).toEqual([]);
    await stopAll();
    await everyRowOnce(files, 3_500);
  });
});
