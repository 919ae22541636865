// The ingest sink over a store cluster: the journal lives in the replicated kv, rows go through the
// load-balancer, commit makes a hash a no-op, abort removes every claimed strategy from every replica.
import { describe, expect, it } from 'vitest';
import { createStoreClusterSink, PARTITIONS_MARKER } from '../../../actors/store/index.ts';
import type { JournalRecord } from '../../../actors/ingest/index.ts';
import type { CanonicalBatch } from '../../../engine/formats/index.ts';
import { resultColumn } from '../../../engine/store/index.ts';
import { pnlBatch, startCluster } from './cluster-harness.ts';

const record = (hash: string): JournalRecord => ({
  contentHash: hash, state: 'writing', file: `/in/${hash}.csv`, origin: 'request', options: {}, strategyIds: [], startedAt: 1, committedAt: null, format: null, rows: null,
});

const daily = (ids: string[]): CanonicalBatch => {
  const b = pnlBatch(ids, 5);
  return { table: 'daily_pnl', rowCount: b.rowCount, columns: b.columns as CanonicalBatch['columns'] };
};

describe('store cluster ingest sink', () => {
  it('journals, writes through the load-balancer, commits and aborts', async () => {
    const h = await startCluster({ nodes: 3, placement: 'inline' });
    try {
      const sink = createStoreClusterSink(h.cluster);
      const count = async (): Promise<number> => {
        const r = await h.cluster.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
        return (resultColumn(r, 'n').values as Float64Array).reduce((a, b) => a + b, 0);
      };
      await sink.begin(record('h1'));
      await sink.claim('h1', ['a', 'b']);
      await sink.append('daily_pnl', daily(['a', 'b']));
      await sink.append('strategies', {
        table: 'strategies', rowCount: 2,
        columns: { strategy_id: ['a', 'b'], strategy_name: ['Alpha "1"', 'Beta, 2'], source_format: ['tv', 'tv'], source_file: ['f', 'f'], strategy_type: ['TV', 'TV'], currency: ['INR', 'INR'] },
      });
      expect((await sink.unfinished()).map((r) => r.contentHash)).toEqual(['h1']);
      const done = await sink.commit('h1', { format: 'FORMAT_3_TRADING_VIEW_CSV', rows: { strategies: 2, trades: 0, daily_pnl: 10 } });
      expect(done.state).toBe('committed');
      expect((await sink.committed('h1'))?.strategyIds).toEqual(['a', 'b']);
      expect(await sink.strategyNames()).toEqual(new Set(['Alpha "1"', 'Beta, 2']));
      expect(await count()).toBe(10);

      await sink.begin(record('h2'));
      await sink.claim('h2', ['c']);
      await sink.append('daily_pnl', daily(['c']));
      expect(await count()).toBe(15);
      await sink.abort('h2');
      expect(await count()).toBe(10);
      expect(await sink.committed('h2')).toBeNull();
      expect(await sink.unfinished()).toEqual([]);
    } finally {
      await h.close();
    }
  });

  for (const placement of ['inline', 'thread'] as const) {
    it(`frees an appended batch's buffers once every replica acknowledged it, after its rows are stored (nodes ${placement})`, async () => {
      const h = await startCluster({ nodes: 3, placement });
      try {
        const sink = createStoreClusterSink(h.cluster);
        await sink.begin(record('h3'));
        await sink.claim('h3', ['p', 'q', 'r']);
        const batch = daily(['p', 'q', 'r']);
        const pnl = batch.columns['pnl'] as Float64Array;
        const counts = batch.columns['n_trades'] as unknown as Int32Array;
        const expected = pnl.reduce((a, b) => a + b, 0);
        await sink.append('daily_pnl', batch, 'h3');
        // the sink owns the batch now (actors/ingest/sink.ts): its number columns are detached, not left to GC
        expect((pnl.buffer as ArrayBuffer).detached).toBe(true);
        expect((counts.buffer as ArrayBuffer).detached).toBe(true);
        await sink.commit('h3', { format: 'FORMAT_1_BACKINZO_CSV', rows: { strategies: 0, trades: 0, daily_pnl: 15 } });
        const r = await h.cluster.query(`SELECT COUNT(*) AS n, SUM(pnl) AS s FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
        expect((resultColumn(r, 'n').values as Float64Array).reduce((a, b) => a + b, 0)).toBe(15);
        expect((resultColumn(r, 's').values as Float64Array).reduce((a, b) => a + b, 0)).toBeCloseTo(expected, 6);
      } finally {
        await h.close();
      }
    });
  }
});
