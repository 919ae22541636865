// A bad file met on a full disk: the ingest actor still rejects it for what it is, and the disk refusing the
// quarantine copy or the report does not fail the actor (which used to restart it, over and over for an inbox file).
// Its store file and folders on a real tmpfs of the test's own filled to the brim (root; see test/support/tmpfs.ts).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileOutcome, IngestEvent } from '../../../actors/ingest/index.ts';
import { writeLargeBackinzoCsv } from '../../../engine/formats/index.ts';
import { mountTmpfs, requireTmpfsOrSkip, type Tmpfs } from '../../support/tmpfs.ts';
import { startHarness, tempDir } from './ingest-harness.ts';

const canMount = requireTmpfsOrSkip('the ingest full-disk test (a tmpfs of its own)');
const badCsv = join(import.meta.dirname, '..', '..', 'fixtures', 'formats', 'non-numeric-pnl.csv');

describe.skipIf(!canMount)('a bad file on a full disk', () => {
  let fs: Tmpfs | null = null;
  afterAll(() => fs?.unmount());

  it('is rejected without its report or quarantine copy, and the actor goes on', { timeout: 60_000 }, async () => {
    fs = mountTmpfs(16);
    const run = join(fs.dir, 'run');
    mkdirSync(run);
    const h = await startHarness({ dir: run });
    try {
      // an inbox file is moved to quarantine (a rename, no room needed) but its report finds no room
      const dropped = join(h.folders.inbox!, 'dropped.csv');
      copyFileSync(badCsv, dropped);
      // a file named in a request stays where it is; its copy in quarantine finds no room
      const asked = join(tempDir('strata-ingest-full-'), 'asked.csv');
      copyFileSync(badCsv, asked);
      fs.fill(0);

      // On a full disk either the store refuses the file's journal entry first (the file waits, pending) or the parser's
      // rejection comes first and then the quarantine copy or the report finds no room: a rejection without them.
      // Both are outcomes; neither fails the actor.
      const firstOk = (o: FileOutcome): boolean => (o.status === 'rejected' && o.code === 'STRATA_FORMAT_NON_NUMERIC' && o.reportJson === null)
        || (o.status === 'failed' && o.retrying && /^STRATA_(STORE|LB)_/.test(o.code));
      const [outcome] = await h.request([asked]);
      expect(firstOk(outcome!), JSON.stringify(outcome)).toBe(true);
      if (outcome!.status === 'rejected') expect(outcome!.quarantined).toBeNull();
      expect(readFileSync(asked)).toEqual(readFileSync(badCsv));

      h.ingest.tell({ type: 'ingest.scan' });
      await new Promise((r) => setTimeout(r, 50));
      h.ingest.tell({ type: 'ingest.scan' });
      const first = await h.waitFor((e) => e.type === 'ingest.file.finished' && e.outcome.file === dropped);
      const firstOutcome = (first as Extract<IngestEvent, { type: 'ingest.file.finished' }>).outcome;
      expect(firstOk(firstOutcome), JSON.stringify(firstOutcome)).toBe(true);
      expect(readdirSync(h.folders.quarantine).filter((n) => n.includes('.report.'))).toEqual([]); // no torn report

      // once there is room, a file that waited is judged again: rejected, quarantined with its report
      fs.unfill();
      const finalOf = async (file: string): Promise<FileOutcome> => {
        const e = await h.waitFor((x) => x.type === 'ingest.file.finished' && x.outcome.file === file && x.outcome.status === 'rejected', 30_000);
        return (e as Extract<IngestEvent, { type: 'ingest.file.finished' }>).outcome;
      };
      const droppedFinal = await finalOf(dropped);
      expect(droppedFinal).toMatchObject({ status: 'rejected', code: 'STRATA_FORMAT_NON_NUMERIC' });
      expect(existsSync(dropped)).toBe(false);
      if (firstOutcome.status === 'failed') expect(droppedFinal).toMatchObject({ reportJson: expect.stringMatching(/\.report\.json$/) });
      if (outcome!.status === 'failed') expect(await finalOf(asked)).toMatchObject({ status: 'rejected', quarantined: expect.any(String), reportJson: expect.any(String) });
      expect(readFileSync(asked)).toEqual(readFileSync(badCsv));

      // the actor never restarted (a restart publishes ingest.recovered to the subscribers it keeps; this one
      // subscribed after the first start), and it stores files again
      const good = await writeLargeBackinzoCsv(join(tempDir('strata-ingest-full-'), 'good.csv'), 500, 2);
      const [stored] = await h.request([good.path]);
      expect(stored).toMatchObject({ status: 'committed' });
      expect(h.events.filter((e) => e.type === 'ingest.recovered')).toHaveLength(0);
    } finally { await h.close(); }
  });
});
