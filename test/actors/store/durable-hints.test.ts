// Hints survive a restart of the whole store cluster: a node that missed writes (its breaker open) when the
// cluster closed is caught up from its replicas when the cluster starts again, before it serves reads.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { faultyFileNode, pnlBatch, replicaDifferences, startCluster, tempDir } from './cluster-harness.ts';

describe('durable hints', () => {
  it('catches a node up after a cluster restart when it missed writes before', async () => {
    const dir = tempDir('strata-hints-');
    const faulty = { on: false };
    const first = await startCluster({
      dir,
      nodes: [{ name: 'n1', kind: 'duckdb' }, { name: 'n2', kind: 'custom', open: faultyFileNode(`${dir}/n2.duckdb`, faulty) }, { name: 'n3', kind: 'duckdb' }],
      healthIntervalMs: 40,
      breaker: { failureThreshold: 2, openMs: 60_000 },
    });
    await first.cluster.append('daily_pnl', pnlBatch(Array.from({ length: 30 }, (_, i) => `a${i}`), 10));
    faulty.on = true;
    await first.waitFor((e) => e.type === 'store.breaker.changed' && e.node === 'n2' && e.to === 'open');
    await first.cluster.append('daily_pnl', pnlBatch(Array.from({ length: 30 }, (_, i) => `b${i}`), 10));
    await first.cluster.deleteStrategies(['a0', 'a1', 'a2']);
    await first.cluster.kvPut('jobs', [{ key: 'j', value: 'written while n2 was away' }]);
    const hinted = (await first.cluster.status()).nodes.find((n) => n.name === 'n2')!.hintedPartitions;
    expect(hinted.length).toBeGreaterThan(0);
    await first.close();

    const second = await startCluster({ dir, nodes: 3 });
    try {
      const started = await second.waitFor((e) => e.type === 'store.catchup.started' && e.node === 'n2');
      expect(started.type === 'store.catchup.started' && started.hinted).toBe(hinted.length);
      await second.waitFor((e) => e.type === 'store.catchup.finished' && e.node === 'n2');
      const s = await second.cluster.status();
      expect(s.nodes.every((n) => n.phase === 'serving')).toBe(true);
      expect((await second.cluster.kvGet('jobs', 'j'))?.value).toBe('written while n2 was away');
      const held = new Map(s.nodes.map((n) => [n.name, n.partitions]));
      await second.cluster.close();
      for (const other of ['n1', 'n3']) {
        const shared = held.get('n2')!.filter((p) => held.get(other)!.includes(p));
        expect(await replicaDifferences(`${dir}/n2.duckdb`, `${dir}/${other}.duckdb`, shared)).toEqual([]);
      }
      // The hints were consumed: a third start has nothing to catch up.
      const third = await startCluster({ dir, nodes: 3 });
      expect(third.events.filter((e) => e.type === 'store.catchup.started')).toEqual([]);
      await third.close();
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
