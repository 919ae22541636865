// SQL parameters as data: placeholders are found only outside strings, identifiers and comments, and every
// literal rendered for HeavyDB parses back (checked here with DuckDB's parser) to exactly the value given.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineParams, isStorableText, openDuckDbNode, placeholderOffsets, resultRows, sqlLiteral } from '../../../engine/store/index.ts';
import type { StoreNode } from '../../../engine/store/index.ts';

describe('SQL parameters', () => {
  let duck: StoreNode;
  beforeAll(async () => { duck = await openDuckDbNode({ path: ':memory:' }); });
  afterAll(async () => { await duck.close(); });

  it('counts only the placeholders outside quotes and comments', () => {
    expect(placeholderOffsets("SELECT ?, '?', \"?\", 'it''s ?' -- ?\n, ? /* ? */ , ?")).toHaveLength(3);
    expect(placeholderOffsets('SELECT 1')).toEqual([]);
    expect(() => inlineParams('SELECT ?', [])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PARAMETERS' }));
  });

  it('renders any storable string as a literal that reads back verbatim', async () => {
    const strings = fc.string({ unit: 'binary', maxLength: 40 }).filter(isStorableText);
    await fc.assert(fc.asyncProperty(fc.array(strings, { minLength: 1, maxLength: 8 }), async (values) => {
      const sql = `SELECT ${values.map((_, i) => `? AS c${i}`).join(', ')}`;
      const r = await duck.query(inlineParams(sql, values));
      expect(Object.values(resultRows(r)[0]!)).toEqual(values);
    }), { numRuns: 60 });
  });

  it('renders any finite double and 64-bit integer as a literal that parses to exactly that value', async () => {
    await fc.assert(fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }), async (x, n) => {
      const r = await duck.query(`SELECT CAST(${sqlLiteral(x)} AS DOUBLE) AS x, 0-${sqlLiteral(x)} AS neg, ${sqlLiteral(n)} AS n`);
      const row = resultRows(r)[0]!;
      expect(row['x']).toBe(x === 0 ? 0 : x);
      expect(row['neg']).toBe(x === 0 ? 0 : -x);
      expect(row['n']).toBe(Number(n));
    }), { numRuns: 150 });
  });

  it('refuses values that cannot travel verbatim', () => {
    expect(() => inlineParams('SELECT ?', [Number.NaN])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_VALUE' }));
    expect(() => inlineParams('SELECT ?', ['\uD800'])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_VALUE' }));
    expect(() => inlineParams('SELECT ?', [2n ** 64n])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_VALUE' }));
    expect(() => inlineParams('SELECT ?', [{} as unknown as string])).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PARAMETERS' }));
    expect(inlineParams('SELECT x-?', [-1])).toBe('SELECT x-(-1)');
  });
});
