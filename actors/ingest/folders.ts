// The ingest actor's folders: the inbox (and zone inbox) it watches, and where files go afterwards —
// processed/ for committed or duplicate inbox files, quarantine/ for rejected ones with their reports. A
// file is ready when two looks in a row see the same size and mtime (still being copied otherwise).
import { copyFile, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ingestError } from './errors.ts';

export interface IngestFolders {
  readonly inbox: string | null;
  readonly zoneInbox: string | null;
  readonly processed: string;
  readonly quarantine: string;
  /** where the files taken and not yet finished are written down, so a start reads them again (pending-files.ts);
   *  absent or null: in memory only, and a file the store could not take is forgotten at a stop */
  readonly pending?: string | null;
}

/** The default layout under one root: inbox/, inbox-zones/, processed/, quarantine/, pending/. */
export function foldersUnder(root: string): IngestFolders {
  return { inbox: join(root, 'inbox'), zoneInbox: join(root, 'inbox-zones'), processed: join(root, 'processed'), quarantine: join(root, 'quarantine'), pending: join(root, 'pending') };
}

function folderFailed(dir: string, e: unknown): Error {
  return ingestError('STRATA_INGEST_FOLDER_FAILED', `${dir}: ${(e as Error).message}`, { folder: dir, cause: (e as NodeJS.ErrnoException).code ?? null });
}

export async function ensureFolders(f: IngestFolders): Promise<void> {
  for (const dir of [f.inbox, f.zoneInbox, f.processed, f.quarantine, f.pending ?? null]) {
    if (dir === null) continue;
    try { await mkdir(dir, { recursive: true }); } catch (e) { throw folderFailed(dir, e); }
  }
}

/** Names that are not input: hidden files, partial downloads and our own reports. */
export function isCandidateName(name: string): boolean {
  return !name.startsWith('.') && !/\.(tmp|part|partial|crdownload|swp)$/i.test(name) && !/\.report\.(json|txt)$/i.test(name);
}

/** The regular files of a folder (not recursive), sorted by name. */
export async function listFiles(dir: string): Promise<string[]> {
  let names: string[];
  try { names = await readdir(dir); } catch (e) { throw folderFailed(dir, e); }
  const out: string[] = [];
  for (const name of names.sort()) {
    if (!isCandidateName(name)) continue;
    const path = join(dir, name);
    try { if ((await stat(path)).isFile()) out.push(path); } catch { /* vanished between readdir and stat */ }
  }
  return out;
}

/** Tracks inbox files between looks; `look` returns those whose size and mtime did not change since the last. */
export class InboxWatch {
  readonly dir: string;
  #seen = new Map<string, string>();

  constructor(dir: string) { this.dir = dir; }

  async look(): Promise<string[]> {
    const ready: string[] = [];
    const next = new Map<string, string>();
    for (const path of await listFiles(this.dir)) {
      let sig: string;
      try { const s = await stat(path); sig = `${s.size}:${s.mtimeMs}`; } catch { continue; }
      next.set(path, sig);
      if (this.#seen.get(path) === sig) ready.push(path);
    }
    this.#seen = next;
    return ready;
  }
}

/** A free name for `name` in `dir`: `name`, then `stem (2).ext`, `stem (3).ext`, … */
export async function freeName(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  for (let k = 1; ; k++) {
    const candidate = join(dir, k === 1 ? name : `${stem} (${k})${ext}`);
    try { await stat(candidate); } catch { return candidate; }
  }
}

/** Moves (or copies, leaving the source) a file into `dir` under a free name; returns the new path. */
export async function placeFile(path: string, dir: string, mode: 'move' | 'copy'): Promise<string> {
  const target = await freeName(dir, basename(path));
  try {
    if (mode === 'copy') { await copyFile(path, target); return target; }
    try { await rename(path, target); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await copyFile(path, target);
      await unlink(path);
    }
    return target;
  } catch (e) { throw folderFailed(dir, e); }
}
