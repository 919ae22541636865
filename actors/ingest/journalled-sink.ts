// The ingest write protocol (sink.ts) over any store that has a key-value table and can append, list strategy
// names and delete by strategy id: one store node (store-node-sink.ts) or a StoreCluster (actors/store).
// The journal is the kv namespace `ingest`, one JSON record per content hash.
import type { CanonicalBatch, CanonicalTable } from '../../engine/formats/index.ts';
import { releaseBatchBuffers } from '../../engine/store/index.ts';
import { ingestError } from './errors.ts';
import { JOURNAL_NAMESPACE, type IngestSink, type JournalRecord } from './sink.ts';

/** What the protocol needs of a store. */
export interface JournalStore {
  readonly label: string;
  kvPut(namespace: string, entries: readonly { key: string; value: string }[]): Promise<void>;
  kvGet(namespace: string, key: string): Promise<{ key: string; value: string } | null>;
  kvList(namespace: string): Promise<readonly { key: string; value: string }[]>;
  kvDelete(namespace: string, keys: readonly string[]): Promise<void>;
  /** the stored strategy names, but for the strategies `exceptIds` */
  strategyNames(exceptIds?: readonly string[]): Promise<Set<string>>;
  /** `group` (one attempt at a file: groupOf) lets the store defer the rows' durability until syncAppends(group).
   *  Once it resolved, the store holds no reference to the batch's buffers (the sink frees them). */
  append(table: CanonicalTable, batch: CanonicalBatch, group?: string): Promise<void>;
  /** Makes the grouped appends of `group` durable, or rejects if they were lost; absent when every append is durable. */
  syncAppends?(group: string): Promise<void>;
  deleteStrategies(ids: readonly string[]): Promise<void>;
}

export function parseJournalRecord(key: string, value: string): JournalRecord {
  let r: unknown;
  try { r = JSON.parse(value); } catch { r = null; }
  const rec = r as Partial<JournalRecord> | null;
  if (!rec || typeof rec !== 'object' || rec.contentHash !== key || (rec.state !== 'writing' && rec.state !== 'committed')
    || typeof rec.file !== 'string' || !Array.isArray(rec.strategyIds)) {
    throw ingestError('STRATA_INGEST_JOURNAL_CORRUPT', `ingest journal entry ${JSON.stringify(key)} is not a journal record: ${value.slice(0, 200)}`, { key });
  }
  return rec as JournalRecord;
}

/**
 * The group of an attempt at a file: its content hash and the attempt's start. A group is one attempt, not one file:
 * the store counts each group's acknowledged rows (per node, in the load-balancer) until syncAppends(group), and an
 * attempt that failed while a node could not be reached leaves that node's count behind. Keyed by the hash alone,
 * the file's next attempt added its rows to that count, and its syncAppends found the node holding more rows than it
 * acknowledged: `STRATA_LB_WRITE_UNACKNOWLEDGED`, one more failed attempt, and the node's partitions marked for a
 * catch-up they did not need (found with two HeavyDB servers that went away mid-file, test/daemon/heavydb-outage.test.ts).
 * The start is in the journal record, so an abort after a crash syncs the group the crashed attempt wrote in.
 */
export const groupOf = (r: Pick<JournalRecord, 'contentHash' | 'startedAt'>): string => `${r.contentHash}@${r.startedAt}`;

export function createJournalledSink(store: JournalStore): IngestSink {
  // The record being written, per hash: claim() extends it without reading it back.
  const open = new Map<string, JournalRecord>();
  const put = (r: JournalRecord): Promise<void> => store.kvPut(JOURNAL_NAMESPACE, [{ key: r.contentHash, value: JSON.stringify(r) }]);
  const read = async (hash: string): Promise<JournalRecord | null> => {
    const e = await store.kvGet(JOURNAL_NAMESPACE, hash);
    return e ? parseJournalRecord(e.key, e.value) : null;
  };
  const current = async (hash: string, what: string): Promise<JournalRecord> => {
    const r = open.get(hash) ?? (await read(hash));
    if (!r) throw ingestError('STRATA_INGEST_JOURNAL_CORRUPT', `ingest journal has no entry for ${hash} to ${what}`, { key: hash });
    return r;
  };

  return {
    label: store.label,

    async committed(hash) {
      const r = await read(hash);
      return r?.state === 'committed' ? r : null;
    },

    async unfinished() {
      const all = await store.kvList(JOURNAL_NAMESPACE);
      return all.map((e) => parseJournalRecord(e.key, e.value)).filter((r) => r.state === 'writing').sort((a, b) => a.startedAt - b.startedAt);
    },

    async committedFiles() {
      const all = await store.kvList(JOURNAL_NAMESPACE);
      return all.map((e) => parseJournalRecord(e.key, e.value)).filter((r) => r.state === 'committed').sort((a, b) => (a.committedAt ?? 0) - (b.committedAt ?? 0));
    },

    strategyNames: (exceptIds) => store.strategyNames(exceptIds),

    async begin(record) {
      open.set(record.contentHash, record);
      await put(record);
    },

    async claim(hash, ids) {
      const r = await current(hash, 'claim strategy ids in');
      const known = new Set(r.strategyIds);
      const fresh = ids.filter((id) => !known.has(id));
      if (fresh.length === 0) return;
      const next = { ...r, strategyIds: [...r.strategyIds, ...fresh] };
      await put(next);
      open.set(hash, next);
    },

    async append(table, batch, hash) {
      if (batch.rowCount === 0) return;
      const r = hash === undefined ? undefined : open.get(hash);
      await store.append(table, batch, r ? groupOf(r) : hash);
      // the batch is the sink's (sink.ts): its buffers are freed once the store acknowledged it, rather than left
      // to the garbage collector
      releaseBatchBuffers(batch);
    },

    async commit(hash, result) {
      const r = await current(hash, 'commit');
      // every row durable before the journal says `committed`
      await store.syncAppends?.(groupOf(r));
      const done: JournalRecord = { ...r, state: 'committed', committedAt: Date.now(), format: result.format, rows: result.rows };
      await put(done);
      open.delete(hash);
      return done;
    },

    async abort(hash) {
      const r = open.get(hash) ?? (await read(hash));
      open.delete(hash);
      // grouped rows committed (or known lost) before they are deleted, so none lands after the delete
      await store.syncAppends?.(r ? groupOf(r) : hash).catch(() => undefined);
      if (!r) return;
      if (r.strategyIds.length > 0) await store.deleteStrategies(r.strategyIds);
      await store.kvDelete(JOURNAL_NAMESPACE, [hash]);
    },
  };
}
