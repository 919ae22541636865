// The ingest service: the ingest actor (inbox folders under the data dir, the store's sink) plus uploads kept
// on disk until they are processed, with their outcomes, and a fan-out of the actor's events. An upload that is
// committed (or a duplicate) moves to processed/ as inbox files do; a rejected one stays for a retry (say
// lenient) until it is forgotten; the newest `retainUploads` finished uploads are remembered, so a daemon that
// takes uploads for weeks keeps neither every outcome in memory nor every file in uploads/.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import {
  ensureFolders, foldersUnder, ingestBehaviour, listenToIngest, placeFile,
  type FileOptions, type FileOutcome, type IngestCommand, type IngestEvent, type IngestFilesReply, type IngestListReply, type IngestRemoveReply, type IngestSink, type IngestStatus,
} from '../../actors/ingest/index.ts';
import { createZoning, formatError, ParsePool, parseZoneSpec, resolveFormatId } from '../../engine/formats/index.ts';
import { StrataError, type ActorRef, type ActorSystem } from '../../runtime/index.ts';
import { daemonError } from './errors.ts';
import type { IngestFileOptions, IngestService, IngestStatusView, UploadView, Unsubscribe } from './services.ts';

export interface IngestServiceOptions {
  readonly system: ActorSystem;
  readonly sink: IngestSink;
  /** dataDir/ingest: inbox/, inbox-zones/, processed/, quarantine/, uploads/ */
  readonly root: string;
  readonly watchInbox: boolean;
  readonly scanIntervalMs: number;
  /** finished uploads (committed, duplicate, rejected) remembered with their outcomes; default 1,000 */
  readonly retainUploads?: number;
  /** threads that parse large FORMAT_1 files in chunks; 0 (default): the ingest actor's thread parses */
  readonly parseThreads?: number;
  /** an inbox file named as exactly one stored file replaces it (config ingest.replaceByName) */
  readonly replaceByName?: boolean;
}

type Upload = UploadView & { readonly path: string };

const FINISHED: ReadonlySet<UploadView['state']> = new Set(['committed', 'duplicate', 'rejected']);

const WEEK_MS = 7 * 24 * 3600_000;

export function safeUploadName(name: string): string | null {
  const base = basename(name.replace(/\\/g, '/')).replace(/[^\w.\- ()]/g, '_').trim();
  if (base === '' || base.startsWith('.') || base.length > 200) return null;
  return base;
}

/**
 * The ingest actor's FileOptions of a request's options, as the CLI's fileOptions() makes them (zones only when
 * zones or a session is given, `equal:4` by default), each checked first: an unknown format, a bad zone spec or
 * session, an unknown time zone or a problem limit below 1 throws STRATA_FORMAT_INVALID_OPTION (HTTP 400).
 */
export function fileOptionsOf(options: IngestFileOptions): FileOptions {
  const zones = options.zones !== undefined || options.session !== undefined ? parseZoneSpec(options.zones ?? 'equal:4', options.session) : undefined;
  if (zones !== undefined) createZoning(zones);
  if (options.tz !== undefined) {
    try { new Intl.DateTimeFormat('en', { timeZone: options.tz }); } catch {
      throw formatError('STRATA_FORMAT_INVALID_OPTION', `unknown time zone ${JSON.stringify(options.tz)}`, { tz: options.tz });
    }
  }
  const max = options.maxProblems;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw formatError('STRATA_FORMAT_INVALID_OPTION', `maxProblems must be a positive integer, got ${String(max)}`, { maxProblems: max });
  }
  if (options.replaces !== undefined && !/^[0-9a-f]{64}$/.test(options.replaces)) {
    throw formatError('STRATA_FORMAT_INVALID_OPTION', `replaces must be a stored file's content hash (64 hex digits), got ${JSON.stringify(options.replaces)}`, { replaces: options.replaces });
  }
  return {
    ...(options.format !== undefined ? { format: resolveFormatId(options.format) } : {}),
    ...(zones !== undefined ? { zones } : {}),
    ...(options.lenient ? { lenient: true } : {}),
    ...(max !== undefined ? { maxProblems: max } : {}),
    ...(options.tz !== undefined ? { tz: options.tz } : {}),
    ...(options.replaces !== undefined ? { replaces: options.replaces } : {}),
  };
}

