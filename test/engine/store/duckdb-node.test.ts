// DuckDB-specific behaviour: one owning instance per file across threads and processes, use from a worker
// thread, statement timeouts that interrupt the query, and use after close.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBAppender } from '@duckdb/node-api';
import { DEFAULT_CHUNK_ROWS, DEFAULT_FILE_MEMORY_LIMIT_MB, openDuckDbNode, releaseDatabaseFilesOfThread, resultRows } from '../../../engine/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = new URL('./fixtures/duckdb-thread.ts', import.meta.url);

function runInThread(path: string, hold: boolean): Promise<{ worker: Worker; reply: Record<string, unknown> }> {
  const worker = new Worker(fixture, { workerData: { path, hold } });
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: Record<string, unknown>) => resolve({ worker, reply }));
    worker.once('error', reject);
  });
}

describe('DuckDB store node', () => {
  it('refuses a second instance of the same file in this process, under any spelling of its path', async () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const path = join(dir, 'real', 'one.duckdb');
    const first = await openDuckDbNode({ path });
    await expect(openDuckDbNode({ path })).rejects.toMatchObject({ code: 'STRATA_STORE_FILE_IN_USE' });
    await expect(openDuckDbNode({ path: join(dir, 'link', '..', 'real', '.', 'one.duckdb') })).rejects.toMatchObject({ code: 'STRATA_STORE_FILE_IN_USE' });
    await expect(openDuckDbNode({ path: join(dir, 'link', 'one.duckdb') })).rejects.toMatchObject({ code: 'STRATA_STORE_FILE_IN_USE' });
    await first.close();
    const again = await openDuckDbNode({ path: join(dir, 'link', 'one.duckdb') });
    await again.close();
  });

  it('works inside a worker thread', async () => {
    const { worker, reply } = await runInThread(join(dir, 'thread.duckdb'), false);
    await worker.terminate();
    expect(reply).toEqual({ opened: true, rows: [{ n: 3, total: 6 }] });
  });

  it('refuses a file another thread owns, until that thread exits and its claim is released', async () => {
    const path = join(dir, 'owned.duckdb');
    const { worker, reply } = await runInThread(path, true);
    expect(reply['opened']).toBe(true);
    await expect(openDuckDbNode({ path })).rejects.toMatchObject({ code: 'STRATA_STORE_FILE_IN_USE', data: { threadId: worker.threadId } });
    const threadId = worker.threadId;
    await worker.terminate();
    // Terminated without cleanup: the claim stays until the parent releases it, so nothing opens a second copy early.
    await expect(openDuckDbNode({ path })).rejects.toMatchObject({ code: 'STRATA_STORE_FILE_IN_USE' });
    expect(releaseDatabaseFilesOfThread(threadId)).toBe(1);
    const node = await openDuckDbNode({ path });
    expect(resultRows(await node.query('SELECT COUNT(*) AS n FROM daily_pnl'))).toEqual([{ n: 3 }]);
    await node.close();
  });

  it('refuses, from a worker thread, a file the main thread owns', async () => {
    const path = join(dir, 'main-owned.duckdb');
    const node = await openDuckDbNode({ path });
    const { worker, reply } = await runInThread(path, false);
    await worker.terminate();
    expect(reply).toMatchObject({ opened: false, code: 'STRATA_STORE_FILE_IN_USE' });
    await node.close();
  });

  it("turns another process's lock into STRATA_STORE_FILE_LOCKED naming this process", async () => {
    const path = join(dir, 'locked.duckdb');
    const node = await openDuckDbNode({ path });
    await node.ensureSchema();
    const { stdout } = await promisify(execFile)(process.execPath, [new URL(fixture).pathname, path], { cwd: process.cwd(), timeout: 20_000 });
    const reply = JSON.parse(stdout.trim()) as { opened: boolean; code: string; message: string };
    expect(reply.opened).toBe(false);
    expect(reply.code).toBe('STRATA_STORE_FILE_LOCKED');
    expect(reply.message).toContain(`pid ${process.pid}`);
    await node.close();
    const { stdout: after } = await promisify(execFile)(process.execPath, [new URL(fixture).pathname, path], { cwd: process.cwd(), timeout: 20_000 });
    expect(JSON.parse(after.trim())).toMatchObject({ opened: true });
  });

  it('interrupts a statement that outlives its timeout and stays usable', async () => {
    const node = await openDuckDbNode({ path: ':memory:', readConnections: 1 });
    await expect(node.query('SELECT SUM(a.range * b.range) AS s FROM range(200000) a, range(200000) b', [], { timeoutMs: 100 }))
      .rejects.toMatchObject({ code: 'STRATA_STORE_TIMEOUT', retryable: true, data: { timeoutMs: 100 } });
    expect(resultRows(await node.query('SELECT 41 + 1 AS x'))).toEqual([{ x: 42 }]);
    await node.close();
  });

  it('checkpoints a database file at a 64 MB WAL by default, or at the configured size', async () => {
    const setting = async (options: { checkpointThreshold?: string }) => {
      const node = await openDuckDbNode({ path: join(dir, `threshold-${options.checkpointThreshold ?? 'default'}.duckdb`), ...options });
      try {
        return resultRows(await node.query("SELECT current_setting('checkpoint_threshold') AS v"))[0]!['v'];
      } finally {
        await node.close();
      }
    };
    expect(await setting({})).toMatch(/^6[0-9](\.\d+)? ?Mi?B$/);
    expect(await setting({ checkpointThreshold: '8MB' })).toMatch(/^[78](\.\d+)? ?Mi?B$/);
  });

  it('lets the event loop run between the data chunks of a big append (a node in-line shares its thread)', async () => {
    const node = await openDuckDbNode({ path: join(dir, 'yield.duckdb'), groupCommitRows: 0 });
    try {
      await node.ensureSchema();
      const rows = 40 * DEFAULT_CHUNK_ROWS;
      const batch = {
        rowCount: rows,
        columns: {
          strategy_id: Array.from({ length: rows }, (_, i) => `s${i % 50}`), trading_day: Array.from({ length: rows }, (_, i) => `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`),
          zone: new Array<string>(rows).fill('ALL'), pnl: Float64Array.from({ length: rows }, (_, i) => i), partition_id: new Int32Array(rows),
        },
      };
      // the most data chunks appended within one turn of the event loop (a ticker runs once per turn)
      let sinceTick = 0;
      let most = 0;
      const original = DuckDBAppender.prototype.appendDataChunk;
      DuckDBAppender.prototype.appendDataChunk = function (this: DuckDBAppender, ...args: Parameters<typeof original>) {
        most = Math.max(most, ++sinceTick);
        return original.apply(this, args);
      };
      let appending = true;
      const tick = (): void => { sinceTick = 0; if (appending) setImmediate(tick); };
      setImmediate(tick);
      try {
        await node.append('daily_pnl', batch);
      } finally {
        appending = false;
        DuckDBAppender.prototype.appendDataChunk = original;
      }
      expect(most).toBe(1); // one chunk per turn, not all 40 in one stretch
      const n = resultRows(await node.query('SELECT COUNT(*) AS n, SUM(pnl) AS s FROM daily_pnl'));
      expect(Number(n[0]!['n'])).toBe(rows);
      expect(Number(n[0]!['s'])).toBe((rows * (rows - 1)) / 2);
    } finally {
      await node.close();
    }
  });

  it('writes a database file in row groups of rowGroupSize rows (65,536 by default), reads a file written with another size, and refuses a size DuckDB cannot use', async () => {
    const rowGroups = async (path: string, options: { rowGroupSize?: number }, rows: number): Promise<number[]> => {
      const node = await openDuckDbNode({ path, groupCommitRows: 0, ...options });
      try {
        await node.ensureSchema();
        await node.append('daily_pnl', {
          rowCount: rows,
          columns: {
            strategy_id: Array.from({ length: rows }, (_, i) => `s${i % 50}`), trading_day: Array.from({ length: rows }, (_, i) => `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`),
            zone: new Array<string>(rows).fill('ALL'), pnl: Float64Array.from({ length: rows }, (_, i) => i), partition_id: new Int32Array(rows),
          },
        });
        await node.query('CHECKPOINT');
        const r = resultRows(await node.query("SELECT row_group_id AS g, max(count) AS n FROM pragma_storage_info('daily_pnl') WHERE column_name = 'pnl' GROUP BY 1 ORDER BY 1"));
        return r.map((x) => Number(x['n']));
      } finally {
        await node.close();
      }
    };
    expect(await rowGroups(join(dir, 'rg-default.duckdb'), {}, 140_000)).toEqual([65_536, 65_536, 8_928]);
    const path = join(dir, 'rg-other.duckdb');
    expect(await rowGroups(path, { rowGroupSize: 16_384 }, 40_000)).toEqual([16_384, 16_384, 7_232]);
    // the size is not part of the file: opened again with the default, the rows written before are all there
    const again = await openDuckDbNode({ path });
    try {
      expect(resultRows(await again.query('SELECT count(*) AS n, sum(pnl) AS s FROM daily_pnl'))).toEqual([{ n: 40_000, s: (40_000 * 39_999) / 2 }]);
    } finally {
      await again.close();
    }
    for (const rowGroupSize of [0, 1000, 2049, 4_194_304, Number.NaN]) {
      await expect(openDuckDbNode({ path: join(dir, 'rg-bad.duckdb'), rowGroupSize })).rejects.toMatchObject({ code: 'STRATA_STORE_OPEN_FAILED', data: { option: 'rowGroupSize' } });
    }
  });

  it('refuses a damaged file with what to do about it, and leaves the file as it was', async () => {
    const path = join(dir, 'damaged.duckdb');
    const node = await openDuckDbNode({ path });
    await node.ensureSchema();
    await node.close();
    // the header overwritten: what a disk error or a stray copy leaves
    const bytes = readFileSync(path);
    const garbage = Buffer.alloc(8192, 0xa5);
    garbage.copy(bytes, 0);
    writeFileSync(path, bytes);
    const err = await openDuckDbNode({ path }).then(() => null, (e: unknown) => e as { code: string; message: string; data: Record<string, unknown> });
    expect(err).toMatchObject({ code: 'STRATA_STORE_OPEN_FAILED', data: { path, damaged: true } });
    expect(err!.message).toMatch(/move the file aside .*rebuilt from the other replicas/);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('caps DuckDB memory at memoryLimitMb, and refuses a limit that is not a whole number of at least 64 MiB', async () => {
    const node = await openDuckDbNode({ path: ':memory:', memoryLimitMb: 96 });
    try {
      expect(resultRows(await node.query("SELECT current_setting('memory_limit') AS m"))).toEqual([{ m: '96.0 MiB' }]);
    } finally {
      await node.close();
    }
    for (const memoryLimitMb of [10, 100.5, Number.NaN]) {
      await expect(openDuckDbNode({ path: join(dir, 'limit.duckdb'), memoryLimitMb })).rejects.toMatchObject({ code: 'STRATA_STORE_OPEN_FAILED', data: { option: 'memoryLimitMb' } });
    }
  });

  it('caps a database file node at 128 MiB unless told otherwise, and leaves an in-memory node DuckDB\'s own limit', async () => {
    const limitOf = async (node: Awaited<ReturnType<typeof openDuckDbNode>>): Promise<unknown> => {
      try {
        return resultRows(await node.query("SELECT current_setting('memory_limit') AS m"))[0]?.['m'];
      } finally {
        await node.close();
      }
    };
    expect(DEFAULT_FILE_MEMORY_LIMIT_MB).toBe(128);
    expect(await limitOf(await openDuckDbNode({ path: join(dir, 'default-limit.duckdb') }))).toBe('128.0 MiB');
    expect(await limitOf(await openDuckDbNode({ path: join(dir, 'default-limit.duckdb'), memoryLimitMb: 512 }))).toBe('512.0 MiB');
    const inMemory = await limitOf(await openDuckDbNode({ path: ':memory:' }));
    expect(inMemory).not.toBe('128.0 MiB');
    expect(String(inMemory)).toMatch(/^[\d.]+ (MiB|GiB|TiB)$/);
  });

  it('stores repeated text with dictionary compression and distinct text with FSST, whatever the data, and reads both back', async () => {
    const path = join(dir, 'compression.duckdb');
    const node = await openDuckDbNode({ path });
    await node.ensureSchema();
    const n = 30_000;
    // against the grain, so the schema's word decides and not DuckDB's analysis: a "repeated" column of unique
    // values (DuckDB alone picks FSST for it) and a "distinct" one of four values (DuckDB alone: dictionary)
    const strategy = Array.from({ length: n }, (_, i) => `strategy-${String(i).padStart(8, '0')}-${(i * 7919) % 10007}`);
    const leg = Array.from({ length: n }, (_, i) => `leg-${i % 4}`);
    const key = Array.from({ length: n }, (_, i) => `trade-${String(i).padStart(8, '0')}-${(i * 7919) % 10007}`);
    const day = Array.from({ length: n }, (_, i) => `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`);
    const entry = Array.from({ length: n }, (_, i) => `2024-01-0${1 + (i % 4)} 09:15:00`);
    await node.append('trades', {
      rowCount: n,
      columns: { strategy_id: strategy, trade_key: key, leg_id: leg, trade_date: day, entry_ts: entry, exit_ts: new Array(n).fill(null), zone: new Array(n).fill('ALL'), partition_id: new Int32Array(n) },
    });
    await node.query('CHECKPOINT');
    const methods = resultRows(await node.query("SELECT column_name AS c, string_agg(DISTINCT compression, ',') AS m FROM pragma_storage_info('trades') WHERE segment_type = 'VARCHAR' AND column_name IN ('strategy_id', 'trade_date', 'zone', 'trade_key', 'entry_ts', 'leg_id') GROUP BY ALL ORDER BY 1"));
    expect(methods).toEqual([
      { c: 'entry_ts', m: 'FSST' },
      { c: 'leg_id', m: 'Dictionary' },
      { c: 'strategy_id', m: 'Dictionary' },
      { c: 'trade_date', m: 'Dictionary' },
      { c: 'trade_key', m: 'FSST' },
      { c: 'zone', m: 'Dictionary' },
    ]);
    await node.close();
    const again = await openDuckDbNode({ path });
    const back = resultRows(await again.query("SELECT COUNT(DISTINCT trade_key) AS keys, COUNT(DISTINCT strategy_id) AS strategies, COUNT(exit_ts) AS exits, MAX(entry_ts) AS last, MIN(trade_key) AS first FROM trades"));
    expect(back).toEqual([{ keys: n, strategies: n, exits: 0, last: '2024-01-04 09:15:00', first: [...key].sort()[0] }]);
    await again.close();
  });

  it('refuses calls after close and closes only once', async () => {
    const node = await openDuckDbNode({ path: join(dir, 'closed.duckdb') });
    await node.close();
    await node.close();
    await expect(node.query('SELECT 1')).rejects.toMatchObject({ code: 'STRATA_STORE_CLOSED' });
    await expect(node.append('kv', { rowCount: 0, columns: {} })).rejects.toMatchObject({ code: 'STRATA_STORE_CLOSED' });
  });

  it('rolls an append back completely when a later chunk fails', async () => {
    const node = await openDuckDbNode({ path: ':memory:', chunkRows: 2 });
    // The same columns as the schema plus a CHECK only DuckDB enforces, so the third chunk is refused inside
    // the engine after two chunks went in; ensureSchema leaves the existing table alone.
    await node.query('CREATE TABLE daily_pnl (strategy_id TEXT NOT NULL, trading_day TEXT NOT NULL, zone TEXT NOT NULL, pnl DOUBLE NOT NULL CHECK (pnl < 100), n_trades INTEGER, partition_id INTEGER NOT NULL)');
    await node.ensureSchema();
    await expect(node.append('daily_pnl', {
      rowCount: 5,
      columns: { strategy_id: ['a', 'b', 'c', 'd', 'e'], trading_day: ['1', '2', '3', '4', '5'], zone: ['ALL', 'ALL', 'ALL', 'ALL', 'ALL'], pnl: new Float64Array([1, 2, 3, 4, 100]), partition_id: new Int32Array(5) },
    })).rejects.toMatchObject({ code: 'STRATA_STORE_QUERY_FAILED', message: expect.stringContaining('CHECK') }); // the engine's reason, not the appender's close
    expect(resultRows(await node.query('SELECT COUNT(*) AS n FROM daily_pnl'))).toEqual([{ n: 0 }]);
    await node.append('daily_pnl', { rowCount: 1, columns: { strategy_id: ['ok'], trading_day: ['1'], zone: ['ALL'], pnl: [5], partition_id: [0] } });
    expect(resultRows(await node.query('SELECT COUNT(*) AS n FROM daily_pnl'))).toEqual([{ n: 1 }]);
    await node.close();
  });
});
