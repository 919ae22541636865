import { describe, it, expect, afterEach } from 'vitest';
import { Piscina } from 'piscina';
import { CpuPool } from '../../runtime/cpu-pool.ts';

const module = new URL('./fixtures/pool-tasks.ts', import.meta.url);
let pool: CpuPool | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

describe('CPU pool', () => {
  it('runs a batch as tasks over a shared matrix and returns results in task order', async () => {
    const rows = 200;
    const cols = 50;
    const data = new SharedArrayBuffer(rows * cols * 8);
    const view = new Float64Array(data);
    for (let i = 0; i < view.length; i++) view[i] = i % 7;
    pool = new CpuPool({ module, threads: 2, workerData: { data, cols } });
    const items = Array.from({ length: rows }, (_, r) => r);
    const out = await pool.runBatch<number, { rows: Int32Array }, { threadId: number; sums: Float64Array }>(items, {
      fn: 'sumRows',
      taskSize: 16,
      pack: (slice) => ({ rows: Int32Array.from(slice) }),
      transfer: (t) => [t.rows.buffer as ArrayBuffer],
    });
    expect(out).toHaveLength(Math.ceil(rows / 16));
    const sums = out.flatMap((r) => [...r.sums]);
    const expected = items.map((r) => {
      let s = 0;
      for (let c = 0; c < cols; c++) s += view[r * cols + c]!;
      return s;
    });
    expect(sums).toEqual(expected);
    expect(pool.stats().tasksCompleted).toBe(out.length);
  });

  it('transfers task buffers instead of copying them', async () => {
    pool = new CpuPool({ module, threads: 1 });
    const buf = new Uint8Array(1 << 20);
    const n = await pool.run<{ buf: Uint8Array }, number>('byteLengthOf', { buf }, { transfer: [buf.buffer as ArrayBuffer] });
    expect(n).toBe(1 << 20);
    expect(buf.byteLength).toBe(0); // detached here: it moved to the worker
  });

  it('turns a task error into STRATA_POOL_TASK_FAILED with the cause', async () => {
    pool = new CpuPool({ module, threads: 1 });
    await expect(pool.run('fail', { message: 'bad candidate' })).rejects.toMatchObject({ code: 'STRATA_POOL_TASK_FAILED', data: expect.objectContaining({ cause: expect.stringContaining('bad candidate') }) });
    // the pool still works afterwards
    expect(await pool.run('byteLengthOf', { buf: new Uint8Array(3) })).toBe(3);
  });

  it('counts an error of the pool itself instead of throwing it (a reply after its task was settled, a thread failing idle)', async () => {
    // piscina emits these as `error` on the pool; with no listener that threw from a MessagePort callback, an
    // uncaught exception that ended the process (a CI run: "Unexpected message from Worker")
    let inner: Piscina | null = null;
    const run = Piscina.prototype.run;
    Piscina.prototype.run = function (this: Piscina, ...args: Parameters<Piscina['run']>) { inner = this; return run.apply(this, args); };
    try {
      pool = new CpuPool({ module, threads: 1 });
      expect(await pool.run('byteLengthOf', { buf: new Uint8Array(2) })).toBe(2);
    } finally {
      Piscina.prototype.run = run;
    }
    expect(() => inner!.emit('error', new Error('Unexpected message from Worker: { taskId: 7 }'))).not.toThrow();
    expect(pool.stats()).toMatchObject({ poolErrors: 1, tasksFailed: 0 });
    expect(await pool.run('byteLengthOf', { buf: new Uint8Array(5) })).toBe(5);
  });

  it('fails the whole batch on the first failing task and closes cleanly with tasks still in flight', async () => {
    pool = new CpuPool({ module, threads: 2 });
    const batch = pool.runBatch(Array.from({ length: 6 }, (_, i) => i), { fn: 'fail', taskSize: 1, pack: (s) => ({ message: `item ${s[0]}` }) });
    await expect(batch).rejects.toMatchObject({ code: 'STRATA_POOL_TASK_FAILED' });
  });

  it('cancels a batch by AbortSignal: tasks not yet sent never run', async () => {
    pool = new CpuPool({ module, threads: 1, inFlightPerThread: 1 });
    const controller = new AbortController();
    const batch = pool.runBatch(Array.from({ length: 20 }, () => 0), { fn: 'spin', taskSize: 1, pack: () => ({ ms: 30 }), signal: controller.signal });
    setTimeout(() => controller.abort(), 40);
    await expect(batch).rejects.toMatchObject({ code: 'STRATA_ASK_CANCELLED' });
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.stats().tasksCompleted).toBeLessThan(20);
    expect(pool.stats().batchesCancelled).toBe(1);
  });

  it('refuses bad sizes and use after close with coded errors', async () => {
    expect(() => new CpuPool({ module, threads: 0 })).toThrowError(expect.objectContaining({ code: 'STRATA_INVALID_OPTION' }));
    pool = new CpuPool({ module, threads: 1 });
    await expect(pool.runBatch([1], { fn: 'spin', taskSize: 0 })).rejects.toMatchObject({ code: 'STRATA_INVALID_OPTION' });
    await pool.close();
    await expect(pool.run('spin', { ms: 1 })).rejects.toMatchObject({ code: 'STRATA_POOL_TASK_FAILED' });
  });

  it('with idleTimeoutMs, starts threads when work comes and lets idle ones exit', async () => {
    pool = new CpuPool({ module, threads: 2, idleTimeoutMs: 150 });
    expect(pool.stats().liveThreads).toBe(0);
    const first = await pool.runBatch(Array.from({ length: 4 }, () => 0), { fn: 'spin', taskSize: 1, pack: () => ({ ms: 20 }) });
    expect(first).toHaveLength(4);
    expect(pool.stats().liveThreads).toBeGreaterThan(0);
    const deadline = Date.now() + 5_000;
    while (pool.stats().liveThreads > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pool.stats().liveThreads).toBe(0);
    // and the pool still works: threads start again
    expect(await pool.run('byteLengthOf', { buf: new Uint8Array(10) })).toBe(10);
    expect(() => new CpuPool({ module, threads: 1, idleTimeoutMs: 0 })).toThrowError(expect.objectContaining({ code: 'STRATA_INVALID_OPTION' }));
  });

  it('without idleTimeoutMs, keeps every thread', async () => {
    pool = new CpuPool({ module, threads: 2 });
    await pool.runBatch([0, 0], { fn: 'spin', taskSize: 1, pack: () => ({ ms: 1 }) });
    await new Promise((r) => setTimeout(r, 300));
    expect(pool.stats().liveThreads).toBe(2);
  });
});
