// Each embedded node's DuckDB memory, read by its node-proxy's health check (DUCKDB_MEMORY_SQL) and shown in the
// cluster status, with the JS memory of the thread hosting it, and each table's rows per node (counted every tenth
// check): an operator sees which node holds how much. Real DuckDB files on worker threads and in-line.
import { describe, expect, it } from 'vitest';
import { untilValue } from '../../support/poll.ts';
import { pnlBatch, startCluster } from './cluster-harness.ts';

describe('store node memory', () => {
  it('reports DuckDB\'s own memory per node once its health check ran, and more while a group holds rows', async () => {
    const h = await startCluster({ nodes: 2, replicationFactor: 2, placement: 'thread' });
    try {
      const memory = async () => (await h.cluster.status()).nodes.map((n) => n.memoryBytes);
      const until = (ok: (m: (number | null)[]) => boolean, what: string) => untilValue(memory, ok, what, 10_000, 50);
      const idle = await until((m) => m.every((v) => typeof v === 'number'), 'every node checked');
      // 200 strategies × 250 days in an open group: its rows sit in each replica's transaction, in DuckDB's memory
      await h.cluster.append('daily_pnl', pnlBatch(Array.from({ length: 200 }, (_, i) => `m${i}`), 250), { group: 'file-m' });
      const busy = await until((m) => m.every((v, i) => v! > idle[i]!), 'memory grew on both replicas');
      expect(busy.every((v) => v! > 0)).toBe(true);
      // the JS memory of each node's own thread: a V8 heap of megabytes and what its objects hold outside it
      for (const n of (await h.cluster.status()).nodes) {
        expect(n.hostMemory!.heapBytes).toBeGreaterThan(1 << 20);
        expect(n.hostMemory!.externalBytes).toBeGreaterThan(0);
      }
      await h.cluster.syncAppends('file-m');
    } finally {
      await h.close();
    }
  });

  it('counts each table\'s rows per node every tenth health check: every row twice over three nodes at RF 2', async () => {
    const h = await startCluster({ nodes: 3, replicationFactor: 2, placement: 'inline' });
    try {
      const counts = async () => (await h.cluster.status()).nodes.map((n) => n.rowCounts);
      const until = (ok: (c: Awaited<ReturnType<typeof counts>>) => boolean, what: string) => untilValue(counts, ok, what, 15_000, 50);
      const first = await until((c) => c.every((r) => r !== null), 'every node counted');
      // kv: the placement record the load-balancer stores at a first start, counted once it is there
      for (const r of first) expect(r).toMatchObject({ strategies: 0, trades: 0, daily_pnl: 0, kv: expect.toBeOneOf([0, 1]) });
      const ids = Array.from({ length: 40 }, (_, i) => `rc${i}`);
      await h.cluster.append('daily_pnl', pnlBatch(ids, 30));
      // 1,200 rows, each on two of the three nodes; the health interval is 100 ms here, so a count every second
      const after = await until((c) => c.reduce((sum, r) => sum + (r?.['daily_pnl'] ?? 0), 0) === 2 * 40 * 30, 'both replicas counted');
      expect(after.every((r) => r!['daily_pnl']! > 0 && r!['daily_pnl']! < 40 * 30)).toBe(true);
      expect(after.every((r) => r!['trades'] === 0)).toBe(true);
    } finally {
      await h.close();
    }
  });
});