/**
 * The coded error for an upload the disk had no room for (ENOSPC, or a quota's EDQUOT), naming the folder and
 * the bytes free there now; null for any other failure.
 */
export async function noSpaceError(e: unknown, folder: string, name: string, receivedBytes: number): Promise<StrataError | null> {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return null;
  const free = await statfs(folder).then((f) => f.bavail * f.bsize, () => null);
  return daemonError('STRATA_DAEMON_NO_SPACE',
    `no space left for upload ${name} in ${folder} (${code}) after ${receivedBytes} bytes received${free === null ? '' : `; ${free} bytes free there now`}: free some space and send it again`,
    { name, receivedBytes, ...(free === null ? {} : { freeBytes: free }), cause: code });
}

export async function startIngestService(o: IngestServiceOptions): Promise<IngestService> {
  const folders = foldersUnder(o.root);
  await ensureFolders(folders);
  const uploadsDir = join(o.root, 'uploads');
  await mkdir(uploadsDir, { recursive: true });
  // started on the first large file, its threads gone after 30 s without one; closed with the service
  const parsePool = (o.parseThreads ?? 0) > 0 ? new ParsePool({ threads: o.parseThreads! }) : null;
  // in upload order (a Map keeps insertion order): the oldest finished ones are forgotten first. Uploads left by
  // an earlier run are known before the ingest actor starts, so a file its recovery reads again (interrupted
  // mid-way by a crash) is matched to its upload
  const uploads = new Map<string, Upload>();
  const retainUploads = o.retainUploads ?? 1_000;
  let finished = 0;
  let intake = true;
  await adoptLeftovers(uploadsDir, uploads);
  // uploads being read at a process() call: that call's reply settles them, not the actor's events
  const asked = new Set<string>();
  const ref: ActorRef<IngestCommand> = o.system.spawn(ingestBehaviour({
    sink: o.sink,
    ...(parsePool ? { parsePool } : {}),
    folders: o.watchInbox ? folders : { ...folders, inbox: null, zoneInbox: null },
    scanIntervalMs: o.watchInbox ? o.scanIntervalMs : 0,
    progressIntervalMs: 250,
    ...(o.replaceByName ? { replaceByName: true } : {}),
  }), { name: 'ingest', supervision: { kind: 'one-for-one', maxRestarts: 10, withinMs: 60_000 } });
  const listeners = new Set<(e: IngestEvent) => void>();
  listenToIngest(o.system, ref, (ev) => { followRecovery(ev); for (const fn of listeners) fn(ev); }, 'ingest-events');
  const uploadAt = (path: string): Upload | undefined => {
    for (const u of uploads.values()) if (u.path === path) return u;
    return undefined;
  };
  /** An upload that a crash interrupted comes back stored, and one the store could not take waits (failed, retrying):
   *  the actor reads its file again by itself, and the upload shows it (processing, then the outcome, its file moved
   *  as any other's), so nobody reads it a second time. */
  function followRecovery(ev: IngestEvent): void {
    const waiting = (u: Upload): boolean => u.state === 'stored' || (u.state === 'failed' && u.outcome?.status === 'failed' && u.outcome.retrying);
    if (ev.type === 'ingest.recovered') {
      for (const file of ev.files) {
        const u = uploadAt(file);
        if (u && !asked.has(u.id) && waiting(u)) update(u.id, { state: 'processing', outcome: null });
      }
    } else if (ev.type === 'ingest.file.started') {
      const u = uploadAt(ev.file);
      if (u && !asked.has(u.id) && waiting(u)) update(u.id, { state: 'processing', outcome: null });
    } else if (ev.type === 'ingest.file.finished') {
      const u = uploadAt(ev.outcome.file);
      if (u && !asked.has(u.id) && (u.state === 'processing' || waiting(u))) void settle(u, ev.outcome);
    }
  }

  const update = (id: string, patch: Partial<UploadView>): void => {
    const u = uploads.get(id);
    if (!u) return;
    const next = { ...u, ...patch };
    uploads.set(id, next);
    finished += Number(FINISHED.has(next.state)) - Number(FINISHED.has(u.state));
    if (finished > retainUploads) forgetOldest();
  };
  const forgetOldest = (): void => {
    for (const [id, u] of uploads) {
      if (finished <= retainUploads) break;
      if (!FINISHED.has(u.state)) continue;
      uploads.delete(id);
      finished--;
      // a rejected upload kept its file for a retry; quarantine/ holds a copy with the report
      if (u.state === 'rejected') void rm(dirname(u.path), { recursive: true, force: true }).catch(() => undefined);
    }
  };
  /** An outcome arrived: committed and duplicate files leave uploads/ for processed/, like inbox files. */
  const settle = async (u: Upload, outcome: FileOutcome): Promise<void> => {
    let recorded = outcome;
    if (outcome.status === 'committed' || outcome.status === 'duplicate') {
      try {
        const movedTo = await placeFile(u.path, folders.processed, 'move');
        await rm(dirname(u.path), { recursive: true, force: true });
        recorded = { ...outcome, movedTo };
      } catch {
        // the file stays in uploads/ (a full disk, say); its outcome is what counts
      }
    }
    update(u.id, { state: outcome.status, outcome: recorded });
  };
  const view = (u: Upload): UploadView => {
    const { path: _path, ...rest } = u;
    return rest;
  };
  const ask = (paths: readonly string[], options: FileOptions): Promise<IngestFilesReply> =>
    o.system.ask<IngestCommand, IngestFilesReply>(ref, (replyTo) => ({ type: 'ingest.files', paths, replyTo, options }), { timeoutMs: WEEK_MS });
  const checkIntake = (): void => {
    if (!intake) throw daemonError('STRATA_DAEMON_INTAKE_STOPPED', 'the daemon is shutting down and takes no new files');
  };

  const service: IngestService = {
    async upload(name, source, limitBytes) {
      checkIntake();
      const safe = safeUploadName(name);
      if (safe === null) throw daemonError('STRATA_DAEMON_INVALID_UPLOAD', `upload name ${JSON.stringify(name)} is not a usable file name`, { name });
      const id = randomUUID();
      const dir = join(uploadsDir, id);
      await mkdir(dir, { recursive: true });
      const path = join(dir, safe);
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.byteLength;
          if (size > limitBytes) done(daemonError('STRATA_DAEMON_UPLOAD_TOO_LARGE', `upload ${safe} is larger than the limit of ${limitBytes} bytes`, { limitBytes, name: safe }));
          else done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.from(source), counter, createWriteStream(path));
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        throw (await noSpaceError(e, uploadsDir, safe, size)) ?? e;
      }
      if (size === 0) {
        await rm(dir, { recursive: true, force: true });
        throw daemonError('STRATA_DAEMON_INVALID_UPLOAD', `upload ${safe} is empty`, { name: safe });
      }
      const u = { id, name: safe, sizeBytes: size, receivedAt: Date.now(), state: 'stored' as const, outcome: null, path };
      uploads.set(id, u);
      return view(u);
    },

    async process(ids, options) {
      checkIntake();
      // checked before any upload changes state: a bad option leaves them 'stored'
      const fileOptions = fileOptionsOf(options);
      const chosen = ids === null ? [...uploads.values()].filter((u) => u.state === 'stored') : ids.map((id) => {
        const u = uploads.get(id);
        if (!u) throw daemonError('STRATA_DAEMON_UNKNOWN_UPLOAD', `no upload has id ${JSON.stringify(id)}`, { id });
        return u;
      });
      if (fileOptions.replaces !== undefined) {
        // one file replaces one: named, and the one it replaces stored now
        if (ids === null || ids.length !== 1) throw formatError('STRATA_FORMAT_INVALID_OPTION', `replaces takes exactly one upload (uploadIds with one id), got ${ids === null ? 'every waiting upload' : `${ids.length}`}`, { replaces: fileOptions.replaces });
        if (!(await service.files()).some((f) => f.contentHash === fileOptions.replaces)) {
          throw new StrataError('STRATA_INGEST_UNKNOWN_FILE', `no stored file has content hash ${fileOptions.replaces} to replace`, { contentHash: fileOptions.replaces }, false);
        }
      }
      // committed and duplicate uploads are done (their file has moved to processed/): reported as they are
      const run = chosen.filter((u) => u.state === 'stored' || u.state === 'failed' || u.state === 'rejected');
      for (const u of run) {
        asked.add(u.id);
        update(u.id, { state: 'processing', outcome: null });
      }
      if (run.length > 0) {
        const done = (): void => { for (const u of run) asked.delete(u.id); };
        void ask(run.map((u) => u.path), fileOptions).then(async (reply) => {
          if (reply.type !== 'ingest.files.ok') {
            for (const u of run) update(u.id, { state: 'failed' });
            return;
          }
          await Promise.all(reply.outcomes.map((outcome, i) => settle(run[i]!, outcome)));
        }, () => { for (const u of run) update(u.id, { state: 'failed' }); }).finally(done);
      }
      return chosen.map((u) => view(uploads.get(u.id)!));
    },

    scanInbox() {
      if (intake) ref.tell({ type: 'ingest.scan' });
    },

    async ingestPaths(paths, options = {}) {
      checkIntake();
      const reply = await ask(paths, fileOptionsOf(options));
      if (reply.type !== 'ingest.files.ok') throw new StrataError(reply.code, `ingest of ${paths.length} path(s) did not finish: ${reply.message}`, { paths: paths.length });
      return reply.outcomes as readonly FileOutcome[];
    },

    async status(): Promise<IngestStatusView> {
      const s = await o.system.ask<IngestCommand, IngestStatus>(ref, (replyTo) => ({ type: 'ingest.status', replyTo }), { timeoutMs: 5_000 });
      return { state: s.state, current: s.current, queued: s.queued.length, counts: s.counts, inbox: o.watchInbox ? folders.inbox : null, parse: parsePool ? { threads: parsePool.threads, ...parsePool.stats } : null, retrying: s.retrying, recovery: s.recovery };
    },

    async files() {
      const r = await o.system.ask<IngestCommand, IngestListReply>(ref, (replyTo) => ({ type: 'ingest.list', replyTo }), { timeoutMs: 30_000 });
      if (r.type !== 'ingest.list.ok') throw new StrataError(r.code, r.message, {});
      return r.files;
    },

    async removeFile(contentHash) {
      const r = await o.system.ask<IngestCommand, IngestRemoveReply>(ref, (replyTo) => ({ type: 'ingest.remove', contentHash, replyTo }), { timeoutMs: 600_000 });
      if (r.type !== 'ingest.remove.ok') throw new StrataError(r.code, r.message, { contentHash }, r.code === 'STRATA_INGEST_FILE_BUSY');
      return r.removed;
    },

    uploads: () => [...uploads.values()].map(view),
    getUpload: (id) => { const u = uploads.get(id); return u ? view(u) : null; },
    onEvent(fn): Unsubscribe { listeners.add(fn); return () => listeners.delete(fn); },
    stopIntake() {
      intake = false;
      o.system.stop(ref);
      // a chunk still on a thread is parsed here instead, and the file, stopped mid-way, is rolled back
      void parsePool?.close().catch(() => {});
    },
  };
  return service;
}

/**
 * Uploads stored by an earlier run of the daemon (uploads/<id>/<name>, kept on disk until processed) come back as
 * 'stored', so they can still be processed; empty upload folders are removed.
 */
async function adoptLeftovers(uploadsDir: string, uploads: Map<string, Upload>): Promise<void> {
  const found: Upload[] = [];
  for (const id of await readdir(uploadsDir)) {
    const dir = join(uploadsDir, id);
    try {
      const names = await readdir(dir);
      if (names.length === 0) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (names.length !== 1) continue; // not an upload folder of ours: left alone
      const path = join(dir, names[0]!);
      const st = await stat(path);
      if (st.isFile()) found.push({ id, name: names[0]!, sizeBytes: st.size, receivedAt: Math.round(st.mtimeMs), state: 'stored', outcome: null, path });
    } catch {
      // not a folder, or gone meanwhile
    }
  }
  found.sort((a, b) => a.receivedAt - b.receivedAt);
  for (const u of found) uploads.set(u.id, u);
}
