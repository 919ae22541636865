// The ingest service: the ingest actor (inbox folders under the data dir, the store's sink) plus uploads kept
// on disk until they are processed, with their outcomes, and a fan-out of the actor's events.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import {
  ensureFolders, foldersUnder, ingestBehaviour, listenToIngest,
  type FileOutcome, type IngestCommand, type IngestEvent, type IngestFilesReply, type IngestSink, type IngestStatus,
} from '../../actors/ingest/index.ts';
import { parseZoneSpec } from '../../engine/formats/index.ts';
import { StrataError, type ActorRef, type ActorSystem } from '../../runtime/index.ts';
import { daemonError } from './errors.ts';
import type { IngestService, IngestStatusView, UploadView, Unsubscribe } from './services.ts';

export interface IngestServiceOptions {
  readonly system: ActorSystem;
  readonly sink: IngestSink;
  /** dataDir/ingest: inbox/, inbox-zones/, processed/, quarantine/, uploads/ */
  readonly root: string;
  readonly watchInbox: boolean;
  readonly scanIntervalMs: number;
}

const WEEK_MS = 7 * 24 * 3600_000;

export function safeUploadName(name: string): string | null {
  const base = basename(name.replace(/\\/g, '/')).replace(/[^\w.\- ()]/g, '_').trim();
  if (base === '' || base.startsWith('.') || base.length > 200) return null;
  return base;
}

export async function startIngestService(o: IngestServiceOptions): Promise<IngestService> {
  const folders = foldersUnder(o.root);
  await ensureFolders(folders);
  const uploadsDir = join(o.root, 'uploads');
  await mkdir(uploadsDir, { recursive: true });
  const ref: ActorRef<IngestCommand> = o.system.spawn(ingestBehaviour({
    sink: o.sink,
    folders: o.watchInbox ? folders : { ...folders, inbox: null, zoneInbox: null },
    scanIntervalMs: o.watchInbox ? o.scanIntervalMs : 0,
    progressIntervalMs: 250,
  }), { name: 'ingest', supervision: { kind: 'one-for-one', maxRestarts: 10, withinMs: 60_000 } });
  const listeners = new Set<(e: IngestEvent) => void>();
  listenToIngest(o.system, ref, (ev) => { for (const fn of listeners) fn(ev); }, 'ingest-events');
  const uploads = new Map<string, UploadView & { path: string }>();
  let intake = true;

  const update = (id: string, patch: Partial<UploadView>): void => {
    const u = uploads.get(id);
    if (u) uploads.set(id, { ...u, ...patch });
  };
  const view = (u: UploadView & { path: string }): UploadView => {
    const { path: _path, ...rest } = u;
    return rest;
  };
  const ask = (paths: readonly string[], options: { zones?: string; lenient?: boolean }): Promise<IngestFilesReply> =>
    o.system.ask<IngestCommand, IngestFilesReply>(ref, (replyTo) => ({
      type: 'ingest.files', paths, replyTo,
      options: {
        ...(options.zones !== undefined ? { zones: parseZoneSpec(options.zones) } : {}),
        ...(options.lenient ? { lenient: true } : {}),
      },
    }), { timeoutMs: WEEK_MS });
  const checkIntake = (): void => {
    if (!intake) throw daemonError('STRATA_DAEMON_INTAKE_STOPPED', 'the daemon is shutting down and takes no new files');
  };

  return {
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
        throw e;
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
      const chosen = ids === null ? [...uploads.values()].filter((u) => u.state === 'stored') : ids.map((id) => {
        const u = uploads.get(id);
        if (!u) throw daemonError('STRATA_DAEMON_UNKNOWN_UPLOAD', `no upload has id ${JSON.stringify(id)}`, { id });
        return u;
      });
      const run = chosen.filter((u) => u.state !== 'processing');
      for (const u of run) update(u.id, { state: 'processing', outcome: null });
      if (run.length > 0) {
        void ask(run.map((u) => u.path), options).then((reply) => {
          if (reply.type !== 'ingest.files.ok') {
            for (const u of run) update(u.id, { state: 'failed' });
            return;
          }
          reply.outcomes.forEach((outcome, i) => update(run[i]!.id, { state: outcome.status, outcome }));
        }, () => { for (const u of run) update(u.id, { state: 'failed' }); });
      }
      return chosen.map((u) => view(uploads.get(u.id)!));
    },

    scanInbox() {
      if (intake) ref.tell({ type: 'ingest.scan' });
    },

    async ingestPaths(paths, options = {}) {
      checkIntake();
      const reply = await ask(paths, options);
      if (reply.type !== 'ingest.files.ok') throw new StrataError(reply.code, `ingest of ${paths.length} path(s) did not finish: ${reply.message}`, { paths: paths.length });
      return reply.outcomes as readonly FileOutcome[];
    },

    async status(): Promise<IngestStatusView> {
      const s = await o.system.ask<IngestCommand, IngestStatus>(ref, (replyTo) => ({ type: 'ingest.status', replyTo }), { timeoutMs: 5_000 });
      return { state: s.state, current: s.current, queued: s.queued.length, counts: s.counts, inbox: o.watchInbox ? folders.inbox : null };
    },

    uploads: () => [...uploads.values()].map(view),
    getUpload: (id) => { const u = uploads.get(id); return u ? view(u) : null; },
    onEvent(fn): Unsubscribe { listeners.add(fn); return () => listeners.delete(fn); },
    stopIntake() {
      intake = false;
      o.system.stop(ref);
    },
  };
}
