// The contract every store node honours, run against each backend by store-contract.test.ts: schema, exact
// round trips, hostile strings as data, typed columns, int64 narrowing, checksums, partition copy and delete,
// the kv journal, health, and coded errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumPartitions, PARTITIONED_TABLES, resultColumn, resultRows, TABLES, Utf8ColumnBuilder } from '../../../engine/store/index.ts';
import type { ColumnBatch, ResultSet, StoreNode, Utf8Column } from '../../../engine/store/index.ts';

function utf8Column(xs: readonly (string | null)[]): Utf8Column {
  const b = new Utf8ColumnBuilder();
  for (const x of xs) b.push(x);
  return b.take();
}

export interface ContractTarget {
  readonly node: StoreNode;
  cleanup(): Promise<void>;
}

export const HOSTILE_NAMES: readonly string[] = [
  "O'Brien", "''", 'a,b,c', '"double"', "'; DROP TABLE strategies; --", "Robert'); DROP TABLE trades;--",
  '日本語 ✓ 😀', 'e\u0301 combining', '\\back\\slash\\n', '?', '? and ?', '-- not a comment', '/* nor this */',
  'tab\there', 'new\nline', ' lead and trail ', '%_like_%', 'NULL', 'select', '$1', '🏳️‍🌈 zwj', 'ÿ\u00a0nbsp',
];

const FLOATS = [0.1, -2, 0, 1e-300, 5e-324, 1.7976931348623157e308, -123456.789, 0.30000000000000004, 2 ** 53, -0.5];

function pnlBatch(ids: readonly string[], days: readonly string[], partitionOf: (id: string) => number): ColumnBatch {
  const n = ids.length * days.length;
  const strategy: string[] = [];
  const day: string[] = [];
  const pnl = new Float64Array(n);
  const trades: (number | null)[] = [];
  const part = new Int32Array(n);
  let i = 0;
  for (const [s, id] of ids.entries()) {
    for (const [d, dd] of days.entries()) {
      strategy.push(id);
      day.push(dd);
      pnl[i] = FLOATS[(s * 7 + d) % FLOATS.length]!;
      trades.push((s + d) % 3 === 0 ? null : s + d);
      part[i] = partitionOf(id);
      i++;
    }
  }
  return { rowCount: n, columns: { strategy_id: strategy, trading_day: day, zone: new Array<string>(n).fill('ALL'), pnl, n_trades: trades, partition_id: part } };
}

function asResult(batch: ColumnBatch, order: readonly string[]): ResultSet {
  // The batch seen as a query result, for computing the checksum the node must report.
  return {
    rowCount: batch.rowCount,
    columns: order.map((name) => {
      const v = batch.columns[name]!;
      if (name === 'strategy_id' || name === 'trading_day' || name === 'zone') return { name, type: 'text' as const, values: v as string[], nulls: null };
      if (v instanceof Float64Array) return { name, type: 'float64' as const, values: v, nulls: null };
      if (v instanceof Int32Array) return { name, type: 'int32' as const, values: v, nulls: null };
      const arr = v as (number | null)[];
      return { name, type: 'int32' as const, values: Int32Array.from(arr, (x) => x ?? 0), nulls: Uint8Array.from(arr, (x) => (x === null ? 1 : 0)) };
    }),
  };
}

