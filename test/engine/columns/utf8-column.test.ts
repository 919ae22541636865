// Text columns as UTF-8 bytes plus offsets, and as dictionaries plus codes: built value by value, read back,
// gathered by row, and checked for every way a column's layout or bytes can be unusable.
import { describe, expect, it } from 'vitest';
import {
  DictionaryColumnBuilder, Utf8ColumnBuilder, dictionaryValue, gatherUtf8, utf8ColumnFault, utf8ColumnValue, utf8ColumnValues, type Utf8Column,
} from '../../../engine/columns/index.ts';

const values = ['', 'a', 'exactly12byt', 'thirteen-byte', 'ÄÖÜäöü', '日本語の戦略', '🚀🚀', null, 'x'.repeat(3000), '2024-01-02 09:15:00', null];

function build(xs: readonly (string | null)[], rows = 2): Utf8Column {
  const b = new Utf8ColumnBuilder(rows, 1);
  for (const v of xs) b.push(v);
  return b.take();
}

describe('Utf8ColumnBuilder', () => {
  it('round-trips ASCII, multi-byte, empty, long and null values through growth of both buffers', () => {
    const col = build(values);
    expect(col.offsets.length).toBe(values.length + 1);
    expect(utf8ColumnValues(col)).toEqual(values);
    values.forEach((v, i) => expect(utf8ColumnValue(col, i)).toBe(v));
    expect(Buffer.from(col.utf8).toString('utf8')).toBe(values.filter((v) => v !== null).join(''));
    expect(utf8ColumnFault(col, values.length)).toBeNull();
  });

  it('takes a slice of a string without a substring, and composes a value from reserved bytes', () => {
    const b = new Utf8ColumnBuilder(4, 4);
    b.pushSlice('abc,défg,hij', 4, 8);
    b.pushSlice('abc,défg,hij', 0, 3);
    const bytes = b.reserve(3);
    bytes[b.size] = 0x78; bytes[b.size + 1] = 0x79; bytes[b.size + 2] = 0x7a;
    b.commit(b.size + 3);
    b.pushNull();
    expect(utf8ColumnValues(b.take())).toEqual(['défg', 'abc', 'xyz', null]);
    // the builder starts empty again
    b.push('next');
    expect(utf8ColumnValues(b.take())).toEqual(['next']);
  });

  it('gathers rows in any order into a compact column', () => {
    const col = build(values);
    const rows = Int32Array.from([8, 7, 0, 5, 5, 1]);
    const g = gatherUtf8(col, rows);
    expect(utf8ColumnValues(g)).toEqual(Array.from(rows, (r) => values[r]));
    expect(g.utf8.length).toBe(g.offsets[rows.length]);
  });
});

describe('utf8ColumnFault', () => {
  const ok = build(['abc', 'dé', 'f']);
  it('accepts a sound column and names the first fault of a broken one', () => {
    expect(utf8ColumnFault(ok, 3)).toBeNull();
    expect(utf8ColumnFault(ok, 2)?.reason).toMatch(/4 offsets for 2 rows/);
    expect(utf8ColumnFault({ ...ok, offsets: Int32Array.from([0, 3, 2, 6]) }, 3)).toMatchObject({ row: 1, reason: expect.stringMatching(/before/) });
    expect(utf8ColumnFault({ ...ok, offsets: Int32Array.from([0, 3, 5, 60]) }, 3)?.reason).toMatch(/outside/);
    // 'dé' is 64 c3 a9: starting row 2 at the a9 byte starts inside a character
    expect(utf8ColumnFault({ ...ok, offsets: Int32Array.from([0, 3, 5, 6]) }, 3)).toMatchObject({ row: 2, reason: expect.stringMatching(/inside a UTF-8 character/) });
    expect(utf8ColumnFault({ utf8: Uint8Array.from([0x61, 0xff, 0x62]), offsets: Int32Array.from([0, 1, 3]), nulls: null }, 2)).toMatchObject({ row: 1, reason: 'not valid UTF-8' });
    // an unpaired surrogate encoded as CESU-8 (ed a0 80) is not valid UTF-8
    expect(utf8ColumnFault({ utf8: Uint8Array.from([0x61, 0xed, 0xa0, 0x80]), offsets: Int32Array.from([0, 1, 4]), nulls: null }, 2)).toMatchObject({ row: 1, reason: 'not valid UTF-8' });
    expect(utf8ColumnFault({ utf8: Uint8Array.from([0x61, 0x62, 0x00, 0x63]), offsets: Int32Array.from([0, 1, 4]), nulls: null }, 2)).toMatchObject({ row: 1, reason: 'holds a NUL character' });
    expect(utf8ColumnFault({ ...ok, nulls: new Uint8Array(2) }, 3)?.reason).toMatch(/null mask of 2 for 3 rows/);
  });
});

describe('DictionaryColumnBuilder', () => {
  it('codes each distinct value once, nulls as -1, and starts a new dictionary after take', () => {
    const b = new DictionaryColumnBuilder(2);
    const xs = ['ALL', 'ALL', null, 'Z1', 'ALL', 'Z1', '', null];
    for (const x of xs) b.push(x);
    const col = b.take();
    expect(col.dictionary).toEqual(['ALL', 'Z1', '']);
    expect(Array.from(col.codes)).toEqual([0, 0, -1, 1, 0, 1, 2, -1]);
    expect(xs.map((_, i) => dictionaryValue(col, i))).toEqual(xs);
    b.push('Z1');
    expect(b.take()).toEqual({ dictionary: ['Z1'], codes: Int32Array.from([0]) });
  });
});
