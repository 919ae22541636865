// Grouped appends on a DuckDB node (engine/store/duckdb-append-groups.ts): rows share a transaction until the
// group is full, idle, overtaken by another write, synced or the node closes; a failed group is rolled back
// whole and each of its writers learns it from syncAppends. Real DuckDB files, readers on their own connections.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDbNode, resultRows, type ColumnBatch, type StoreNode } from '../../../engine/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `g${++files}.duckdb`);

function pnl(ids: string[], value = 1): ColumnBatch {
  return {
    rowCount: ids.length,
    columns: { strategy_id: ids, trading_day: ids.map(() => '2024-01-02'), zone: ids.map(() => 'ALL'), pnl: new Float64Array(ids.length).fill(value), partition_id: new Int32Array(ids.length) },
  };
}
const names = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);
const count = async (node: StoreNode, where = 'TRUE') => Number(resultRows(await node.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${where}`))[0]!['n']);

async function eventually(fn: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('grouped appends on a DuckDB node', () => {
  it('keeps grouped rows out of sight until the group is full or synced, then commits them', async () => {
    const node = await openDuckDbNode({ path: file(), groupCommitRows: 100, groupIdleMs: 60_000 });
    try {
      await node.ensureSchema();
      for (let i = 0; i < 5; i++) await node.append('daily_pnl', pnl(names('a', 50, i * 50)), { group: 'file-a' });
      // two full groups (100 rows each) commit by themselves, on alternating connections; the last 50 wait
      await eventually(async () => (await count(node)) === 200, 'the two full groups committed');
      expect(await count(node)).toBe(200);
      // the rows this node acknowledged for the group since its last sync (a restarted node would answer 0)
      expect(await node.syncAppends('file-a')).toEqual({ rows: 250 });
      expect(await count(node)).toBe(250);
      expect(await node.syncAppends('file-a')).toEqual({ rows: 0 }); // nothing since
    } finally {
      await node.close();
    }
  });

  it('cuts an append where the group is full, so every group that commits holds exactly its row count', async () => {
    // 3 appends of 70 rows with groups of 100: without the cut the second append would take the first group to
    // 140 rows (a row group and a partial one); with it, 30 of its rows close the first group at 100
    const node = await openDuckDbNode({ path: file(), groupCommitRows: 100, groupIdleMs: 60_000 });
    try {
      await node.ensureSchema();
      for (let i = 0; i < 3; i++) await node.append('daily_pnl', pnl(names('k', 70, i * 70)), { group: 'file-k' });
      await eventually(async () => (await count(node)) >= 100, 'the first group committed');
      // the second group (rows 100..199) is full as well after the third append and commits on its own
      await eventually(async () => (await count(node)) === 200, 'the second group committed');
      // the rows committed are the first 200 appended, in append order; the last 10 wait in the third group
      expect(await count(node, `strategy_id IN (${names('k', 200).map((n) => `'${n}'`).join(',')})`)).toBe(200);
      expect(await node.syncAppends('file-k')).toEqual({ rows: 210 });
      expect(await count(node)).toBe(210);
    } finally {
      await node.close();
    }
  });

  it('commits open groups before any other write on the node, so a journal entry or a delete never overtakes them', async () => {
    const node = await openDuckDbNode({ path: file(), groupIdleMs: 60_000 });
    try {
      await node.ensureSchema();
      await node.append('daily_pnl', pnl(names('b', 30)), { group: 'file-b' });
      expect(await count(node)).toBe(0);
      await node.putEntries('ingest', [{ key: 'file-b', value: 'committed' }]);
      expect(await count(node)).toBe(30);
      await node.append('daily_pnl', pnl(names('c', 20)), { group: 'file-c' });
      await node.deleteStrategies(names('c', 20));
      await node.syncAppends('file-c');
      expect(await count(node, "strategy_id LIKE 'c%'")).toBe(0);
      // an ungrouped append is durable at once and commits the groups before it too
      await node.append('daily_pnl', pnl(names('d', 10)), { group: 'file-d' });
      await node.append('daily_pnl', pnl(names('e', 10)));
      expect(await count(node, "strategy_id LIKE 'd%' OR strategy_id LIKE 'e%'")).toBe(20);
    } finally {
      await node.close();
    }
  });

  it('rolls a failed group back whole: every writer in it gets STRATA_STORE_APPEND_LOST from its sync, later groups are unharmed', async () => {
    const node = await openDuckDbNode({ path: file(), groupIdleMs: 60_000 });
    try {
      // the schema's columns plus a CHECK only DuckDB enforces, so an append is refused inside the engine
      await node.query('CREATE TABLE daily_pnl (strategy_id TEXT NOT NULL, trading_day TEXT NOT NULL, zone TEXT NOT NULL, pnl DOUBLE NOT NULL CHECK (pnl < 100), n_trades INTEGER, partition_id INTEGER NOT NULL)');
      await node.ensureSchema();
      await node.append('daily_pnl', pnl(names('x', 40)), { group: 'file-x' });
      await node.append('daily_pnl', pnl(names('y', 40)), { group: 'file-y' });
      await expect(node.append('daily_pnl', pnl(names('y', 5, 40), 500), { group: 'file-y' })).rejects.toMatchObject({ code: 'STRATA_STORE_QUERY_FAILED' });
      const lost = await node.syncAppends('file-x').then(() => null, (e: unknown) => e);
      expect(lost).toMatchObject({ code: 'STRATA_STORE_APPEND_LOST', retryable: true });
      expect((lost as Error).message).toContain('CHECK');
      await expect(node.syncAppends('file-y')).rejects.toMatchObject({ code: 'STRATA_STORE_APPEND_LOST' });
      await node.syncAppends('file-x'); // told once
      expect(await count(node)).toBe(0);
      await node.append('daily_pnl', pnl(names('z', 40)), { group: 'file-z' });
      await node.syncAppends('file-z');
      expect(await count(node)).toBe(40);
    } finally {
      await node.close();
    }
  });

  it('keeps one appender per connection and table across transactions: after a refused append, grouped or not, the next ones land whole', async () => {
    const path = file();
    const node = await openDuckDbNode({ path, groupIdleMs: 60_000, groupCommitRows: 100 });
    try {
      await node.query('CREATE TABLE daily_pnl (strategy_id TEXT NOT NULL, trading_day TEXT NOT NULL, zone TEXT NOT NULL, pnl DOUBLE NOT NULL CHECK (pnl < 100), n_trades INTEGER, partition_id INTEGER NOT NULL)');
      await node.ensureSchema();
      // ungrouped appends (each its own transaction on the writer connection), one refused in the middle
      await node.append('daily_pnl', pnl(names('a', 30), 1));
      await expect(node.append('daily_pnl', pnl(names('b', 30), 500))).rejects.toMatchObject({ code: 'STRATA_STORE_QUERY_FAILED' });
      await node.append('daily_pnl', pnl(names('c', 30), 2));
      expect(await count(node)).toBe(60);
      expect(await count(node, "strategy_id LIKE 'b%'")).toBe(0);
      // grouped appends over several groups (three commits of 100 rows on the two group connections)
      for (let i = 0; i < 6; i++) await node.append('daily_pnl', pnl(names(`g${i}-`, 50), 3), { group: 'many' });
      await node.syncAppends('many');
      expect(await count(node, 'pnl = 3')).toBe(300);
      // both tables through the same connections
      await node.append('strategies', { rowCount: 2, columns: { strategy_id: ['s1', 's2'], strategy_name: ['one', 'two'], source_format: ['F1', 'F1'], strategy_type: ['t', 't'], currency: ['INR', 'INR'], partition_id: new Int32Array(2) } });
      expect(Number(resultRows(await node.query('SELECT COUNT(*) AS n FROM strategies'))[0]!['n'])).toBe(2);
    } finally {
      await node.close();
    }
    // closed cleanly (its appenders closed before their connections): the file reopens with every row
    const reopened = await openDuckDbNode({ path });
    try {
      expect(await count(reopened)).toBe(360);
    } finally {
      await reopened.close();
    }
  });

  it('commits a group that saw no append for groupIdleMs, and commits open groups at close', async () => {
    const path = file();
    const node = await openDuckDbNode({ path, groupIdleMs: 50 });
    await node.ensureSchema();
    await node.append('daily_pnl', pnl(names('i', 25)), { group: 'idle' });
    await eventually(async () => (await count(node)) === 25, 'the idle group committed');
    const node2Path = file();
    const node2 = await openDuckDbNode({ path: node2Path, groupIdleMs: 60_000 });
    await node2.ensureSchema();
    await node2.append('daily_pnl', pnl(names('k', 15)), { group: 'closing' });
    await node2.close();
    await node.close();
    const reopened = await openDuckDbNode({ path: node2Path });
    try {
      expect(await count(reopened)).toBe(15);
    } finally {
      await reopened.close();
    }
  });

  it('with groupCommitRows 0 every append commits alone, grouped or not', async () => {
    const node = await openDuckDbNode({ path: file(), groupCommitRows: 0 });
    try {
      await node.ensureSchema();
      await node.append('daily_pnl', pnl(names('n', 12)), { group: 'file-n' });
      expect(await count(node)).toBe(12);
      expect(await node.syncAppends('file-n')).toEqual({ rows: 12 });
      await expect(openDuckDbNode({ path: ':memory:', groupCommitRows: -1 })).rejects.toMatchObject({ code: 'STRATA_STORE_OPEN_FAILED' });
    } finally {
      await node.close();
    }
  });
});
