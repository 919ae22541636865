// Grouped appends through the load-balancer (an ingest's rows, grouped by file): each replica keeps them in a
// shared transaction until the group's sync; the sync checks every replica still holds the rows it acknowledged.
// A replica whose thread died in between is caught up from another and the sync succeeds; when no replica of a
// partition holds the rows any more, the sync fails (the ingest then rolls the file back and reads it again).
import { describe, expect, it } from 'vitest';
import { PARTITIONS_MARKER } from '../../../actors/store/index.ts';
import { resultColumn } from '../../../engine/store/index.ts';
import { pnlBatch, replicaDifferences, startCluster, type ClusterHarness } from './cluster-harness.ts';

const DAYS = 10;

async function total(h: ClusterHarness): Promise<number> {
  const q = await h.cluster.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
  return (resultColumn(q, 'n').values as Float64Array).reduce((a, b) => a + b, 0);
}

async function restart(h: ClusterHarness, node: string): Promise<void> {
  const from = h.events.length;
  const up = h.waitFor((e) => e.type === 'store.node.up' && e.node === node && h.events.indexOf(e) >= from, 20_000);
  h.cluster.killNode(node);
  await up;
}

async function allServing(h: ClusterHarness, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await h.cluster.status();
    if (s.nodes.every((n) => n.phase === 'serving')) return;
    if (Date.now() > until) throw new Error(`nodes not serving: ${JSON.stringify(s.nodes.map((n) => [n.name, n.phase]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('grouped appends through the load-balancer', () => {
  it('syncs a group on every replica; a replica restarted before the sync is caught up and the sync succeeds', async () => {
    const h = await startCluster({ nodes: 3, placement: 'thread' });
    try {
      const ids = Array.from({ length: 30 }, (_, i) => `g${i}`);
      await h.cluster.append('daily_pnl', pnlBatch(ids, DAYS), { group: 'file-1' });
      // n2's thread dies with the group open: its copy of the rows is gone
      await restart(h, 'n2');
      await h.cluster.append('daily_pnl', pnlBatch(['late'], DAYS), { group: 'file-1' });
      await h.cluster.syncAppends('file-1');
      await allServing(h);
      expect(await total(h)).toBe(31 * DAYS);
      await h.cluster.syncAppends('file-1'); // nothing left to sync
      const status = await h.cluster.status();
      const partitionsOf = new Map(status.nodes.map((n) => [n.name, n.partitions]));
      await h.cluster.close();
      for (const other of ['n1', 'n3']) {
        const shared = partitionsOf.get('n2')!.filter((p) => partitionsOf.get(other)!.includes(p));
        expect(await replicaDifferences(`${h.dir}/n2.duckdb`, `${h.dir}/${other}.duckdb`, shared)).toEqual([]);
      }
    } finally {
      await h.close();
    }
  });

  it('fails the sync when no replica of a partition holds the rows any more', async () => {
    const h = await startCluster({ nodes: 2, replicationFactor: 2, placement: 'thread' });
    try {
      await h.cluster.append('daily_pnl', pnlBatch(['kept'], DAYS), { group: 'file-a' });
      await h.cluster.syncAppends('file-a');
      await h.cluster.append('daily_pnl', pnlBatch(['x1', 'x2', 'x3'], DAYS), { group: 'file-b' });
      // both replicas die with the group open
      await restart(h, 'n1');
      await restart(h, 'n2');
      await allServing(h);
      const failed = await h.cluster.syncAppends('file-b').then(() => null, (e: unknown) => e);
      expect(failed).toMatchObject({ code: 'STRATA_LB_WRITE_UNACKNOWLEDGED', retryable: true });
      expect((failed as Error).message).toMatch(/holds 0 of the 30 rows it acknowledged/);
      await allServing(h);
      expect(await total(h)).toBe(DAYS); // the synced group is durable, the lost one is gone everywhere
    } finally {
      await h.close();
    }
  });
});
