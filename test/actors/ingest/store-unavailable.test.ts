// A file the store cannot take for now (its disk full, no replica taking writes) is not lost: the ingest actor rolls
// it back, keeps it as pending (in memory and as a marker under ingest/pending/), reads it again after a backoff
// and at its next start, and stores it once the store takes writes: every row once. Real DuckDB files in a
// two-node store cluster, whose writes are refused as a full disk refuses them.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  foldersUnder, ingestBehaviour,
  type FileOutcome, type IngestCommand, type IngestEvent, type IngestStatus,
} from '../../../actors/ingest/index.ts';
import { createStoreCluster, createStoreClusterSink, type StoreCluster } from '../../../actors/store/index.ts';
import { writeLargeBackinzoCsv } from '../../../engine/formats/index.ts';
import { openDuckDbNode, resultRows } from '../../../engine/store/index.ts';
import { createSystem, type ActorRef, type ActorSystem } from '../../../runtime/index.ts';
import { faultyNode, fullDiskNode, tempDir, type DiskFull } from '../store/cluster-harness.ts';
import { ingestEvents, requestFiles } from './ingest-harness.ts';

type Full = DiskFull;

interface Run {
  readonly system: ActorSystem;
  readonly cluster: StoreCluster;
  readonly ingest: ActorRef<IngestCommand>;
  readonly events: IngestEvent[];
  request(paths: readonly string[]): Promise<FileOutcome[]>;
  status(): Promise<IngestStatus>;
  waitFor(pred: (e: IngestEvent) => boolean, timeoutMs: number): Promise<IngestEvent>;
  close(): Promise<void>;
}

/** A store cluster over n1/n2 in `dir` and the ingest actor over it, folders under dir/ingest. With `down`, the
 *  nodes answer nothing while `down.on` (set after the cluster is ready, before the ingest actor starts). */
async function start(dir: string, full: Full, scanIntervalMs = 0, down?: { on: boolean; fromStart: boolean }): Promise<Run> {
  const system = createSystem({ name: 'ingest-store-unavailable', codecCheck: true, logger: pino({ level: 'silent' }) });
  const node = (name: string) => {
    const open = fullDiskNode(join(dir, `${name}.duckdb`), full);
    return { name, kind: 'custom' as const, open: down ? faultyNode(open, down) : open };
  };
  const cluster = createStoreCluster({ system, dir, healthIntervalMs: 100, replicationFactor: 2, placement: 'inline', nodes: [node('n1'), node('n2')] });
  await cluster.ready;
  if (down?.fromStart) down.on = true;
  const ingest = system.spawn(ingestBehaviour({ sink: createStoreClusterSink(cluster), folders: foldersUnder(join(dir, 'ingest')), scanIntervalMs, progressIntervalMs: 0, batchRows: 2_000 }), { name: 'ingest' });
  const log = ingestEvents(system, ingest);
  const status = (): Promise<IngestStatus> => system.ask<IngestCommand, IngestStatus>(ingest, (replyTo) => ({ type: 'ingest.status', replyTo }), { timeoutMs: 30_000 });
  await status(); // started (recovery done)
  return {
    system, cluster, ingest, events: log.events, status,
    request: (paths) => requestFiles(system, ingest, paths),
    waitFor: (pred, timeoutMs) => log.waitFor(pred, timeoutMs),
    async close() {
      system.stop(ingest);
      await cluster.close();
      await system.terminate();
    },
  };
}

const committedEvent = (file: string) => (e: IngestEvent): boolean => e.type === 'ingest.file.finished' && e.outcome.file === file && e.outcome.status === 'committed';

/** Trade rows and their P&L total per table, read from one replica after the cluster settled. */
async function stored(cluster: StoreCluster): Promise<{ trades: number; pnl: number; strategies: number; writing: number }> {
  const one = async (sql: string): Promise<number> => Number(Object.values(resultRows(await cluster.query(sql, []))[0]!)[0] ?? 0);
  return {
    trades: await one('SELECT COUNT(*) AS n FROM trades'),
    pnl: await one('SELECT COALESCE(SUM(pnl), 0) AS s FROM daily_pnl'),
    strategies: await one('SELECT COUNT(*) AS n FROM strategies'),
    writing: (await cluster.kvList('ingest')).filter((e) => (JSON.parse(e.value) as { state: string }).state === 'writing').length,
  };
}

