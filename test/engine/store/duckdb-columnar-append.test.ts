// The DuckDB node's columnar append: whole-column vector writes must store every value verbatim across chunk
// boundaries: nulls in numeric and text columns, strings around the 12-byte inline limit of DuckDB's string_t
// (multi-byte characters included), long strings, int64 values, and dictionary columns (values + codes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbNode, resultRows, Utf8ColumnBuilder, type ColumnBatch, type StoreNode, type Utf8Column } from '../../../engine/store/index.ts';

function utf8Column(xs: readonly (string | null)[]): Utf8Column {
  const b = new Utf8ColumnBuilder(4, 4);
  for (const x of xs) b.push(x);
  return b.take();
}

/** Appends `columns` to trades in a fresh DuckDB file (7-row chunks) and expects `select` to read back `expected`
 *  before and after a checkpoint and a reopen. */
async function expectDurable(prefix: string, rowCount: number, columns: ColumnBatch['columns'], select: string, expected: unknown[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const path = join(dir, 'store.duckdb');
    const fileNode = await openDuckDbNode({ path, chunkRows: 7 });
    await fileNode.ensureSchema();
    await fileNode.append('trades', { rowCount, columns });
    const read = async (nd: StoreNode) => resultRows(await nd.query(select));
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
}

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

  it('stores a Float64Array of whole numbers as exact BIGINTs of every sign and size, and refuses a fraction', async () => {
    // the int64 column from a Float64Array is written as two 32-bit halves: both halves of each value must land
    const big = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 123_456_789_012, -987_654_321_098, 2 ** 53 - 1, -(2 ** 53 - 1)];
    const n = big.length;
    await node.append('trades', {
      rowCount: n,
      columns: {
        strategy_id: big.map(() => 'i64'), trade_key: big.map((_, i) => `i64-${String(i).padStart(2, '0')}`), trade_date: big.map(() => '2024-01-02'),
        source_row: Float64Array.from(big), partition_id: new Int32Array(n),
      },
    });
    const back = resultRows(await node.query("SELECT CAST(source_row AS VARCHAR) AS v FROM trades WHERE strategy_id = 'i64' ORDER BY trade_key"));
    expect(back.map((r) => r['v'])).toEqual(big.map((v) => BigInt(v).toString()));
    await expect(node.append('trades', {
      rowCount: 2,
      columns: { strategy_id: ['i64', 'i64'], trade_key: ['f1', 'f2'], trade_date: ['2024-01-02', '2024-01-02'], source_row: Float64Array.from([3, 2.5]), partition_id: new Int32Array(2) },
    })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_VALUE', message: expect.stringContaining('row 1 holds 2.5') });
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
    const long = ['strategy-0123456789abcdef', 'strategy-0123456789abcdef', 'strategy-0123456789abcdef', '2024-01-02 09:15:00', 'ÄÖÜäöü-long-ÄÖÜ', '🚀 launch 🚀 strategy', 'x'.repeat(5_000), 'strategy-0123456789abcdef', '日本語の戦略とその名前'];
    const n = 40;
    const entry = Array.from({ length: n }, (_, i) => (i % 6 === 5 ? null : i % 4 === 3 ? `short${i}` : long[i % long.length]!));
    const ids = Array.from({ length: n }, (_, i) => (i < 20 ? 'strategy-0123456789abcdef' : 'strategy-fedcba9876543210'));
    await expectDurable('strata-long-', n,
      { strategy_id: ids, trade_key: ids.map((_, i) => `k${String(i).padStart(2, '0')}`), trade_date: ids.map(() => '2024-01-02'), entry_ts: entry, partition_id: new Int32Array(n) },
      'SELECT strategy_id, trade_key, entry_ts FROM trades ORDER BY trade_key',
      ids.map((id, i) => ({ strategy_id: id, trade_key: `k${String(i).padStart(2, '0')}`, entry_ts: entry[i] })));
  });

  it('appends dictionary columns (distinct values plus codes) verbatim, nulls and long values included', async () => {
    const dictionary = ['2024-02-01', 'ÄÖÜäöüx', 'a-value-longer-than-twelve-bytes', '🚀', ''];
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

  it('appends UTF-8 columns (bytes plus offsets) verbatim across chunks: inline and long values, multi-byte, empty and null, from an offset into a shared buffer', async () => {
    const n = 45;
    const pool = ['2024-01-02 09:15:00', 'k', 'exactly12byt', 'thirteen-byte', 'ÄÖÜäöü', '日本語の戦略とその名前', '🚀 launch 🚀', '', 'x'.repeat(4_000), null];
    const entry = Array.from({ length: n }, (_, i) => pool[(i * 7) % pool.length]!);
    const keys = Array.from({ length: n }, (_, i) => `k${String(i).padStart(2, '0')}`);
    // a column whose offsets start past 0 in a bigger buffer (as a slice of another batch could)
    const whole = utf8Column(['prefix-not-a-row', ...keys]);
    const shifted: Utf8Column = { utf8: whole.utf8, offsets: whole.offsets.subarray(1), nulls: null };
    await expectDurable('strata-utf8-', n,
      { strategy_id: utf8Column(keys.map(() => 'strategy-0123456789abcdef')), trade_key: shifted, trade_date: keys.map(() => '2024-01-02'), entry_ts: utf8Column(entry), exit_ts: utf8Column(entry.map(() => null)), partition_id: new Int32Array(n) },
      'SELECT strategy_id, trade_key, entry_ts, exit_ts FROM trades ORDER BY trade_key',
      keys.map((k, i) => ({ strategy_id: 'strategy-0123456789abcdef', trade_key: k, entry_ts: entry[i], exit_ts: null })));
  });

  it('refuses a UTF-8 column with broken offsets, invalid bytes, a NUL or a null in a required column, and keeps nothing of the batch', async () => {
    const before = resultRows(await node.query('SELECT count(*)::INTEGER AS n FROM daily_pnl'));
    const base = { trading_day: ['2024-01-01', '2024-01-01'], zone: ['ALL', 'ALL'], pnl: new Float64Array(2), partition_id: new Int32Array(2) };
    const bad = async (strategy_id: Utf8Column, code: string, message: RegExp) =>
      expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id } })).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    await bad({ utf8: Uint8Array.from([0x61, 0x62]), offsets: Int32Array.from([0, 1]), nulls: null }, 'STRATA_STORE_INVALID_BATCH', /2 offsets for 2 rows/);
    await bad({ utf8: Uint8Array.from([0x61, 0xc3]), offsets: Int32Array.from([0, 1, 2]), nulls: null }, 'STRATA_STORE_INVALID_VALUE', /row 1 not valid UTF-8/);
    await bad({ utf8: Uint8Array.from([0x61, 0x00]), offsets: Int32Array.from([0, 1, 2]), nulls: null }, 'STRATA_STORE_INVALID_VALUE', /row 1 holds a NUL/);
    await bad(utf8Column(['a', null]), 'STRATA_STORE_INVALID_VALUE', /null at row 1 in a required column/);
    await bad({ utf8: Uint8Array.from([0x61]), offsets: Int32Array.from([0, 1, 2]), nulls: null }, 'STRATA_STORE_INVALID_BATCH', /outside 1 bytes/);
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: ['a', 'b'], pnl: utf8Column(['1', '2']) as never } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_BATCH', message: expect.stringMatching(/cannot feed a float64 column/) });
    expect(resultRows(await node.query('SELECT count(*)::INTEGER AS n FROM daily_pnl'))).toEqual(before);
  });

  it('refuses a dictionary column with a bad code, a null in a required column or an unstorable entry', async () => {
    const base = { trading_day: ['2024-01-01', '2024-01-01'], zone: ['ALL', 'ALL'], pnl: new Float64Array(2), partition_id: new Int32Array(2) };
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a'], codes: Int32Array.from([0, 1]) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_BATCH' });
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a'], codes: Int32Array.from([0, -1]) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_VALUE' });
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a\u0000b'], codes: Int32Array.from([0, 0]) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_VALUE' });
    await expect(node.append('daily_pnl', { rowCount: 2, columns: { ...base, strategy_id: { dictionary: ['a'], codes: new Int32Array(3) } } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_BATCH' });
  });
});
