// The files the ingest actor has taken and not yet finished: written down (one small JSON marker each, under the
// `pending/` folder) before a file is read, struck off once it is stored, a duplicate or rejected, and kept, with a
// backoff, while the store cannot take it (a full disk, no writable replica). A start reads every marker left and
// reads those files again. The store's journal cannot do this alone: when the store takes no writes, a file's
// `writing` entry may never have landed there.
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RetryingFile } from './messages.ts';
import type { FileOptions, IngestOrigin } from './sink.ts';

export interface PendingFile {
  readonly path: string;
  readonly origin: IngestOrigin;
  readonly options: FileOptions;
  /** failed attempts so far: 0 while the first is under way */
  readonly attempts: number;
  /** epoch ms of the first failure (0 before any) */
  readonly firstFailedAt: number;
  /** epoch ms when it is read again after a failure (0 before any) */
  readonly nextAt: number;
  /** the last failure's code and message ('' before any) */
  readonly code: string;
  readonly message: string;
}

/** A waiting file as the ingest status lists it (`retrying`). */
export const asRetrying = (e: PendingFile): RetryingFile => ({ file: e.path, attempts: e.attempts, firstFailedAt: e.firstFailedAt, nextAt: e.nextAt, code: e.code, message: e.message });

/** The first retry after 1 s, then doubling, at most every 30 s: a full disk may take an operator minutes to clear. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, attempts - 1));
}

const MARKER = /^[0-9a-f]{24}\.json$/;

const markerName = (path: string): string => `${createHash('sha256').update(path).digest('hex').slice(0, 24)}.json`;

function parseMarker(text: string): PendingFile | null {
  let v: unknown;
  try { v = JSON.parse(text); } catch { return null; }
  const e = v as Partial<PendingFile> | null;
  if (!e || typeof e.path !== 'string' || (e.origin !== 'inbox' && e.origin !== 'zone-inbox' && e.origin !== 'request') || typeof e.options !== 'object' || e.options === null
    || typeof e.attempts !== 'number' || typeof e.firstFailedAt !== 'number' || typeof e.nextAt !== 'number' || typeof e.code !== 'string' || typeof e.message !== 'string') return null;
  return { path: e.path, origin: e.origin, options: e.options, attempts: e.attempts, firstFailedAt: e.firstFailedAt, nextAt: e.nextAt, code: e.code, message: e.message };
}

/**
 * One entry per file path, in memory and (where `dir` is given) on disk. A marker that cannot be written (the disk
 * that refused the store's write may refuse this too) leaves the entry in memory only: `put` returns the error, and
 * the caller logs it, since a stop before the file is done then forgets it.
 */
export class PendingFiles {
  readonly dir: string | null;
  #entries = new Map<string, PendingFile>();

  constructor(dir: string | null) { this.dir = dir; }

  entries(): PendingFile[] { return [...this.#entries.values()]; }
  /** the files waiting for a retry after a failure */
  waiting(): PendingFile[] { return this.entries().filter((e) => e.attempts > 0); }
  get(path: string): PendingFile | undefined { return this.#entries.get(path); }
  isWaiting(path: string): boolean { return (this.#entries.get(path)?.attempts ?? 0) > 0; }

  /** Reads the markers an earlier run left (none where the folder is missing); unreadable ones are returned by path
   *  and left where they are. The folder itself is made with the ingest actor's others (ensureFolders). */
  async load(): Promise<{ readonly loaded: readonly PendingFile[]; readonly unreadable: readonly string[] }> {
    if (this.dir === null) return { loaded: [], unreadable: [] };
    let names: string[];
    try { names = await readdir(this.dir); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { loaded: [], unreadable: [] };
      throw e;
    }
    const loaded: PendingFile[] = [];
    const unreadable: string[] = [];
    for (const name of names.sort()) {
      if (!MARKER.test(name)) continue;
      const e = parseMarker(await readFile(join(this.dir, name), 'utf8').catch(() => ''));
      if (e === null || markerName(e.path) !== name) { unreadable.push(join(this.dir, name)); continue; }
      // an entry this process holds already (the actor restarted) knows at least as much
      if (!this.#entries.has(e.path)) this.#entries.set(e.path, e);
      loaded.push(e);
    }
    return { loaded, unreadable };
  }

  /** Records (or updates) a file's entry; resolves with the marker's write error, or null once it is on disk. Not
   *  fsync'd (engine/jobs' replaceFileSync is): the store's journal is the durable record of a file being written, and
   *  a marker plus its removal cost about 0.35 ms per file as they are (the development VM, 2026-12-06). */
  async put(entry: PendingFile): Promise<Error | null> {
    this.#entries.set(entry.path, entry);
    if (this.dir === null) return null;
    const target = join(this.dir, markerName(entry.path));
    const tmp = `${target}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(entry));
      await rename(tmp, target);
      return null;
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      return e as Error;
    }
  }

  /** The file is done (stored, a duplicate, rejected) or gone: its entry and marker go. */
  async remove(path: string): Promise<void> {
    if (!this.#entries.delete(path) || this.dir === null) return;
    await rm(join(this.dir, markerName(path)), { force: true }).catch(() => undefined);
  }
}
