// A store node whose files were lost (deleted, a disk replaced) between two starts: it comes back empty and
// without the placement record the other nodes hold, so the load-balancer does not trust it as it is. It is
// reported (store.node.distrusted), compared with the other replicas and caught up before it serves reads, while
// its partitions are read from their other replicas. Before, it served its share of partitions empty: a job then
// saw 13 of the demo's 23 strategies, with no error anywhere.
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createStoreCluster, distrustMessage, PARTITIONS_MARKER } from '../../../actors/store/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { DEFAULT_SCHEME, partitionOf, resultColumn } from '../../../engine/store/index.ts';
import { countsPerStrategy, faultyFileNode, pnlBatch, replicaDifferences, tempDir, withCluster, type ClusterHarness } from './cluster-harness.ts';

const dir = tempDir('strata-lost-node-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IDS = Array.from({ length: 60 }, (_, i) => `s${i}`);
const DAYS = 8;

async function expectEveryRowOnce(h: ClusterHarness): Promise<void> {
  const counts = await countsPerStrategy(h);
  expect(counts.size).toBe(IDS.length);
  for (const id of IDS) expect(counts.get(id), id).toBe(DAYS);
}

/** Each of n2's partitions agrees with its other replica, by checksum of the files in `folder`. */
async function expectN2AgreesWithReplicas(folder: string, held: readonly number[], holders: ReadonlyMap<number, string[]>): Promise<void> {
  for (const p of held) {
    const other = holders.get(p)!.find((n) => n !== 'n2')!;
    expect(await replicaDifferences(join(folder, 'n2.duckdb'), join(folder, `${other}.duckdb`), [p]), `partition ${p} (n2 and ${other})`).toEqual([]);
  }
}

/** The next start trusts every node: every row read once, no node distrusted. */
async function expectTrustedAtNextStart(opts: Parameters<typeof withCluster>[0]): Promise<void> {
  await withCluster(opts, async (h) => {
    await expectEveryRowOnce(h);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.events.filter((e) => e.type === 'store.node.distrusted')).toEqual([]);
  });
}

/** Which nodes hold each partition, and n2's partitions. */
async function holdersOf(h: ClusterHarness): Promise<{ held: readonly number[]; holders: Map<number, string[]> }> {
  const holders = new Map<number, string[]>();
  const nodes = (await h.cluster.status()).nodes;
  for (const n of nodes) for (const p of n.partitions) holders.set(p, [...(holders.get(p) ?? []), n.name]);
  return { held: nodes.find((n) => n.name === 'n2')!.partitions, holders };
}

/** An operator's backup of n2's files (taken while the store is stopped), and putting it back in their place. */
const N2_FILES = ['n2.duckdb', 'n2.duckdb.wal'];
function backUpN2(folder: string): void {
  for (const f of N2_FILES) if (existsSync(join(folder, f))) copyFileSync(join(folder, f), join(folder, `${f}.bak`));
}
function putBackN2(folder: string): void {
  for (const f of N2_FILES) {
    rmSync(join(folder, f), { force: true });
    if (existsSync(join(folder, `${f}.bak`))) renameSync(join(folder, `${f}.bak`), join(folder, f));
  }
}

