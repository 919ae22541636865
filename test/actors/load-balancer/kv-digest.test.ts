// Comparing store nodes' replicated kv at start (actors/load-balancer/kv-digest.ts): which nodes differ from the
// reference, and how. The store-level behaviour (an old copy of a node's file put back) is in
// test/actors/store/lost-node-file.test.ts.
import { describe, expect, it } from 'vitest';
import { kvDifference, kvOutliers, summariseKv, type KvSummary } from '../../../actors/load-balancer/kv-digest.ts';
import type { ResultSet } from '../../../engine/store/index.ts';

type Row = [ns: string, key: string, value: string, at: number];

function result(rows: readonly Row[]): ResultSet {
  return {
    rowCount: rows.length,
    columns: [
      { name: 'ns', type: 'text', values: rows.map((r) => r[0]), nulls: null },
      { name: 'entry_key', type: 'text', values: rows.map((r) => r[1]), nulls: null },
      { name: 'v', type: 'text', values: rows.map((r) => r[2]), nulls: null },
      { name: 'updated_at', type: 'int64', values: Float64Array.from(rows, (r) => r[3]), nulls: null },
    ],
  };
}
const summary = (rows: readonly Row[], skip: readonly string[] = []): KvSummary => summariseKv(result(rows), new Set(skip));

describe('summariseKv', () => {
  it('digests the newest value per namespace and key, whatever the row order, without the skipped namespaces', () => {
    const a = summary([['ingest', 'f1', 'writing', 10], ['ingest', 'f1', 'committed', 12], ['jobs', 'j', 'x', 11], ['hints', 'n2', '[1]', 20]], ['hints']);
    const b = summary([['jobs', 'j', 'x', 15], ['ingest', 'f1', 'committed', 13]]);
    expect(a.digest).toBe(b.digest);
    expect([...a.entries]).toEqual([['ingest\u0000f1', 'committed'], ['jobs\u0000j', 'x']]);
    expect(a.newestAt).toBe(12);
    expect(summary([['ingest', 'f1', 'writing', 12]]).digest).not.toBe(a.digest);
    // a key and value are not confused with another split of the same characters
    expect(summary([['a', 'bc', 'd', 1]]).digest).not.toBe(summary([['a', 'b', 'cd', 1]]).digest);
    expect(summary([]).digest).toBe(summary([['hints', 'x', 'y', 1]], ['hints']).digest);
  });

  it('counts a stamps-only namespace (the marker a delete stamps) for the newest time, not for the digest', () => {
    const rows: Row[] = [['ingest', 'f1', 'committed', 10]];
    const marked = summariseKv(result([...rows, ['deleted', 'last', 'x', 30]]), new Set(), new Set(['deleted']));
    expect(marked.digest).toBe(summary(rows).digest);
    expect(marked.newestAt).toBe(30);
  });
});

describe('kvOutliers', () => {
  const current: Row[] = [['ingest', 'f1', 'committed', 10], ['ingest', 'f2', 'committed', 20]];
  const old: Row[] = [['ingest', 'f1', 'committed', 10]];

  it('finds none when every node agrees, or with fewer than two nodes', () => {
    expect(kvOutliers(new Map([['n1', summary(current)], ['n2', summary(current)], ['n3', summary(current)]])).size).toBe(0);
    expect(kvOutliers(new Map([['n1', summary(old)]])).size).toBe(0);
  });

  it('takes the kv with the newest entry as the reference (an old copy lacks the newest writes)', () => {
    expect([...kvOutliers(new Map([['n1', summary(current)], ['n2', summary(old)], ['n3', summary(current)]]))]).toEqual([['n2', { missing: 1, extra: 0 }]]);
    expect([...kvOutliers(new Map([['n1', summary(old)], ['n2', summary(current)]]))]).toEqual([['n1', { missing: 1, extra: 0 }]]);
    expect([...kvOutliers(new Map([['n1', summary(current)], ['n2', summary(old)]]))]).toEqual([['n2', { missing: 1, extra: 0 }]]);
  });

  it('keeps the one current node when two old copies were put back (the majority is not the reference)', () => {
    const out = kvOutliers(new Map([['n1', summary(old)], ['n2', summary(current)], ['n3', summary(old)]]));
    expect([...out.keys()].sort()).toEqual(['n1', 'n3']);
  });

  it('keeps a removal: the copy that still holds the removed entry is older than the delete\'s marker', () => {
    const copy = summary([['ingest', 'f1', 'committed', 10], ['ingest', 'f2', 'committed', 20]]);
    const removed = summariseKv(result([['ingest', 'f1', 'committed', 10], ['deleted', 'last', 'x', 25]]), new Set(), new Set(['deleted']));
    expect([...kvOutliers(new Map([['n1', removed], ['n2', copy]]))]).toEqual([['n2', { missing: 0, extra: 1 }]]);
  });

  it('between kv with equally new entries, takes the one more nodes hold', () => {
    const other: Row[] = [['ingest', 'f1', 'removed', 10], ['ingest', 'f2', 'committed', 20]];
    expect([...kvOutliers(new Map([['n1', summary(other)], ['n2', summary(current)], ['n3', summary(current)]]))]).toEqual([['n1', { missing: 1, extra: 0 }]]);
  });

  it('counts entries missing, older and only on the node', () => {
    const node = summary([['ingest', 'f1', 'writing', 9], ['ingest', 'f0', 'committed', 5]]);
    expect(kvDifference(node, summary(current))).toEqual({ missing: 2, extra: 1 });
  });
});
