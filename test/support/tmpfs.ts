// A small tmpfs of the test's own, for real "disk full" conditions (ENOSPC from the kernel, not a mock): mounted on
// a fresh temp folder, filled to a given number of free bytes by a filler file, emptied again, unmounted. Needs
// root (mount); `tmpfsAvailable()` says why not otherwise, and STRATA_REQUIRE_TMPFS=1 (CI, where it can) turns
// a skip into a failure.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  readonly dir: string;
  /** bytes free now */
  free(): number;
  /** writes a filler file until at most `leaveBytes` are free */
  fill(leaveBytes: number): void;
  /** deletes the filler */
  unfill(): void;
  unmount(): void;
}

/** true, or why a tmpfs cannot be mounted here */
export function tmpfsAvailable(): true | string {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (mounting a tmpfs needs it)';
  let probe: Tmpfs | null = null;
  try {
    probe = mountTmpfs(1);
    return true;
  } catch (e) {
    return `mount -t tmpfs failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    probe?.unmount();
  }
}

/** Skips (with the reason printed) or, under STRATA_REQUIRE_TMPFS=1, fails when no tmpfs can be mounted. */
export function requireTmpfsOrSkip(what: string): boolean {
  const availability = tmpfsAvailable();
  if (availability === true) return true;
  if (process.env['STRATA_REQUIRE_TMPFS'] === '1') throw new Error(`STRATA_REQUIRE_TMPFS=1 but ${what} cannot run: ${availability}`);
  console.warn(`skipping ${what}: ${availability}`);
  return false;
}

export function mountTmpfs(sizeMiB: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'strata-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const filler = join(dir, 'filler');
  const free = (): number => { const s = statfsSync(dir); return Number(s.bavail) * Number(s.bsize); };
  return {
    dir,
    free,
    fill(leaveBytes) {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(64 * 1024);
      try {
        for (let left = free() - leaveBytes; left > 0; left = free() - leaveBytes) {
          try { writeSync(fd, block, 0, Math.min(block.length, left)); } catch { break; }
        }
      } finally {
        closeSync(fd);
      }
    },
    unfill() {
      rmSync(filler, { force: true });
    },
    unmount() {
      try { execFileSync('umount', [dir], { stdio: 'pipe' }); } catch { execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
