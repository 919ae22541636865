// The ingest actor on a real DuckDB store file: every generated format lands exactly (per strategy, day and
// zone, to the cent), the same bytes twice are a no-op, rejected files are quarantined with reports and
// leave nothing, lenient mode keeps the valid rows, the inboxes are watched, progress is published, and a
// crash of the actor mid-file rolls the file back and retries it.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnValue, generateDataset, writeLargeBackinzoCsv, type Dataset } from '../../../engine/formats/index.ts';
import type { FileOutcome, IngestCommand, IngestEvent, IngestListReply, IngestRemoveReply, IngestSink } from '../../../actors/ingest/index.ts';
import type { ActorRef, Message } from '../../../runtime/index.ts';
import { removeDir, startHarness, tempDir, type Harness } from './ingest-harness.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'formats');
const root = tempDir('strata-ingest-actor-');
let ds: Dataset;
beforeAll(async () => { ds = await generateDataset({ outDir: join(root, 'data'), strategies: 3, days: 12, seed: 7 }); });
afterAll(() => removeDir(root));

function only<S extends FileOutcome['status']>(outcomes: FileOutcome[], status: S): Extract<FileOutcome, { status: S }> {
  expect(outcomes.map((o) => o.status)).toEqual([status]);
  return outcomes[0] as Extract<FileOutcome, { status: S }>;
}

