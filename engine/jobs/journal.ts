// A durable append-only journal file: an 8-byte header, then frames of [u32 length][u32 CRC-32][msgpack
// record]. append() resolves only after the bytes are fsync'd (group commit: every record appended while a
// sync runs shares the next one); a torn tail (short frame, bad checksum) is found and truncated on open, and a
// damaged stretch in the middle (good frames after it) is skipped, the file copied aside and rewritten;
// compact() replaces the file by a snapshot atomically (write, fsync, rename, fsync the folder). One owner
// per file: a lock file holds the owner's pid, and a dead owner's lock is taken over.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { realpathSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { takePidLock } from '../pid-lock.ts';
import { jobError } from './errors.ts';

export const JOURNAL_MAGIC = Buffer.from('STRJNL01', 'latin1');
const HEADER_BYTES = JOURNAL_MAGIC.length;
const FRAME_HEADER_BYTES = 8;
/** a length above this is a torn or garbage header, never a record */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

// Plain maps, no records: every frame decodes on its own, whatever was written before it.
const packr = new Packr({ useRecords: false, moreTypes: false });

/** Where durable frames are copied before an append is acknowledged (the cluster's journal replication). */
export interface JournalReplica {
  /** resolves once the member holding the copy has it durably */
  replicate(frames: Uint8Array): Promise<void>;
  /** the whole journal was replaced by this snapshot (after compaction) */
  replaceAll(file: Uint8Array): Promise<void>;
}

export interface JournalOptions {
  readonly path: string;
  /** fsync before acknowledging (default true; false only for benchmarks that measure the difference) */
  readonly fsync?: boolean;
  readonly replica?: JournalReplica;
}

export interface RecoveryInfo {
  readonly records: number;
  readonly bytes: number;
  /** bytes of a torn tail cut off on open (0 when the file ended cleanly) */
  readonly truncatedBytes: number;
  /** why the tail was cut: 'short-header' | 'short-frame' | 'bad-checksum' | 'bad-length' | null */
  readonly tornReason: string | null;
  /** true when the file did not exist (or was an empty / torn header) and was created */
  readonly created: boolean;
  /** damaged stretches in the middle, skipped (their records are lost; the ones around them kept) */
  readonly skipped: readonly SkippedBytes[];
  /** with `skipped`: where the file was copied as it was found, before it was rewritten without them */
  readonly damagedCopy: string | null;
}

export interface Journal<R> {
  readonly path: string;
  readonly recovery: RecoveryInfo;
  /** the records found on open, in order */
  readonly recovered: readonly R[];
  /** durable (fsync'd, and replicated when a replica is set) when the promise resolves; in order */
  append(records: readonly R[]): Promise<void>;
  /** atomically replaces the whole journal by these records (after every pending append) */
  compact(records: readonly R[]): Promise<void>;
  /** bytes in the file now (header included) */
  size(): number;
  /** records appended since open or the last compaction */
  appendedRecords(): number;
  close(): Promise<void>;
}

const openInProcess = new Set<string>();

