// A store cluster whose disk fills up. With a real tmpfs filled to the brim (root only, see test/support/tmpfs.ts):
// the write that does not fit fails with the disk named (STRATA_STORE_NO_SPACE inside the load-balancer's
// STRATA_LB_WRITE_UNACKNOWLEDGED), the replica that cannot catch up says why, and once space is freed the nodes
// catch up and take writes again, every row stored once. With DuckDB files whose writes are refused as a full disk
// refuses them (any machine): a write that finds no replica in service says why they are out of it.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountTmpfs, requireTmpfsOrSkip, type Tmpfs } from '../../support/tmpfs.ts';
import { countsPerStrategy, fullDiskNode, pnlBatch, startCluster, tempDir } from './cluster-harness.ts';

async function eventually<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const canMount = requireTmpfsOrSkip('the full-disk store cluster test (a tmpfs of its own)');

describe.skipIf(!canMount)('a store cluster whose disk fills up', () => {
  let fs: Tmpfs | null = null;
  afterAll(() => fs?.unmount());

  it('names the full disk in the failed write and the nodes\' errors, and recovers once space is freed', { timeout: 120_000 }, async () => {
    fs = mountTmpfs(24);
    const h = await startCluster({ dir: join(fs.dir, 'store'), nodes: 2, replicationFactor: 2, placement: 'inline' });
    try {
      const kept = Array.from({ length: 20 }, (_, i) => `kept${i}`);
      await h.cluster.append('daily_pnl', pnlBatch(kept, 10));
      fs.fill(64 * 1024);
      const big = Array.from({ length: 2_000 }, (_, i) => `big-strategy-with-a-long-name-${i}`);
      const first = await h.cluster.append('daily_pnl', pnlBatch(big, 100)).then(() => null, (e: unknown) => e as Error & { code: string });
      expect(first?.code).toBe('STRATA_LB_WRITE_UNACKNOWLEDGED');
      expect(first?.message).toMatch(/STRATA_STORE_NO_SPACE: .*the disk holding .* is full \(/);
      // the nodes' own last errors say it too (status, the console's store panel)
      const lastErrors = (await h.cluster.status()).nodes.map((n) => n.lastError?.code);
      expect(lastErrors).toContain('STRATA_STORE_NO_SPACE');

      fs.unfill();
      const after = Array.from({ length: 20 }, (_, i) => `after${i}`);
      await eventually(() => h.cluster.append('daily_pnl', pnlBatch(after, 10)), 30_000);
      await eventually(async () => {
        if (!(await h.cluster.status()).nodes.every((n) => n.phase === 'serving')) throw new Error('not every node serves yet');
      }, 30_000);
      // the replicas missed the refused write and caught up; a catch-up the full disk refused (whether one did
      // depends on the room the rollback left) said so
      for (const e of h.events) if (e.type === 'store.catchup.failed') expect(e).toMatchObject({ code: 'STRATA_STORE_NO_SPACE', message: expect.stringMatching(/is full .*Free space there and retry/) });
      const rows = await countsPerStrategy(h);
      // the rows written before and after, once each; the refused write left nothing behind
      expect([...rows.keys()].sort()).toEqual([...kept, ...after].sort());
      for (const n of rows.values()) expect(n).toBe(10);
    } finally {
      await h.close();
    }
  });
});

describe('a store cluster whose every replica stopped taking writes', () => {
  it('says, in the refused write, which nodes are out of service and the error that put them out', { timeout: 60_000 }, async () => {
    const dir = tempDir('strata-no-writable-');
    const full = { on: false };
    const h = await startCluster({
      dir, replicationFactor: 2, placement: 'inline',
      nodes: [{ name: 'n1', kind: 'custom', open: fullDiskNode(join(dir, 'n1.duckdb'), full) }, { name: 'n2', kind: 'custom', open: fullDiskNode(join(dir, 'n2.duckdb'), full) }],
    });
    try {
      await h.cluster.append('daily_pnl', pnlBatch(['a', 'b'], 5));
      full.on = true;
      await expect(h.cluster.append('daily_pnl', pnlBatch(['c'], 5))).rejects.toThrow(/last: STRATA_STORE_NO_SPACE: .*n\d\.duckdb: the disk holding/);
      const next = await eventually(async () => {
        const e = await h.cluster.kvPut('test.after', [{ key: 'k', value: 'v' }]).then(() => null, (x: unknown) => x as Error & { code: string; data: Record<string, unknown> });
        if (e === null || !/no writable replica:/.test(e.message)) throw new Error(`not yet out of service: ${e?.message ?? 'the write was taken'}`);
        return e;
      }, 20_000);
      expect(next.code).toBe('STRATA_LB_WRITE_UNACKNOWLEDGED');
      expect(next.message).toMatch(/no writable replica: n1 \w+, n2 \w+; they stopped taking writes after STRATA_STORE_NO_SPACE: .*the disk holding .* is full/);
      expect(next.data).toMatchObject({ cause: 'STRATA_STORE_NO_SPACE' });
      full.on = false;
      await eventually(() => h.cluster.kvPut('test.after', [{ key: 'k', value: 'v' }]), 20_000);
      expect([...(await countsPerStrategy(h)).keys()].sort()).toEqual(['a', 'b']);
    } finally {
      await h.close();
    }
  });
});
