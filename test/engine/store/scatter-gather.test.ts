// Scatter-gather merging: ordered k-way merges equal a global sort, and the P&L matrix assembled from per-node
// partials matches the matrix built from all rows at once, with 0 inside and NaN outside each active range.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemblePnlMatrix, concatResults, mergeSortedResults, resultRows } from '../../../engine/store/index.ts';
import type { ResultSet } from '../../../engine/store/index.ts';

function rs(rows: readonly [string, string, number][]): ResultSet {
  return {
    rowCount: rows.length,
    columns: [
      { name: 'strategy_id', type: 'text', values: rows.map((r) => r[0]), nulls: null },
      { name: 'trading_day', type: 'text', values: rows.map((r) => r[1]), nulls: null },
      { name: 'pnl', type: 'float64', values: Float64Array.from(rows, (r) => r[2]), nulls: null },
    ],
  };
}

const cmp = (a: [string, string, number], b: [string, string, number]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

describe('scatter-gather merging', () => {
  it('merges sorted partials into the same order as sorting everything', () => {
    const row = fc.tuple(fc.constantFrom('a', 'b', 'c', "d'x", 'é'), fc.constantFrom('2024-01-01', '2024-01-02', '2024-01-03'), fc.double({ noNaN: true }));
    fc.assert(fc.property(fc.array(fc.array(row, { maxLength: 20 }), { minLength: 1, maxLength: 5 }), (parts) => {
      const sortedParts = parts.map((p) => [...p].sort(cmp));
      const merged = mergeSortedResults(sortedParts.map(rs), ['strategy_id', 'trading_day']);
      const all = parts.flat().sort(cmp);
      expect(resultRows(merged).map((r) => [r['strategy_id'], r['trading_day']])).toEqual(all.map((r) => [r[0], r[1]]));
      expect(concatResults(sortedParts.map(rs)).rowCount).toBe(all.length);
    }));
  });

  it('assembles the strategy-major P&L matrix from per-node partials', () => {
    const ids = ['s0', 's1', "s'2"];
    const days = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'];
    const nodeA = rs([['s0', '2024-01-01', 1.5], ['s0', '2024-01-04', -1]]);
    const nodeB = rs([["s'2", '2024-01-02', 7], ['s1', '2024-01-03', 2], ['unknown', '2024-01-01', 99]]);
    const m = assemblePnlMatrix(ids, days, [nodeB, nodeA]);
    expect(m.values).toBeInstanceOf(Float64Array);
    expect([...m.values]).toEqual([1.5, 0, 0, -1, NaN, NaN, 2, NaN, NaN, 7, NaN, NaN]);
    const ranged = assemblePnlMatrix(ids, days, [nodeA, nodeB], { activeRange: new Map([['s1', { first: '2024-01-02', last: '2024-01-04' }]]) });
    expect([...ranged.values.slice(4, 8)]).toEqual([NaN, 0, 2, 0]);
  });

  it('sums each strategy\'s trades when the partials carry n_trades, nulls adding nothing', () => {
    const withTrades = (rows: readonly [string, string, number, number | null][]): ResultSet => {
      const base = rs(rows.map((r) => [r[0], r[1], r[2]] as [string, string, number]));
      return {
        ...base,
        columns: [...base.columns, { name: 'n_trades', type: 'int32', values: Int32Array.from(rows, (r) => r[3] ?? 0), nulls: Uint8Array.from(rows, (r) => (r[3] === null ? 1 : 0)) }],
      };
    };
    const ids = ['s0', 's1', 's2'];
    const days = ['2024-01-01', '2024-01-02'];
    const a = withTrades([['s0', '2024-01-01', 1, 3], ['s0', '2024-01-02', 1, null], ['unknown', '2024-01-01', 1, 50]]);
    const b = withTrades([['s1', '2024-01-02', 2, 4]]);
    const empty = rs([]);
    const m = assemblePnlMatrix(ids, days, [a, empty, b]);
    expect(m.trades).toBeInstanceOf(Float64Array);
    expect([...m.trades!]).toEqual([3, 4, 0]);
    // a partial without the column: no counts rather than wrong ones
    expect(assemblePnlMatrix(ids, days, [a, rs([['s2', '2024-01-01', 5]])]).trades).toBeUndefined();
    const text: ResultSet = { ...b, columns: [...b.columns.slice(0, 3), { name: 'n_trades', type: 'text', values: ['4'], nulls: null }] };
    expect(() => assemblePnlMatrix(ids, days, [text])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_MERGE_CONFLICT' }));
  });

  it('refuses a cell that arrives twice', () => {
    const part = rs([['s0', '2024-01-01', 1]]);
    expect(() => assemblePnlMatrix(['s0'], ['2024-01-01'], [part, part])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_MERGE_CONFLICT' }));
  });

  it('refuses partials with different columns', () => {
    const other: ResultSet = { rowCount: 1, columns: [{ name: 'x', type: 'int32', values: new Int32Array([1]), nulls: null }] };
    expect(() => concatResults([rs([['a', 'b', 1]]), other])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_MERGE_CONFLICT' }));
  });
});
