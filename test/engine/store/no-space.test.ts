// A full disk under a DuckDB node (engine/store/no-space.ts): DuckDB's IO error becomes STRATA_STORE_NO_SPACE,
// naming the file, its folder and the bytes free there, retryable, without the SQL echoed; nothing of the failed
// write is kept and the node takes writes again once space is freed. The disk is a real tmpfs filled to the brim
// (root only: skipped with the reason printed elsewhere, failed under STRATA_REQUIRE_TMPFS=1).
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogue, noSpaceError, openDuckDbNode, resultRows, type ColumnBatch } from '../../../engine/store/index.ts';
import { mountTmpfs, requireTmpfsOrSkip, type Tmpfs } from '../../support/tmpfs.ts';

// as DuckDB 1.4 words it for a WAL write at commit (captured from a daemon on a full tmpfs, 2026-12-06)
const DUCKDB_MESSAGE = (file: string) => `TransactionContext Error: Failed to commit: Could not write file "${file}": No space left on device`;

describe('noSpaceError', () => {
  it('names the file DuckDB could not write, its folder and the bytes free there, and leaves the SQL out', () => {
    const file = join(tmpdir(), 'n1.duckdb.wal');
    const e = noSpaceError(join(tmpdir(), 'n1.duckdb'), '"DELETE FROM daily_pnl …"', DUCKDB_MESSAGE(file))!;
    expect(e.code).toBe('STRATA_STORE_NO_SPACE');
    expect(catalogue.STRATA_STORE_NO_SPACE.retryable).toBe(true);
    expect(e.data).toMatchObject({ file, folder: tmpdir(), quota: false });
    expect(typeof e.data['freeBytes']).toBe('number');
    expect(e.message).toMatch(new RegExp(`the disk holding ${tmpdir()} is full \\([\\d,]+ bytes free\\): DuckDB could not write n1\\.duckdb\\.wal during "DELETE FROM daily_pnl …", which was rolled back\\. Free space there and retry`));
    expect(e.message).not.toMatch(/TransactionContext/);
  });

  it('tells a quota from a full disk, and leaves other errors alone', () => {
    const e = noSpaceError('/nowhere/n1.duckdb', 'append to trades', 'IO Error: Could not write file "/nowhere/n1.duckdb.wal": Disk quota exceeded')!;
    expect(e.message).toMatch(/the disk quota holding \/nowhere is full: DuckDB could not write n1\.duckdb\.wal during append to trades/);
    expect(e.data).toMatchObject({ quota: true, folder: '/nowhere' });
    expect(e.data['freeBytes']).toBeUndefined();
    expect(noSpaceError('n1', 'x', 'Catalog Error: Table with name nope does not exist!')).toBeNull();
  });
});

const canMount = requireTmpfsOrSkip('the full-disk DuckDB node test (a tmpfs of its own)');

describe.skipIf(!canMount)('a DuckDB node on a full disk', () => {
  let fs: Tmpfs | null = null;
  afterAll(() => fs?.unmount());

  const pnl = (prefix: string, n: number): ColumnBatch => ({
    rowCount: n,
    columns: {
      strategy_id: Array.from({ length: n }, (_, i) => `${prefix}-strategy-with-a-long-name-${i}`),
      trading_day: Array.from({ length: n }, (_, i) => `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`),
      zone: Array.from({ length: n }, () => 'ALL'), pnl: Float64Array.from({ length: n }, (_, i) => i * 1.25), partition_id: new Int32Array(n),
    },
  });

  it('refuses the write with STRATA_STORE_NO_SPACE, keeps nothing of it, and takes writes again once space is freed', { timeout: 60_000 }, async () => {
    fs = mountTmpfs(16);
    const path = join(fs.dir, 'n1.duckdb');
    const node = await openDuckDbNode({ path });
    try {
      await node.ensureSchema();
      await node.append('daily_pnl', pnl('kept', 100));
      fs.fill(128 * 1024);
      const err = await node.append('daily_pnl', pnl('big', 200_000)).then(() => null, (e: unknown) => e as { code: string; message: string; data: Record<string, unknown> });
      expect(err).not.toBeNull();
      expect(err!.code).toBe('STRATA_STORE_NO_SPACE');
      expect(err!.message).toContain(`the disk holding ${fs.dir} is full (`);
      expect(err!.data['freeBytes']).toBeLessThan(1024 * 1024);
      fs.unfill();
      await node.append('daily_pnl', pnl('after', 1_000));
      const counts = resultRows(await node.query("SELECT split_part(strategy_id, '-', 1) AS what, COUNT(*) AS n FROM daily_pnl GROUP BY 1 ORDER BY 1"));
      expect(counts.map((r) => [r['what'], Number(r['n'])])).toEqual([['after', 1_000], ['kept', 100]]);
    } finally {
      await node.close();
    }
  });
});
