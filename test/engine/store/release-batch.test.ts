import { describe, expect, it } from 'vitest';
import { releaseBatchBuffers } from '../../../engine/store/index.ts';

describe('releaseBatchBuffers (an appended batch freed at once)', () => {
  it('detaches the buffers of every column shape, each once, and leaves shared memory and plain arrays alone', () => {
    const shared = new ArrayBuffer(64);
    const offsets = new Int32Array(shared, 0, 4);
    const utf8 = new Uint8Array(shared, 16, 8);
    const pnl = Float64Array.from([1, 2, 3]);
    const codes = Int32Array.from([0, 1, 0]);
    const nulls = Uint8Array.from([0, 1, 0]);
    const sab = new Float64Array(new SharedArrayBuffer(24));
    const names = ['a', 'b', null];
    releaseBatchBuffers({
      rowCount: 3,
      columns: { pnl, strategy_id: { dictionary: ['x', 'y'], codes }, entry_ts: { utf8, offsets, nulls }, qty: sab, names },
    });
    for (const a of [pnl, codes, nulls, offsets, utf8]) {
      expect(a.buffer.detached).toBe(true);
      expect(a.length).toBe(0);
    }
    expect(sab.length).toBe(3);
    expect(names).toEqual(['a', 'b', null]);
  });

  it('ignores what is not a batch', () => {
    for (const v of [null, undefined, 3, 'x', {}, { columns: null }, { columns: [1, 2] }]) expect(() => releaseBatchBuffers(v)).not.toThrow();
  });
});
