// The ingest sink over one store node frees each batch it appended (the batch is the sink's, actors/ingest/sink.ts)
// only after the node acknowledged it, and the rows it stored are the batch's. A real DuckDB file, in-line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreNodeSink, type JournalRecord } from '../../../actors/ingest/index.ts';
import type { CanonicalBatch } from '../../../engine/formats/index.ts';
import { openDuckDbNode, resultRows } from '../../../engine/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-node-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (hash: string): JournalRecord => ({
  contentHash: hash, state: 'writing', file: `/in/${hash}.csv`, origin: 'request', options: {}, strategyIds: [], startedAt: 1, committedAt: null, format: null, rows: null,
});

describe('store node ingest sink', () => {
  it('frees an appended batch once the node acknowledged it, grouped or not, and stores its rows', async () => {
    const node = await openDuckDbNode({ path: join(dir, 'a.duckdb'), groupIdleMs: 60_000 });
    try {
      await node.ensureSchema();
      const sink = createStoreNodeSink(node);
      await sink.begin(record('h1'));
      await sink.claim('h1', ['s1', 's2']);
      const batches: Float64Array[] = [];
      let expected = 0;
      for (const group of ['h1', undefined]) {
        const pnl = Float64Array.from({ length: 40 }, (_, i) => (i % 7) * 1.25 - 3);
        expected += pnl.reduce((a, b) => a + b, 0);
        const batch: CanonicalBatch = {
          table: 'daily_pnl', rowCount: 40,
          columns: { strategy_id: Array.from({ length: 40 }, (_, i) => (i < 20 ? 's1' : 's2')), trading_day: Array.from({ length: 40 }, (_, i) => `2024-02-${String((i % 20) + 1).padStart(2, '0')}`), zone: new Array<string>(40).fill(group ?? 'ungrouped'), pnl, n_trades: new Int32Array(40).fill(2) } as unknown as CanonicalBatch['columns'],
        };
        await sink.append('daily_pnl', batch, group);
        expect((pnl.buffer as ArrayBuffer).detached).toBe(true);
        batches.push(pnl);
      }
      await sink.commit('h1', { format: 'FORMAT_1_BACKINZO_CSV', rows: { strategies: 0, trades: 0, daily_pnl: 80 } });
      const [row] = resultRows(await node.query('SELECT COUNT(*) AS n, SUM(pnl) AS s, SUM(n_trades) AS t FROM daily_pnl'));
      expect(Number(row!['n'])).toBe(80);
      expect(Number(row!['s'])).toBeCloseTo(expected, 9);
      expect(Number(row!['t'])).toBe(160);
      expect(batches.every((b) => b.length === 0)).toBe(true);
    } finally {
      await node.close();
    }
  });
});
