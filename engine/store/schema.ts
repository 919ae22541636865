// The store schema: the canonical tables of FORMATS.md §Canonical plus `partition_id` on each (so a node can
// checksum, copy and delete one partition in plain SQL) and the `kv` table that jobs use for durable state.
// Types and DDL stay inside the dialect subset DuckDB and HeavyDB both accept (TEXT, DOUBLE, INTEGER, BIGINT);
// an engine's own storage clauses come from its driver (`tableSql`).
import { storeError } from './errors.ts';

/** How a column is stored and how its values travel in batches and results. */
export type ColumnType = 'text' | 'float64' | 'int32' | 'int64' | 'bool';

/** How a text column's values are spread: `repeated` (a few distinct values over many rows: ids, days, names,
 *  zones) or `distinct` (mostly unique: keys, timestamps). An engine may pick its storage from it; DuckDB does
 *  (a compression method per column), HeavyDB dictionary-encodes every TEXT column anyway. */
export type TextValues = 'repeated' | 'distinct';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** text columns: how the values are spread (unset: unknown, the engine decides on its own) */
  readonly values?: TextValues;
}

export type PartitionedTableName = 'strategies' | 'trades' | 'daily_pnl';
export type TableName = PartitionedTableName | 'kv';

export interface TableSpec {
  readonly name: TableName;
  readonly columns: readonly ColumnSpec[];
  /** true for canonical tables: rows carry `partition_id` and are placed on `replicationFactor` nodes. */
  readonly partitioned: boolean;
  /** the column whose date places a row under date-range partitioning (null: the table has none). */
  readonly dayColumn: string | null;
}

const text = (name: string, nullable = true, values?: TextValues): ColumnSpec => (values ? { name, type: 'text', nullable, values } : { name, type: 'text', nullable });
const repeated = (name: string, nullable = true): ColumnSpec => text(name, nullable, 'repeated');
const distinct = (name: string, nullable = true): ColumnSpec => text(name, nullable, 'distinct');
const float64 = (name: string, nullable = true): ColumnSpec => ({ name, type: 'float64', nullable });
const int32 = (name: string, nullable = true): ColumnSpec => ({ name, type: 'int32', nullable });
const int64 = (name: string, nullable = true): ColumnSpec => ({ name, type: 'int64', nullable });

export const PARTITION_COLUMN = 'partition_id';

const strategies: TableSpec = {
  name: 'strategies',
  partitioned: true,
  dayColumn: 'first_trading_day',
  columns: [
    text('strategy_id', false), text('strategy_name', false), text('source_format', false), text('source_file'),
    text('source_sheet'), text('source_column'), text('underlying'), text('strategy_type', false),
    text('currency', false), float64('margin_required'), text('first_trading_day'), text('last_trading_day'),
    int32(PARTITION_COLUMN, false),
  ],
};

const trades: TableSpec = {
  name: 'trades',
  partitioned: true,
  dayColumn: 'trade_date',
  columns: [
    repeated('strategy_id', false), distinct('trade_key', false), repeated('leg_id'), distinct('entry_ts'), distinct('exit_ts'),
    repeated('trade_date', false), repeated('side'), repeated('instrument'), repeated('option_type'), float64('strike'),
    repeated('expiry'), float64('qty'), float64('entry_price'), float64('exit_price'), float64('gross_pnl'),
    float64('net_pnl'), repeated('exit_reason'), float64('mfe'), float64('mae'), repeated('zone'), int64('source_row'),
    int32(PARTITION_COLUMN, false),
  ],
};

const dailyPnl: TableSpec = {
  name: 'daily_pnl',
  partitioned: true,
  dayColumn: 'trading_day',
  columns: [
    repeated('strategy_id', false), repeated('trading_day', false), repeated('zone', false), float64('pnl', false),
    int32('n_trades'), int32(PARTITION_COLUMN, false),
  ],
};

// `key`/`value` are reserved in one engine or the other, hence entry_key/entry_value. Not partitioned: the
// caller decides which nodes keep a namespace (the job journal goes to every node).
const kv: TableSpec = {
  name: 'kv',
  partitioned: false,
  dayColumn: null,
  columns: [text('ns', false), text('entry_key', false), text('entry_value', false), int64('updated_at', false)],
};

export const TABLES: Readonly<Record<TableName, TableSpec>> = { strategies, trades, daily_pnl: dailyPnl, kv };
export const TABLE_NAMES: readonly TableName[] = ['strategies', 'trades', 'daily_pnl', 'kv'];
export const PARTITIONED_TABLES: readonly PartitionedTableName[] = ['strategies', 'trades', 'daily_pnl'];

export function tableSpec(name: string): TableSpec {
  if (!Object.hasOwn(TABLES, name)) {
    throw storeError('STRATA_STORE_UNKNOWN_TABLE', `unknown store table ${JSON.stringify(name)}; tables are ${TABLE_NAMES.join(', ')}`, { table: name });
  }
  return TABLES[name as TableName];
}

const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'TEXT', float64: 'DOUBLE', int32: 'INTEGER', int64: 'BIGINT', bool: 'BOOLEAN',
};

/** CREATE TABLE IF NOT EXISTS in the subset both engines parse (no constraints, no encodings). An engine may
 *  add a clause after a column's type (`storage`: DuckDB's compression method from the column's `values`). */
export function createTableSql(spec: TableSpec, storage?: (column: ColumnSpec) => string): string {
  const cols = spec.columns.map((c) => `${c.name} ${SQL_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}${storage ? storage(c) : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${spec.name} (${cols.join(', ')})`;
}