const markers = (dir: string): string[] => readdirSync(join(dir, 'ingest', 'pending')).filter((n) => n.endsWith('.json'));

/** The store holds `trades` rows with `pnl` in all, and no pending marker is left; the counts, for more checks. */
async function storedOnce(cluster: StoreCluster, dir: string, trades: number, pnl: number): Promise<Awaited<ReturnType<typeof stored>>> {
  const after = await stored(cluster);
  expect(after.trades).toBe(trades);
  expect(Math.round(after.pnl * 100)).toBe(Math.round(pnl * 100));
  expect(markers(dir)).toEqual([]);
  return after;
}

describe('a file the store cannot take for now', () => {
  it('is rolled back, kept for a retry and stored by itself once the store takes writes again, every row once', { timeout: 90_000 }, async () => {
    const dir = tempDir('strata-ingest-no-store-');
    // the disk fills up at the fourth append: the file fails half-way, with rows of it on both replicas
    const full: Full = { on: false, appends: 0, afterAppends: 4 };
    const run = await start(dir, full);
    try {
      const big = await writeLargeBackinzoCsv(join(dir, 'big.csv'), 20_000, 6);
      const [outcome] = await run.request([big.path]);
      expect(outcome).toMatchObject({ status: 'failed', file: big.path, retrying: true });
      const failed = outcome as Extract<FileOutcome, { status: 'failed' }>;
      expect(failed.code).toMatch(/^STRATA_(LB|STORE)_/);
      expect(failed.retryAt).toBeGreaterThan(Date.now() - 1_000);
      const waiting = await run.status();
      expect(waiting.retrying).toEqual([expect.objectContaining({ file: big.path, attempts: 1, code: failed.code })]);
      expect(markers(dir)).toHaveLength(1);

      // space is freed: the nodes catch up, the retry reads the file again and stores it
      full.on = false;
      full.afterAppends = null;
      await run.waitFor(committedEvent(big.path), 60_000);
      const after = await storedOnce(run.cluster, dir, 20_000, big.totalPnl); // the first attempt's rows were removed, not added to
      expect(after.strategies).toBe(1);
      expect(after.writing).toBe(0);
      expect((await run.status()).retrying).toEqual([]);
    } finally {
      await run.close();
    }
  });

  it('is read again at the next start when the process stopped while it waited, though its journal entry never landed', { timeout: 90_000 }, async () => {
    const dir = tempDir('strata-ingest-no-store-restart-');
    const full: Full = { on: false, appends: 0, afterAppends: null };
    const first = await start(dir, full);
    const big = await writeLargeBackinzoCsv(join(dir, 'waits.csv'), 10_000, 3);
    try {
      // the store takes no write at all, the journal's `writing` entry included: only the pending marker recalls the file
      full.on = true;
      const [outcome] = await first.request([big.path]);
      expect(outcome).toMatchObject({ status: 'failed', retrying: true });
      expect(markers(dir)).toHaveLength(1);
    } finally {
      await first.close();
    }
    for (const name of ['n1', 'n2']) {
      const node = await openDuckDbNode({ path: join(dir, `${name}.duckdb`) });
      try {
        const r = await node.query(`SELECT COUNT(*) AS n FROM kv WHERE ns = 'ingest'`, []);
        expect(Number(r.columns[0]!.values[0])).toBe(0);
      } finally { await node.close(); }
    }
    // the next start finds the disk freed
    full.on = false;
    full.afterAppends = null;
    const second = await start(dir, full);
    try {
      const recovered = await second.waitFor((e) => e.type === 'ingest.recovered', 10_000);
      expect(recovered).toMatchObject({ files: [big.path] });
      await second.waitFor(committedEvent(big.path), 60_000);
      expect((await storedOnce(second.cluster, dir, 10_000, big.totalPnl)).writing).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('waits in the inbox for its retry instead of being read at every look, then moves to processed/', { timeout: 90_000 }, async () => {
    const dir = tempDir('strata-ingest-no-store-inbox-');
    const full: Full = { on: true, appends: 0, afterAppends: null };
    const run = await start(dir, full, 100);
    try {
      const inboxFile = join(dir, 'ingest', 'inbox', 'dropped.csv');
      const big = await writeLargeBackinzoCsv(inboxFile, 3_000, 8);
      const first = await run.waitFor((e) => e.type === 'ingest.file.finished' && e.outcome.file === inboxFile && e.outcome.status === 'failed', 20_000);
      expect(first).toMatchObject({ origin: 'inbox', outcome: { retrying: true } });
      // 3.5 s of looks every 100 ms: read again after 1 s and then 2 s, not at each of some 35 looks
      await new Promise((r) => setTimeout(r, 3_500));
      const failures = run.events.filter((e) => e.type === 'ingest.file.finished' && e.outcome.file === inboxFile).length;
      expect(failures).toBeGreaterThanOrEqual(1);
      expect(failures).toBeLessThanOrEqual(3);
      expect((await run.status()).retrying).toEqual([expect.objectContaining({ file: inboxFile, attempts: failures })]);
      expect(existsSync(inboxFile)).toBe(true);
      full.on = false;
      const done = await run.waitFor(committedEvent(inboxFile), 60_000);
      expect(done.type === 'ingest.file.finished' && done.outcome.status === 'committed' && done.outcome.movedTo).toMatch(/processed/);
      expect(existsSync(inboxFile)).toBe(false);
      await storedOnce(run.cluster, dir, 3_000, big.totalPnl);
    } finally {
      await run.close();
    }
  });

  it('waits for a store whose journal cannot be read when the actor starts, instead of failing it, then reads the file', { timeout: 90_000 }, async () => {
    const dir = tempDir('strata-ingest-no-journal-');
    const full: Full = { on: true, appends: 0, afterAppends: null };
    const first = await start(dir, full);
    const waits = await writeLargeBackinzoCsv(join(dir, 'waits.csv'), 6_000, 3);
    try {
      const [outcome] = await first.request([waits.path]);
      expect(outcome).toMatchObject({ status: 'failed', retrying: true });
    } finally {
      await first.close();
    }
    full.on = false;
    // the next start finds every node answering nothing: the journal (and the pending file's state) cannot be read
    const down = { on: false, fromStart: true };
    const second = await start(dir, full, 0, down);
    try {
      const waiting = await second.status();
      expect(waiting.state).toBe('recovering');
      expect(waiting.recovery).toMatchObject({ attempts: expect.any(Number), code: expect.stringMatching(/^STRATA_(LB|NODE|STORE)_/) });
      expect(waiting.recovery!.nextAt).toBeGreaterThan(waiting.recovery!.firstFailedAt);
      // a file asked for meanwhile waits behind recovery: nothing is read while the journal is unreadable
      const later = await writeLargeBackinzoCsv(join(dir, 'later.csv'), 2_000, 2);
      const asked = second.request([later.path]);
      await new Promise((r) => setTimeout(r, 2_500));
      const still = await second.status();
      expect(still.state).toBe('recovering');
      expect(still.recovery!.attempts).toBeGreaterThanOrEqual(2); // tried again after 1 s, then 2 s
      expect(still.queued).toEqual([later.path]);
      expect(markers(dir)).toHaveLength(2); // the one asked for is written down too: a stop now would not forget it
      expect(second.events.filter((e) => e.type === 'ingest.recovery.waiting').length).toBeGreaterThanOrEqual(1);
      expect(second.events.filter((e) => e.type === 'ingest.recovered' || e.type === 'ingest.file.started')).toEqual([]);
      // the store answers again: recovery reads the waiting file first, then the one asked for
      down.on = false;
      await second.waitFor(committedEvent(waits.path), 60_000);
      const [laterOutcome] = await asked;
      expect(laterOutcome).toMatchObject({ status: 'committed', file: later.path });
      const started = second.events.filter((e) => e.type === 'ingest.file.started').map((e) => e.type === 'ingest.file.started' && e.file);
      expect(started).toEqual([waits.path, later.path]);
      // one recovery, by the actor that started (a restart would have recovered again)
      expect(second.events.filter((e) => e.type === 'ingest.recovered')).toEqual([{ type: 'ingest.recovered', files: [waits.path] }]);
      const done = await second.status();
      expect(done).toMatchObject({ state: 'idle', recovery: null, retrying: [] });
      expect((await storedOnce(second.cluster, dir, 8_000, waits.totalPnl + later.totalPnl)).writing).toBe(0);
    } finally {
      await second.close();
    }
  });
});
