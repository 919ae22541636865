// IngestSink over one store node (engine/store): the journal lives in the node's kv table (namespace
// `ingest`), rows get their partition_id from the partition scheme, and abort deletes by strategy id; the
// write protocol itself is journalled-sink.ts.
import type { CanonicalBatch, CanonicalTable } from '../../engine/formats/index.ts';
import { DEFAULT_SCHEME, partitionIds, resultColumn, type ColumnBatch, type PartitionScheme, type ResultSet, type StoreNode } from '../../engine/store/index.ts';
import { createJournalledSink } from './journalled-sink.ts';
import type { IngestSink } from './sink.ts';

export interface StoreNodeSinkOptions {
  readonly scheme?: PartitionScheme;
  /** per-call store timeout, ms */
  readonly timeoutMs?: number;
}

/** The batch with partition_id filled in, in the shape a store node's append takes. */
export function withPartitions(scheme: PartitionScheme, table: CanonicalTable, batch: CanonicalBatch): ColumnBatch {
  const base: ColumnBatch = { rowCount: batch.rowCount, columns: batch.columns };
  return { rowCount: batch.rowCount, columns: { ...batch.columns, partition_id: partitionIds(scheme, table, base) } };
}

/** The strategy_name column of a (strategy_name, strategy_id) result as a set, leaving out the strategies `exceptIds`. */
export function namesBut(r: ResultSet, exceptIds: readonly string[] = []): Set<string> {
  if (r.rowCount === 0) return new Set();
  const names = resultColumn(r, 'strategy_name').values as string[];
  if (exceptIds.length === 0) return new Set(names);
  const except = new Set(exceptIds);
  const ids = resultColumn(r, 'strategy_id').values as string[];
  const out = new Set<string>();
  for (let i = 0; i < r.rowCount; i++) if (!except.has(ids[i]!)) out.add(names[i]!);
  return out;
}

export function createStoreNodeSink(node: StoreNode, options: StoreNodeSinkOptions = {}): IngestSink {
  const scheme = options.scheme ?? DEFAULT_SCHEME;
  const call = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  return createJournalledSink({
    label: node.label,
    kvPut: (ns, entries) => node.putEntries(ns, entries, call),
    kvGet: async (ns, key) => (await node.readEntries(ns, [key], call))[0] ?? null,
    kvList: (ns) => node.readEntries(ns, undefined, call),
    kvDelete: (ns, keys) => node.deleteEntries(ns, keys, call),
    strategyNames: async (exceptIds) => {
      // every row, made distinct here: a DISTINCT is a hash aggregate, whose freed blocks DuckDB keeps referenced
      // for a long while (docs/daemon.md), once per file; a strategy is one row, so the rows are as many
      const r = await node.query('SELECT strategy_name, strategy_id FROM strategies', [], call);
      return namesBut(r, exceptIds);
    },
    // grouped by file: the rows may share a transaction with the next batches (engine/store/duckdb-append-groups.ts)
    append: (table, batch, group) => node.append(table, withPartitions(scheme, table, batch), group === undefined ? call : { ...call, group }),
    syncAppends: async (group) => void (await node.syncAppends(group, call)),
    deleteStrategies: (ids) => node.deleteStrategies(ids, undefined, call),
  });
}
