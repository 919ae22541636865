// IngestSink over one store node (engine/store): the journal lives in the node's kv table (namespace
// `ingest`), rows get their partition_id from the partition scheme, and abort deletes by strategy id; the
// write protocol itself is journalled-sink.ts.
import type { CanonicalBatch, CanonicalTable } from '../../engine/formats/index.ts';
import { DEFAULT_SCHEME, partitionIds, resultColumn, type ColumnBatch, type PartitionScheme, type StoreNode } from '../../engine/store/index.ts';
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

export function createStoreNodeSink(node: StoreNode, options: StoreNodeSinkOptions = {}): IngestSink {
  const scheme = options.scheme ?? DEFAULT_SCHEME;
  const call = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  return createJournalledSink({
    label: node.label,
    kvPut: (ns, entries) => node.putEntries(ns, entries, call),
    kvGet: async (ns, key) => (await node.readEntries(ns, [key], call))[0] ?? null,
    kvList: (ns) => node.readEntries(ns, undefined, call),
    kvDelete: (ns, keys) => node.deleteEntries(ns, keys, call),
    strategyNames: async () => {
      // every row, made distinct here: a DISTINCT is a hash aggregate, whose freed blocks DuckDB keeps referenced
      // for a long while (docs/daemon.md), once per file; a strategy is one row, so the rows are as many
      const r = await node.query('SELECT strategy_name FROM strategies', [], call);
      return new Set(resultColumn(r, 'strategy_name').values as string[]);
    },
    // grouped by file: the rows may share a transaction with the next batches (engine/store/duckdb-append-groups.ts)
    append: (table, batch, group) => node.append(table, withPartitions(scheme, table, batch), group === undefined ? call : { ...call, group }),
    syncAppends: async (group) => void (await node.syncAppends(group, call)),
    deleteStrategies: (ids) => node.deleteStrategies(ids, undefined, call),
  });
}
