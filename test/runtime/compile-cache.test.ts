// Node's compile cache (runtime/compile-cache.ts): real child processes and worker threads. A thread whose
// modules are in the cache must not load Node's TypeScript stripper (it costs about 5 MiB per thread).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { enableCompileCache } from '../../runtime/compile-cache.ts';

const run = promisify(execFile);
const PROBE = join(import.meta.dirname, 'fixtures', 'compile-cache-probe.ts');
const MAIN = join(import.meta.dirname, '..', '..', 'cluster', 'cli', 'main.ts');
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function envWith(setting: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_COMPILE_CACHE: setting };
  delete env['NODE_COMPILE_CACHE'];
  delete env['NODE_DISABLE_COMPILE_CACHE'];
  return env;
}

interface Probe {
  result: { status: string; directory?: string };
  env: string | null;
  worker: { cacheDir: string | null; stripperLoaded: boolean };
}

async function probe(setting: string): Promise<Probe> {
  const { stdout } = await run(process.execPath, [PROBE], { env: envWith(setting) });
  return JSON.parse(stdout) as Probe;
}

function filesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

describe('compile cache', () => {
  it('is off with STRATA_COMPILE_CACHE=off, and then leaves the environment alone', () => {
    const env: NodeJS.ProcessEnv = { STRATA_COMPILE_CACHE: 'off' };
    expect(enableCompileCache(env)).toEqual({ status: 'off' });
    expect(env['NODE_COMPILE_CACHE']).toBeUndefined();
  });

  it('reaches worker threads, which then start without the TypeScript stripper', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cc-'));
    dirs.push(dir);
    const cold = await probe(dir);
    expect(cold.result.status).toBe('enabled');
    expect(cold.result.directory!.startsWith(dir)).toBe(true);
    expect(cold.env).toBe(cold.result.directory);
    expect(cold.worker.cacheDir?.startsWith(cold.result.directory!)).toBe(true);
    expect(filesUnder(dir)).toBeGreaterThan(0);
    const warm = await probe(dir);
    expect(warm.worker.stripperLoaded).toBe(false);
    // the same thread without the cache loads the stripper: what the assertion above tells apart
    const off = await probe('off');
    expect(off.result.status).toBe('off');
    expect(off.worker.cacheDir).toBeNull();
    expect(off.worker.stripperLoaded).toBe(true);
  });

  it('hands children the folder it was started with, made absolute, when Node had it on from the start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cc-'));
    dirs.push(dir);
    // as the npm scripts start a daemon: NODE_COMPILE_CACHE relative to the working folder
    const env: NodeJS.ProcessEnv = { ...envWith('unused'), NODE_COMPILE_CACHE: 'cache' };
    delete env['STRATA_COMPILE_CACHE'];
    const { stdout } = await run(process.execPath, [PROBE], { env, cwd: dir });
    const p = JSON.parse(stdout) as Probe;
    expect(p.result.status).toBe('enabled');
    // Node answers with its versioned subfolder; a child given that would nest another under it
    expect(p.result.directory!.startsWith(join(dir, 'cache'))).toBe(true);
    expect(p.env).toBe(join(dir, 'cache'));
  });

  it('is turned on by the strata executable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cc-'));
    dirs.push(dir);
    const { stdout } = await run(process.execPath, [MAIN, '--version'], { env: envWith(dir) });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(filesUnder(dir)).toBeGreaterThan(100);
  });
});
