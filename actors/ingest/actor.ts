// The ingest actor: watches the inbox folders, takes explicit requests, and runs one file at a time through
// engine/formats into an IngestSink with the journal protocol of sink.ts, so a file is all-or-nothing and
// idempotent across crashes. It publishes progress and outcomes to subscribers. Decisions: machine.ts.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createActor } from 'xstate';
import { columnValue, hashFile, ingestFile, rejectionData, type ParsePool, type CanonicalBatch, type FileSummary, type Problem, type Warning, type ZoneOptions } from '../../engine/formats/index.ts';
import { isDictionaryColumn } from '../../engine/store/index.ts';
import type { ActorRef, Behaviour } from '../../runtime/index.ts';
import { ingestError } from './errors.ts';
import { ensureFolders, freeName, InboxWatch, listFiles, placeFile, type IngestFolders } from './folders.ts';
import { ingestMachine, type NewWork, type WorkItem } from './machine.ts';
import type { FileOutcome, IngestEvent, IngestFilesReply, IngestMessage, IngestProgress, IngestRemoveReply, RecoveryWait, StoredFile } from './messages.ts';
import { writeReport } from './report.ts';
import { asRetrying, PendingFiles, retryDelayMs, type PendingFile } from './pending-files.ts';
import type { FileOptions, IngestSink, JournalRecord } from './sink.ts';

export interface IngestActorOptions {
  readonly sink: IngestSink;
  readonly folders: IngestFolders;
  /** options for files found in the inbox (default: strict, detected format, no zones) */
  readonly inboxOptions?: FileOptions;
  /** zones for files found in the zone inbox (default equal, 4 zones, session 09:15–15:30) */
  readonly zoneOptions?: ZoneOptions;
  /** how often the inbox folders are looked at, ms (default 1,000; 0: only on `ingest.scan`) */
  readonly scanIntervalMs?: number;
  /** least time between two progress events of one file, ms (default 250) */
  readonly progressIntervalMs?: number;
  /** trade rows per store append (default 8,192) */
  readonly batchRows?: number;
  /** store appends of one file in flight at once while the next batches are parsed (default 2) */
  readonly appendsInFlight?: number;
  /** a rejected file named in a request is copied to quarantine (default) or moved; inbox files always move */
  readonly requestQuarantine?: 'copy' | 'move';
  /** worker threads that parse large FORMAT_1 files in chunks (default: none, one thread parses) */
  readonly parsePool?: ParsePool;
  /** an inbox file named as exactly one stored file replaces it (FileOptions.replaces); default false */
  readonly replaceByName?: boolean;
}

export const DEFAULT_ZONE_OPTIONS: ZoneOptions = { method: 'equal', count: 4 };

interface Outcome { readonly outcome: FileOutcome; readonly warnings: readonly Warning[] }

const retryTimerKey = (path: string): string => `retry:${path}`;
const RECOVER_TIMER = 'recover';

interface PendingRequest {
  readonly replyTo: ActorRef<IngestFilesReply>;
  readonly outcomes: (FileOutcome | null)[];
  remaining: number;
}

const isFormatRejection = (e: unknown): boolean => typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('STRATA_FORMAT_');
/** A store that refuses this file's rows for good (an invalid value or batch, not a busy or missing node):
 *  retrying would only fail again, so the file is rolled back and quarantined with the store's error. */
const STORE_REFUSES_ROWS = new Set(['STRATA_STORE_INVALID_BATCH', 'STRATA_STORE_INVALID_VALUE', 'STRATA_STORE_QUERY_FAILED']);
const isPermanentStoreRefusal = (e: unknown): boolean => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && STORE_REFUSES_ROWS.has(code);
};
/** Codes of the store's layers (load-balancer, node-proxy, store node): an error from them that is not a refusal of
 *  the rows is the store being unable for now, even where the error lost its retryable flag on the way. */
const STORE_LAYERS = /^STRATA_(LB|NODE|STORE)_/;
/**
 * The store cannot take this file for now (a full disk, no writable replica, a node down or too slow to answer): the
 * file is not at fault, so it is neither quarantined nor left to a restart of the actor (whose recovery would roll
 * it back and forget it when the journal entry itself never landed); it stays a pending file (pending-files.ts) and
 * is read again after a backoff.
 */
const isStoreUnavailable = (e: unknown): boolean => {
  const err = e as { code?: unknown; retryable?: unknown } | null;
  if (!err || typeof err.code !== 'string' || isFormatRejection(e) || isPermanentStoreRefusal(e)) return false;
  return err.retryable === true || STORE_LAYERS.test(err.code);
};

function storedFile(r: JournalRecord): StoredFile {
  return { contentHash: r.contentHash, file: r.file, origin: r.origin, format: r.format, committedAt: r.committedAt, strategyIds: r.strategyIds, rows: r.rows };
}

function errorFields(e: unknown): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err.code === 'string' ? err.code : 'STRATA_INGEST_WRITE_FAILED', message: typeof err.message === 'string' ? err.message : String(e) };
}

/** What tells one version of a file from the next without reading it again. */
interface FileStamp { readonly size: bigint; readonly mtimeNs: bigint; readonly ino: bigint; readonly dev: bigint }

