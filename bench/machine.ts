// The facts that make a figure comparable: which machine (CPU model, cores, memory, Node version) and which
// commit produced it. Read once per run and stamped on every JSON line (../shared/BENCH.md).
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface MachineFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly memGiB: number;
  readonly node: string;
}

export function machineFacts(): MachineFacts {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() || 'unknown',
    cores: list.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** The short commit of the checkout at `cwd` ('unknown' outside a git checkout); read-only git calls only. */
export function gitCommit(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Whether the checkout has uncommitted changes: figures then belong to the commit plus those changes. */
export function gitDirty(cwd: string): boolean {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    return false;
  }
}
