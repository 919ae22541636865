// Partitioning of rows: stable hashes, every partition in range, date ranges honoured, and batch splitting that
// keeps every row exactly once with its partition filled in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionCount, partitionIds, partitionOf, splitByPartition, strategyHash, validateScheme } from '../../../engine/store/index.ts';
import type { PartitionScheme } from '../../../engine/store/index.ts';
import { DictionaryColumnBuilder, Utf8ColumnBuilder, utf8ColumnValues, type DictionaryColumn, type Utf8Column } from '../../../engine/columns/index.ts';

const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

describe('partitioning', () => {
  it('hashes a strategy id the same way every time, into 0..partitionCount-1', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 4096 }), (id, count) => {
      const scheme: PartitionScheme = { kind: 'hash', partitionCount: count };
      const p = partitionOf(scheme, id);
      expect(p).toBe(partitionOf(scheme, id));
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(count);
      expect(strategyHash(id)).toBe(strategyHash(`${id}`));
    }));
  });

  it('spreads many strategy ids evenly over the partitions', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf({ kind: 'hash', partitionCount: 16 }, `strategy-${i}`)]!++;
    // 1,000 expected per partition; a fair hash stays well within ±20%.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(200);
  });

  it('puts a day in the range its boundaries name, split by strategy hash inside the range', () => {
    fc.assert(fc.property(fc.uniqueArray(day, { minLength: 1, maxLength: 6 }), day, fc.string(), fc.integer({ min: 1, max: 4 }), (bounds, d, id, buckets) => {
      const boundaries = [...bounds].sort();
      const scheme: PartitionScheme = { kind: 'date-range', boundaries, hashBuckets: buckets };
      validateScheme(scheme);
      const p = partitionOf(scheme, id, d);
      const range = Math.floor(p / buckets);
      expect(p).toBeLessThan(partitionCount(scheme));
      if (range > 0) expect(d >= boundaries[range - 1]!).toBe(true);
      if (range < boundaries.length) expect(d < boundaries[range]!).toBe(true);
      expect(p % buckets).toBe(strategyHash(id) % buckets);
    }));
    expect(partitionOf({ kind: 'date-range', boundaries: ['2024-01-01'] }, 'x', null)).toBe(0);
  });

  it('refuses unsorted or malformed date boundaries and out-of-range counts', () => {
    expect(() => validateScheme({ kind: 'date-range', boundaries: ['2024-02-01', '2024-01-01'] })).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PLACEMENT' }));
    expect(() => validateScheme({ kind: 'date-range', boundaries: ['2024/01/01'] })).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PLACEMENT' }));
    expect(() => validateScheme({ kind: 'hash', partitionCount: 0 })).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PLACEMENT' }));
  });

  it('splits a batch so every row lands once, in its own partition, with partition_id filled in', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.string(), day, fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 200 }), (rows) => {
      const scheme: PartitionScheme = { kind: 'hash', partitionCount: 8 };
      const batch = {
        rowCount: rows.length,
        columns: { strategy_id: rows.map((r) => r[0]), trading_day: rows.map((r) => r[1]), zone: rows.map(() => 'ALL'), pnl: Float64Array.from(rows, (r) => r[2]) },
      };
      const parts = splitByPartition(scheme, 'daily_pnl', batch);
      let total = 0;
      const seen: string[] = [];
      for (const [p, b] of parts) {
        total += b.rowCount;
        const ids = b.columns['strategy_id'] as string[];
        const pids = b.columns['partition_id'] as Int32Array;
        const pnl = b.columns['pnl'] as Float64Array;
        ids.forEach((id, i) => {
          expect(partitionOf(scheme, id)).toBe(p);
          expect(pids[i]).toBe(p);
          seen.push(`${id}|${(b.columns['trading_day'] as string[])[i]}|${pnl[i]}`);
        });
      }
      expect(total).toBe(rows.length);
      expect(seen.sort()).toEqual(rows.map((r) => `${r[0]}|${r[1]}|${r[2]}`).sort());
      expect([...parts.keys()]).toEqual([...parts.keys()].sort((a, b) => a - b));
      expect(partitionIds(scheme, 'daily_pnl', batch).length).toBe(rows.length);
    }));
  });

  it('splits UTF-8 and dictionary text columns exactly as it splits the same text given as arrays', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.constantFrom('2024-01-01', '2024-01-02', '2024-02-29')), { maxLength: 120 }), (rows) => {
      const scheme: PartitionScheme = { kind: 'hash', partitionCount: 8 };
      const ids = new Utf8ColumnBuilder(4, 4);
      const days = new DictionaryColumnBuilder(4);
      for (const [id, d] of rows) { ids.push(id); days.push(d); }
      const pnl = Float64Array.from(rows, (_, i) => i);
      const plain = splitByPartition(scheme, 'daily_pnl', { rowCount: rows.length, columns: { strategy_id: rows.map((r) => r[0]), trading_day: rows.map((r) => r[1]), pnl } });
      const packed = splitByPartition(scheme, 'daily_pnl', { rowCount: rows.length, columns: { strategy_id: ids.take(), trading_day: days.take(), pnl } });
      expect([...packed.keys()]).toEqual([...plain.keys()]);
      for (const [p, b] of packed) {
        const a = plain.get(p)!;
        const idCol = b.columns['strategy_id'] as Utf8Column;
        const dayCol = b.columns['trading_day'] as DictionaryColumn;
        expect(utf8ColumnValues(idCol)).toEqual(a.columns['strategy_id']);
        expect(Array.from(dayCol.codes, (c) => dayCol.dictionary[c])).toEqual(a.columns['trading_day']);
        expect(b.columns['partition_id']).toEqual(a.columns['partition_id']);
      }
    }));
  });
});
