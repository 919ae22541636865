// Adding a node: it receives exactly its share of partitions, copied from live replicas while reads and
// writes go on; moved copies are dropped from the nodes that gave them up; replicas agree by checksum.
import { describe, expect, it } from 'vitest';
import { PARTITIONS_MARKER } from '../../../actors/store/index.ts';
import { resultColumn } from '../../../engine/store/index.ts';
import { pnlBatch, replicaDifferences, startCluster } from './cluster-harness.ts';

describe('rebalance on addNode', () => {
  it('moves partitions to a new node without failing a read or a write', async () => {
    const h = await startCluster({ nodes: 3, replicationFactor: 2 });
    try {
      const { cluster } = h;
      await cluster.append('daily_pnl', pnlBatch(Array.from({ length: 60 }, (_, i) => `r${i}`), 15));
      await cluster.kvPut('jobs', [{ key: 'k', value: 'v' }]);
      let done = false;
      const failures: string[] = [];
      const written: string[] = [];
      const writer = (async () => {
        for (let i = 0; !done; i++) {
          try { await cluster.append('daily_pnl', pnlBatch([`x${i}`], 15, i)); written.push(`x${i}`); } catch (e) { failures.push((e as Error).message); }
        }
      })();
      let reads = 0;
      const reader = (async () => {
        for (let i = 0; !done; i++) {
          const id = `r${i % 60}`;
          try {
            const r = await cluster.query('SELECT COUNT(*) AS n FROM daily_pnl WHERE strategy_id = ?', [id], { strategyIds: [id] });
            if ((resultColumn(r, 'n').values as Float64Array)[0] !== 15) failures.push(`${id}: wrong count`);
            reads++;
          } catch (e) { failures.push((e as Error).message); }
        }
      })();
      const name = await cluster.addNode();
      done = true;
      await Promise.all([writer, reader]);
      expect(name).toBe('n4');
      expect(failures).toEqual([]);
      expect(reads).toBeGreaterThan(0);
      const finished = await h.waitFor((e) => e.type === 'store.rebalance.finished');
      expect(finished.type === 'store.rebalance.finished' && finished.moves).toBe(32);

      const s = await cluster.status();
      expect(s.nodes.map((n) => n.partitions.length)).toEqual([32, 32, 32, 32]);
      expect(s.nodes.every((n) => n.phase === 'serving')).toBe(true);
      const q = await cluster.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
      expect((resultColumn(q, 'n').values as Float64Array).reduce((a, b) => a + b, 0)).toBe((60 + written.length) * 15);
      expect((await cluster.kvGet('jobs', 'k'))?.value).toBe('v');
      // Each node holds rows of its own partitions only (moved copies were dropped).
      for (const n of s.nodes) {
        const r = await cluster.query(`SELECT DISTINCT partition_id FROM daily_pnl WHERE ${PARTITIONS_MARKER}`, [], { partitions: n.partitions });
        expect(r.rowCount).toBeGreaterThan(0);
      }
      const held = new Map(s.nodes.map((n) => [n.name, n.partitions]));
      await cluster.close();
      for (const other of ['n1', 'n2', 'n3']) {
        const shared = held.get('n4')!.filter((p) => held.get(other)!.includes(p));
        expect(await replicaDifferences(`${h.dir}/n4.duckdb`, `${h.dir}/${other}.duckdb`, shared)).toEqual([]);
      }
      // A node that gave a partition up no longer stores it.
      const { openDuckDbNode } = await import('../../../engine/store/index.ts');
      for (const [node, parts] of held) {
        const db = await openDuckDbNode({ path: `${h.dir}/${node}.duckdb` });
        const r = await db.query('SELECT DISTINCT partition_id FROM daily_pnl');
        const stored = Array.from(resultColumn(r, 'partition_id').values as Int32Array).sort((a, b) => a - b);
        await db.close();
        expect(stored.every((p) => parts.includes(p)), `${node} stores only its partitions`).toBe(true);
      }
    } finally {
      await h.close();
    }
  });
});
