// Row selection for one node's share of a batch: every column layout keeps its kind and exactly the chosen
// rows, in the chosen order.
import { describe, expect, it } from 'vitest';
import { selectRows, rowsByKey } from '../../../actors/load-balancer/batch-rows.ts';
import { DictionaryColumnBuilder, Utf8ColumnBuilder, utf8ColumnValues, type DictionaryColumn, type Utf8Column } from '../../../engine/columns/index.ts';

describe('selectRows', () => {
  it('gathers arrays, typed arrays, dictionary and UTF-8 columns row by row', () => {
    const keys = ['k0', 'κλειδί-1', '🚀', '', 'k4-is-a-longer-key-than-twelve-bytes'];
    const utf8 = new Utf8ColumnBuilder(2, 2);
    for (const [i, k] of keys.entries()) { if (i === 3) utf8.pushNull(); else utf8.push(k); }
    const dict = new DictionaryColumnBuilder(2);
    for (const d of ['a', 'b', 'a', null, 'c']) dict.push(d);
    const batch = {
      rowCount: 5,
      columns: { trade_key: utf8.take(), zone: dict.take(), strategy_id: ['s0', 's1', 's2', 's3', 's4'], pnl: Float64Array.from([0, 1, 2, 3, 4]), partition_id: Int32Array.from([7, 6, 5, 4, 3]) },
    };
    const rows = Int32Array.from([4, 3, 0, 0]);
    const out = selectRows(batch, rows);
    expect(out.rowCount).toBe(4);
    expect(utf8ColumnValues(out.columns['trade_key'] as Utf8Column)).toEqual([keys[4], null, keys[0], keys[0]]);
    const zone = out.columns['zone'] as DictionaryColumn;
    expect(Array.from(zone.codes, (c) => (c < 0 ? null : zone.dictionary[c]))).toEqual(['c', null, 'a', 'a']);
    expect(out.columns['strategy_id']).toEqual(['s4', 's3', 's0', 's0']);
    expect(Array.from(out.columns['pnl'] as Float64Array)).toEqual([4, 3, 0, 0]);
    expect(Array.from(out.columns['partition_id'] as Int32Array)).toEqual([3, 4, 7, 7]);
    // every row in order is the batch itself
    expect(selectRows(batch, Int32Array.from([0, 1, 2, 3, 4]))).toBe(batch);
  });

  it('groups row indices by key', () => {
    expect(rowsByKey(Int32Array.from([1, 0, 1, 2, 1]), 3).map((r) => Array.from(r))).toEqual([[1], [0, 2, 4], [3]]);
  });
});
