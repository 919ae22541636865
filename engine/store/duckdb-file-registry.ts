// The process-wide registry of open DuckDB files, keyed by realpath. DuckDB's file lock is per process, so a
// second instance of the same file in this process (even on another thread) would open fine and silently lose
// writes; this registry refuses it. It lives in a SharedArrayBuffer handed to every worker through
// worker_threads environment data, so it is shared by all threads spawned after this module first loads in
// the main thread.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';
import { storeError } from './errors.ts';

const KEY = 'strata.store.duckdb-file-registry.v1';
const SLOTS = 1024;
// Int32 words: [0] = spin lock; then per slot: state, threadId, hashA, hashB, length.
const WORDS_PER_SLOT = 5;

function sharedTable(): Int32Array {
  const existing = getEnvironmentData(KEY);
  if (existing instanceof SharedArrayBuffer) return new Int32Array(existing);
  const sab = new SharedArrayBuffer(4 * (1 + SLOTS * WORDS_PER_SLOT));
  // A worker whose parent never loaded this module gets its own table: shared with its own children only.
  // The composition root imports engine/store before spawning threads, so in Strata this is the main thread's.
  setEnvironmentData(KEY, sab);
  return new Int32Array(sab);
}

const table = sharedTable();
// Word 0 holds the locking thread's id + 1. Critical sections last microseconds, so a lock held far longer
// belongs to a thread terminated inside one; it is taken over rather than deadlocking every later open.
const STALE_LOCK_MS = 250;

function hash(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) | 0;
}

function lock(): void {
  // Spinning, not Atomics.wait: the main thread may not wait, and the sections are a scan of 1,024 slots.
  const me = threadId + 1;
  let since = 0;
  for (;;) {
    const holder = Atomics.compareExchange(table, 0, 0, me);
    if (holder === 0) return;
    since ||= Date.now();
    if (Date.now() - since > STALE_LOCK_MS && Atomics.compareExchange(table, 0, holder, me) === holder) return;
  }
}

function unlock(): void {
  Atomics.store(table, 0, 0);
}

/** The canonical key of a database path: realpath of the file, or of its folder when the file is new. */
export function canonicalDatabasePath(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const dir = dirname(abs);
  return join(existsSync(dir) ? realpathSync(dir) : dir, basename(abs));
}

export interface FileClaim {
  readonly path: string;
  release(): void;
}

/** Claims `path` for this thread, or throws STRATA_STORE_FILE_IN_USE naming the thread that holds it. */
export function claimDatabaseFile(path: string): FileClaim {
  const key = canonicalDatabasePath(path);
  const a = hash(key, 0x811c9dc5);
  const b = hash(key, 0x2545f491);
  lock();
  let free = -1;
  try {
    for (let s = 0; s < SLOTS; s++) {
      const base = 1 + s * WORDS_PER_SLOT;
      if (table[base] === 0) { if (free < 0) free = s; continue; }
      if (table[base + 2] === a && table[base + 3] === b && table[base + 4] === key.length) {
        const holder = table[base + 1]!;
        throw storeError('STRATA_STORE_FILE_IN_USE',
          `DuckDB file ${key} is already open in this process by thread ${holder}; one store node owns a file (if that thread has exited, its parent calls releaseDatabaseFilesOfThread(${holder}))`,
          { path: key, threadId: holder });
      }
    }
    if (free < 0) throw storeError('STRATA_STORE_OPEN_FAILED', `cannot open ${key}: ${SLOTS} DuckDB files are already open in this process`, { path: key });
    const base = 1 + free * WORDS_PER_SLOT;
    table[base + 1] = threadId;
    table[base + 2] = a;
    table[base + 3] = b;
    table[base + 4] = key.length;
    Atomics.store(table, base, 1);
  } finally {
    unlock();
  }
  const slot = free;
  let released = false;
  return {
    path: key,
    release() {
      if (released) return;
      released = true;
      lock();
      try {
        const base = 1 + slot * WORDS_PER_SLOT;
        if (table[base + 2] === a && table[base + 3] === b && table[base + 1] === threadId) Atomics.store(table, base, 0);
      } finally {
        unlock();
      }
    },
  };
}

/**
 * Frees the claims of a thread that has exited. A terminated worker cannot run its own cleanup, but its DuckDB
 * instances are closed when its isolate is torn down, so the parent calls this from the Worker's 'exit' event.
 */
export function releaseDatabaseFilesOfThread(deadThreadId: number): number {
  let n = 0;
  lock();
  try {
    for (let s = 0; s < SLOTS; s++) {
      const base = 1 + s * WORDS_PER_SLOT;
      if (table[base] === 1 && table[base + 1] === deadThreadId) { Atomics.store(table, base, 0); n++; }
    }
  } finally {
    unlock();
  }
  return n;
}
