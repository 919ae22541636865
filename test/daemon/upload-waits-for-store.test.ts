// An upload the store cannot take for now (its disk full) is not dropped: its outcome says it failed and is kept
// (retrying, with the time of the next attempt), the consolidator status lists it, and once the store takes writes the
// daemon's ingest service reads it again by itself: the upload becomes committed and its file moves to processed/.
// The ingest service over a real DuckDB file whose journal writes are refused while `full`.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createStoreNodeSink, type IngestSink } from '../../actors/ingest/index.ts';
import { startIngestService } from '../../cluster/daemon/ingest-service.ts';
import type { IngestService, UploadView } from '../../cluster/daemon/services.ts';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { noSpaceError, openDuckDbNode, type StoreNode } from '../../engine/store/index.ts';
import { createSystem, type ActorSystem } from '../../runtime/index.ts';
import { untilValue } from '../support/poll.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => { for (const fn of cleanup.splice(0).reverse()) await fn(); });

async function until(service: IngestService, id: string, pred: (u: UploadView) => boolean, what: string): Promise<UploadView> {
  return (await untilValue(async () => service.getUpload(id), (u) => u !== null && pred(u), `upload ${id} ${what}`, 30_000, 25))!;
}

describe('an upload the store cannot take for now', () => {
  it('is kept, listed as waiting, and stored by itself once the store takes writes', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-upload-waits-'));
    const node: StoreNode = await openDuckDbNode({ path: join(dir, 'store.duckdb') });
    await node.ensureSchema();
    const system: ActorSystem = createSystem({ name: 'upload-waits', codecCheck: true, logger: pino({ level: 'silent' }) });
    cleanup.push(() => rm(dir, { recursive: true, force: true }), () => node.close(), () => system.terminate());
    const full = { on: true };
    const base = createStoreNodeSink(node);
    const refuse = () => Promise.reject(noSpaceError(join(dir, 'store.duckdb'), 'putEntries', 'IO Error: Could not write file "store.duckdb.wal": No space left on device'));
    const sink: IngestSink = { ...base, begin: (r) => (full.on ? refuse() : base.begin(r)) };
    const service = await startIngestService({ system, sink, root: join(dir, 'ingest'), watchInbox: false, scanIntervalMs: 0 });
    cleanup.push(async () => service.stopIntake());

    const csv = await writeLargeBackinzoCsv(join(dir, 'waits.csv'), 2_000, 4);
    const bytes = new Uint8Array(await readFile(csv.path));
    const up = await service.upload('waits.csv', (async function* () { yield bytes; })(), 10 * 2 ** 20);
    await service.process([up.id], {});
    const failed = await until(service, up.id, (u) => u.state === 'failed', 'failed');
    expect(failed.outcome).toMatchObject({ status: 'failed', code: 'STRATA_STORE_NO_SPACE', retrying: true });
    expect((failed.outcome as { retryAt: number }).retryAt).toBeGreaterThan(Date.now() - 2_000);
    const status = await service.status();
    expect(status.retrying).toEqual([expect.objectContaining({ code: 'STRATA_STORE_NO_SPACE', attempts: expect.any(Number) })]);
    expect(status.retrying[0]!.file).toContain(up.id);

    full.on = false;
    const done = await until(service, up.id, (u) => u.state === 'committed', 'committed');
    const movedTo = (done.outcome as { movedTo: string }).movedTo;
    expect(movedTo).toContain(join('ingest', 'processed'));
    expect(new Uint8Array(await readFile(movedTo))).toEqual(bytes);
    expect(existsSync(join(dir, 'ingest', 'uploads', up.id))).toBe(false);
    expect((await service.status()).retrying).toEqual([]);
    const stored = await node.query('SELECT COUNT(*) AS n FROM trades', []);
    expect(Number(stored.columns[0]!.values[0])).toBe(2_000);
  });
});