export function encodeFrame(record: unknown): Buffer {
  const payload = packr.pack(record);
  if (payload.length > MAX_RECORD_BYTES) throw jobError('STRATA_JOB_JOURNAL_WRITE_FAILED', `journal record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`, { bytes: payload.length });
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** A damaged stretch in the middle of a journal: skipped, with good frames before and after it. */
export interface SkippedBytes {
  /** byte offset where the damage starts (the first frame that did not check out) */
  readonly at: number;
  readonly bytes: number;
}

/** What to tell an operator about a journal opened with damaged stretches skipped (RecoveryInfo.skipped non-empty). */
export function journalDamageMessage(r: RecoveryInfo): string {
  const bytes = r.skipped.reduce((a, g) => a + g.bytes, 0);
  return `the job journal was damaged: ${bytes} bytes in ${r.skipped.length} place(s) were skipped (their frames did not check out), the ${r.records} records around them kept; jobs recorded only there are missing. The file as found is at ${r.damagedCopy}`;
}

/** msgpack's map markers: fixmap 0x80–0x8f, map16 0xde, map32 0xdf */
const isMapStart = (b: number): boolean => (b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf;

/** The frame at `at` if it checks out (sane length, whole, CRC-32 matches): its payload's end, else -1. */
function frameEnd(buf: Buffer, at: number): number {
  if (buf.length - at < FRAME_HEADER_BYTES) return -1;
  const length = buf.readUInt32LE(at);
  if (length > MAX_RECORD_BYTES || buf.length - at - FRAME_HEADER_BYTES < length) return -1;
  return crc32(buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length)) === buf.readUInt32LE(at + 4) ? at + FRAME_HEADER_BYTES + length : -1;
}

/**
 * Where good frames start again after damage at `from`: the first later offset from which every frame checks
 * out up to the end of the image (or up to a torn last frame). -1 when there is none: the damage runs to the
 * end, a torn tail. A random offset passes a CRC-32 about once in 4 billion tries, and then the frames after it
 * must chain to the end too.
 */
function resyncAfter(buf: Buffer, from: number): number {
  for (let o = from + 1; o + FRAME_HEADER_BYTES <= buf.length; o++) {
    // cheap tests first, so a long damaged stretch does not cost a CRC per offset: a whole frame whose record
    // starts as a msgpack map (every record is one), followed by the end or by another whole frame's header
    const length = buf.readUInt32LE(o);
    const stop = o + FRAME_HEADER_BYTES + length;
    if (length === 0 || length > MAX_RECORD_BYTES || stop > buf.length || !isMapStart(buf[o + FRAME_HEADER_BYTES]!)) continue;
    if (stop < buf.length && buf.length - stop >= FRAME_HEADER_BYTES) {
      const next = buf.readUInt32LE(stop);
      if (next > MAX_RECORD_BYTES || stop + FRAME_HEADER_BYTES + next > buf.length) continue;
    }
    let end = frameEnd(buf, o);
    if (end < 0) continue;
    let frames = 1;
    while (end < buf.length) {
      const next = frameEnd(buf, end);
      if (next < 0) break;
      end = next;
      frames++;
    }
    // good to the end, or good frames followed only by a tail too short to be a frame of its own
    if (end === buf.length || (frames >= 2 && buf.length - end < FRAME_HEADER_BYTES)) return o;
  }
  return -1;
}

/**
 * Parses a journal image: every record of the frames that check out, where the good part ends, why a tail was
 * cut (a torn last write: 'short-header' | 'short-frame' | 'bad-checksum' | 'bad-length', or null), and the
 * damaged stretches skipped in the middle (frames that do not check out with good ones after them: the file was
 * damaged, not torn by a crash; the records around them are kept).
 */
export function scanJournal<R>(bytes: Uint8Array, path = '(journal)'): { records: R[]; goodBytes: number; tornReason: string | null; skipped: SkippedBytes[] } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES) {
    if (JOURNAL_MAGIC.subarray(0, buf.length).equals(buf)) return { records: [], goodBytes: 0, tornReason: buf.length ? 'short-header' : null, skipped: [] };
    throw jobError('STRATA_JOB_JOURNAL_CORRUPT', `${path} is not a job journal (header ${JSON.stringify(buf.toString('latin1'))})`, { path });
  }
  if (!buf.subarray(0, HEADER_BYTES).equals(JOURNAL_MAGIC)) {
    throw jobError('STRATA_JOB_JOURNAL_CORRUPT', `${path} is not a job journal (header ${JSON.stringify(buf.subarray(0, HEADER_BYTES).toString('latin1'))}, expected STRJNL01)`, { path });
  }
  const records: R[] = [];
  const skipped: SkippedBytes[] = [];
  let at = HEADER_BYTES;
  let tornReason: string | null = null;
  while (at < buf.length) {
    let reason: string | null = null;
    const length = buf.length - at < FRAME_HEADER_BYTES ? -1 : buf.readUInt32LE(at);
    if (length < 0) reason = 'short-header';
    else if (length > MAX_RECORD_BYTES) reason = 'bad-length';
    else if (buf.length - at - FRAME_HEADER_BYTES < length) reason = 'short-frame';
    else if (crc32(buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length)) !== buf.readUInt32LE(at + 4)) reason = 'bad-checksum';
    if (reason !== null) {
      const again = resyncAfter(buf, at);
      if (again < 0) { tornReason = reason; break; }
      skipped.push({ at, bytes: again - at });
      at = again;
      continue;
    }
    const payload = buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
    try {
      records.push(packr.unpack(payload) as R);
    } catch (e) {
      throw jobError('STRATA_JOB_JOURNAL_CORRUPT', `${path}: the record at byte ${at} has a valid checksum but does not decode (${(e as Error).message})`, { path, offset: at });
    }
    at += FRAME_HEADER_BYTES + length;
  }
  return { records, goodBytes: at, tornReason, skipped };
}