async function stampOf(path: string): Promise<FileStamp | null> {
  try {
    const s = await stat(path, { bigint: true });
    return { size: s.size, mtimeNs: s.mtimeNs, ino: s.ino, dev: s.dev };
  } catch { return null; }
}

/** How the file differs from `before` now: null when it is the same version. */
async function changeSince(path: string, before: FileStamp): Promise<{ gone: boolean; what: string } | null> {
  const now = await stampOf(path);
  if (now === null) return { gone: true, what: 'it went away' };
  if (now.ino !== before.ino || now.dev !== before.dev) return { gone: false, what: 'another file took its name' };
  if (now.size !== before.size) return { gone: false, what: `its size went from ${before.size} to ${now.size} bytes` };
  if (now.mtimeNs !== before.mtimeNs) return { gone: false, what: 'it was written to' };
  return null;
}

async function exists(path: string): Promise<boolean> {
  try { return (await stat(path)).isFile(); } catch { return false; }
}

/** Paths of a request as files: a folder stands for its files (not recursive); anything else is kept as given. */
async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try { isDir = (await stat(p)).isDirectory(); } catch { /* a missing path is rejected by its own outcome */ }
    if (isDir) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

function validRequest(m: { paths?: unknown; options?: unknown }): string | null {
  if (!Array.isArray(m.paths) || m.paths.length === 0) return 'paths must be a non-empty list';
  if (m.paths.some((p) => typeof p !== 'string' || p.length === 0)) return 'every path must be non-empty text';
  if (typeof m.options !== 'object' || m.options === null) return 'options must be an object';
  const o = m.options as Record<string, unknown>;
  if (o['lenient'] !== undefined && typeof o['lenient'] !== 'boolean') return 'options.lenient must be a boolean';
  if (o['format'] !== undefined && typeof o['format'] !== 'string') return 'options.format must be text';
  return null;
}

