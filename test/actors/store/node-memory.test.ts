// Each embedded node's DuckDB memory, read by its node-proxy's health check (DUCKDB_MEMORY_SQL) and shown in the
// cluster status, with the JS memory of the thread hosting it: an operator sees which node holds how much. Real
// DuckDB files on worker threads.
import { describe, expect, it } from 'vitest';
import { pnlBatch, startCluster } from './cluster-harness.ts';

describe('store node memory', () => {
  it('reports DuckDB\'s own memory per node once its health check ran, and more while a group holds rows', async () => {
    const h = await startCluster({ nodes: 2, replicationFactor: 2, placement: 'thread' });
    try {
      const memory = async () => (await h.cluster.status()).nodes.map((n) => n.memoryBytes);
      const until = async (ok: (m: (number | null)[]) => boolean, what: string) => {
        const end = Date.now() + 10_000;
        for (;;) {
          const m = await memory();
          if (ok(m)) return m;
          if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(m)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
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
});
