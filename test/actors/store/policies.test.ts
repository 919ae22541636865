// Replica choice: the pure policies (round-robin, least-outstanding, EWMA power-of-two-choices, smooth
// weighted round-robin) and their effect in a running cluster where every node holds every partition.
import { describe, expect, it } from 'vitest';
import { createPolicyState, pickReplica, type ReplicaLoad } from '../../../actors/load-balancer/index.ts';
import { pnlBatch, startCluster } from './cluster-harness.ts';

const loads = (...xs: [string, number, number, number][]): ReplicaLoad[] => xs.map(([name, outstanding, ewmaMs, weight]) => ({ name, outstanding, ewmaMs, weight }));

describe('replica policies', () => {
  it('round-robin cycles through the candidates', () => {
    const s = createPolicyState();
    const c = loads(['a', 0, 0, 1], ['b', 0, 0, 1], ['c', 0, 0, 1]);
    expect(Array.from({ length: 6 }, () => pickReplica('round-robin', c, s, Math.random).name)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('least-outstanding picks the replica with the fewest calls in flight', () => {
    const s = createPolicyState();
    const c = loads(['a', 4, 1, 1], ['b', 1, 9, 1], ['c', 3, 1, 1]);
    for (let i = 0; i < 5; i++) expect(pickReplica('least-outstanding', c, s, Math.random).name).toBe('b');
  });

  it('EWMA power-of-two-choices keeps the cheaper of the two drawn replicas', () => {
    const s = createPolicyState();
    const c = loads(['slow', 0, 50, 1], ['fast', 0, 1, 1], ['busy', 9, 1, 1]);
    // draws 0 then 0 → candidates slow (0) and fast (1): fast wins
    let draws = [0, 0];
    expect(pickReplica('ewma-p2c', c, s, () => draws.shift()!).name).toBe('fast');
    // draws → candidates busy (2) and fast (1): cost busy 10 vs fast 1
    draws = [0.99, 0.6];
    expect(pickReplica('ewma-p2c', c, s, () => draws.shift()!).name).toBe('fast');
    // draws → slow (0) and busy (2): slow costs 50, busy 10
    draws = [0.1, 0.9];
    expect(pickReplica('ewma-p2c', c, s, () => draws.shift()!).name).toBe('busy');
  });

  it('weighted round-robin picks in proportion to weights, smoothly', () => {
    const s = createPolicyState();
    const c = loads(['a', 0, 0, 1], ['b', 0, 0, 2], ['c', 0, 0, 3]);
    const picks = Array.from({ length: 600 }, () => pickReplica('weighted', c, s, Math.random).name);
    const count = (n: string): number => picks.filter((p) => p === n).length;
    expect([count('a'), count('b'), count('c')]).toEqual([100, 200, 300]);
    expect(picks.slice(0, 6).sort()).toEqual(['a', 'b', 'b', 'c', 'c', 'c']);
  });
});

describe('policies in a running cluster', () => {
  const readCounts = async (policy: 'round-robin' | 'weighted', weights: number[]): Promise<number[]> => {
    const h = await startCluster({
      nodes: weights.map((weight, i) => ({ name: `n${i + 1}`, kind: 'duckdb' as const, path: ':memory:', hosting: 'inline' as const, weight })),
      replicationFactor: weights.length,
      policy,
      healthIntervalMs: 60_000,
    });
    try {
      await h.cluster.append('daily_pnl', pnlBatch(['p1', 'p2', 'p3'], 5));
      const before = (await h.cluster.status()).nodes.map((n) => n.latency['query']?.count ?? 0);
      for (let i = 0; i < 120; i++) await h.cluster.query('SELECT pnl FROM daily_pnl WHERE strategy_id = ?', ['p2'], { strategyIds: ['p2'] });
      const after = (await h.cluster.status()).nodes.map((n) => n.latency['query']?.count ?? 0);
      return after.map((a, i) => a - before[i]!);
    } finally {
      await h.close();
    }
  };

  it('round-robin spreads point reads evenly over the replicas', async () => {
    expect(await readCounts('round-robin', [1, 1, 1])).toEqual([40, 40, 40]);
  });

  it('weighted sends reads in proportion to node weights', async () => {
    expect(await readCounts('weighted', [1, 1, 4])).toEqual([20, 20, 80]);
  });
});