export function describeStoreContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`store node contract: ${name}`, () => {
    let target: ContractTarget;
    let node: StoreNode;
    const partitionOf = (id: string): number => HOSTILE_NAMES.indexOf(id) % 4;
    const days = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'];

    beforeAll(async () => {
      target = await open();
      node = target.node;
      await node.ensureSchema();
      // A previous run against a real server may have left rows: start from empty tables.
      await node.deletePartitions([0, 1, 2, 3]);
      await node.deleteEntries('contract', ['a', 'b', "it's"]);
    });

    afterAll(async () => {
      await target?.cleanup();
    });

    it('creates the canonical tables with the documented columns and keeps them on a second ensureSchema', async () => {
      await node.ensureSchema();
      for (const table of [...PARTITIONED_TABLES, 'kv' as const]) {
        const cols = TABLES[table].columns.map((c) => c.name);
        const r = await node.query(`SELECT ${cols.join(', ')} FROM ${table} WHERE 1 = 0`);
        expect(r.columns.map((c) => c.name)).toEqual(cols);
        expect(r.rowCount).toBe(0);
      }
    });

    it('appends a columnar batch and reads back exactly the same values, types and nulls', async () => {
      const batch = pnlBatch(HOSTILE_NAMES, days, partitionOf);
      await node.append('daily_pnl', batch);
      const r = await node.query('SELECT strategy_id, trading_day, zone, pnl, n_trades, partition_id FROM daily_pnl ORDER BY partition_id, trading_day');
      expect(r.rowCount).toBe(batch.rowCount);
      expect(r.columns.map((c) => c.type)).toEqual(['text', 'text', 'text', 'float64', 'int32', 'int32']);
      const pnl = resultColumn(r, 'pnl');
      expect(pnl.values).toBeInstanceOf(Float64Array);
      // Compare as sets of rows: ORDER BY on unicode text differs between collations, the values must not.
      const key = (s: string, d: string): string => `${s}\u0001${d}`;
      const expected = new Map<string, [number, number | null]>();
      const src = batch.columns;
      for (let i = 0; i < batch.rowCount; i++) expected.set(key((src['strategy_id'] as string[])[i]!, (src['trading_day'] as string[])[i]!), [(src['pnl'] as Float64Array)[i]!, (src['n_trades'] as (number | null)[])[i]!]);
      for (const row of resultRows(r)) {
        const e = expected.get(key(row['strategy_id'] as string, row['trading_day'] as string));
        expect(e, `row for ${JSON.stringify(row['strategy_id'])}`).toBeDefined();
        expect(Object.is(row['pnl'], e![0]) || (row['pnl'] === 0 && e![0] === 0)).toBe(true);
        expect(row['n_trades']).toBe(e![1]);
      }
      expect(new Set(resultColumn(r, 'strategy_id').values as readonly string[])).toEqual(new Set(HOSTILE_NAMES));
    });

    it('treats hostile strategy names as data when they are parameters', async () => {
      for (const name of HOSTILE_NAMES) {
        const r = await node.query('SELECT strategy_id, COUNT(*) AS n FROM daily_pnl WHERE strategy_id = ? GROUP BY strategy_id', [name]);
        expect(resultRows(r)).toEqual([{ strategy_id: name, n: days.length }]);
      }
      const echo = await node.query('SELECT ? AS a, ? AS b', ["x'y", '-- z']);
      expect(resultRows(echo)).toEqual([{ a: "x'y", b: '-- z' }]);
    });

    it('passes numbers, bigints, booleans and null as exact parameters', async () => {
      for (const x of FLOATS) {
        const r = await node.query('SELECT COUNT(*) AS n FROM daily_pnl WHERE pnl = ?', [x]);
        expect(Number(r.columns[0]!.values[0])).toBeGreaterThan(0);
      }
      const r = await node.query('SELECT CAST(? AS BIGINT) AS big, CAST(? AS INTEGER) AS small, CAST(? AS DOUBLE) AS d, CAST(? AS TEXT) AS t', [9007199254740991n, -7, -0.25, null]);
      expect(resultRows(r)).toEqual([{ big: 9007199254740991, small: -7, d: -0.25, t: null }]);
      expect(r.columns.map((c) => c.type)).toEqual(['int64', 'int32', 'float64', 'text']);
    });

    it('refuses int64 results that a JavaScript number cannot hold exactly', async () => {
      await expect(node.query('SELECT CAST(? AS BIGINT) AS big', [9007199254740993n])).rejects.toMatchObject({ code: 'STRATA_STORE_INT64_UNSAFE' });
      await expect(node.query('SELECT CAST(? AS BIGINT) AS big', [-9007199254740992n])).rejects.toMatchObject({ code: 'STRATA_STORE_INT64_UNSAFE' });
    });

    it('stores every canonical table with its typed columns, int64, dictionary and UTF-8 text columns included', async () => {
      await node.append('strategies', {
        rowCount: 2,
        columns: {
          strategy_id: ['s1', "s'2"], strategy_name: ['One', 'Two, "quoted"'], source_format: ['FORMAT_1_BACKINZO_CSV', 'FORMAT_4_CONSOLIDATED_XLSX'],
          source_file: ['a.csv', null], strategy_type: ['ORB', 'UNKNOWN'], currency: ['INR', 'INR'], margin_required: [150000.5, null],
          first_trading_day: ['2024-01-01', null], last_trading_day: ['2024-03-01', null], partition_id: new Int32Array([0, 1]),
        },
      });
      await node.append('trades', {
        rowCount: 2,
        columns: {
          strategy_id: { dictionary: ['s1'], codes: new Int32Array(2) }, trade_key: utf8Column(['t1', 't2']), exit_ts: utf8Column([null, '2024-01-03 15:20:00 · ü']),
          trade_date: ['2024-01-02', '2024-01-03'], side: ['LONG', 'SHORT'],
          option_type: ['CE', null], strike: [21000, null], qty: new Float64Array([50, 25]), net_pnl: new Float64Array([-10.5, 99.25]),
          source_row: [9007199254740991, 2], partition_id: new Int32Array([0, 0]),
        },
      });
      const s = resultRows(await node.query('SELECT strategy_id, strategy_name, source_file, margin_required, first_trading_day FROM strategies WHERE partition_id IN (?, ?) ORDER BY partition_id', [0, 1]));
      expect(s).toEqual([
        { strategy_id: 's1', strategy_name: 'One', source_file: 'a.csv', margin_required: 150000.5, first_trading_day: '2024-01-01' },
        { strategy_id: "s'2", strategy_name: 'Two, "quoted"', source_file: null, margin_required: null, first_trading_day: null },
      ]);
      const t = await node.query('SELECT trade_key, option_type, strike, source_row, exit_ts FROM trades ORDER BY trade_key');
      expect(resultRows(t)).toEqual([
        { trade_key: 't1', option_type: 'CE', strike: 21000, source_row: 9007199254740991, exit_ts: null },
        { trade_key: 't2', option_type: null, strike: null, source_row: 2, exit_ts: '2024-01-03 15:20:00 · ü' },
      ]);
      expect(resultColumn(t, 'source_row').type).toBe('int64');
    });

    it('reports the same per-partition checksums as the rows it was given, and they follow the data', async () => {
      const batch = pnlBatch(HOSTILE_NAMES, days, partitionOf);
      const order = TABLES.daily_pnl.columns.map((c) => c.name);
      const expected = checksumPartitions(asResult(batch, order), 'partition_id');
      const got = await node.partitionChecksums('daily_pnl');
      expect(got).toEqual(expected);
      const some = await node.partitionChecksums('daily_pnl', [1, 3, 99]);
      expect(some.map((c) => c.partition)).toEqual([1, 3, 99]);
      expect(some[2]).toEqual({ partition: 99, rows: 0, checksum: '0000000000000000' });
      expect(some[0]).toEqual(expected.find((c) => c.partition === 1));
      // Copy a partition out, delete it, put it back: the checksum returns to what it was.
      const exported = await node.exportPartitions('daily_pnl', [2]);
      await node.deletePartitions([2], ['daily_pnl']);
      expect((await node.partitionChecksums('daily_pnl', [2]))[0]!.rows).toBe(0);
      await node.append('daily_pnl', exported);
      expect((await node.partitionChecksums('daily_pnl', [2]))[0]).toEqual(expected.find((c) => c.partition === 2));
      // A changed value changes the checksum.
      await node.query('UPDATE daily_pnl SET pnl = pnl + 1 WHERE partition_id = ? AND trading_day = ?', [2, days[0]!]);
      expect((await node.partitionChecksums('daily_pnl', [2]))[0]!.checksum).not.toBe(expected.find((c) => c.partition === 2)!.checksum);
    });

    it('deletes by partition and by strategy set, leaving everything else', async () => {
      const before = await node.partitionChecksums('daily_pnl');
      await node.deletePartitions([0]);
      const after = await node.partitionChecksums('daily_pnl');
      expect(after.find((c) => c.partition === 0)).toBeUndefined();
      expect(after.filter((c) => c.partition !== 0)).toEqual(before.filter((c) => c.partition !== 0));
      expect((await node.query('SELECT COUNT(*) AS n FROM strategies WHERE partition_id = ?', [0])).columns[0]!.values[0]).toBe(0);
      const victims = HOSTILE_NAMES.filter((n) => partitionOf(n) === 1).slice(0, 2);
      await node.deleteStrategies(victims, ['daily_pnl']);
      const left = resultColumn(await node.query('SELECT DISTINCT strategy_id FROM daily_pnl'), 'strategy_id').values;
      for (const v of victims) expect(left).not.toContain(v);
      expect(left.length).toBe(HOSTILE_NAMES.filter((n) => partitionOf(n) !== 0).length - victims.length);
    });

    it('keeps kv entries durable with the newest value per key', async () => {
      await node.putEntries('contract', [{ key: 'a', value: '1' }, { key: "it's", value: '{"json":"yes"}' }]);
      await node.putEntries('contract', [{ key: 'a', value: '2' }, { key: 'b', value: 'x' }]);
      const all = await node.readEntries('contract');
      expect(all.map((e) => [e.key, e.value])).toEqual([['a', '2'], ['b', 'x'], ["it's", '{"json":"yes"}']]);
      expect(new Set(all.map((e) => e.updatedAt)).size).toBe(2);
      expect((await node.readEntries('contract', ["it's"])).map((e) => e.value)).toEqual(['{"json":"yes"}']);
      await node.deleteEntries('contract', ['b']);
      expect((await node.readEntries('contract')).map((e) => e.key)).toEqual(['a', "it's"]);
      const rows = await node.query('SELECT COUNT(*) AS n FROM kv WHERE ns = ? AND entry_key = ?', ['contract', 'a']);
      expect(rows.columns[0]!.values[0]).toBe(1);
    });

    it('reports health with a version and row counts', async () => {
      const h = await node.health();
      expect(h.kind).toBe(node.kind);
      expect(h.version).toMatch(/\S/);
      const n = await node.query('SELECT COUNT(*) AS n FROM daily_pnl');
      expect(h.rowCounts.daily_pnl).toBe(n.columns[0]!.values[0]);
      expect(h.rowCounts.kv).toBeGreaterThanOrEqual(2);
      expect(h.pingMs).toBeGreaterThanOrEqual(0);
    });

    it('refuses malformed batches, bad values and wrong parameter counts with codes', async () => {
      await expect(node.append('daily_pnl', { rowCount: 1, columns: { strategy_id: ['x'] } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_BATCH' });
      await expect(node.append('daily_pnl', { rowCount: 1, columns: { strategy_id: ['x'], trading_day: ['2024-01-01'], zone: ['ALL'], pnl: [Number.NaN], partition_id: [0] } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_VALUE' });
      await expect(node.append('daily_pnl', { rowCount: 1, columns: { strategy_id: ['bad\u0000nul'], trading_day: ['2024-01-01'], zone: ['ALL'], pnl: [1], partition_id: [0] } })).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_VALUE' });
      await expect(node.append('nope' as 'kv', { rowCount: 0, columns: {} })).rejects.toMatchObject({ code: 'STRATA_STORE_UNKNOWN_TABLE' });
      await expect(node.query('SELECT ? AS a', [])).rejects.toMatchObject({ code: 'STRATA_STORE_INVALID_PARAMETERS' });
      await expect(node.query("SELECT '?' AS a")).resolves.toMatchObject({ rowCount: 1 });
      await expect(node.query('SELECT nonsense FROM nowhere')).rejects.toMatchObject({ code: 'STRATA_STORE_QUERY_FAILED' });
    });
  });
}