describe('ingest actor', () => {
  it('stores every generated format with the expected daily P&L per strategy, day and zone, to the cent', async () => {
    const h = await startHarness({ dir: tempDir('strata-ingest-all-') });
    try {
      const plain = ds.files.filter((f) => !f.zoneMode).map((f) => join(ds.outDir, f.file));
      const zoned = ds.files.filter((f) => f.zoneMode).map((f) => join(ds.outDir, f.file));
      const outcomes = [...await h.request(plain), ...await h.request(zoned, { zones: { method: 'equal', count: 4 } })];
      expect(outcomes.every((o) => o.status === 'committed'), JSON.stringify(outcomes.filter((o) => o.status !== 'committed'))).toBe(true);
      let strategies = 0, trades = 0;
      for (const f of ds.files) {
        for (const s of f.strategies) {
          strategies++;
          trades += s.trades ?? 0;
          const got = await h.daily(s.name);
          expect([...got.keys()].sort(), `${f.file} ${s.name}`).toEqual(s.daily.map((d) => `${d.trading_day}|${d.zone}`).sort());
          for (const d of s.daily) {
            const g = got.get(`${d.trading_day}|${d.zone}`)!;
            expect(Math.round(g.pnl * 100), `${f.file} ${s.name} ${d.trading_day} ${d.zone}`).toBe(Math.round(d.pnl * 100));
            expect(g.n).toBe(d.n_trades);
          }
        }
      }
      expect(await h.count('strategies')).toBe(strategies);
      expect(await h.count('trades')).toBeGreaterThanOrEqual(trades);
      expect((await h.sink.unfinished())).toEqual([]);
    } finally { await h.close(); }
  });

  it('treats the same bytes again, under another name, as a no-op and says so', async () => {
    const h = await startHarness({ dir: tempDir('strata-ingest-dup-') });
    try {
      const src = join(ds.outDir, 'f1_backinzo.csv');
      const first = only(await h.request([src]), 'committed');
      const before = await Promise.all([h.count('strategies'), h.count('trades'), h.count('daily_pnl')]);
      const copy = join(h.dir, 'renamed.csv');
      copyFileSync(src, copy);
      const again = only(await h.request([src, copy]).then((o) => o.slice(1)), 'duplicate');
      expect(again.contentHash).toBe(first.contentHash);
      expect(again.firstFile).toBe(src);
      expect(await Promise.all([h.count('strategies'), h.count('trades'), h.count('daily_pnl')])).toEqual(before);
      const finished = h.events.filter((e): e is Extract<IngestEvent, { type: 'ingest.file.finished' }> => e.type === 'ingest.file.finished');
      expect(finished.map((e) => e.outcome.status)).toEqual(['committed', 'duplicate', 'duplicate']);
    } finally { await h.close(); }
  });

  it('lists the stored files and removes one on request: its rows in every table and its journal record; the same bytes then ingest again', async () => {
    const h = await startHarness({ dir: tempDir('strata-ingest-remove-') });
    try {
      const a = only(await h.request([join(ds.outDir, 'f1_backinzo.csv')]), 'committed');
      const b = only(await h.request([join(ds.outDir, 'f6_python_multi.xlsx')]), 'committed');
      const ask = <R extends Message>(make: (replyTo: ActorRef<R>) => IngestCommand) => h.system.ask<IngestCommand, R>(h.ingest, make as never, { timeoutMs: 30_000 });
      const listed = await ask<IngestListReply>((replyTo) => ({ type: 'ingest.list', replyTo }));
      expect(listed.type).toBe('ingest.list.ok');
      const files = (listed as Extract<IngestListReply, { type: 'ingest.list.ok' }>).files;
      expect(files.map((f) => f.contentHash)).toEqual([a.contentHash, b.contentHash]);
      expect(files[1]!.strategyIds).toHaveLength(b.summary.strategies.length);
      const before = await Promise.all([h.count('strategies'), h.count('trades'), h.count('daily_pnl')]);
      const removed = await ask<IngestRemoveReply>((replyTo) => ({ type: 'ingest.remove', contentHash: b.contentHash, replyTo }));
      expect(removed).toMatchObject({ type: 'ingest.remove.ok', removed: { contentHash: b.contentHash, rows: b.summary.rows } });
      // only a's rows are left
      expect(await Promise.all([h.count('strategies'), h.count('trades'), h.count('daily_pnl')]))
        .toEqual([before[0]! - b.summary.rows.strategies, before[1]! - b.summary.rows.trades, before[2]! - b.summary.rows.daily_pnl]);
      expect(await h.sink.committed(b.contentHash)).toBeNull();
      expect((await h.waitFor((e) => e.type === 'ingest.file.removed'))).toMatchObject({ contentHash: b.contentHash, strategies: b.summary.strategies.length });
      // asked again, or for bytes never stored: a coded refusal
      const again = await ask<IngestRemoveReply>((replyTo) => ({ type: 'ingest.remove', contentHash: b.contentHash, replyTo }));
      expect(again).toMatchObject({ type: 'ingest.remove.rejected', code: 'STRATA_INGEST_UNKNOWN_FILE' });
      // not a duplicate any more: stored again, under the same strategy names (no suffix)
      const back = only(await h.request([join(ds.outDir, 'f6_python_multi.xlsx')]), 'committed');
      expect(back.summary.strategies.map((s) => s.name)).toEqual(b.summary.strategies.map((s) => s.name));
      expect(await Promise.all([h.count('strategies'), h.count('trades'), h.count('daily_pnl')])).toEqual(before);
    } finally { await h.close(); }
  });

  it('refuses to remove a file while it is being ingested (busy, retryable), and removes it once it is stored', async () => {
    // the store's sink, held at its first append: the file is on its way in, its journal record `writing`
    let begun: (hash: string) => void = () => {};
    const begunHash = new Promise<string>((resolve) => { begun = resolve; });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => { release = resolve; });
    const h = await startHarness({
      dir: tempDir('strata-ingest-busy-'),
      wrapSink: (base): IngestSink => ({
        ...base,
        label: base.label,
        committed: (hash) => base.committed(hash),
        unfinished: () => base.unfinished(),
        committedFiles: () => base.committedFiles(),
        strategyNames: (except) => base.strategyNames(except),
        claim: (hash, ids) => base.claim(hash, ids),
        commit: (hash, result) => base.commit(hash, result),
        abort: (hash) => base.abort(hash),
        begin: async (record) => { await base.begin(record); begun(record.contentHash); },
        append: async (table, batch, hash) => { await released; return base.append(table, batch, hash); },
      }),
    });
    try {
      const ask = (contentHash: string) => h.system.ask<IngestCommand, IngestRemoveReply>(h.ingest, (replyTo) => ({ type: 'ingest.remove', contentHash, replyTo }), { timeoutMs: 30_000 });
      const going = h.request([join(ds.outDir, 'f1_backinzo.csv')]);
      const hash = await begunHash;
      expect(await ask(hash)).toMatchObject({ type: 'ingest.remove.rejected', code: 'STRATA_INGEST_FILE_BUSY', message: expect.stringContaining(hash) });
      release();
      const stored = only(await going, 'committed');
      expect(stored.contentHash).toBe(hash);
      expect(await ask(hash)).toMatchObject({ type: 'ingest.remove.ok', removed: { contentHash: hash } });
      expect(await h.count('trades')).toBe(0);
    } finally { release(); await h.close(); }
  });

  it('replaces a stored file with a corrected export: the same strategy names, the old rows gone once the new file is stored', async () => {
    const corrected = await generateDataset({ outDir: join(root, 'corrected'), strategies: 3, days: 12, seed: 8 });
    const h = await startHarness({ dir: tempDir('strata-ingest-replace-') });
    try {
      const old = only(await h.request([join(ds.outDir, 'f6_python_multi.xlsx')]), 'committed');
      const names = old.summary.strategies.map((st) => st.name);
      // a corrected file that fails replaces nothing
      const bad = join(h.dir, 'f6_python_multi.xlsx');
      writeFileSync(bad, 'not a workbook');
      only(await h.request([bad], { replaces: old.contentHash }), 'rejected');
      expect(await h.sink.committed(old.contentHash)).not.toBeNull();
      const fresh = only(await h.request([join(corrected.outDir, 'f6_python_multi.xlsx')], { replaces: old.contentHash }), 'committed');
      expect(fresh.replaced).toMatchObject({ contentHash: old.contentHash, strategyIds: old.summary.strategies.map((st) => st.strategyId) });
      // the names were free: no " (2)"
      expect(fresh.summary.strategies.map((st) => st.name)).toEqual(names);
      expect(await h.sink.committed(old.contentHash)).toBeNull();
      expect([await h.count('strategies'), await h.count('daily_pnl')]).toEqual([fresh.summary.rows.strategies, fresh.summary.rows.daily_pnl]);
      expect(await h.waitFor((e) => e.type === 'ingest.file.removed')).toMatchObject({ contentHash: old.contentHash });
      // replacing a file that is gone: stored as a new file (nothing to remove)
      const again = only(await h.request([join(ds.outDir, 'f1_backinzo.csv')], { replaces: old.contentHash }), 'committed');
      expect(again.replaced).toBeNull();
    } finally { await h.close(); }
  });

  it('finishes a replacement at the next start when removing the replaced file failed', async () => {
    const corrected = await generateDataset({ outDir: join(root, 'corrected-2'), strategies: 3, days: 12, seed: 9 });
    const dir = tempDir('strata-ingest-replace-crash-');
    let failOnce = true;
    let oldHash = '';
    const h = await startHarness({
      dir,
      wrapSink: (sink) => ({ ...sink, abort: async (hash) => { if (hash === oldHash && failOnce) { failOnce = false; throw Object.assign(new Error('store went away'), { code: 'STRATA_NODE_UNREACHABLE' }); } return sink.abort(hash); } }),
    });
    let freshHash = '';
    try {
      oldHash = only(await h.request([join(ds.outDir, 'f1_backinzo.csv')]), 'committed').contentHash;
      const fresh = only(await h.request([join(corrected.outDir, 'f1_backinzo.csv')], { replaces: oldHash }), 'committed');
      freshHash = fresh.contentHash;
      // stored, but the old one is still there: the outcome does not claim it was replaced
      expect(fresh.replaced).toBeNull();
      expect(await h.sink.committed(oldHash)).not.toBeNull();
    } finally { await h.close(); }
    const again = await startHarness({ dir });
    try {
      expect(await again.sink.committed(oldHash)).toBeNull();
      expect(await again.sink.committed(freshHash)).not.toBeNull();
      expect(await again.count('strategies')).toBe(1);
    } finally { await again.close(); }
  });

  it('rejects a bad file, leaves nothing behind, and quarantines a copy with a JSON and a text report', async () => {
    const h = await startHarness({ dir: tempDir('strata-ingest-bad-') });
    try {
      const bad = join(fixtures, 'non-numeric-pnl.csv');
      const r = only(await h.request([bad]), 'rejected');
      expect(r.code).toBe('STRATA_FORMAT_NON_NUMERIC');
      expect(existsSync(bad)).toBe(true); // a requested file is copied, never taken away
      expect(readFileSync(r.quarantined!)).toEqual(readFileSync(bad));
      const report = JSON.parse(readFileSync(r.reportJson!, 'utf8')) as { problems: { row: number; column: string; value: string; reason: string }[]; totalProblems: number };
      expect(report.problems.map((p) => [p.row, p.column, p.value])).toEqual([[11, 'P/L', 'abc'], [12, 'P/L', '']]);
      expect(report.totalProblems).toBe(2);
      const text = readFileSync(r.reportText!, 'utf8');
      expect(text).toContain('file · sheet · row · column · value · reason');
      expect(text).toContain('non-numeric-pnl.csv · - · 11 · P/L · "abc" · P/L is not a number');
      expect([await h.count('strategies'), await h.count('trades'), await h.count('daily_pnl'), await h.count('kv')]).toEqual([0, 0, 0, 0]);
    } finally { await h.close(); }
  });

  it('removes the rows of a file that fails half-way, after some batches were written', async () => {
    const appended: number[] = [];
    const observe = (s: IngestSink): IngestSink => ({ ...s, append: async (t, b) => { appended.push(b.rowCount); await s.append(t, b); } });
    const h = await startHarness({ dir: tempDir('strata-ingest-half-'), batchRows: 500, wrapSink: observe });
    try {
      const big = await writeLargeBackinzoCsv(join(h.dir, 'late-error.csv'), 5000, 3);
      writeFileSync(big.path, `${readFileSync(big.path, 'utf8')}5001,03-Jan-2023,Tue,09:20:00,09:25:00,NIFTY,17500,CE,50,1,2,not-a-number,x\n`);
      const r = only(await h.request([big.path]), 'rejected');
      expect(r.code).toBe('STRATA_FORMAT_NON_NUMERIC');
      expect(r.problems[0]!.row).toBe(5009);
      expect(appended.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5000); // rows did reach the store…
      expect([await h.count('trades'), await h.count('daily_pnl'), await h.count('strategies'), await h.count('kv')]).toEqual([0, 0, 0, 0]); // …and are gone
    } finally { await h.close(); }
  });

  it('imports the valid rows in lenient mode and writes a report of the rest', async () => {
    const h = await startHarness({ dir: tempDir('strata-ingest-lenient-') });
    try {
      const r = only(await h.request([join(fixtures, 'non-numeric-pnl.csv')], { lenient: true }), 'committed');
      expect(r.summary.problems.map((p) => p.row)).toEqual([11, 12]);
      expect(await h.count('trades')).toBe(r.summary.rows.trades);
      expect(r.summary.rows.trades).toBeGreaterThan(0);
      const text = readFileSync(join(h.folders.quarantine, 'non-numeric-pnl.csv.report.txt'), 'utf8');
      expect(text).toContain('imported leniently');
    } finally { await h.close(); }
  });

  it('watches the inbox and the zone inbox: moves committed files to processed/ and bad ones to quarantine/', async () => {
    const h = await startHarness({ dir: tempDir('strata-ingest-inbox-'), scanIntervalMs: 20 });
    try {
      const tv = ds.files.find((f) => f.file === 'zones/f7_tv_zone.xlsx')!;
      copyFileSync(join(ds.outDir, 'f1_backinzo.csv'), join(h.folders.inbox!, 'f1_backinzo.csv'));
      copyFileSync(join(ds.outDir, tv.file), join(h.folders.zoneInbox!, 'f7_tv_zone.xlsx'));
      copyFileSync(join(fixtures, 'duplicate-trade-numbers.csv'), join(h.folders.inbox!, 'dup.csv'));
      const done = (name: string) => h.waitFor((e) => e.type === 'ingest.file.finished' && e.outcome.file.endsWith(name));
      const [a, b, c] = await Promise.all([done('f1_backinzo.csv'), done('f7_tv_zone.xlsx'), done('dup.csv')]);
      expect(a.type === 'ingest.file.finished' && a.outcome.status).toBe('committed');
      expect(b.type === 'ingest.file.finished' && b.origin).toBe('zone-inbox');
      expect(c.type === 'ingest.file.finished' && c.outcome.status === 'rejected' && c.outcome.code).toBe('STRATA_FORMAT_DUPLICATE_TRADE');
      expect(existsSync(join(h.folders.processed, 'f1_backinzo.csv'))).toBe(true);
      expect(existsSync(join(h.folders.quarantine, 'dup.csv'))).toBe(true);
      expect(existsSync(join(h.folders.quarantine, 'dup.csv.report.txt'))).toBe(true);
      expect(existsSync(join(h.folders.inbox!, 'dup.csv'))).toBe(false);
      const zoned = await h.daily(tv.strategies[0]!.name);
      expect([...zoned.keys()].some((k) => k.endsWith('|Zone 2'))).toBe(true);
    } finally { await h.close(); }
  });

  it('with replaceByName, an inbox file named as one stored file replaces it; without, it is a new file with a suffixed name', async () => {
    const corrected = await generateDataset({ outDir: join(root, 'corrected-inbox'), strategies: 3, days: 12, seed: 10 });
    for (const replaceByName of [true, false]) {
      const h = await startHarness({ dir: tempDir('strata-ingest-inbox-replace-'), scanIntervalMs: 20, replaceByName });
      try {
        const finished = (n: number) => h.waitFor((e) => e.type === 'ingest.file.finished' && h.events.filter((x) => x.type === 'ingest.file.finished').length >= n);
        copyFileSync(join(ds.outDir, 'f1_backinzo.csv'), join(h.folders.inbox!, 'f1_backinzo.csv'));
        await finished(1);
        copyFileSync(join(corrected.outDir, 'f1_backinzo.csv'), join(h.folders.inbox!, 'f1_backinzo.csv'));
        await finished(2);
        const outcomes = h.events.flatMap((e) => (e.type === 'ingest.file.finished' ? [e.outcome] : []));
        expect(outcomes.map((o) => o.status)).toEqual(['committed', 'committed']);
        const [first, second] = outcomes as Extract<FileOutcome, { status: 'committed' }>[];
        const files = await h.sink.committedFiles();
        if (replaceByName) {
          expect(second!.replaced?.contentHash).toBe(first!.contentHash);
          expect(second!.summary.strategies[0]!.name).toBe('f1_backinzo');
          expect(files.map((f) => f.contentHash)).toEqual([second!.contentHash]);
        } else {
          expect(second!.replaced).toBeNull();
          expect(second!.summary.strategies[0]!.name).toBe('f1_backinzo (2)');
          expect(files).toHaveLength(2);
        }
      } finally { await h.close(); }
    }
  });

  it('publishes progress with rows, rows/s, bytes and an ETA', async () => {
    const h = await startHarness({ dir: tempDir('strata-ingest-progress-'), batchRows: 4000 });
    try {
      const big = await writeLargeBackinzoCsv(join(h.dir, 'progress.csv'), 40_000, 5); // > 1 MiB: several read chunks
      only(await h.request([big.path]), 'committed');
      const progress = h.events.flatMap((e) => (e.type === 'ingest.file.progress' ? [e.progress] : []));
      expect(progress.length).toBeGreaterThan(3);
      const mid = progress.find((p) => p.rows > 0 && p.bytes < p.totalBytes)!;
      expect(mid.rowsPerSec).toBeGreaterThan(0);
      expect(mid.etaMs).not.toBeNull();
      expect(progress.at(-1)).toMatchObject({ rows: 40_000, bytes: big.sizeBytes, totalBytes: big.sizeBytes, etaMs: 0 });
      for (let i = 1; i < progress.length; i++) expect(progress[i]!.rows).toBeGreaterThanOrEqual(progress[i - 1]!.rows);
    } finally { await h.close(); }
  });

  it('rolls back and retries a file when the actor crashes mid-file', async () => {
    let appends = 0;
    let crashes = 0;
    const faulty = (s: IngestSink): IngestSink => ({
      ...s,
      append: async (t, b) => {
        // the third append of the first attempt fails with something no layer expects (a store that cannot take
        // the rows for now makes the file wait for a retry instead: store-unavailable.test.ts)
        if (++appends === 3 && crashes++ === 0) throw new TypeError('simulated fault in the sink');
        await s.append(t, b);
      },
    });
    const h = await startHarness({ dir: tempDir('strata-ingest-crash-'), batchRows: 1000, wrapSink: faulty });
    try {
      const big = await writeLargeBackinzoCsv(join(h.dir, 'crash.csv'), 5000, 9);
      const outcomes = await h.request([big.path]);
      expect(outcomes[0]).toMatchObject({ status: 'failed', retrying: true });
      const recovered = await h.waitFor((e) => e.type === 'ingest.recovered' && e.files.includes(big.path));
      expect(recovered.type).toBe('ingest.recovered');
      const committed = await h.waitFor((e) => e.type === 'ingest.file.finished' && e.outcome.status === 'committed');
      expect(committed.type === 'ingest.file.finished' && committed.outcome.file).toBe(big.path);
      expect(await h.count('trades')).toBe(5000);
      const total = (await h.node.query('SELECT SUM(pnl) AS s FROM daily_pnl')).columns[0]!.values[0] as number;
      expect(Math.round(total * 100)).toBe(Math.round(big.totalPnl * 100));
      expect(await h.sink.unfinished()).toEqual([]);
    } finally { await h.close(); }
  });

  it('quarantines a file whose rows the store refuses for good, instead of retrying it forever', async () => {
    let appends = 0;
    const refusing = (s: IngestSink): IngestSink => ({
      ...s,
      append: async (t, b) => {
        if (++appends === 2) throw Object.assign(new Error('trades.mfe: a dictionary column cannot feed a float64 column'), { code: 'STRATA_STORE_INVALID_BATCH', retryable: false });
        await s.append(t, b);
      },
    });
    const h = await startHarness({ dir: tempDir('strata-ingest-refused-'), batchRows: 1000, wrapSink: refusing });
    try {
      const big = await writeLargeBackinzoCsv(join(h.dir, 'refused.csv'), 10_000, 4);
      const outcomes = await h.request([big.path]);
      expect(outcomes[0]).toMatchObject({ status: 'rejected', code: 'STRATA_STORE_INVALID_BATCH' });
      expect(await h.count('trades')).toBe(0); // the batches that went in were rolled back
      expect(await h.sink.unfinished()).toEqual([]);
      // not retried: besides the refused second append, at most the one sent while it was in flight (2 in
      // flight by default); a retry would append all ten batches again
      expect(appends).toBeGreaterThanOrEqual(2);
      expect(appends).toBeLessThanOrEqual(3);
    } finally { await h.close(); }
  });

  it('keeps up to appendsInFlight appends in flight, each batch claimed in the journal before its own append', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let most = 0;
    const slow = (s: IngestSink): IngestSink => ({
      ...s,
      claim: async (hash, ids) => { log.push(`claim ${ids.join(',')}`); await s.claim(hash, ids); },
      append: async (t, b, group) => {
        const ids = [...new Set(Array.from({ length: b.rowCount }, (_, i) => columnValue(b.columns['strategy_id']!, i)))].join(',');
        log.push(`append ${t} ${ids}`);
        most = Math.max(most, ++inFlight);
        try {
          await new Promise((r) => setTimeout(r, 15));
          await s.append(t, b, group);
        } finally { inFlight--; }
      },
    });
    const h = await startHarness({ dir: tempDir('strata-ingest-window-'), batchRows: 500, appendsInFlight: 3, wrapSink: slow });
    try {
      const big = await writeLargeBackinzoCsv(join(h.dir, 'window.csv'), 6000, 7);
      only(await h.request([big.path]), 'committed');
      expect(most).toBe(3);
      expect(await h.count('trades')).toBe(6000);
      // every strategy id an append carries was claimed before that append was sent
      const claimed = new Set<string>();
      for (const line of log) {
        const [kind, , ids = ''] = line.split(' ');
        if (kind === 'claim') for (const id of line.slice(6).split(',')) claimed.add(id);
        else for (const id of ids.split(',')) expect(claimed.has(id)).toBe(true);
      }
      expect(log.filter((l) => l.startsWith('append trades')).length).toBe(12);
    } finally { await h.close(); }
  });

  it('writes nothing of a file (no claim, no append) before its journal entry is durable, even when that write is slow', async () => {
    const log: string[] = [];
    const slowBegin = (s: IngestSink): IngestSink => ({
      ...s,
      begin: async (r) => {
        log.push('begin sent');
        await new Promise((res) => setTimeout(res, 150));
        await s.begin(r);
        log.push('begin done');
      },
      claim: async (hash, ids) => { log.push('claim'); await s.claim(hash, ids); },
      append: async (t, b, group) => { log.push(`append ${t}`); await s.append(t, b, group); },
      commit: async (hash, result) => { log.push('commit'); return s.commit(hash, result); },
    });
    const h = await startHarness({ dir: tempDir('strata-ingest-begin-'), batchRows: 500, wrapSink: slowBegin });
    try {
      const file = await writeLargeBackinzoCsv(join(h.dir, 'begin.csv'), 3000, 7);
      only(await h.request([file.path]), 'committed');
      const done = log.indexOf('begin done');
      expect(log[0]).toBe('begin sent');
      expect(done).toBeGreaterThan(0);
      // nothing between the begin being sent and being durable but the begin itself
      expect(log.slice(0, done).filter((l) => l !== 'begin sent')).toEqual([]);
      expect(log.slice(done + 1).filter((l) => l === 'claim').length).toBeGreaterThan(0);
      expect(log.at(-1)).toBe('commit');
      expect(await h.count('trades')).toBe(3000);
    } finally { await h.close(); }
  });

  it('quarantines a bad file found while the journal entry is still being written, and leaves no entry behind', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((res) => { release = res; });
    const begins: Promise<void>[] = [];
    const gatedBegin = (s: IngestSink): IngestSink => ({ ...s, begin: (r) => { const p = gate.then(() => s.begin(r)); begins.push(p); return p; } });
    const h = await startHarness({ dir: tempDir('strata-ingest-begin-bad-'), wrapSink: gatedBegin });
    try {
      // refused at its header, before any batch: the rejection arrives while the journal entry is still pending
      const bad = join(h.dir, 'bad.csv');
      writeFileSync(bad, readFileSync(join(fixtures, 'missing-pnl-column.csv')));
      const asked = h.request([bad]);
      setTimeout(release, 100);
      const r = only(await asked, 'rejected');
      expect(r.code).toBe('STRATA_FORMAT_UNKNOWN');
      // the journal write has landed by now (the outcome waited for it), and the rollback removed it
      await Promise.allSettled(begins);
      expect(begins.length).toBe(1);
      expect(await h.sink.unfinished()).toEqual([]);
      expect(await h.count('trades')).toBe(0);
    } finally { await h.close(); }
  });
});
