// IngestSink over a StoreCluster: the ingest journal lives in the cluster's kv (namespace `ingest`, replicated
// on every node), rows are written through the load-balancer (which fills partition_id), abort deletes by
// strategy id on every replica. The write protocol itself is actors/ingest/journalled-sink.ts.
import { createJournalledSink, namesBut, type IngestSink } from '../ingest/index.ts';
import { PARTITIONS_MARKER } from '../load-balancer/index.ts';
import type { StoreCluster } from './store-cluster.ts';

export function createStoreClusterSink(cluster: StoreCluster, options: { readonly label?: string } = {}): IngestSink {
  return createJournalledSink({
    label: options.label ?? `store cluster (${cluster.nodes.join(', ')})`,
    kvPut: (ns, entries) => cluster.kvPut(ns, entries),
    kvGet: (ns, key) => cluster.kvGet(ns, key),
    kvList: (ns) => cluster.kvList(ns),
    kvDelete: (ns, keys) => cluster.kvDelete(ns, keys),
    strategyNames: async (exceptIds) => {
      // every row (one per strategy, from one replica of each partition), made distinct here: a DISTINCT is a hash
      // aggregate per node per file, whose freed blocks DuckDB keeps referenced for a long while (docs/daemon.md)
      const r = await cluster.query(`SELECT strategy_name, strategy_id FROM strategies WHERE ${PARTITIONS_MARKER}`, []);
      return namesBut(r, exceptIds);
    },
    // grouped by file: each replica may keep the rows in a transaction shared with the next batches until the
    // journal's commit syncs them (grouped appends, docs/store.md)
    append: async (table, batch, group) => void (await cluster.append(table, { rowCount: batch.rowCount, columns: batch.columns }, group === undefined ? {} : { group })),
    syncAppends: (group) => cluster.syncAppends(group),
    deleteStrategies: (ids) => cluster.deleteStrategies(ids),
  });
}
