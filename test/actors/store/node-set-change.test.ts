// A store started again with other nodes than the ones its rows were placed on (`store.nodes` 3 → 4 → 3 between
// restarts): the load-balancer reads the placement it stored, serves the rows from where they are, and moves
// partitions to the configured nodes; every row stays readable exactly once and the replicas agree. Before the
// placement was stored, the 4th node served its (empty) share of partitions at once and rows went missing.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLACEMENT_NAMESPACE } from '../../../actors/load-balancer/index.ts';
import { PARTITIONS_MARKER } from '../../../actors/store/index.ts';
import { resultColumn } from '../../../engine/store/index.ts';
import { countsPerStrategy, pnlBatch, replicaDifferences, startCluster, tempDir, type ClusterHarness } from './cluster-harness.ts';

const dir = tempDir('strata-node-set-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IDS = Array.from({ length: 80 }, (_, i) => `s${i}`);
const DAYS = 10;

async function expectEveryRowOnce(h: ClusterHarness): Promise<void> {
  const counts = await countsPerStrategy(h);
  expect(counts.size).toBe(IDS.length);
  for (const id of IDS) expect(counts.get(id), id).toBe(DAYS);
}

/** Which nodes hold each partition, as the placement names them (each partition on min(RF, nodes) of them). */
async function holdersOf(h: ClusterHarness): Promise<Map<number, string[]>> {
  const status = await h.cluster.status();
  const holders = new Map<number, string[]>();
  for (const n of status.nodes) for (const p of n.partitions) holders.set(p, [...(holders.get(p) ?? []), n.name]);
  expect(holders.size).toBe(status.partitionCount);
  for (const [p, names] of holders) expect(names.length, `partition ${p}`).toBe(Math.min(2, status.nodes.length));
  return holders;
}

/** With the cluster closed (the files free): every partition's two replicas hold the same rows, by checksum. */
async function expectReplicasAgree(holders: Map<number, string[]>): Promise<void> {
  for (const [p, names] of holders) expect(await replicaDifferences(join(dir, `${names[0]}.duckdb`), join(dir, `${names[1]}.duckdb`), [p]), `partition ${p}`).toEqual([]);
}

describe('a store started with other nodes than its rows were placed on', () => {
  it('moves partitions to the configured nodes at start (3 → 4 → 3 nodes) and never serves a row twice or not at all', { timeout: 120_000 }, async () => {
    const opts = { dir, replicationFactor: 2, placement: 'inline' as const };
    let h = await startCluster({ ...opts, nodes: 3 });
    let holders = new Map<number, string[]>();
    try {
      await h.cluster.append('daily_pnl', pnlBatch(IDS, DAYS));
      await expectEveryRowOnce(h);
      const stored = await h.cluster.kvList(PLACEMENT_NAMESPACE);
      expect(stored.map((e) => e.key)).toEqual(['current']);
      expect(JSON.parse(stored[0]!.value)).toMatchObject({ version: 1, nodes: ['n1', 'n2', 'n3'] });
    } finally {
      await h.close();
    }

    // the same nodes again: nothing moves
    h = await startCluster({ ...opts, nodes: 3 });
    try {
      await expectEveryRowOnce(h);
      await new Promise((r) => setTimeout(r, 500));
      expect(h.events.filter((e) => e.type.startsWith('store.rebalance'))).toEqual([]);
    } finally {
      await h.close();
    }

    h = await startCluster({ ...opts, nodes: 4 });
    try {
      // served from where the rows are while they move, then from the new placement
      await expectEveryRowOnce(h);
      const done = await h.waitFor((e) => e.type === 'store.rebalance.finished', 30_000);
      expect(done).toMatchObject({ nodes: ['n1', 'n2', 'n3', 'n4'] });
      const moves = (done as { moves: number }).moves;
      expect(moves).toBeGreaterThan(0);
      // stored after each move (a crash mid-way restarts from where every partition's rows are) and once at the end
      expect(JSON.parse((await h.cluster.kvList(PLACEMENT_NAMESPACE))[0]!.value)).toMatchObject({ version: 1 + moves + 1, nodes: ['n1', 'n2', 'n3', 'n4'] });
      await expectEveryRowOnce(h);
      const n4 = (await h.cluster.status()).nodes.find((n) => n.name === 'n4')!;
      expect(n4.partitions.length).toBeGreaterThan(0);
      holders = await holdersOf(h);
      // writes after the move land on the new replicas
      await h.cluster.append('daily_pnl', pnlBatch(['late'], DAYS));
      expect((await countsPerStrategy(h)).get('late')).toBe(DAYS);
      await h.cluster.deleteStrategies(['late']);
    } finally {
      await h.close();
    }
    await expectReplicasAgree(holders);

    // n4 is left out: every partition it held has its other replica on n1…n3 (RF 2), copied from there
    h = await startCluster({ ...opts, nodes: 3 });
    try {
      await h.waitFor((e) => e.type === 'store.rebalance.finished', 30_000);
      await expectEveryRowOnce(h);
      const status = await h.cluster.status();
      expect(status.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
      expect(status.nodes.find((n) => n.name === 'n4')).toBeUndefined();
      expect(status.unavailablePartitions).toEqual([]);
      holders = await holdersOf(h);
      expect([...holders.values()].flat()).not.toContain('n4');
    } finally {
      await h.close();
    }
    await expectReplicasAgree(holders);
  });

  it('keeps the replicas of partitions none of whose nodes serves (two nodes left out at RF 2), and moves them when the nodes are back', { timeout: 120_000 }, async () => {
    const d = tempDir('strata-node-set-lost-');
    try {
      const opts = { dir: d, replicationFactor: 2, placement: 'inline' as const };
      let h = await startCluster({ ...opts, nodes: 3 });
      try {
        await h.cluster.append('daily_pnl', pnlBatch(IDS, DAYS));
      } finally {
        await h.close();
      }
      h = await startCluster({ ...opts, nodes: 1 });
      let unavailable: number[] = [];
      try {
        await h.waitFor((e) => e.type === 'store.rebalance.finished', 30_000);
        const status = await h.cluster.status();
        unavailable = [...status.unavailablePartitions];
        // the partitions n2 and n3 held together: not served, not dropped
        expect(unavailable.length).toBeGreaterThan(0);
        expect(unavailable.length).toBeLessThan(status.partitionCount);
        await expect(countsPerStrategy(h)).rejects.toMatchObject({ code: expect.stringMatching(/^STRATA_LB_/) });
      } finally {
        await h.close();
      }
      h = await startCluster({ ...opts, nodes: 3 });
      try {
        await h.waitFor((e) => e.type === 'store.rebalance.finished', 30_000);
        expect((await h.cluster.status()).unavailablePartitions).toEqual([]);
        const counts = await countsPerStrategy(h);
        expect(counts.size).toBe(IDS.length);
        for (const id of IDS) expect(counts.get(id), id).toBe(DAYS);
      } finally {
        await h.close();
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