describe('a store node whose files were lost between starts', () => {
  it('is caught up from the other replicas before it serves, and every row stays readable once', { timeout: 120_000 }, async () => {
    const opts = { dir, nodes: 3, replicationFactor: 2, placement: 'inline' as const };
    let held: readonly number[] = [];
    let holders = new Map<number, string[]>();
    await withCluster(opts, async (h) => {
      await h.cluster.append('daily_pnl', pnlBatch(IDS, DAYS));
      await h.cluster.kvPut('test.lost', [{ key: 'k', value: 'kept' }]);
      ({ held, holders } = await holdersOf(h));
      expect(held.length).toBeGreaterThan(0);
    });
    for (const f of ['n2.duckdb', 'n2.duckdb.wal']) rmSync(join(dir, f), { force: true });
    expect(existsSync(join(dir, 'n2.duckdb'))).toBe(false);

    await withCluster(opts, async (h) => {
      // read at once: n2's partitions come from their other replicas while it catches up
      await expectEveryRowOnce(h);
      const distrusted = await h.waitFor((e) => e.type === 'store.node.distrusted', 30_000);
      expect(distrusted).toMatchObject({ node: 'n2', recordVersion: null, newestVersion: 1, partitions: held.length });
      const finished = await h.waitFor((e) => e.type === 'store.catchup.finished' && 'node' in e && e.node === 'n2', 30_000);
      // every partition of n2's that holds rows is copied; an empty one already agrees (both sides empty)
      const withRows = new Set(IDS.map((id) => partitionOf(DEFAULT_SCHEME, id)).filter((p) => held.includes(p)));
      expect(withRows.size).toBeGreaterThan(0);
      expect(finished).toMatchObject({ copiedPartitions: withRows.size });
      expect((finished as { copiedRows: number }).copiedRows).toBeGreaterThanOrEqual(held.length);
      const n2 = (await h.cluster.status()).nodes.find((n) => n.name === 'n2')!;
      expect(n2.phase).toBe('serving');
      expect(n2.partitions).toEqual(held);
      await expectEveryRowOnce(h);
      expect(await h.cluster.kvList('test.lost')).toEqual([expect.objectContaining({ key: 'k', value: 'kept' })]);
    });
    await expectN2AgreesWithReplicas(dir, held, holders);
    // its record is back: the next start trusts it
    await expectTrustedAtNextStart(opts);
  });

  it('finishes the catch-up at the next start when the store stops half-way through it', { timeout: 120_000 }, async () => {
    const halfway = tempDir('strata-lost-halfway-');
    const many = Array.from({ length: 600 }, (_, i) => `h${i}`);
    const opts = { dir: halfway, nodes: 3, replicationFactor: 2, placement: 'inline' as const };
    const everyRowOnce = async (h: ClusterHarness): Promise<void> => {
      const r = await h.cluster.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT strategy_id) AS s FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
      const n = (resultColumn(r, 'n').values as Float64Array).reduce((a, b) => a + b, 0);
      const s = (resultColumn(r, 's').values as Float64Array).reduce((a, b) => a + b, 0);
      expect([n, s]).toEqual([many.length * 30, many.length]);
    };
    try {
      await withCluster(opts, async (h) => {
        await h.cluster.append('daily_pnl', pnlBatch(many, 30));
      });
      for (const f of ['n2.duckdb', 'n2.duckdb.wal']) rmSync(join(halfway, f), { force: true });
      // stopped at the first group copied: n2 then holds the current placement record (its kv came first) and
      // some of its partitions, not all
      {
        const system = createSystem({ name: 'store-test-halfway', logger: pino({ level: 'silent' }) });
        const cluster = createStoreCluster({ system, healthIntervalMs: 100, ...opts });
        const seen: string[] = [];
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no catch-up progress within 30 s; saw ${seen.join(', ')}`)), 30_000);
          cluster.onEvent((e) => {
            seen.push(e.type);
            if (e.type === 'store.catchup.progress' && e.node === 'n2') { clearTimeout(timer); resolve(); }
          });
        });
        await cluster.close();
        await system.terminate();
        expect(seen).not.toContain('store.catchup.finished');
      }
      await withCluster(opts, async (h) => {
        // the hints stored before the copy began send it back to catch up, though its record is current now
        const started = await h.waitFor((e) => e.type === 'store.catchup.started' && 'node' in e && e.node === 'n2', 30_000);
        expect((started as { hinted: number }).hinted).toBeGreaterThan(0);
        await h.waitFor((e) => e.type === 'store.catchup.finished' && 'node' in e && e.node === 'n2', 30_000);
        for (let i = 0; i < 6; i++) await everyRowOnce(h);
      });
    } finally {
      rmSync(halfway, { recursive: true, force: true });
    }
  });

  it('checks the record of a node that comes up only after the others were read, and catches it up first', { timeout: 120_000 }, async () => {
    const late = tempDir('strata-lost-late-');
    try {
      await withCluster({ dir: late, nodes: 3, replicationFactor: 2, placement: 'inline' }, async (h) => {
        await h.cluster.append('daily_pnl', pnlBatch(IDS, DAYS));
      });
      for (const f of ['n2.duckdb', 'n2.duckdb.wal']) rmSync(join(late, f), { force: true });
      // n2's new, empty file behind calls that fail until `faulty.on` is cleared: it is not up when the hints and
      // placement are read (after hintWaitMs), and comes up later
      const faulty = { on: true };
      await withCluster({
        dir: late, replicationFactor: 2, placement: 'inline', hintWaitMs: 200, healthIntervalMs: 40, breaker: { failureThreshold: 2, openMs: 200 },
        nodes: [{ name: 'n1', kind: 'duckdb' }, { name: 'n2', kind: 'custom', open: faultyFileNode(join(late, 'n2.duckdb'), faulty) }, { name: 'n3', kind: 'duckdb' }],
      }, async (h) => {
        await expectEveryRowOnce(h);
        expect(h.events.some((e) => e.type === 'store.node.distrusted')).toBe(false);
        faulty.on = false;
        const distrusted = await h.waitFor((e) => e.type === 'store.node.distrusted', 30_000);
        expect(distrusted).toMatchObject({ node: 'n2', recordVersion: null, newestVersion: 1 });
        await h.waitFor((e) => e.type === 'store.catchup.finished' && 'node' in e && e.node === 'n2', 30_000);
        expect((await h.cluster.status()).nodes.find((n) => n.name === 'n2')!.phase).toBe('serving');
        await expectEveryRowOnce(h);
        // whichever replica each partition is read from now, n2's included, every row is there once
        for (let i = 0; i < 6; i++) await expectEveryRowOnce(h);
      });
    } finally {
      rmSync(late, { recursive: true, force: true });
    }
  });
});

describe('a store node whose file is an old copy put back', () => {
  it('is found by its kv (its placement record is as new as the others\') and caught up before it serves', { timeout: 120_000 }, async () => {
    const oldCopy = tempDir('strata-old-copy-');
    const opts = { dir: oldCopy, nodes: 3, replicationFactor: 2, placement: 'inline' as const };
    const before = IDS.slice(0, 30);
    const after = IDS.slice(30);
    try {
      let held: readonly number[] = [];
      let holders = new Map<number, string[]>();
      await withCluster(opts, async (h) => {
        await h.cluster.append('daily_pnl', pnlBatch(before, DAYS));
        await h.cluster.kvPut('test.journal', [{ key: 'first', value: 'committed' }]);
        ({ held, holders } = await holdersOf(h));
      });
      // the operator's backup of n2, taken while the store was stopped
      backUpN2(oldCopy);

      await withCluster(opts, async (h) => {
        await h.cluster.append('daily_pnl', pnlBatch(after, DAYS));
        await h.cluster.kvPut('test.journal', [{ key: 'second', value: 'committed' }]);
        await h.cluster.kvPut('test.journal', [{ key: 'first', value: 'removed' }]);
        expect(h.events.some((e) => e.type === 'store.node.distrusted')).toBe(false);
      });
      // ...put back: no placement change happened in between, so its placement record is current
      putBackN2(oldCopy);

      await withCluster(opts, async (h) => {
        // read at once: n2's partitions come from their other replicas while it catches up
        await expectEveryRowOnce(h);
        const distrusted = await h.waitFor((e) => e.type === 'store.node.distrusted', 30_000);
        expect(distrusted).toMatchObject({ node: 'n2', reason: 'kv', kvMissing: 2, kvExtra: 0, partitions: held.length });
        expect(distrustMessage(distrusted as never)).toMatch(/n2's replicated kv .* 2 entries missing or older there, 0 only there\. Its file may be an old copy put back/);
        await h.waitFor((e) => e.type === 'store.catchup.finished' && 'node' in e && e.node === 'n2', 30_000);
        expect((await h.cluster.status()).nodes.find((n) => n.name === 'n2')!.phase).toBe('serving');
        // whichever replica each partition is read from now, n2's included, every row is there once
        for (let i = 0; i < 6; i++) await expectEveryRowOnce(h);
        const journal = await h.cluster.kvList('test.journal');
        expect(journal.map((e) => [e.key, e.value])).toEqual([['first', 'removed'], ['second', 'committed']]);
      });
      await expectN2AgreesWithReplicas(oldCopy, held, holders);
      // caught up, it is trusted again
      await expectTrustedAtNextStart(opts);
    } finally {
      rmSync(oldCopy, { recursive: true, force: true });
    }
  });
});

describe('a store node whose file is an old copy put back after a removal', () => {
  it('is caught up, and the removed rows do not come back', { timeout: 120_000 }, async () => {
    const folder = tempDir('strata-old-copy-removal-');
    const opts = { dir: folder, nodes: 3, replicationFactor: 2, placement: 'inline' as const };
    const kept = IDS.slice(0, 40);
    const removed = IDS.slice(40);
    try {
      await withCluster(opts, async (h) => {
        await h.cluster.append('daily_pnl', pnlBatch(kept, DAYS));
        await h.cluster.kvPut('test.journal', [{ key: 'kept', value: 'committed' }]);
        // the newest write before the copy: a file whose rows and record go again after it
        await h.cluster.append('daily_pnl', pnlBatch(removed, DAYS));
        await h.cluster.kvPut('test.journal', [{ key: 'removed', value: 'committed' }]);
      });
      backUpN2(folder);
      await withCluster(opts, async (h) => {
        // what removing a stored file does: its rows, then its record
        await h.cluster.deleteStrategies(removed);
        await h.cluster.kvDelete('test.journal', ['removed']);
      });
      putBackN2(folder);

      await withCluster(opts, async (h) => {
        const distrusted = await h.waitFor((e) => e.type === 'store.node.distrusted', 30_000);
        expect(distrusted).toMatchObject({ node: 'n2', reason: 'kv', kvMissing: 0, kvExtra: 1 });
        await h.waitFor((e) => e.type === 'store.catchup.finished' && 'node' in e && e.node === 'n2', 30_000);
        for (let i = 0; i < 6; i++) {
          const counts = await countsPerStrategy(h);
          expect([...counts.keys()].sort()).toEqual([...kept].sort());
          for (const n of counts.values()) expect(n).toBe(DAYS);
        }
        expect((await h.cluster.kvList('test.journal')).map((e) => e.key)).toEqual(['kept']);
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('a store node whose file is damaged', () => {
  it('stays down with what to do in its error while its partitions are read from the other replicas; moved aside, it is rebuilt', { timeout: 120_000 }, async () => {
    const damagedDir = tempDir('strata-damaged-node-');
    const opts = { dir: damagedDir, nodes: 3, replicationFactor: 2, placement: 'inline' as const };
    try {
      await withCluster(opts, async (h) => {
        await h.cluster.append('daily_pnl', pnlBatch(IDS, DAYS));
      });
      const path = join(damagedDir, 'n2.duckdb');
      const bytes = readFileSync(path);
      Buffer.alloc(8192, 0xa5).copy(bytes, 0);
      writeFileSync(path, bytes);

      await withCluster(opts, async (h) => {
        await expectEveryRowOnce(h);
        const n2 = (await h.cluster.status()).nodes.find((n) => n.name === 'n2')!;
        expect(n2.phase).not.toBe('serving');
        expect(n2.lastError?.message).toMatch(/not a valid DuckDB database file.*move the file aside/);
      });
      // the file is the operator's: still there, untouched
      expect(readFileSync(path).equals(bytes)).toBe(true);
      renameSync(path, `${path}.damaged`);
      rmSync(`${path}.wal`, { force: true });

      await withCluster(opts, async (h) => {
        await h.waitFor((e) => e.type === 'store.node.distrusted' && 'node' in e && e.node === 'n2', 30_000);
        await h.waitFor((e) => e.type === 'store.catchup.finished' && 'node' in e && e.node === 'n2', 30_000);
        for (let i = 0; i < 6; i++) await expectEveryRowOnce(h);
      });
    } finally {
      rmSync(damagedDir, { recursive: true, force: true });
    }
  });
});
