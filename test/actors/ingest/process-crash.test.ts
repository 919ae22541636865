// A process killed with SIGKILL in the middle of a file leaves partial rows and a `writing` journal entry in
// the store; the next start of the ingest actor rolls them back and reads the file again, so the store ends
// with exactly the file's rows, once.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreNodeSink } from '../../../actors/ingest/index.ts';
import { hashFile, writeLargeBackinzoCsv } from '../../../engine/formats/index.ts';
import { openDuckDbNode, resultRows } from '../../../engine/store/index.ts';
import { removeDir, startHarness, tempDir } from './ingest-harness.ts';

const dir = tempDir('strata-ingest-kill-');
afterAll(() => removeDir(dir));

async function counts(path: string): Promise<{ trades: number; strategies: number; unfinished: number }> {
  const node = await openDuckDbNode({ path });
  try {
    const n = async (t: string) => Number(resultRows(await node.query(`SELECT COUNT(*) AS n FROM ${t}`))[0]!['n']);
    return { trades: await n('trades'), strategies: await n('strategies'), unfinished: (await createStoreNodeSink(node).unfinished()).length };
  } finally { await node.close(); }
}

describe('ingest across a process crash', () => {
  it('leaves no partial data after SIGKILL mid-file and retries the file on restart', async () => {
    const rows = 200_000;
    const big = await writeLargeBackinzoCsv(join(dir, 'big.csv'), rows, 21);
    const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), dir, big.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let killedAt = -1;
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^rows (\d+)$/.exec(line);
      if (m && Number(m[1]) >= 20_000) { killedAt = Number(m[1]); child.kill('SIGKILL'); break; }
      if (line.startsWith('done')) break;
    }
    expect(await exited).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThan(0);

    const storePath = join(dir, 'store.duckdb');
    const torn = await counts(storePath);
    expect(torn.unfinished).toBe(1);          // the crash happened mid-file…
    expect(torn.trades).toBeGreaterThan(0);    // …with rows already in the store,
    expect(torn.trades).toBeLessThan(rows);
    expect(torn.strategies).toBe(0);           // but no strategy published

    const h = await startHarness({ dir });
    try {
      const { contentHash } = await hashFile(big.path);
      for (let i = 0; i < 600 && !(await h.sink.committed(contentHash)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await h.sink.committed(contentHash)).not.toBeNull();
      expect(await h.count('trades')).toBe(rows);
      expect(await h.count('strategies')).toBe(1);
      const total = (await h.node.query('SELECT SUM(pnl) AS s FROM daily_pnl')).columns[0]!.values[0] as number;
      expect(Math.round(total * 100)).toBe(Math.round(big.totalPnl * 100));
      expect(await h.sink.unfinished()).toEqual([]);
    } finally { await h.close(); }
  }, 60_000);
});
