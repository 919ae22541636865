// A store cluster over two DuckDB nodes (worker threads) and one HeavyDB node (the Thrift stand-in on
// 127.0.0.1): the same rows on both engines, a HeavyDB node that stops answering opens its breaker while
// reads and writes go on, and catches up from DuckDB replicas once it answers again (checksums computed in
// JavaScript agree across engines).
import { describe, expect, it } from 'vitest';
import { PARTITIONS_MARKER } from '../../../actors/store/index.ts';
import { openHeavyDbNode, PARTITIONED_TABLES, partitionsToCopy, resultColumn, resultRows, openDuckDbNode } from '../../../engine/store/index.ts';
import { startHeavyDbStandIn } from '../../support/heavydb-server/heavydb-stand-in.ts';
import { pnlBatch, startCluster } from './cluster-harness.ts';

describe('store cluster over DuckDB and HeavyDB nodes', () => {
  it('replicates across engines, routes around a stalled HeavyDB node and catches it up', async () => {
    const standIn = await startHeavyDbStandIn();
    const h = await startCluster({
      nodes: [{ name: 'd1', kind: 'duckdb' }, { name: 'd2', kind: 'duckdb' }, { name: 'h1', kind: 'heavydb', url: standIn.url }],
      timeoutMs: 400,
      healthIntervalMs: 50,
      breaker: { failureThreshold: 2, openMs: 200 },
    });
    try {
      const { cluster } = h;
      const s0 = await cluster.status();
      expect(s0.nodes.find((n) => n.name === 'h1')).toMatchObject({ kind: 'heavydb', hosting: 'inline', phase: 'serving' });
      const ids = Array.from({ length: 24 }, (_, i) => `m${i}`);
      await cluster.append('daily_pnl', pnlBatch(ids, 12));
      const hostile = "O'Brien \"quoted\", 🚀 ; DROP TABLE strategies; --";
      await cluster.append('strategies', { rowCount: 1, columns: { strategy_id: ['hx'], strategy_name: [hostile], source_format: ['tv'], source_file: ['f'], strategy_type: ['TV'], currency: ['INR'] } });
      const m = await cluster.pnlMatrix(ids);
      expect(m.days).toHaveLength(12);
      expect(Array.from(m.values).every(Number.isFinite)).toBe(true);

      standIn.stall('sql_execute');
      await h.waitFor((e) => e.type === 'store.breaker.changed' && e.node === 'h1' && e.to === 'open', 10_000);
      await cluster.append('daily_pnl', pnlBatch(['late-a', 'late-b', 'late-c'], 12, 3));
      await cluster.deleteStrategies(['m0']);
      for (const id of ['late-a', 'late-b', 'late-c', 'hx']) {
        const r = await cluster.query('SELECT COUNT(*) AS n FROM daily_pnl WHERE strategy_id = ?', [id], { strategyIds: [id] });
        expect((resultColumn(r, 'n').values as Float64Array)[0]).toBe(id === 'hx' ? 0 : 12);
      }
      const r = await cluster.query('SELECT strategy_name FROM strategies WHERE strategy_id = ?', ['hx'], { strategyIds: ['hx'] });
      expect(resultRows(r)).toEqual([{ strategy_name: hostile }]);
      standIn.stall(null);
      await h.waitFor((e) => e.type === 'store.catchup.finished' && e.node === 'h1', 15_000);
      const s1 = await cluster.status();
      expect(s1.nodes.every((n) => n.phase === 'serving' && n.breaker === 'closed')).toBe(true);
      const q = await cluster.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
      expect((resultColumn(q, 'n').values as Float64Array).reduce((a, b) => a + b, 0)).toBe((24 - 1 + 3) * 12);
      const held = new Map(s1.nodes.map((n) => [n.name, n.partitions]));
      await cluster.close();
      // h1 and each DuckDB replica agree on every partition they share.
      const heavy = await openHeavyDbNode({ url: standIn.url });
      try {
        for (const d of ['d1', 'd2']) {
          const duck = await openDuckDbNode({ path: `${h.dir}/${d}.duckdb` });
          const shared = held.get('h1')!.filter((p) => held.get(d)!.includes(p));
          for (const table of PARTITIONED_TABLES) {
            expect(partitionsToCopy(await duck.partitionChecksums(table, shared), await heavy.partitionChecksums(table, shared)), `${d} vs h1, ${table}`).toEqual([]);
          }
          await duck.close();
        }
      } finally {
        await heavy.close();
      }
    } finally {
      await h.close();
      await standIn.close();
    }
  });
});
