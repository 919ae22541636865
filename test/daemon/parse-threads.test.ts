// ingest.parseThreads: a daemon configured with parse threads reads a large FORMAT_1 file on them (chunks counted
// in the consolidator status) and commits exactly what the file holds; without them its own thread parses. Real
// daemon, real DuckDB file, real piscina threads, REST.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../cluster/config/index.ts';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { startHarness, type Harness } from '../api/daemon-harness.ts';

let h: Harness | null = null;
afterEach(async () => {
  const dir = h?.dir;
  await h?.close();
  h = null;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ingest.parseThreads', () => {
  it('parses a large FORMAT_1 file on the parse threads and commits every trade with the file\'s total P&L', async () => {
    h = await startHarness({ 'ingest.parseThreads': 2 });
    // 100,000 trades: about 8.7 MB, above the 8 MiB from which a file is read in chunks
    const file = await writeLargeBackinzoCsv(join(h.dir, 'big.csv'), 100_000, 5);
    expect(file.sizeBytes).toBeGreaterThan(8 << 20);
    const [outcome] = await h.daemon.services.ingest!.ingestPaths([file.path]);
    expect(outcome).toMatchObject({ status: 'committed' });
    const status = await h.request('GET', '/api/v1/consolidator/status');
    expect(status.body.parse).toMatchObject({ threads: 2 });
    expect(status.body.parse.chunks).toBeGreaterThanOrEqual(4);
    const summary = (outcome as unknown as { summary: { rows: { trades: number }; strategies: { trades: number; totalPnl: number }[] } }).summary;
    expect(summary.rows.trades).toBe(100_000);
    expect(summary.strategies[0]!.trades).toBe(100_000);
    expect(summary.strategies[0]!.totalPnl).toBeCloseTo(file.totalPnl, 6);
  }, 120_000);

  it('defaults to none below 8 cores and refuses a negative count', async () => {
    const dir = join(process.cwd(), 'unused');
    const loaded = await loadConfig({ env: {}, set: { dataDir: dir } });
    const { availableParallelism } = await import('node:os');
    const cores = availableParallelism();
    expect(loaded.config.ingest.parseThreads).toBe(cores >= 8 ? 2 : 0);
    await expect(loadConfig({ env: {}, set: { dataDir: dir, 'ingest.parseThreads': -1 } })).rejects.toMatchObject({ code: 'STRATA_CONFIG_INVALID' });
  });
});
