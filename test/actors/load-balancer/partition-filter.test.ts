import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { duckDbPartitionFilter, MASK_PARTITIONS, partitionInList } from '../../../actors/load-balancer/partition-filter.ts';
import { createRandom } from '../../../engine/formats/generator.ts';

// A real DuckDB (in memory): the filter must select exactly the rows of the wanted partitions, for mask-sized and
// larger partition counts, and must not plan a join (a hash join per scattered statement is what it replaces).

let instance: DuckDBInstance;
let c: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  c = await instance.connect();
});
afterAll(() => {
  c.closeSync();
  instance.closeSync();
});

async function selected(table: string, filter: string): Promise<number[]> {
  const r = await c.runAndReadAll(`SELECT DISTINCT partition_id FROM ${table} WHERE ${filter} ORDER BY 1`);
  return r.getRowObjects().map((o) => Number(o['partition_id']));
}

describe('duckDbPartitionFilter', () => {
  for (const count of [1, 7, MASK_PARTITIONS, MASK_PARTITIONS + 1, 200]) {
    it(`selects exactly the wanted partitions of ${count}`, async () => {
      const table = `t${count}`;
      // three rows per partition, in a shuffled order
      await c.run(`CREATE TABLE ${table} AS SELECT (i % ${count})::INTEGER AS partition_id, i AS v FROM range(${count * 3}) r(i) ORDER BY hash(i)`);
      // ids no partition scheme of this count gives out: never selected, and no error for them
      await c.run(`INSERT INTO ${table} VALUES (${count}, 0), (256, 0), (-1, 0), (-64, 0), (2147483647, 0), (-2147483648, 0)`);
      const random = createRandom(count); // deterministic: a failure names its subset
      const subsets: number[][] = [[], [0], [count - 1], Array.from({ length: count }, (_, p) => p)];
      for (let k = 0; k < 20; k++) subsets.push(Array.from({ length: count }, (_, p) => p).filter(() => random() < 0.5));
      for (const want of subsets) {
        // duplicates and any order are accepted
        const given = [...want, ...want.slice(0, 2)].reverse();
        expect(await selected(table, duckDbPartitionFilter(given, count)), `partitions ${JSON.stringify(want)} of ${count}`).toEqual(want);
      }
    });
  }

  it('plans no join: the partitions are a constant tested per row', async () => {
    for (const count of [64, 200]) {
      // rows of every partition, so the planner cannot fold the filter away on statistics
      await c.run(`CREATE TABLE e${count} AS SELECT (i % ${count})::INTEGER AS partition_id, i::DOUBLE AS v FROM range(${count * 4}) r(i)`);
      const filter = duckDbPartitionFilter([1, 3, 5, count - 1], count);
      const plan = (await c.runAndReadAll(`EXPLAIN SELECT sum(v) FROM e${count} WHERE ${filter}`)).getRows().flat().join('\n');
      expect(plan).toMatch(/SCAN/);
      expect(plan).not.toMatch(/JOIN/);
    }
  });

  it('refuses partitions outside the count with a coded error', () => {
    expect(() => duckDbPartitionFilter([64], 64)).toThrow(expect.objectContaining({ code: 'STRATA_LB_UNSCOPED_QUERY' }));
    expect(() => duckDbPartitionFilter([-1], 8)).toThrow(expect.objectContaining({ code: 'STRATA_LB_UNSCOPED_QUERY' }));
    expect(() => duckDbPartitionFilter([1.5], 8)).toThrow(expect.objectContaining({ code: 'STRATA_LB_UNSCOPED_QUERY' }));
    expect(() => duckDbPartitionFilter([0], 0)).toThrow(expect.objectContaining({ code: 'STRATA_LB_UNSCOPED_QUERY' }));
  });
});

describe('partitionInList', () => {
  it('lists each partition once, in order', () => {
    expect(partitionInList([5, 1, 5, 3])).toBe('partition_id IN (1, 3, 5)');
    expect(partitionInList([])).toBe('1 = 0');
  });
});
