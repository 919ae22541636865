// The DuckDB node's columnar append: whole-column vector writes must store every value verbatim across chunk
// boundaries: nulls in numeric and text columns, strings around the 12-byte inline limit of DuckDB's string_t
// (multi-byte characters included), long strings, int64 values, and dictionary columns (values + codes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbNode, resultRows, type StoreNode } from '../../../engine/store/index.ts';

describe('DuckDB columnar append', () => {
  let node: StoreNode;
  beforeAll(async () => {
    node = await openDuckDbNode({ path: ':memory:', chunkRows: 5 });
    await node.ensureSchema();
  });
  afterAll(async () => { await node.close(); });

  const texts = ['', 'a', 'exactly12byt', 'thirteen-byte', 'ÄÖÜäöü', 'ÄÖÜäöüx', '12345678901€', '日本語の戦略', '🚀🚀🚀', "it's \"q\"", 'x'.repeat(300), null, 'ALL', 'z\u0000'.slice(0, 1), '∑'];

  it('stores every value of a multi-chunk batch verbatim', async () => {
    const n = 23;
    const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
    const rows = Array.from({ length: n }, (_, i) => ({
      strategy_id: `s${i % 3}`,
      trade_key: `t${String(i).padStart(3, '0')}`,
      trade_date: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`,
      leg_id: i % 4 === 0 ? null : pick(texts.filter((t) => t !== null), i),
      option_type: i % 5 === 1 ? null : pick(['CE', 'PE', 'a-long-option-type-text'], i),
      strike: i % 3 === 0 ? null : i * 12.5,
      qty: i,
      source_row: i % 7 === 2 ? null : 9_007_199_254_740_991 - i,
      net_pnl: i % 2 ? -i / 3 : i * 1e6,
      partition_id: i % 64,
    }));
    await node.append('trades', {
      rowCount: n,
      columns: Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, rows.map((r) => r[k as keyof typeof r])])) as never,
    });
    const back = resultRows(await node.query('SELECT strategy_id, trade_key, trade_date, leg_id, option_type, strike, qty, source_row, net_pnl, partition_id FROM trades ORDER BY trade_key'));
    expect(back).toEqual(rows);
  });

  it('stores text columns with nulls and long values across chunks', async () => {
    const values = texts.map((t) => t);
    const n = values.length;
    await node.append('strategies', {
      rowCount: n,
      columns: {
        strategy_id: values.map((_, i) => `id-${i}`), strategy_name: values.map((v, i) => v ?? `name-${i}`), source_format: values.map(() => 'tv'),
        source_file: values.map(() => 'f.csv'), source_sheet: values, strategy_type: values.map(() => 'TV'), currency: values.map(() => 'INR'),
        margin_required: values.map((_, i) => (i % 2 ? null : i)), partition_id: new Int32Array(n),
      },
    });
    const back = resultRows(await node.query('SELECT strategy_id, source_sheet, margin_required FROM strategies ORDER BY strategy_id'));
    const expected = values.map((v, i) => ({ strategy_id: `id-${i}`, source_sheet: v, margin_required: i % 2 ? null : i })).sort((a, b) => (a.strategy_id < b.strategy_id ? -1 : 1));
    expect(back).toEqual(expected);
  });

  it('stores runs of one long value, long strings of every width in one chunk, and keeps them through a checkpoint and a reopen', async () => {
    // long strings of a chunk share one heap copy (a repeated value is laid once): each row must still read back its own
    const dir = mkdtempSync(join(tmpdir(), 'strata-long-'));
    try {
      const path = join(dir, 'long.duckdb');
      const fileNode = await openDuckDbNode({ path, chunkRows: 7 });
      await fileNode.ensureSchema();
      const long = ['strategy-0123456789abcdef', 'strategy-0123456789abcdef', 'strategy-0123456789abcdef', '2024-01-02 09:15:00', 'ÄÖÜäöü-long-ÄÖÜ', '🚀 launch 🚀 strategy', 'x'.repeat(5_000), 'strategy-0123456789abcdef', '日本語の戦略とその名前'];
      const n = 40;
      const entry = Array.from({ length: n }, (_, i) => (i % 6 === 5 ? null : i % 4 === 3 ? `short${i}` : long[i % long.length]!));
      const ids = Array.from({ length: n }, (_, i) => (i < 20 ? 'strategy-0123456789abcdef' : 'strategy-fedcba9876543210'));
      await fileNode.append('trades', {
        rowCount: n,
        columns: { strategy_id: ids, trade_key: ids.map((_, i) => `k${String(i).padStart(2, '0')}`), trade_date: ids.map(() => '2024-01-02'), entry_ts: entry, partition_id: new Int32Array(n) },
      });
      const expected = ids.map((id, i) => ({ strategy_id: id, trade_key: `k${String(i).padStart(2, '0')}`, entry_ts: entry[i] }));
      const read = async (nd: StoreNode) => resultRows(await nd.query('SELECT strategy_id, trade_key, entry_ts FROM trades ORDER BY trade_key'));
      expect(await read(fileNode)).toEqual(expected);
      await fileNode.query('CHECKPOINT');
      await fileNode.close();
      const reopened = await openDuckDbNode({ path });
      try {
        expect(await read(reopened)).toEqual(expected);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('appends dictionary columns (distinct values plus codes) verbatim, nulls and long values included', async () => {
    const dictionary = ['2024-02-01', 'ÄÖÜäöüx', 'a-value-longer-than-twelve-bytes', '🚀'];
    const codes = Int32Array.from({ length: 11 }, (_, i) => (i % 5 === 4 ? -1 : i % dictionary.length));
    await node.append('daily_pnl', {
      rowCount: 11,
      columns: {
        strategy_id: { dictionary: ['d1', 'd2'], codes: Int32Array.from({ length: 11 }, (_, i) => i % 2) },
        trading_day: { dictionary: ['2024-03-01'], codes: new Int32Array(11) },
        zone: { dictionary, codes: Int32Array.from(codes, (c) => (c < 0 ? 0 : c)) },
        pnl: Float64Array.from({ length: 11 }, (_, i) => i),
        partition_id: new Int32Array(11),
      },
    });
    const back = resultRows(await node.query("SELECT strategy_id, zone FROM daily_pnl WHERE strategy_id IN ('d1', 'd2') ORDER BY pnl"));
    expect(back).toEqual(Array.from({ length: 11 }, (_, i) => ({ strategy_id: `d${(i % 2) + 1}`, zone: dictionary[codes[i]! < 0 ? 0 : codes[i]!] })));
    await node.append('strategies', {
      rowCount: 3,
      columns: {
        strategy_id: ['dx1', 'dx2', 'dx3'], strategy_name: ['a', 'b', 'c'], source_format: ['tv', 'tv', 'tv'], source_file: ['f', 'f', 'f'],
        strategy_type: ['TV', 'TV', 'TV'], currency: ['INR', 'INR', 'INR'], partition_id: new Int32Array(3),
        source_sheet: { dictionary, codes: Int32Array.from([2, -1, 1]) },
      },
    });
    const sheets = resultRows(await node.query("SELECT source_sheet FROM strategies WHERE strategy_id LIKE 'dx%' ORDER BY strategy_id"));
    expect(sheets).toEqual([{ source_sheet: dictionary[2] }, { source_sheet: null }, { source_sheet: dictionary[1] }]);
  });

  it('refuses a dictionary column with a bad code, a null in a required column or an unstorable entry', async () => {
    const base = { trading_day: ['2024-01-01', '2024-01-01'], zone: ['ALL', 'ALL'], pnl: new Float64Array(2), partition_id: new Int32Array(2) };
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a'], codes: Int32Array.from([0, 1]) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_BATCH' });
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a'], codes: Int32Array.from([0, -1]) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_VALUE' });
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a\u0000b'], codes: Int32Array.from([0, 0]) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_VALUE' });
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a'], codes: new Int32Array(3) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_BATCH' });
  });
});
