// Losing a store node during a stream of reads and writes: its thread exits leaving calls unanswered (once no
// DuckDB call runs natively in it: worker.terminate() under one aborts the process, see docs/store.md), or its
// process is killed with SIGKILL. No read fails, no acknowledged write is lost, and the node comes back, catches up (per-partition
// checksums) and ends equal to its replicas.
import { describe, expect, it } from 'vitest';
import { PARTITIONS_MARKER, type StoreCluster } from '../../../actors/store/index.ts';
import { resultColumn } from '../../../engine/store/index.ts';
import { pnlBatch, replicaDifferences, startCluster, type ClusterHarness } from './cluster-harness.ts';

const DAYS = 20;

interface StreamResult { writes: number; failedWrites: string[]; reads: number; failedReads: string[]; written: string[] }

/** Writes one new strategy per step and reads back a random written one, until `stop()` resolves. */
async function stream(cluster: StoreCluster, stop: Promise<void>): Promise<StreamResult> {
  const r: StreamResult = { writes: 0, failedWrites: [], reads: 0, failedReads: [], written: [] };
  let done = false;
  void stop.then(() => { done = true; });
  const writer = (async () => {
    for (let i = 0; !done; i++) {
      const id = `w${i}`;
      try {
        await cluster.append('daily_pnl', pnlBatch([id], DAYS, i));
        r.written.push(id);
        r.writes++;
      } catch (e) {
        r.failedWrites.push(`${id}: ${(e as Error).message}`);
      }
    }
  })();
  const reader = (async () => {
    let k = 0;
    while (!done) {
      if (r.written.length === 0) { await new Promise((x) => setTimeout(x, 5)); continue; }
      const id = r.written[(k++ * 7919) % r.written.length]!;
      try {
        const q = await cluster.query('SELECT COUNT(*) AS n FROM daily_pnl WHERE strategy_id = ?', [id], { strategyIds: [id] });
        const n = (resultColumn(q, 'n').values as Float64Array)[0];
        if (n !== DAYS) r.failedReads.push(`${id}: ${n} rows`);
        r.reads++;
      } catch (e) {
        r.failedReads.push(`${id}: ${(e as Error).message}`);
      }
    }
  })();
  await Promise.all([writer, reader]);
  return r;
}

async function killDuringStream(h: ClusterHarness, kill: () => Promise<void> | void): Promise<void> {
  const { cluster } = h;
  await cluster.append('daily_pnl', pnlBatch(Array.from({ length: 40 }, (_, i) => `pre${i}`), DAYS));
  let release!: () => void;
  const stop = new Promise<void>((r) => { release = r; });
  const running = stream(cluster, stop);
  await new Promise((r) => setTimeout(r, 400));
  await kill();
  await h.waitFor((e) => e.type === 'store.node.down' && e.node === 'n2');
  // A delete while n2 is away: its stale rows must go when it catches up (checksums, not only appends).
  const removed = ['pre0', 'pre1', 'pre2', 'pre3', 'pre4', 'pre5'];
  await cluster.deleteStrategies(removed);
  await h.waitFor((e) => e.type === 'store.catchup.finished' && e.node === 'n2', 20_000);
  await new Promise((r) => setTimeout(r, 300)); // reads and writes go on with n2 serving again
  release();
  const result = await running;

  expect(result.failedReads).toEqual([]);
  expect(result.failedWrites).toEqual([]);
  expect(result.writes).toBeGreaterThan(5);
  expect(result.reads).toBeGreaterThan(5);
  const caught = h.events.find((e) => e.type === 'store.catchup.finished' && e.node === 'n2');
  expect(caught && caught.type === 'store.catchup.finished' ? caught.copiedPartitions : 0).toBeGreaterThan(0);

  // Every acknowledged write is there exactly once per logical row.
  const q = await cluster.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
  const total = (resultColumn(q, 'n').values as Float64Array).reduce((a, b) => a + b, 0);
  expect(total).toBe((40 - removed.length + result.writes) * DAYS);

  const status = await cluster.status();
  expect(status.nodes.every((n) => n.phase === 'serving')).toBe(true);
  const n2 = status.nodes.find((n) => n.name === 'n2')!;
  expect(n2.incarnation).toBe(2);
  // the other nodes went on as they were (on a shared thread too: only n2 was closed there)
  expect(status.nodes.filter((n) => n.name !== 'n2').map((n) => n.incarnation)).toEqual([1, 1]);
  const partitionsOf = new Map(status.nodes.map((n) => [n.name, n.partitions]));
  await h.cluster.close();
  // Replicas agree partition by partition (checksums of the files, read after the cluster closed).
  for (const other of ['n1', 'n3']) {
    const shared = partitionsOf.get('n2')!.filter((p) => partitionsOf.get(other)!.includes(p));
    expect(await replicaDifferences(`${h.dir}/n2.duckdb`, `${h.dir}/${other}.duckdb`, shared)).toEqual([]);
  }
}

describe('store node failover', () => {
  it('loses no read and no write when a node thread dies with calls unanswered, and the node catches up', async () => {
    const h = await startCluster({ nodes: 3, placement: 'thread' });
    try {
      await killDuringStream(h, () => h.cluster.killNode('n2'));
    } finally {
      await h.close();
    }
  });

  it('loses no read and no write when one node on the shared store thread is killed; the others there go on', async () => {
    const h = await startCluster({ nodes: 3, placement: 'shared-thread' });
    try {
      const before = (await h.cluster.status()).nodes;
      const threads = new Set(before.map((n) => n.threadId));
      expect(before.map((n) => n.hosting)).toEqual(['shared-thread', 'shared-thread', 'shared-thread']);
      expect(threads.size).toBe(1); // one thread for the three
      expect([...threads][0]).not.toBeNull();
      await killDuringStream(h, () => h.cluster.killNode('n2'));
    } finally {
      await h.close();
    }
  });

  it('loses no read and no write when a node process is killed with SIGKILL, and the node catches up', async () => {
    const h = await startCluster({ nodes: 3, placement: 'process' });
    try {
      await killDuringStream(h, async () => {
        const n2 = (await h.cluster.status()).nodes.find((n) => n.name === 'n2')!;
        expect(n2.hosting).toBe('process');
        expect(n2.pid).not.toBe(process.pid);
        process.kill(n2.pid!, 'SIGKILL');
      });
    } finally {
      await h.close();
    }
  });
});
