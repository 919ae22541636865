// The durable journal: records come back in order after a reopen, a torn tail is cut, a garbage file is
// refused, compaction replaces the file atomically, one owner per file, and — with a real process killed
// with kill -9 while it appends — every record it had acknowledged is there after the reopen.
import { fork } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyRecord, basePosition, comparePositions, emptyJournalState, journalPosition, openJournal, replayJournal, snapshotRecords, type JournalRecord,
} from '../../../engine/jobs/index.ts';

const dirs: string[] = [];
const tempDir = (): string => { const d = mkdtempSync(join(tmpdir(), 'strata-journal-')); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('journal', () => {
  it('gives back every appended record after a reopen, and cuts a torn tail', async () => {
    const path = join(tempDir(), 'j');
    const j = await openJournal<{ n: number }>({ path });
    expect(j.recovery.created).toBe(true);
    await Promise.all([j.append([{ n: 1 }]), j.append([{ n: 2 }, { n: 3 }])]);
    await j.close();
    appendFileSync(path, Buffer.from([9, 0, 0, 0, 1, 2, 3, 4, 5, 6])); // a frame header promising 9 bytes, 2 written
    const again = await openJournal<{ n: number }>({ path });
    expect(again.recovered).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(again.recovery.tornReason).toBe('short-frame');
    expect(again.recovery.truncatedBytes).toBe(10);
    await again.append([{ n: 4 }]);
    await again.close();
    const third = await openJournal<{ n: number }>({ path });
    expect(third.recovered.map((r) => r.n)).toEqual([1, 2, 3, 4]);
    await third.close();
  });

  it('skips a damaged stretch in the middle, keeps the records on both sides, copies the file aside and goes on from a clean one', async () => {
    const dir = tempDir();
    const path = join(dir, 'j');
    const j = await openJournal<{ n: number; pad: string }>({ path });
    for (let n = 1; n <= 20; n++) await j.append([{ n, pad: 'x'.repeat(40 + n) }]);
    await j.close();
    const clean = readFileSync(path);
    // 30 bytes of garbage over the middle of the file: frames 8-ish to 9-ish no longer check out
    const damaged = Buffer.from(clean);
    const mid = Math.floor(damaged.length / 2);
    damaged.fill(0xee, mid, mid + 30);
    writeFileSync(path, damaged);
    const again = await openJournal<{ n: number; pad: string }>({ path });
    const kept = again.recovered.map((r) => r.n);
    // what was lost is one stretch of consecutive records, and everything before and after it is there
    expect(kept.length).toBeGreaterThanOrEqual(17);
    expect(kept.length).toBeLessThan(20);
    const lost = Array.from({ length: 20 }, (_, i) => i + 1).filter((n) => !kept.includes(n));
    expect(lost.at(-1)! - lost[0]! + 1).toBe(lost.length);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(kept.at(-1)).toBe(20);
    expect(again.recovery.skipped).toHaveLength(1);
    expect(again.recovery.skipped[0]!.at).toBeLessThanOrEqual(mid);
    expect(again.recovery.tornReason).toBeNull();
    // the file as found is kept beside the journal, byte for byte
    expect(again.recovery.damagedCopy).toMatch(/j\.damaged-\d+$/);
    expect(readFileSync(again.recovery.damagedCopy!).equals(damaged)).toBe(true);
    await again.append([{ n: 21, pad: '' }]);
    await again.close();
    // the rewritten journal checks out whole: nothing skipped the next time
    const third = await openJournal<{ n: number; pad: string }>({ path });
    expect(third.recovered.map((r) => r.n)).toEqual([...kept, 21]);
    expect(third.recovery.skipped).toEqual([]);
    expect(third.recovery.damagedCopy).toBeNull();
    await third.close();
  });

  it('still cuts garbage at the end as a torn tail, with nothing good after it', async () => {
    const path = join(tempDir(), 'j');
    const j = await openJournal<{ n: number }>({ path });
    await j.append([{ n: 1 }, { n: 2 }]);
    await j.close();
    appendFileSync(path, Buffer.alloc(64, 0xee));
    const again = await openJournal<{ n: number }>({ path });
    expect(again.recovered).toEqual([{ n: 1 }, { n: 2 }]);
    expect(again.recovery.skipped).toEqual([]);
    expect(again.recovery.tornReason).toBe('bad-length');
    expect(again.recovery.truncatedBytes).toBe(64);
    expect(again.recovery.damagedCopy).toBeNull();
    await again.close();
  });

  it('refuses a file that is not a journal and a second owner', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad'), 'hello world, not a journal');
    await expect(openJournal({ path: join(dir, 'bad') })).rejects.toMatchObject({ code: 'STRATA_JOB_JOURNAL_CORRUPT' });
    const j = await openJournal({ path: join(dir, 'j') });
    await expect(openJournal({ path: join(dir, 'j') })).rejects.toMatchObject({ code: 'STRATA_JOB_JOURNAL_LOCKED' });
    await j.close();
    await expect(j.append([{}])).rejects.toMatchObject({ code: 'STRATA_JOB_JOURNAL_CLOSED' });
  });

  it('compacts to a snapshot that replays to the same state, dropping old finished jobs', async () => {
    const path = join(tempDir(), 'j');
    const j = await openJournal<JournalRecord>({ path });
    const life = { status: 'queued' as const, attempts: 0, failures: 0, interruptions: 0, checkpoints: 0, lastError: null, retryAt: null, startedAt: null, finishedAt: null };
    const spec = { dateRange: { from: '2020-01-01', to: '2020-02-01' }, problem: { objectives: ['ratio' as const], kMin: 1, kMax: 1 }, algorithm: { id: 'random-search' }, budget: { evaluations: 1 }, seed: 1 };
    const records: JournalRecord[] = [{ t: 'epoch', epoch: 3, at: 0 }];
    for (let i = 1; i <= 4; i++) records.push({ t: 'accepted', id: `job-${i}`, seq: i, spec, acceptedAt: i, life });
    records.push({ t: 'state', id: 'job-1', life: { ...life, status: 'completed' }, at: 5 }, { t: 'state', id: 'job-2', life: { ...life, status: 'cancelled' }, at: 6 });
    await j.append(records);
    const state = replayJournal(records);
    const image = snapshotRecords(state, 1);
    await j.compact(image);
    await j.append([{ t: 'priority', id: 'job-3', priority: 'high', at: 7 }]);
    await j.close();
    const back = await openJournal<JournalRecord>({ path });
    const replayed = replayJournal(back.recovered);
    expect([...replayed.jobs.keys()]).toEqual(['job-2', 'job-3', 'job-4']);
    expect(replayed.epoch).toBe(3);
    expect(replayed.nextSeq).toBe(5);
    expect(replayed.jobs.get('job-3')!.priority).toBe('high');
    expect(applyRecord(emptyJournalState(), { t: 'state', id: 'nobody', life, at: 0 }).jobs.size).toBe(0);
    await back.close();
  });

  it('drops a job\'s checkpoint when the job finishes, in memory as in the snapshot', () => {
    const life = { status: 'running' as const, attempts: 1, failures: 0, interruptions: 0, checkpoints: 1, lastError: null, retryAt: null, startedAt: 1, finishedAt: null };
    const spec = { dateRange: { from: '2020-01-01', to: '2020-02-01' }, problem: { objectives: ['ratio' as const], kMin: 1, kMax: 1 }, algorithm: { id: 'tpe' }, budget: { evaluations: 10 }, seed: 1 };
    const checkpoint = { algorithm: { id: 'tpe', params: {}, recommended: false, reasons: [] }, state: { trials: [{ x: 1 }] }, generation: 1, evaluations: 5, runMs: 3, matrixDigest: 'ab' };
    const records: JournalRecord[] = [
      { t: 'accepted', id: 'job-1', seq: 1, spec, acceptedAt: 0, life }, { t: 'accepted', id: 'job-2', seq: 2, spec, acceptedAt: 0, life },
      { t: 'checkpoint', id: 'job-1', epoch: 1, assignment: 'a', checkpoint }, { t: 'checkpoint', id: 'job-2', epoch: 1, assignment: 'b', checkpoint },
      { t: 'state', id: 'job-1', life: { ...life, status: 'completed', finishedAt: 9 }, at: 9 },
      { t: 'state', id: 'job-2', life: { ...life, status: 'paused' }, at: 9 },
    ];
    const state = replayJournal(records);
    expect(state.jobs.get('job-1')!.checkpoint).toBeNull();
    // a job that will run again keeps it
    expect(state.jobs.get('job-2')!.checkpoint?.evaluations).toBe(5);
  });

  it('keeps every acknowledged record when its writer process is killed -9 mid-append', async () => {
    const path = join(tempDir(), 'j');
    const child = fork(new URL('./journal-writer-process.ts', import.meta.url).pathname, [path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    let acknowledged = 0;
    child.on('message', (m) => { acknowledged = Math.max(acknowledged, (m as { acked: number }).acked); });
    const exited = new Promise((r) => child.on('exit', r));
    while (acknowledged < 200) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const seenAcked = acknowledged;
    const j = await openJournal<{ n: number; pad: string }>({ path });
    const ns = j.recovered.map((r) => r.n);
    expect(ns.length).toBeGreaterThanOrEqual(seenAcked);
    expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => i + 1)); // in order, no holes, no garbage
    expect(readFileSync(path).length).toBe(j.size());
    await j.close();
  });

  it('orders journal images of one lineage by position: epoch, then compactions, then records', () => {
    const accepted = (n: number): JournalRecord => ({ t: 'state', id: `job-${n}`, life: { status: 'queued' } as never, at: n });
    const e1: JournalRecord[] = [{ t: 'epoch', epoch: 1, at: 0 }, accepted(1), accepted(2)];
    expect(journalPosition(e1)).toEqual({ epoch: 1, generation: 0, records: 2 });
    // the same scheduler compacts: its snapshot (generation 1) is ahead of the longer image before it
    const compacted: JournalRecord[] = [...snapshotRecords(replayJournal(e1), 10, 1), accepted(3)];
    expect(journalPosition(compacted)).toEqual({ epoch: 1, generation: 1, records: 1 });
    expect(comparePositions(journalPosition(compacted), journalPosition([...e1, accepted(3), accepted(4)]))).toBeGreaterThan(0);
    // a later scheduler's image is ahead of everything of epoch 1, but it started from what preceded its epoch record
    const e2: JournalRecord[] = [...e1, { t: 'epoch', epoch: 2, at: 9 }, accepted(5)];
    expect(comparePositions(journalPosition(e2), journalPosition(compacted))).toBeGreaterThan(0);
    expect(basePosition(e2, 2)).toEqual({ epoch: 1, generation: 0, records: 2 });
    expect(comparePositions(journalPosition(compacted), basePosition(e2, 2))).toBeGreaterThan(0);
  });
});
