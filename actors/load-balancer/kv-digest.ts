// Which store nodes' replicated kv differs from the others' at start. kv is written to every node (the ingest
// journal records every stored and removed file there), so nodes that took the same writes hold the same newest
// entry per (namespace, key). A node's file put back from an old copy lacks the entries written since the copy
// was made; its placement record can still be as new as the others' (the record's version grows with placement
// changes, not with writes), so this is what finds it. The namespaces that legitimately differ per node (durable
// hints, the placement record, which has a check of its own) are left out. A delete leaves no entry to compare, so
// the load-balancer stamps a marker with each one; its time counts, its value does not.
import { createHash } from 'node:crypto';
import type { ResultSet } from '../../engine/store/index.ts';

/** A node's replicated kv: the newest value (or its hash) per namespace and key, and a digest of them all. */
export interface KvSummary {
  /** `ns \0 key` → the newest value (or a hash of it: whatever the node was asked for, the same for every node) */
  readonly entries: ReadonlyMap<string, string>;
  readonly digest: string;
  /** the newest updated_at among the entries (0 when none) */
  readonly newestAt: number;
}

/**
 * Summarises a `SELECT ns, entry_key, <value or its hash>, updated_at FROM kv` result, without the `skip` namespaces;
 * the `stampsOnly` namespaces (the marker a delete stamps) count for `newestAt` alone.
 */
export function summariseKv(r: ResultSet, skip: ReadonlySet<string>, stampsOnly: ReadonlySet<string> = new Set()): KvSummary {
  const newest = new Map<string, { value: string; at: number }>();
  let newestAt = 0;
  if (r.rowCount > 0) {
    const [ns, k, v, u] = r.columns;
    for (let i = 0; i < r.rowCount; i++) {
      const n = String(ns!.values[i]);
      if (skip.has(n)) continue;
      const at = Number(u!.values[i]);
      if (stampsOnly.has(n)) {
        if (at > newestAt) newestAt = at;
        continue;
      }
      const id = `${n}\u0000${String(k!.values[i])}`;
      const prev = newest.get(id);
      // two versions of one key: a put whose old version was not dropped yet (a crash in between); the newest counts
      if (!prev || prev.at <= at) newest.set(id, { value: String(v!.values[i]), at });
      if (at > newestAt) newestAt = at;
    }
  }
  const ids = [...newest.keys()].sort();
  const hash = createHash('sha256');
  const entries = new Map<string, string>();
  for (const id of ids) {
    const value = newest.get(id)!.value;
    entries.set(id, value);
    hash.update(id).update('\u0000').update(value).update('\u0001');
  }
  return { entries, digest: hash.digest('hex'), newestAt };
}

/** How a node's kv differs from the reference: entries it lacks or holds an older value of, and entries only it holds. */
export interface KvDifference {
  readonly missing: number;
  readonly extra: number;
}

export function kvDifference(node: KvSummary, reference: KvSummary): KvDifference {
  let missing = 0;
  let extra = 0;
  for (const [id, value] of reference.entries) if (node.entries.get(id) !== value) missing++;
  for (const id of node.entries.keys()) if (!reference.entries.has(id)) extra++;
  return { missing, extra };
}

/**
 * The nodes whose kv differs from the reference, with how. The reference is the digest whose nodes hold the newest
 * entry: a copy put back lacks the writes made since it was taken, and a node that missed the last write before a
 * crash lacks that one, so the newest kv is the one to keep even when more nodes hold an older one (taking the
 * majority would copy two restored copies' old rows over the one current node). Between equal newest entries, the
 * digest more nodes hold, then the smaller digest (so every start decides the same). One load-balancer stamps every
 * node's entries, so the stamps come from one clock. Fewer than two nodes: nothing to compare.
 */
export function kvOutliers(summaries: ReadonlyMap<string, KvSummary>): Map<string, KvDifference> {
  const out = new Map<string, KvDifference>();
  if (summaries.size < 2) return out;
  const groups = new Map<string, { count: number; newestAt: number; summary: KvSummary }>();
  for (const s of summaries.values()) {
    const g = groups.get(s.digest);
    if (g) {
      g.count++;
      g.newestAt = Math.max(g.newestAt, s.newestAt);
    } else groups.set(s.digest, { count: 1, newestAt: s.newestAt, summary: s });
  }
  if (groups.size === 1) return out;
  const [reference] = [...groups.entries()].sort(([da, a], [db, b]) => b.newestAt - a.newestAt || b.count - a.count || (da < db ? -1 : da > db ? 1 : 0));
  const [digest, { summary }] = reference!;
  for (const [name, s] of summaries) if (s.digest !== digest) out.set(name, kvDifference(s, summary));
  return out;
}