export function ingestBehaviour(options: IngestActorOptions): Behaviour<IngestMessage> {
  const { sink, folders } = options;
  const progressEvery = options.progressIntervalMs ?? 250;
  const inFlight = options.appendsInFlight ?? 2;
  if (!Number.isSafeInteger(inFlight) || inFlight < 1) {
    throw ingestError('STRATA_INGEST_INVALID_REQUEST', `appendsInFlight ${String(inFlight)} is not a positive integer`, { option: 'appendsInFlight' });
  }
  const scanEvery = options.scanIntervalMs ?? 1000;
  const zoneOptions = options.zoneOptions ?? DEFAULT_ZONE_OPTIONS;
  // Kept across restarts: who listens and what has been done.
  const subscribers = new Map<string, ActorRef<IngestEvent>>();
  const counts = { committed: 0, duplicate: 0, rejected: 0, failed: 0 };
  const publish = (ev: IngestEvent): void => { for (const s of subscribers.values()) s.tell(ev); };
  // the files taken and not finished (being read, or waiting for the store), also written down under folders.pending
  // so a start reads them again
  const pendingFiles = new PendingFiles(folders.pending ?? null);

  return (ctx) => {
    const watches = [
      ...(folders.inbox ? [{ watch: new InboxWatch(folders.inbox), origin: 'inbox' as const }] : []),
      ...(folders.zoneInbox ? [{ watch: new InboxWatch(folders.zoneInbox), origin: 'zone-inbox' as const }] : []),
    ];
    const requests = new Map<number, PendingRequest>();
    // the files this incarnation's recovery queued again, until each is done (told to late subscribers)
    const recovering = new Set<string>();
    let nextRequest = 1;
    const stop = new AbortController();
    let running: { item: WorkItem; begun: boolean } | null = null;
    /** while the store's journal cannot be read at start: how long recovery has waited, and why (null once done) */
    let recovery: RecoveryWait | null = null;
    /** files asked for or found before recovery finished: queued behind the recovered ones */
    const heldForRecovery: NewWork[] = [];
    let recovered = false;

    /** Writes a file down as pending before it is read (no failure yet); the error when the marker could not be written. */
    const writeDownPending = (w: NewWork): Promise<Error | null> =>
      pendingFiles.put({ path: w.path, origin: w.origin, options: w.options, attempts: w.attempts ?? 0, firstFailedAt: 0, nextAt: 0, code: '', message: '' });

    const optionsFor = (item: WorkItem): FileOptions => item.origin === 'zone-inbox' && item.options.zones === undefined ? { ...item.options, zones: zoneOptions } : item.options;

    async function quarantine(item: WorkItem, hash: string | null, e: unknown, warnings: readonly Warning[]): Promise<FileOutcome> {
      const { code, message, data } = rejectionData(e);
      const problems = (data['problems'] as Problem[] | undefined) ?? [];
      const totalProblems = (data['total'] as number | undefined) ?? problems.length;
      let quarantined: string | null = null;
      let reportJson: string | null = null, reportText: string | null = null;
      if (await exists(item.path)) {
        const mode = item.origin === 'request' ? (options.requestQuarantine ?? 'copy') : 'move';
        try {
          quarantined = await placeFile(item.path, folders.quarantine, mode);
        } catch (x) {
          // a file moved from an inbox must get there (the caller keeps it pending otherwise); a copy is a courtesy:
          // the file stays where the request named it, and the outcome carries every problem
          if (mode === 'move') throw x;
          ctx.log.error({ file: item.path, code: errorFields(x).code }, `ingest: ${item.path} was rejected (${code}), but its copy in quarantine could not be made (${errorFields(x).message}); the file is where it was`);
        }
        if (quarantined !== null) {
          const listed = problems.length > 0 ? problems : [{ code: code as Problem['code'], file: basename(item.path), sheet: null, row: null, column: null, value: null, reason: message }];
          try {
            const r = await writeReport(quarantined, { file: item.path, contentHash: hash, result: 'rejected', code, message, problems: listed, totalProblems: Math.max(totalProblems, listed.length), warnings, at: Date.now() });
            reportJson = r.json; reportText = r.text;
          } catch (x) {
            ctx.log.error({ file: item.path, quarantined, code: errorFields(x).code }, `ingest: ${item.path} was rejected (${code}) and quarantined as ${quarantined}, but its report could not be written (${errorFields(x).message})`);
          }
        }
      }
      return { status: 'rejected', file: item.path, contentHash: hash, code, message, problems, totalProblems, quarantined, reportJson, reportText };
    }

    async function runFile(item: WorkItem): Promise<Outcome> {
      const t0 = ctx.clock.now();
      const fileOptions = optionsFor(item);
      const isInbox = item.origin !== 'request';
      let hash: string | null = null;
      // Up to `appendsInFlight` appends in flight while the next batches are parsed: the store's writes (on
      // node threads, or DuckDB's commits) overlap our parsing, and a write's round trip does not stall it
      // (through the daemon's default 3-node store, 2 in flight ingested a 1 M-row CSV 1.1–1.4× faster than 1,
      // and 3 no faster than 2, for 20–60 MiB more peak RSS). A batch's new strategy ids are claimed
      // (journalled) before its own append is sent, so the journal still leads the rows; rows of different
      // batches may land in any order. The oldest append is awaited first, so a failed one stops the file after
      // at most `appendsInFlight` − 1 more were sent.
      const pending: Promise<void>[] = [];
      const settled = async (keep = 0): Promise<void> => { while (pending.length > keep) await pending.shift(); };
      const allSettled = async (): Promise<void> => { await Promise.allSettled(pending.splice(0)); };
      // The journal's `writing` entry is written while the parser reads the first batch, and awaited before the
      // file's first write (claim, append or commit), so the journal still leads the rows. Before this, the
      // duplicate check, the names read and this write ran one after another before parsing began: about 7 ms
      // of a file's time on the development VM, most of a small file's fixed cost.
      let beginning: Promise<void> | null = null;
      let committed = false;
      // the version read: a file rewritten while it is read would leave rows of one version under the hash of another
      let before: FileStamp | null = null;
      const changedError = async (): Promise<(Error & { code: string; gone: boolean }) | null> => {
        const change = before === null ? null : await changeSince(item.path, before);
        if (change === null) return null;
        const err = ingestError('STRATA_INGEST_FILE_CHANGED', `${item.path} changed while it was read (${change.what}); what was written of it is rolled back${change.gone ? '' : ', and it is read again once it stops changing'}`, { file: item.path, gone: change.gone });
        return Object.assign(err, { gone: change.gone });
      };
      try {
        if (!pendingFiles.get(item.path)) {
          const unwritten = await writeDownPending(item);
          if (unwritten) ctx.log.warn({ file: item.path, pendingFolder: pendingFiles.dir, cause: (unwritten as NodeJS.ErrnoException).code ?? null }, `ingest: ${item.path} could not be written down as pending (${unwritten.message}); if this process stops before it is done, only the store's journal recalls it`);
        }
        before = await stampOf(item.path);
        hash = (await hashFile(item.path)).contentHash;
        // a replacement frees the replaced file's strategy names for this one (no " (2)" suffix); it is removed
        // only once this file is committed, so a file that fails replaces nothing
        const replaces = fileOptions.replaces ?? null;
        const replaced = replaces !== null && replaces !== hash ? await sink.committed(replaces) : null;
        if (replaces !== null && replaces !== hash && replaced === null) ctx.log.warn({ file: item.path, replaces }, 'ingest: the file this one replaces is not stored (removed meanwhile); it is ingested as a new file');
        const [prior, takenNames] = await Promise.all([sink.committed(hash), sink.strategyNames(replaced?.strategyIds)]);
        if (prior) {
          const movedTo = isInbox ? await placeFile(item.path, folders.processed, 'move') : null;
          return { outcome: { status: 'duplicate', file: item.path, contentHash: hash, firstFile: prior.file, committedAt: prior.committedAt, movedTo }, warnings: [] };
        }
        // a retry first removes what an earlier attempt may have left (its rows and `writing` entry): begin() below
        // starts the entry afresh, and the strategy ids it had listed would be forgotten
        if ((item.attempts ?? 0) > 0) await sink.abort(hash);
        beginning = sink.begin({ contentHash: hash, state: 'writing', file: item.path, origin: item.origin, options: fileOptions, strategyIds: [], startedAt: Date.now(), committedAt: null, format: null, rows: null })
          .then(() => { running!.begun = true; });
        beginning.catch(() => undefined); // awaited before the first write or in the catch below; this only keeps it from being unhandled meanwhile
        const claimed = new Set<string>();
        const claim = async (batch: CanonicalBatch): Promise<void> => {
          const col = batch.columns['strategy_id']!;
          // a dictionary column lists its distinct ids already (the trade builder makes one)
          const ids = isDictionaryColumn(col) ? col.dictionary : Array.isArray(col) ? col as readonly (string | null)[] : Array.from({ length: batch.rowCount }, (_, i) => columnValue(col, i) as string | null);
          const fresh: string[] = [];
          let last: string | null = null;
          for (let i = 0; i < ids.length; i++) {
            const id = ids[i]!;
            if (id === last) continue;
            last = id;
            if (id !== null && !claimed.has(id)) { claimed.add(id); fresh.push(id); }
          }
          if (fresh.length > 0) await sink.claim(hash!, fresh);
        };
        const held: CanonicalBatch[] = [];
        let summary: FileSummary | null = null;
        let lastProgress = -Infinity;
        const progress = (p: { rows: number; bytes: number; totalBytes: number }, force: boolean): void => {
          const now = ctx.clock.now();
          if (!force && now - lastProgress < progressEvery) return;
          lastProgress = now;
          const elapsedMs = Math.max(1, now - t0);
          const rate = p.bytes / elapsedMs;
          const ev: IngestProgress = {
            file: item.path, rows: p.rows, bytes: p.bytes, totalBytes: p.totalBytes, elapsedMs,
            rowsPerSec: Math.round((p.rows * 1000) / elapsedMs), etaMs: p.bytes > 0 ? Math.round((p.totalBytes - p.bytes) / rate) : null,
          };
          publish({ type: 'ingest.file.progress', progress: ev });
        };
        const { replaces: _replaces, ...parseOptions } = fileOptions;
        for await (const ev of ingestFile(item.path, { ...parseOptions, contentHash: hash, takenNames, ...(options.batchRows ? { batchRows: options.batchRows } : {}), ...(options.parsePool ? { parsePool: options.parsePool } : {}) })) {
          if (stop.signal.aborted) throw ingestError('STRATA_INGEST_WRITE_FAILED', `${item.path}: the ingest actor stopped mid-file; the journal entry is left for recovery`, { file: item.path });
          if (ev.type === 'started') {
            publish({ type: 'ingest.file.started', file: item.path, origin: item.origin, contentHash: hash, format: ev.format, sizeBytes: ev.sizeBytes });
            progress({ rows: 0, bytes: 0, totalBytes: ev.sizeBytes }, true);
          } else if (ev.type === 'batch') {
            // strategies go last: a strategy becomes visible to universe queries only with its whole file.
            if (ev.batch.table === 'strategies') held.push(ev.batch);
            else {
              await beginning;
              await settled(inFlight - 1);
              await claim(ev.batch);
              const p = sink.append(ev.batch.table, ev.batch, hash!);
              p.catch(() => undefined); // observed by settled(); this only keeps it from being unhandled meanwhile
              pending.push(p);
            }
            progress(ev.progress, false);
          } else if (ev.type === 'progress') {
            progress(ev.progress, false);
          } else {
            summary = ev.summary;
          }
        }
        await beginning;
        await settled();
        const changed = await changedError();
        if (changed) throw changed;
        if (!summary) throw ingestError('STRATA_INGEST_WRITE_FAILED', `${item.path}: the parser ended without a summary`, { file: item.path });
        for (const b of held) { await claim(b); await sink.append('strategies', b, hash!); }
        await sink.commit(hash, { format: summary.format, rows: summary.rows });
        committed = true;
        let removedReplaced = false;
        if (replaced !== null) {
          try {
            await removeReplaced(replaced, item.path);
            removedReplaced = true;
          } catch (e) {
            // this file is stored; the replaced one goes at the next start (its record names it)
            ctx.log.warn({ file: item.path, replaced: replaced.contentHash, code: errorFields(e).code }, `ingest: removing the replaced file failed (${errorFields(e).message}); it is removed at the next start`);
          }
        }
        progress({ rows: summary.rows.trades || summary.rows.daily_pnl, bytes: summary.sizeBytes, totalBytes: summary.sizeBytes }, true);
        const movedTo = isInbox ? await placeFile(item.path, folders.processed, 'move') : null;
        if (summary.problems.length > 0) {
          // the file is stored: a report the disk has no room for is logged, and the outcome still lists the problems
          try {
            const base = await freeName(folders.quarantine, basename(item.path));
            await writeReport(base, {
              file: item.path, contentHash: hash, result: 'lenient', code: summary.problems[0]!.code, message: `${summary.totalProblems} row problem(s) left out`,
              problems: summary.problems, totalProblems: summary.totalProblems, warnings: summary.warnings, at: Date.now(),
            });
          } catch (x) {
            ctx.log.error({ file: item.path, code: errorFields(x).code }, `ingest: ${item.path} is stored without ${summary.totalProblems} row(s), but the report listing them could not be written (${errorFields(x).message})`);
          }
        }
        return { outcome: { status: 'committed', file: item.path, contentHash: hash, summary, movedTo, elapsedMs: ctx.clock.now() - t0, replaced: removedReplaced ? storedFile(replaced!) : null }, warnings: summary.warnings };
      } catch (e) {
        // No write may land after this point: a rollback must see every row this file wrote, and whether the
        // journal entry was written (running.begun) must be known before the outcome says so.
        await allSettled();
        await beginning?.catch(() => undefined);
        // a file that changed under the parser fails in any way (a torn row reads as a bad value): that is no fault
        // of the file's, nor is it the store's
        if (!committed && (e as { code?: unknown }).code !== 'STRATA_INGEST_FILE_CHANGED') e = (await changedError()) ?? e;
        if ((e as { code?: unknown }).code === 'STRATA_INGEST_FILE_CHANGED' && !stop.signal.aborted) {
          if (hash !== null && running!.begun) await sink.abort(hash).catch(() => undefined); // else the retry rolls back first
          const { code, message } = errorFields(e);
          if ((e as { gone?: boolean }).gone) {
            ctx.log.warn({ file: item.path, code }, `ingest: ${message}`);
            return { outcome: { status: 'failed', file: item.path, code, message, retrying: false }, warnings: [] };
          }
          const entry = await keepForRetry(item, code, message, message);
          return { outcome: { status: 'failed', file: item.path, code, message, retrying: true, retryAt: entry.nextAt }, warnings: [] };
        }
        if (isStoreUnavailable(e) && !stop.signal.aborted) {
          // rolled back now where the store lets us (a retry rolls back first anyway); never once committed
          if (hash !== null && running!.begun && !committed) {
            await sink.abort(hash).catch((x: unknown) => ctx.log.debug({ file: item.path, code: errorFields(x).code }, 'ingest: rollback refused by the store too; the retry rolls back first'));
          }
          const { code, message } = errorFields(e);
          const entry = await keepForRetry(item, code, message, `${item.path} could not be stored now (${code}: ${message}); rolled back`);
          return { outcome: { status: 'failed', file: item.path, code, message, retrying: true, retryAt: entry.nextAt }, warnings: [] };
        }
        if (!isFormatRejection(e) && !isPermanentStoreRefusal(e)) throw e;
        // The file's own fault (or rows the store refuses for good): remove what was written, quarantine it
        // with its report. Neither may fail the actor (a full disk refuses both): a rollback the store refuses, or an
        // inbox file that cannot be moved to quarantine, keeps the file pending, to be judged again later.
        const rejection = errorFields(e);
        try {
          if (hash !== null && running!.begun) await sink.abort(hash);
          return { outcome: await quarantine(item, hash, e, []), warnings: [] };
        } catch (x) {
          if (stop.signal.aborted) throw x;
          const { code, message } = errorFields(x);
          const entry = await keepForRetry(item, code, message, `${item.path} was rejected (${rejection.code}), but ${code.startsWith('STRATA_INGEST_FOLDER') ? 'could not be moved to quarantine' : 'what it wrote could not be rolled back'} (${code}: ${message})`);
          return { outcome: { status: 'failed', file: item.path, code, message, retrying: true, retryAt: entry.nextAt }, warnings: [] };
        }
      }
    }

    /** Keeps a file that could not be stored now as pending, with its failure and when it is read again (a backoff);
     *  `why` opens the log line. */
    async function keepForRetry(item: WorkItem, code: string, message: string, why: string): Promise<PendingFile> {
      const attempts = (item.attempts ?? 0) + 1;
      const now = Date.now();
      const delayMs = retryDelayMs(attempts);
      const before = pendingFiles.get(item.path);
      const entry: PendingFile = {
        path: item.path, origin: item.origin, options: item.options, attempts,
        firstFailedAt: before?.firstFailedAt || now, nextAt: now + delayMs, code, message,
      };
      const unwritten = await pendingFiles.put(entry);
      const fields = { file: item.path, code, attempts, retryInMs: delayMs };
      if (unwritten) {
        ctx.log.error({ ...fields, pendingFolder: pendingFiles.dir, cause: (unwritten as NodeJS.ErrnoException).code ?? null },
          `ingest: ${why}; it is read again in ${Math.round(delayMs / 1000)} s, but its attempts could not be written down (${unwritten.message}); a stop now still reads it again at the next start`);
      } else {
        // a store out for hours retries each waiting file every 30 s: the first attempts, a new cause and every
        // 20th attempt are warnings, the rest debug lines, so the log still says what waits without repeating it
        const loud = attempts <= 3 || attempts % 20 === 0 || before?.code !== code;
        ctx.log[loud ? 'warn' : 'debug'](fields, `ingest: ${why}; read again in ${Math.round(delayMs / 1000)} s (attempt ${attempts})`);
      }
      return entry;
    }

    /**
     * A stored file's rows go (the delete by strategy id a failed file gets) and then its journal record, so a crash
     * half-way leaves a record whose removal can be asked again; subscribers hear of it.
     */
    async function dropStored(record: JournalRecord, why: string): Promise<void> {
      await sink.abort(record.contentHash);
      ctx.log.info({ file: record.file, contentHash: record.contentHash, strategies: record.strategyIds.length }, `ingest: stored file ${why}`);
      publish({ type: 'ingest.file.removed', file: record.file, contentHash: record.contentHash, strategies: record.strategyIds.length });
    }

    /** After a replacing file's commit: the replaced file's rows and record go. */
    const removeReplaced = (replaced: JournalRecord, by: string): Promise<void> => dropStored(replaced, `replaced by ${by}`);

    /**
     * At start: a replacement a crash cut short between the new file's commit and the old one's removal is
     * finished. Only a replaced file committed before its replacement goes (the same bytes ingested again later
     * are a new file, not the one replaced).
     */
    async function finishReplacements(): Promise<void> {
      const stored = await sink.committedFiles();
      const byHash = new Map(stored.map((r) => [r.contentHash, r]));
      for (const r of stored) {
        const old = r.options.replaces ? byHash.get(r.options.replaces) : undefined;
        if (!old || (old.committedAt ?? 0) > (r.committedAt ?? 0)) continue;
        await removeReplaced(old, r.file);
        byHash.delete(old.contentHash);
      }
    }

    /** For inbox files: the content hash of the one stored file with the same name, where there is exactly one. */
    async function replacedByName(paths: readonly string[]): Promise<Map<string, string>> {
      const byName = new Map<string, string[]>();
      try {
        for (const r of await sink.committedFiles()) {
          const name = basename(r.file);
          byName.set(name, [...(byName.get(name) ?? []), r.contentHash]);
        }
      } catch (e) {
        ctx.log.warn({ code: errorFields(e).code }, 'ingest: the stored files could not be listed; inbox files are read as new files');
        return new Map();
      }
      const out = new Map<string, string>();
      for (const p of paths) {
        const hashes = byName.get(basename(p)) ?? [];
        if (hashes.length === 1) out.set(p, hashes[0]!);
        else if (hashes.length > 1) ctx.log.warn({ file: p, stored: hashes }, `ingest: ${hashes.length} stored files are named ${basename(p)}; this one replaces none of them (strata files remove, or --replace with a hash)`);
      }
      return out;
    }

    /** Removes a stored file's rows and journal record (ingest.remove), and answers. */
    async function removeFile(contentHash: string, replyTo: ActorRef<IngestRemoveReply>): Promise<void> {
      try {
        const record = await sink.committed(contentHash);
        if (!record) {
          const writing = (await sink.unfinished()).some((r) => r.contentHash === contentHash);
          throw writing
            ? ingestError('STRATA_INGEST_FILE_BUSY', `file ${contentHash} is being ingested right now; remove it once it is done`, { contentHash })
            : ingestError('STRATA_INGEST_UNKNOWN_FILE', `no stored file has content hash ${contentHash}`, { contentHash });
        }
        await dropStored(record, 'removed on request');
        replyTo.tell({ type: 'ingest.remove.ok', removed: storedFile(record) });
      } catch (e) {
        const { code, message } = errorFields(e);
        replyTo.tell({ type: 'ingest.remove.rejected', code, message });
      }
    }

    /** A file asked for while recovery waited is read by its request (its marker was written when it was held), not
     *  a second time as a recovered file; what an earlier attempt left (`attempts`) is removed first all the same. */
    function readByHeld(path: string, attempts: number): boolean {
      const h = heldForRecovery.findIndex((w) => w.path === path);
      if (h < 0) return false;
      if (attempts > (heldForRecovery[h]!.attempts ?? 0)) heldForRecovery[h] = { ...heldForRecovery[h]!, attempts };
      return true;
    }

    /**
     * Recovery, before any file is read: a `writing` journal entry is a file a crash interrupted (its rows are
     * removed and it is read again), and the pending files (pending-files.ts) are the ones the last run took and did
     * not finish, whether a crash cut them short before their journal entry landed or they waited for the store.
     *
     * A store whose journal cannot be read now (every replica down, a HeavyDB server restarting) is waited for, as
     * a pending file waits: the actor starts, reads no file and tries again after 1 s, 2 s, 4 s … at most every
     * 30 s. Failing instead let the supervisor restart the actor, which failed again at once; its restart budget
     * spent (10 in a minute), it was stopped, and nothing was ingested until the process restarted.
     */
    async function recover(): Promise<void> {
      let unfinished: JournalRecord[];
      try {
        unfinished = await sink.unfinished();
      } catch (e) {
        if (!isStoreUnavailable(e)) throw e;
        const { code, message } = errorFields(e);
        const now = Date.now();
        const attempts = (recovery?.attempts ?? 0) + 1;
        const delayMs = retryDelayMs(attempts);
        const loud = attempts <= 3 || attempts % 20 === 0 || recovery?.code !== code;
        recovery = { attempts, firstFailedAt: recovery?.firstFailedAt ?? now, nextAt: now + delayMs, code, message };
        ctx.log[loud ? 'warn' : 'debug']({ code, attempts, retryInMs: delayMs },
          `ingest: the store's journal cannot be read (${message}); no file is read until it can, tried again in ${Math.round(delayMs / 1000)} s (attempt ${attempts})`);
        publish({ type: 'ingest.recovery.waiting', attempts, nextAt: recovery.nextAt, code, message });
        ctx.timers.startSingle(RECOVER_TIMER, { type: 'ingest.recover' }, delayMs);
        return;
      }
      if (recovery !== null) ctx.log.info({ attempts: recovery.attempts, waitedMs: Date.now() - recovery.firstFailedAt }, "ingest: the store's journal can be read again; recovering");
      recovery = null;
      // interrupted files: their rows are removed now; a store that refuses the removal leaves it to the file's retry
      const retry: NewWork[] = [];
      for (const r of unfinished) {
        let rolledBack = true;
        try { await sink.abort(r.contentHash); } catch (e) {
          rolledBack = false;
          ctx.log.warn({ file: r.file, code: errorFields(e).code }, `ingest: an interrupted file could not be rolled back yet (${errorFields(e).message}); its retry rolls it back first`);
        }
        const attempts = Math.max(pendingFiles.get(r.file)?.attempts ?? 0, rolledBack ? 0 : 1);
        if (readByHeld(r.file, attempts)) continue;
        if (await exists(r.file)) retry.push({ path: r.file, origin: r.origin, options: r.options, requestId: null, ...(attempts > 0 ? { attempts } : {}) });
      }
      for (const e of pendingFiles.entries()) {
        if (retry.some((w) => w.path === e.path) || readByHeld(e.path, e.attempts)) continue;
        if (await exists(e.path)) retry.push({ path: e.path, origin: e.origin, options: e.options, requestId: null, ...(e.attempts > 0 ? { attempts: e.attempts } : {}) });
        else {
          await pendingFiles.remove(e.path);
          ctx.log.info({ file: e.path, code: e.code || null }, 'ingest: a file taken earlier and not finished is no longer there (moved or deleted); not read again');
        }
      }
      try { await finishReplacements(); } catch (e) {
        ctx.log.warn({ code: errorFields(e).code }, `ingest: finishing an interrupted replacement failed (${errorFields(e).message}); it is tried again at the next start`);
      }
      // files asked for or found while recovery waited (heldForRecovery) are queued behind the recovered ones
      machine.start();
      recovered = true;
      enqueue([...retry, ...heldForRecovery.splice(0)]);
      for (const r of retry) recovering.add(r.path);
      if (retry.length > 0) ctx.log.info({ files: retry.map((r) => r.path) }, 'ingest: interrupted files and files waiting for the store queued again');
      publish({ type: 'ingest.recovered', files: retry.map((r) => r.path) });
      if (watches.length > 0) {
        ctx.self.tell({ type: 'ingest.scan' });
        if (scanEvery > 0) ctx.timers.startPeriodic('scan', { type: 'ingest.scan' }, scanEvery);
      }
    }

    const machine = createActor(ingestMachine.provide({
      actions: {
        startWork: ({ context }) => {
          const item = context.current!;
          running = { item, begun: false };
          runFile(item).then(
            ({ outcome, warnings }) => ctx.self.tell({ type: 'ingest.work.done', id: item.id, outcome, warnings }),
            (e: unknown) => ctx.self.tell({ type: 'ingest.work.crashed', id: item.id, ...errorFields(e) }),
          );
        },
      },
    }));

    const enqueue = (items: readonly NewWork[]): void => {
      if (items.length === 0) return;
      if (recovered) {
        machine.send({ type: 'enqueue', items });
        return;
      }
      heldForRecovery.push(...items);
      // written down at once as pending: a process stopped before the journal reads again recalls them at its next
      // start, as it does the files it had begun (an upload would otherwise come back only as a stored upload)
      for (const w of items) {
        if (pendingFiles.get(w.path)) continue;
        void writeDownPending(w).then((unwritten) => {
          if (unwritten) ctx.log.warn({ file: w.path, pendingFolder: pendingFiles.dir }, `ingest: ${w.path} waits for recovery but could not be written down as pending (${unwritten.message}); a stop now forgets it`);
        });
      }
    };

    const settle = (item: WorkItem, outcome: FileOutcome): void => {
      if (item.requestId === null) return;
      const req = requests.get(item.requestId);
      if (!req) return;
      const at = req.outcomes.indexOf(null);
      req.outcomes[at] = outcome;
      if (--req.remaining === 0) {
        requests.delete(item.requestId);
        req.replyTo.tell({ type: 'ingest.files.ok', outcomes: req.outcomes as FileOutcome[] });
      }
    };

    return {
      async started() {
        await ensureFolders(folders);
        const { unreadable } = await pendingFiles.load();
        for (const marker of unreadable) ctx.log.warn({ marker }, 'ingest: a file in the pending folder is not a marker of ours; left as it is');
        await recover();
      },

      async receive(m) {
        switch (m.type) {
          case 'ingest.files': {
            const invalid = validRequest(m);
            if (invalid) { m.replyTo.tell({ type: 'ingest.files.rejected', code: 'STRATA_INGEST_INVALID_REQUEST', message: invalid }); return; }
            const files = await expandPaths(m.paths);
            if (files.length === 0) { m.replyTo.tell({ type: 'ingest.files.ok', outcomes: [] }); return; }
            const requestId = nextRequest++;
            requests.set(requestId, { replyTo: m.replyTo, outcomes: files.map(() => null), remaining: files.length });
            enqueue(files.map((path) => ({ path, origin: 'request', options: m.options, requestId })));
            return;
          }
          case 'ingest.scan': {
            for (const { watch, origin } of watches) {
              // a file waiting for the store is read again by its retry timer, not at every look
              const ready = (await watch.look()).filter((p) => !pendingFiles.isWaiting(p));
              if (ready.length === 0) continue;
              const replacing = options.replaceByName ? await replacedByName(ready) : new Map<string, string>();
              enqueue(ready.map((path) => {
                const replaces = replacing.get(path);
                return { path, origin, options: { ...(options.inboxOptions ?? {}), ...(replaces ? { replaces } : {}) }, requestId: null };
              }));
            }
            return;
          }
          case 'ingest.subscribe':
            subscribers.set(m.subscriber.path, m.subscriber);
            ctx.watch(m.subscriber);
            // recovery starts before any subscription is read: a subscriber learns of the files it still reads
            if (recovering.size > 0) m.subscriber.tell({ type: 'ingest.recovered', files: [...recovering] });
            // and of recovery still waiting for the store's journal
            if (recovery !== null) m.subscriber.tell({ type: 'ingest.recovery.waiting', attempts: recovery.attempts, nextAt: recovery.nextAt, code: recovery.code, message: recovery.message });
            return;
          case 'ingest.unsubscribe':
            subscribers.delete(m.subscriber.path);
            ctx.unwatch(m.subscriber);
            return;
          case 'ingest.status': {
            const snap = machine.getSnapshot();
            m.replyTo.tell({
              type: 'ingest.status.ok', state: recovery !== null ? 'recovering' : String(snap.value), current: snap.context.current?.path ?? null,
              queued: [...snap.context.queue.map((w) => w.path), ...heldForRecovery.map((w) => w.path)], subscribers: subscribers.size, counts: { ...counts },
              recovery,
              retrying: pendingFiles.waiting().map(asRetrying),
            });
            return;
          }
          case 'ingest.list': {
            try {
              m.replyTo.tell({ type: 'ingest.list.ok', files: (await sink.committedFiles()).map(storedFile) });
            } catch (e) {
              const { code, message } = errorFields(e);
              m.replyTo.tell({ type: 'ingest.list.rejected', code, message });
            }
            return;
          }
          case 'ingest.remove': {
            // outside the receive loop: deleting a big file's rows must not hold up status requests and outcomes
            void removeFile(m.contentHash, m.replyTo);
            return;
          }
          case 'ingest.work.done': {
            const item = running?.item;
            if (!item || item.id !== m.id) return;
            running = null;
            counts[m.outcome.status]++;
            if (item.requestId === null) recovering.delete(item.path);
            if (m.outcome.status === 'failed' && m.outcome.retryAt !== undefined) {
              ctx.timers.startSingle(retryTimerKey(item.path), { type: 'ingest.retry', path: item.path }, Math.max(0, m.outcome.retryAt - Date.now()));
            } else {
              ctx.timers.cancel(retryTimerKey(item.path));
              await pendingFiles.remove(item.path);
            }
            publish({ type: 'ingest.file.finished', origin: item.origin, outcome: m.outcome, warnings: m.warnings });
            settle(item, m.outcome);
            machine.send({ type: 'work.done', id: m.id });
            return;
          }
          case 'ingest.recover': {
            if (!recovered) await recover();
            return;
          }
          case 'ingest.retry': {
            const entry = pendingFiles.get(m.path);
            if (!entry || entry.attempts === 0) return;
            if (!(await exists(entry.path))) {
              await pendingFiles.remove(entry.path);
              ctx.log.warn({ file: entry.path, code: entry.code }, 'ingest: a pending file waiting to be read again is gone; not read again');
              return;
            }
            enqueue([{ path: entry.path, origin: entry.origin, options: entry.options, requestId: null, attempts: entry.attempts }]);
            return;
          }
          case 'ingest.work.crashed': {
            const current = running;
            if (!current || current.item.id !== m.id) return;
            running = null;
            counts.failed++;
            const outcome: FileOutcome = { status: 'failed', file: current.item.path, code: m.code, message: m.message, retrying: current.begun };
            publish({ type: 'ingest.file.finished', origin: current.item.origin, outcome, warnings: [] });
            settle(current.item, outcome);
            machine.send({ type: 'work.crashed', id: m.id, code: m.code, message: m.message });
            // Fail the actor: its supervisor restarts it, and recovery rolls the file back and retries it.
            throw ingestError('STRATA_INGEST_WRITE_FAILED', `${current.item.path}: ${m.code}: ${m.message}`, { file: current.item.path, cause: m.code });
          }
        }
      },

      terminated(ev) {
        subscribers.delete(ev.path);
      },

      restarting() {
        stop.abort();
        machine.stop();
        // Requests waiting on this instance cannot be answered by the next one: tell their askers now.
        for (const [, req] of requests) {
          req.replyTo.tell({ type: 'ingest.files.rejected', code: 'STRATA_INGEST_WRITE_FAILED', message: 'the ingest actor restarted before these files were done; interrupted files are retried from the journal' });
        }
        requests.clear();
      },

      stopping() {
        stop.abort();
        machine.stop();
      },
    };
  };
}
