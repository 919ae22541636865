// A lock file holding its owner's pid, for files and folders one process at a time may own (a job journal, a
// daemon's data folder). Taken with an exclusive create; a lock whose owner is gone (kill -9 leaves it behind)
// is taken over. The owner is checked with signal 0, so a recycled pid can hold a dead owner's lock until that
// process ends: the caller's error names the pid, so an operator can tell.
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export type PidLockResult =
  | { readonly taken: true }
  /** `owner`: the live process that holds it, or null when it kept changing hands while we tried */
  | { readonly taken: false; readonly owner: number | null };

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `lockPath` for this process. An error creating the file (other than it existing) is thrown as it is. */
export function takePidLock(lockPath: string): PidLockResult {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      try {
        writeSync(fd, String(process.pid));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return { taken: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = Number.NaN;
      try { owner = Number(readFileSync(lockPath, 'utf8').trim()); } catch { /* removed meanwhile: try again */ }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) return { taken: false, owner };
      // the owner died, or is this process from an earlier, unclosed open
      try { unlinkSync(lockPath); } catch { /* someone else took it over first */ }
    }
  }
  return { taken: false, owner: null };
}

/** Removes the lock if this process holds it. */
export function releasePidLock(lockPath: string): void {
  try {
    if (Number(readFileSync(lockPath, 'utf8').trim()) === process.pid) unlinkSync(lockPath);
  } catch {
    // already gone
  }
}
