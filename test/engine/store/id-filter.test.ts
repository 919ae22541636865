import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { HASH_FILTER_BITS, LIST_CONTAINS_MAX, textCandidateFilter, textInFilter } from '../../../engine/store/index.ts';
import { createRandom } from '../../../engine/formats/generator.ts';
import { collidingWith } from '../../support/hash-collision.ts';

// A real DuckDB (in memory): the filter keeps exactly the rows whose id was asked for, for lists of every size
// around DuckDB's thresholds, with parameters bound as the store binds them, and plans no join up to
// LIST_CONTAINS_MAX (DuckDB keeps the freed blocks of every hash join referenced for a long while).

let instance: DuckDBInstance;
let c: DuckDBConnection;
const IDS = Array.from({ length: 400 }, (_, i) => `strategy-${i}`);

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  c = await instance.connect();
  // three rows per id, shuffled, and a null id that no list selects
  await c.run(`CREATE TABLE t AS SELECT 'strategy-' || (i % ${IDS.length}) AS strategy_id, i AS v FROM range(${IDS.length * 3}) r(i) ORDER BY hash(i)`);
  await c.run('INSERT INTO t VALUES (NULL, -1)');
});
afterAll(() => {
  c.closeSync();
  instance.closeSync();
});

async function selected(filter: string, params: string[]): Promise<string[]> {
  const r = await c.runAndReadAll(`SELECT DISTINCT strategy_id FROM t WHERE ${filter} ORDER BY 1`, params);
  return r.getRowObjects().map((o) => String(o['strategy_id']));
}

async function plan(filter: string, params: string[]): Promise<string> {
  const r = await c.runAndReadAll(`EXPLAIN SELECT v FROM t WHERE ${filter}`, params);
  return r.getRows().map((row) => String(row[1])).join('\n');
}

describe('textInFilter on DuckDB', () => {
  for (const count of [0, 1, 4, 5, 64, LIST_CONTAINS_MAX, LIST_CONTAINS_MAX + 1, 300]) {
    it(`keeps exactly the ${count} ids asked for`, async () => {
      const random = createRandom(count + 1); // deterministic: a failure names its list
      // ids present and ids the table does not hold, with quotes that must stay data
      const asked = Array.from({ length: count }, (_, k) => (k % 5 === 4 ? `absent-'${k}'` : IDS[Math.floor(random() * IDS.length)]!));
      const filter = textInFilter('duckdb', 'strategy_id', count);
      const want = [...new Set(asked.filter((id) => IDS.includes(id)))].sort();
      expect(await selected(filter, asked), filter.slice(0, 60)).toEqual(want);
      const explained = await plan(filter, asked);
      if (count <= LIST_CONTAINS_MAX) expect(explained).not.toMatch(/JOIN/);
      else expect(explained).toMatch(/HASH_JOIN/);
    });
  }

  it('is what DuckDB would otherwise plan as a hash join: a plain IN list of five', async () => {
    // the reason for the helper, kept visible: should a DuckDB upgrade stop rewriting IN lists into joins, this
    // fails and the helper can go
    const five = IDS.slice(0, 5);
    expect(await plan(`strategy_id IN (${five.map(() => '?').join(', ')})`, five)).toMatch(/HASH_JOIN/);
  });
});

describe('textInFilter elsewhere', () => {
  it('gives other engines the plain list, and nothing for no values', () => {
    expect(textInFilter('heavydb', 'strategy_id', 3)).toBe('strategy_id IN (?, ?, ?)');
    expect(textInFilter('heavydb', 'strategy_id', 500)).toBe(`strategy_id IN (${new Array(500).fill('?').join(', ')})`);
    expect(textInFilter('heavydb', 'strategy_id', 0)).toBe('1 = 0');
    expect(textInFilter('duckdb', 'entry_key', 2)).toBe('list_contains([?, ?]::VARCHAR[], entry_key)');
  });

  it('refuses a count that is not a whole number and a column that is not a plain name', () => {
    for (const n of [-1, 1.5, Number.NaN]) expect(() => textInFilter('duckdb', 'strategy_id', n)).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PARAMETERS' }));
    for (const col of ['strategy_id; DROP TABLE t', 'a b', '"x"', '']) expect(() => textInFilter('duckdb', col, 1)).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PARAMETERS' }));
  });
});

describe('textCandidateFilter', () => {
  it('is textInFilter, exact, up to LIST_CONTAINS_MAX and on other engines', () => {
    for (const n of [0, 1, LIST_CONTAINS_MAX]) expect(textCandidateFilter('duckdb', 'strategy_id', n)).toEqual({ sql: textInFilter('duckdb', 'strategy_id', n), exact: true });
    expect(textCandidateFilter('heavydb', 'strategy_id', 500)).toEqual({ sql: textInFilter('heavydb', 'strategy_id', 500), exact: true });
    expect(() => textCandidateFilter('duckdb', 'a b', 500)).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_PARAMETERS' }));
  });

  for (const count of [LIST_CONTAINS_MAX + 1, 300]) {
    it(`keeps every row of the ${count} ids asked for, with no join, and says it may keep others`, async () => {
      const random = createRandom(count + 7);
      const asked = Array.from({ length: count }, (_, k) => (k % 5 === 4 ? `absent-'${k}'` : IDS[Math.floor(random() * IDS.length)]!));
      const filter = textCandidateFilter('duckdb', 'strategy_id', count);
      expect(filter.exact).toBe(false);
      const got = await selected(filter.sql, asked);
      const want = [...new Set(asked.filter((id) => IDS.includes(id)))].sort();
      expect(got.filter((id) => want.includes(id))).toEqual(want);
      // the others it let through are few: n ids in 2^18 bits
      expect(got.length - want.length).toBeLessThanOrEqual(3);
      expect(await plan(filter.sql, asked)).not.toMatch(/HASH_JOIN/);
    });
  }

  it('lets through a row whose hash lands on an asked id\'s bit, which is why it is not exact', async () => {
    const asked = IDS.slice(0, LIST_CONTAINS_MAX + 1);
    const colliding = await collidingWith(asked[0]!, HASH_FILTER_BITS, undefined, c);
    await c.run('INSERT INTO t VALUES (?, -2)', [colliding]);
    try {
      const got = await selected(textCandidateFilter('duckdb', 'strategy_id', asked.length).sql, asked);
      expect(got).toContain(colliding);
      expect(await selected(textInFilter('duckdb', 'strategy_id', asked.length), asked)).not.toContain(colliding);
    } finally {
      await c.run('DELETE FROM t WHERE v = -2');
    }
  });
});

