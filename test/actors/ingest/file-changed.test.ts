// A file that changes while it is read (an export written again to the same name, cut short, overwritten) must not
// leave rows of one version under the content hash of another: the ingest actor rolls back what it wrote, says
// STRATA_INGEST_FILE_CHANGED (not a rejection of the file, whatever torn row the parser met), and reads the file
// again, so the store holds one version of it. A real DuckDB file; the file is changed from inside the sink, at the
// second batch.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileOutcome, IngestEvent, IngestSink } from '../../../actors/ingest/index.ts';
import { hashFile, writeLargeBackinzoCsv } from '../../../engine/formats/index.ts';
import { resultRows } from '../../../engine/store/index.ts';
import { startHarness, tempDir } from './ingest-harness.ts';

/** The sink's second append runs `change` first (once). */
const changingAt2 = (change: () => Promise<void> | void) => (s: IngestSink): IngestSink => {
  let appends = 0;
  return { ...s, append: async (t, b, h) => { if (++appends === 2) await change(); await s.append(t, b, h); } };
};

const finishedFor = (file: string, n: number) => (events: readonly IngestEvent[]): FileOutcome | undefined =>
  events.flatMap((e) => (e.type === 'ingest.file.finished' && e.outcome.file === file ? [e.outcome] : []))[n];

describe('a file that changes while it is read', () => {
  it('is rolled back and read again when it is written anew: the store holds the new version once', { timeout: 60_000 }, async () => {
    const dir = tempDir('strata-ingest-changed-');
    const path = join(dir, 'export.csv');
    await writeLargeBackinzoCsv(path, 20_000, 1);
    let second: { totalPnl: number; rows: number } | null = null;
    const h = await startHarness({ dir, batchRows: 2_000, wrapSink: changingAt2(async () => { second = await writeLargeBackinzoCsv(path, 7_000, 2); }) });
    try {
      const [first] = await h.request([path]);
      expect(first).toMatchObject({ status: 'failed', code: 'STRATA_INGEST_FILE_CHANGED', retrying: true });
      expect((first as { message: string }).message).toMatch(/changed while it was read \((its size went from \d+ to \d+ bytes|it was written to)\)/);
      await h.waitFor((e) => e.type === 'ingest.file.finished' && e.outcome.file === path && e.outcome.status === 'committed');
      const stored = await h.sink.committedFiles();
      expect(stored.map((r) => r.contentHash)).toEqual([(await hashFile(path)).contentHash]);
      expect(await h.count('trades')).toBe(7_000);
      const total = Number(resultRows(await h.node.query('SELECT SUM(pnl) AS s FROM daily_pnl'))[0]!['s']);
      expect(Math.round(total * 100)).toBe(Math.round(second!.totalPnl * 100));
      expect(await h.count('strategies')).toBe(1);
      expect(await h.sink.unfinished()).toEqual([]);
    } finally { await h.close(); }
  });

  it('is not taken for a bad file when a torn row shows where it was overwritten; the version left is judged on its own', { timeout: 60_000 }, async () => {
    const dir = tempDir('strata-ingest-overwritten-');
    const path = join(dir, 'export.csv');
    const original = await writeLargeBackinzoCsv(path, 40_000, 3); // several read chunks: the parser meets the new bytes
    const h = await startHarness({
      dir, batchRows: 2_000,
      wrapSink: changingAt2(() => {
        // the same size, every byte past the first 600 KiB replaced with text that is no CSV row of this file
        const bytes = readFileSync(path);
        bytes.fill('x;y;z\n', 600 * 1024);
        writeFileSync(path, bytes);
      }),
    });
    try {
      const [first] = await h.request([path]);
      expect(first).toMatchObject({ status: 'failed', code: 'STRATA_INGEST_FILE_CHANGED', retrying: true });
      expect(original.sizeBytes).toBeGreaterThan(2 * 1024 * 1024);
      // read again: the overwritten version is rejected for what it is now, with nothing of the first attempt left
      await h.waitFor((e) => e.type === 'ingest.file.finished' && e.outcome.file === path && e.outcome.status === 'rejected');
      const retry = finishedFor(path, 1)(h.events)!;
      expect(retry).toMatchObject({ status: 'rejected', code: expect.stringMatching(/^STRATA_FORMAT_/) });
      expect(await h.count('trades')).toBe(0);
      expect(await h.count('strategies')).toBe(0);
      expect(await h.sink.unfinished()).toEqual([]);
      expect(await h.sink.committedFiles()).toEqual([]);
    } finally { await h.close(); }
  });

  it('is read again when it is cut short at a line end, though the parser saw a whole, shorter file', { timeout: 60_000 }, async () => {
    const dir = tempDir('strata-ingest-truncated-');
    const path = join(dir, 'export.csv');
    await writeLargeBackinzoCsv(path, 30_000, 5);
    const lines = readFileSync(path, 'utf8').split('\n');
    const keep = lines.slice(0, 8 + 9_000).join('\n') + '\n'; // preamble and header (8 lines), then 9,000 trades
    const h = await startHarness({ dir, batchRows: 2_000, wrapSink: changingAt2(() => truncateSync(path, Buffer.byteLength(keep))) });
    try {
      const [first] = await h.request([path]);
      expect(first).toMatchObject({ status: 'failed', code: 'STRATA_INGEST_FILE_CHANGED', retrying: true });
      await h.waitFor((e) => e.type === 'ingest.file.finished' && e.outcome.file === path && e.outcome.status === 'committed');
      expect(await h.count('trades')).toBe(9_000);
      expect((await h.sink.committedFiles()).map((r) => r.contentHash)).toEqual([(await hashFile(path)).contentHash]);
    } finally { await h.close(); }
  });
});
