// IngestSink over one store node (engine/store): the journal lives in the node's kv table (namespace
// `ingest`), rows get their partition_id from the partition scheme, and abort deletes by strategy id.
import type { CanonicalBatch, CanonicalTable, FormatId } from '../../engine/formats/index.ts';
import { DEFAULT_SCHEME, partitionIds, resultColumn, type ColumnBatch, type PartitionScheme, type StoreNode } from '../../engine/store/index.ts';
import { ingestError } from './errors.ts';
import { JOURNAL_NAMESPACE, type IngestSink, type JournalRecord } from './sink.ts';

export interface StoreNodeSinkOptions {
  readonly scheme?: PartitionScheme;
  /** per-call store timeout, ms */
  readonly timeoutMs?: number;
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

/** The batch with partition_id filled in, in the shape a store node's append takes. */
export function withPartitions(scheme: PartitionScheme, table: CanonicalTable, batch: CanonicalBatch): ColumnBatch {
  const base: ColumnBatch = { rowCount: batch.rowCount, columns: batch.columns };
  return { rowCount: batch.rowCount, columns: { ...batch.columns, partition_id: partitionIds(scheme, table, base) } };
}

export function createStoreNodeSink(node: StoreNode, options: StoreNodeSinkOptions = {}): IngestSink {
  const scheme = options.scheme ?? DEFAULT_SCHEME;
  const call = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  // The record being written, per hash: claim() extends it without reading it back.
  const open = new Map<string, JournalRecord>();

  const put = async (r: JournalRecord): Promise<void> => {
    await node.putEntries(JOURNAL_NAMESPACE, [{ key: r.contentHash, value: JSON.stringify(r) }], call);
  };
  const read = async (hash: string): Promise<JournalRecord | null> => {
    const [e] = await node.readEntries(JOURNAL_NAMESPACE, [hash], call);
    return e ? parseJournalRecord(e.key, e.value) : null;
  };

  return {
    label: node.label,

    async committed(hash) {
      const r = await read(hash);
      return r?.state === 'committed' ? r : null;
    },

    async unfinished() {
      const all = await node.readEntries(JOURNAL_NAMESPACE, undefined, call);
      return all.map((e) => parseJournalRecord(e.key, e.value)).filter((r) => r.state === 'writing').sort((a, b) => a.startedAt - b.startedAt);
    },

    async strategyNames() {
      const r = await node.query('SELECT DISTINCT strategy_name FROM strategies', [], call);
      return new Set(resultColumn(r, 'strategy_name').values as string[]);
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
      await node.append(table, withPartitions(scheme, table, batch), call);
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
      if (r.strategyIds.length > 0) await node.deleteStrategies(r.strategyIds, undefined, call);
      await node.deleteEntries(JOURNAL_NAMESPACE, [hash], call);
    },
  };
}
