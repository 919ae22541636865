// IngestSink over a StoreCluster: the ingest journal lives in the cluster's kv (namespace `ingest`, replicated
// on every node), rows are written through the load-balancer (which fills partition_id), abort deletes by
// strategy id on every replica. Same write protocol as the single-node sink (actors/ingest/sink.ts).
import { ingestError, JOURNAL_NAMESPACE, parseJournalRecord, type IngestSink, type JournalRecord } from '../ingest/index.ts';
import { PARTITIONS_MARKER } from '../load-balancer/index.ts';
import { resultColumn } from '../../engine/store/index.ts';
import type { StoreCluster } from './store-cluster.ts';

export function createStoreClusterSink(cluster: StoreCluster, options: { readonly label?: string } = {}): IngestSink {
  // The record being written, per hash: claim() extends it without reading it back.
  const open = new Map<string, JournalRecord>();
  const put = (r: JournalRecord): Promise<void> => cluster.kvPut(JOURNAL_NAMESPACE, [{ key: r.contentHash, value: JSON.stringify(r) }]);
  const read = async (hash: string): Promise<JournalRecord | null> => {
    const e = await cluster.kvGet(JOURNAL_NAMESPACE, hash);
    return e ? parseJournalRecord(e.key, e.value) : null;
  };

  return {
    label: options.label ?? `store cluster (${cluster.nodes.join(', ')})`,

    async committed(hash) {
      const r = await read(hash);
      return r?.state === 'committed' ? r : null;
    },

    async unfinished() {
      const all = await cluster.kvList(JOURNAL_NAMESPACE);
      return all.map((e) => parseJournalRecord(e.key, e.value)).filter((r) => r.state === 'writing').sort((a, b) => a.startedAt - b.startedAt);
    },

    async strategyNames() {
      const r = await cluster.query(`SELECT DISTINCT strategy_name FROM strategies WHERE ${PARTITIONS_MARKER}`, []);
      return new Set(r.rowCount === 0 ? [] : resultColumn(r, 'strategy_name').values as string[]);
    },

    async begin(record) {
      open.set(record.contentHash, record);
      await put(record);
    },

    async claim(hash, ids) {
      const r = open.get(hash) ?? (await read(hash));
      if (!r) throw ingestError('STRATA_INGEST_JOURNAL_CORRUPT', `ingest journal has no entry for ${hash} to claim strategy ids in`, { key: hash });
      const known = new Set(r.strategyIds);
      const fresh = ids.filter((id) => !known.has(id));
      if (fresh.length === 0) return;
      const next = { ...r, strategyIds: [...r.strategyIds, ...fresh] };
      await put(next);
      open.set(hash, next);
    },

    async append(table, batch) {
      if (batch.rowCount === 0) return;
      await cluster.append(table, { rowCount: batch.rowCount, columns: batch.columns });
    },

    async commit(hash, result) {
      const r = open.get(hash) ?? (await read(hash));
      if (!r) throw ingestError('STRATA_INGEST_JOURNAL_CORRUPT', `ingest journal has no entry for ${hash} to commit`, { key: hash });
      const done: JournalRecord = { ...r, state: 'committed', committedAt: Date.now(), format: result.format, rows: result.rows };
      await put(done);
      open.delete(hash);
      return done;
    },

    async abort(hash) {
      const r = open.get(hash) ?? (await read(hash));
      open.delete(hash);
      if (!r) return;
      if (r.strategyIds.length > 0) await cluster.deleteStrategies(r.strategyIds);
      await cluster.kvDelete(JOURNAL_NAMESPACE, [hash]);
    },
  };
}
