// The schema stays inside the dialect subset: no column name is a reserved word of HeavyDB or DuckDB, the DDL
// uses only types both accept, and the canonical columns of FORMATS.md are all present.
import { describe, expect, it } from 'vitest';
import { createTableSql, PARTITIONED_TABLES, TABLES } from '../../../engine/store/index.ts';

// Words HeavyDB reserves (its Parser/ReservedKeywords.h, Calcite's list plus its own) that a store column could
// plausibly be named, plus DuckDB's reserved keywords of the same kind.
const RESERVED = new Set([
  'day', 'date', 'time', 'timestamp', 'year', 'month', 'hour', 'minute', 'second', 'value', 'values', 'key', 'text',
  'user', 'table', 'column', 'order', 'group', 'range', 'rows', 'row', 'position', 'result', 'start', 'end', 'first',
  'last', 'length', 'count', 'sum', 'min', 'max', 'avg', 'type', 'current', 'window', 'partition', 'interval', 'zone_hour',
  'limit', 'offset', 'desc', 'asc', 'schema', 'database', 'public', 'option', 'show', 'view', 'copy', 'if', 'now', 'select',
]);

const CANONICAL: Record<string, string[]> = {
  strategies: ['strategy_id', 'strategy_name', 'source_format', 'source_file', 'source_sheet', 'source_column', 'underlying', 'strategy_type', 'currency', 'margin_required', 'first_trading_day', 'last_trading_day'],
  trades: ['strategy_id', 'trade_key', 'leg_id', 'entry_ts', 'exit_ts', 'trade_date', 'side', 'instrument', 'option_type', 'strike', 'expiry', 'qty', 'entry_price', 'exit_price', 'gross_pnl', 'net_pnl', 'exit_reason', 'mfe', 'mae', 'zone', 'source_row'],
  daily_pnl: ['strategy_id', 'trading_day', 'zone', 'pnl', 'n_trades'],
};

describe('store schema', () => {
  it('names no column with a reserved word of either engine', () => {
    for (const spec of Object.values(TABLES)) for (const c of spec.columns) expect(RESERVED.has(c.name), `${spec.name}.${c.name}`).toBe(false);
  });

  it('holds exactly the canonical columns plus partition_id', () => {
    for (const table of PARTITIONED_TABLES) expect(TABLES[table].columns.map((c) => c.name)).toEqual([...CANONICAL[table]!, 'partition_id']);
  });

  it('says how values spread only for text columns, and keeps that out of the DDL both engines parse', () => {
    for (const spec of Object.values(TABLES)) {
      for (const c of spec.columns) if (c.values !== undefined) expect(c.type, `${spec.name}.${c.name}`).toBe('text');
      expect(createTableSql(spec)).not.toMatch(/USING|COMPRESSION|ENCODING/);
    }
    const trades = Object.fromEntries(TABLES.trades.columns.map((c) => [c.name, c.values]));
    expect(trades).toMatchObject({ strategy_id: 'repeated', trade_date: 'repeated', zone: 'repeated', trade_key: 'distinct', entry_ts: 'distinct', exit_ts: 'distinct' });
    const ddl = createTableSql(TABLES.daily_pnl, (c) => (c.values ? ` /*${c.values}*/` : ''));
    expect(ddl).toContain('strategy_id TEXT NOT NULL /*repeated*/');
    expect(ddl).toContain('pnl DOUBLE NOT NULL,');
  });

  it('writes DDL with only TEXT, DOUBLE, INTEGER and BIGINT columns', () => {
    for (const spec of Object.values(TABLES)) {
      const ddl = createTableSql(spec);
      expect(ddl.startsWith(`CREATE TABLE IF NOT EXISTS ${spec.name} (`)).toBe(true);
      const types = [...ddl.matchAll(/ (TEXT|DOUBLE|INTEGER|BIGINT|[A-Z]+)(?: NOT NULL)?[,)]/g)].map((m) => m[1]);
      expect(new Set(types).size).toBeGreaterThan(0);
      for (const t of types) expect(['TEXT', 'DOUBLE', 'INTEGER', 'BIGINT']).toContain(t);
    }
  });
});