function takeLock(lockPath: string, journalPath: string): void {
  let r;
  try {
    r = takePidLock(lockPath);
  } catch (e) {
    throw jobError('STRATA_JOB_JOURNAL_WRITE_FAILED', `cannot create the journal lock ${lockPath}: ${(e as Error).message}`, { path: lockPath });
  }
  if (r.taken) return;
  if (r.owner !== null) throw jobError('STRATA_JOB_JOURNAL_LOCKED', `journal ${journalPath} is held by live process ${r.owner}`, { path: journalPath, pid: r.owner });
  throw jobError('STRATA_JOB_JOURNAL_LOCKED', `journal ${journalPath}: could not take its lock ${lockPath}`, { path: journalPath });
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* some platforms cannot fsync a folder; the rename is still atomic */ }
}

/**
 * Puts `bytes` at `path` atomically and durably (a journal copy taken whole): a temporary file beside it is
 * written and fsync'd, renamed over `path`, and the folder fsync'd — the same steps as compact().
 */
export function replaceFileSync(path: string, bytes: Uint8Array, tmp = `${path}.tmp`): void {
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally { closeSync(fd); }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export async function openJournal<R>(options: JournalOptions): Promise<Journal<R>> {
  const doSync = options.fsync ?? true;
  const replica = options.replica;
  // resolve the real path once, so two spellings of one file share the in-process lock
  let file = options.path;
  try { file = realpathSync(file); } catch { /* not there yet */ }
  if (openInProcess.has(file)) throw jobError('STRATA_JOB_JOURNAL_LOCKED', `journal ${file} is already open in this process`, { path: file, pid: process.pid });
  const lockPath = `${file}.lock`;
  takeLock(lockPath, file);
  openInProcess.add(file);

  let fh: FileHandle | null = null;
  let recovery: RecoveryInfo;
  let recovered: R[];
  let size: number;
  try {
    let bytes: Buffer | null = null;
    try { bytes = readFileSync(file); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw jobError('STRATA_JOB_JOURNAL_WRITE_FAILED', `cannot read journal ${file}: ${(e as Error).message}`, { path: file });
    }
    const created = bytes === null || bytes.length < HEADER_BYTES;
    const scan = bytes === null ? { records: [] as R[], goodBytes: 0, tornReason: null, skipped: [] } : scanJournal<R>(bytes, file);
    let damagedCopy: string | null = null;
    // bytes of a torn tail (after the last good frame), counted before any rewrite
    const tornBytes = bytes === null || created ? 0 : bytes.length - scan.goodBytes;
    if (!created && scan.skipped.length > 0) {
      // Damage in the middle, not a torn tail: the file as found is kept beside it for whoever investigates, and
      // the journal is rewritten with the frames that check out, so appends go on from a clean file.
      damagedCopy = `${file}.damaged-${Date.now()}`;
      replaceFileSync(damagedCopy, bytes!, `${damagedCopy}.tmp`);
      const good: Buffer[] = [JOURNAL_MAGIC];
      let at = HEADER_BYTES;
      for (const gap of scan.skipped) { good.push(bytes!.subarray(at, gap.at)); at = gap.at + gap.bytes; }
      good.push(bytes!.subarray(at, scan.goodBytes));
      const image = Buffer.concat(good);
      replaceFileSync(file, image);
      bytes = image;
      scan.goodBytes = image.length;
    }
    if (created) {
      writeFileSync(file, JOURNAL_MAGIC);
      const fd = openSync(file, 'r+');
      try { fsyncSync(fd); } finally { closeSync(fd); }
      fsyncDir(dirname(file));
      size = HEADER_BYTES;
    } else {
      size = scan.goodBytes;
      if (scan.goodBytes < bytes!.length) {
        truncateSync(file, scan.goodBytes);
        const fd = openSync(file, 'r+');
        try { fsyncSync(fd); } finally { closeSync(fd); }
      }
    }
    recovered = scan.records;
    recovery = {
      records: scan.records.length, bytes: size,
      truncatedBytes: bytes === null ? 0 : created ? bytes.length : tornBytes,
      tornReason: scan.tornReason, created, skipped: scan.skipped, damagedCopy,
    };
    fh = await open(file, 'a');
  } catch (e) {
    openInProcess.delete(file);
    try { unlinkSync(lockPath); } catch { /* already gone */ }
    throw e;
  }

  let handle: FileHandle = fh;
  let closed = false;
  let appended = 0;
  let pending: { frames: Buffer[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] } = { frames: [], waiters: [] };
  let flushing: Promise<void> | null = null;
  let failure: unknown = null;

  async function flushLoop(): Promise<void> {
    while (pending.frames.length > 0) {
      const batch = pending;
      pending = { frames: [], waiters: [] };
      try {
        if (failure) throw failure;
        const bytes = batch.frames.length === 1 ? batch.frames[0]! : Buffer.concat(batch.frames);
        let written = 0;
        while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
        if (doSync) await handle.datasync();
        size += bytes.length;
        if (replica) await replica.replicate(bytes);
        for (const w of batch.waiters) w.resolve();
      } catch (e) {
        // A failed write may have left a partial frame: stop here; reopening truncates it as a torn tail.
        failure = failure ?? jobError('STRATA_JOB_JOURNAL_WRITE_FAILED', `journal ${file}: ${(e as Error).message}`, { path: file });
        for (const w of batch.waiters) w.reject(failure);
      }
    }
  }

  function kick(): void {
    if (flushing) return; // the running loop takes what was pushed meanwhile
    flushing = flushLoop().finally(() => {
      flushing = null;
      if (pending.frames.length > 0) kick();
    });
  }

  const journal: Journal<R> = {
    path: file,
    recovery,
    recovered,
    append(records) {
      if (closed) return Promise.reject(jobError('STRATA_JOB_JOURNAL_CLOSED', `journal ${file} is closed`, { path: file }));
      if (failure) return Promise.reject(failure);
      if (records.length === 0) return Promise.resolve();
      let frames: Buffer[];
      try { frames = records.map(encodeFrame); } catch (e) { return Promise.reject(e); }
      appended += records.length;
      return new Promise<void>((resolve, reject) => {
        pending.frames.push(...frames);
        pending.waiters.push({ resolve, reject });
        kick();
      });
    },
    async compact(records) {
      if (closed) throw jobError('STRATA_JOB_JOURNAL_CLOSED', `journal ${file} is closed`, { path: file });
      while (flushing) await flushing;
      if (failure) throw failure;
      const tmp = `${file}.compact`;
      const image = Buffer.concat([JOURNAL_MAGIC, ...records.map(encodeFrame)]);
      try {
        const t = await open(tmp, 'w');
        try {
          await t.write(image, 0, image.length);
          await t.sync();
        } finally { await t.close(); }
        await handle.close();
        renameSync(tmp, file);
        fsyncDir(dirname(file));
        handle = await open(file, 'a');
      } catch (e) {
        failure = jobError('STRATA_JOB_JOURNAL_WRITE_FAILED', `journal ${file}: compaction failed: ${(e as Error).message}`, { path: file });
        throw failure;
      }
      size = image.length;
      appended = 0;
      if (replica) await replica.replaceAll(image);
    },
    size: () => size,
    appendedRecords: () => appended,
    async close() {
      if (closed) return;
      while (flushing) await flushing;
      closed = true;
      await handle.close().catch(() => {});
      openInProcess.delete(file);
      try { unlinkSync(lockPath); } catch { /* already gone */ }
    },
  };
  return journal;
}
