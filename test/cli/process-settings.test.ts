// The daemon's process settings (cluster/cli/process-settings.ts) must be where a daemon is actually started:
// the npm scripts and the `strata` shebang; and those command lines must still run.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DAEMON_ENV, DAEMON_NODE_FLAGS, SCRIPT_ENV, daemonCommandPrefix, npmScriptPrefix } from '../../cluster/cli/process-settings.ts';
import { DEFAULT_COMPILE_CACHE_DIR } from '../../runtime/compile-cache.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
const expected = daemonCommandPrefix();
const scripted = npmScriptPrefix();
const probe = 'test/cli/fixtures/stripper-probe.ts';

describe('daemon process settings', () => {
  it('start the npm start and strata scripts and the strata shebang with the same flags and environment', () => {
    expect(pkg.scripts['start']).toBe(`${scripted} cluster/cli/main.ts up`);
    expect(pkg.scripts['strata']).toBe(`${scripted} cluster/cli/main.ts`);
    expect(readFileSync(new URL('cluster/cli/main.ts', root), 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S ${expected}`);
  });

  it('reach the process that the script starts', async () => {
    // the script's own command line, with the CLI replaced by a probe of what the process got
    const line = pkg.scripts['strata']!.replace('cluster/cli/main.ts', `-e "console.log(JSON.stringify({ env: process.env.MALLOC_ARENA_MAX, execArgv: process.execArgv}))"`);
    const { stdout } = await run('sh', ['-c', line], { cwd: root, env: { ...process.env, PATH: `${new URL('node_modules/.bin', root).pathname}:${process.env['PATH']}` } });
    const got = JSON.parse(stdout) as { env: string; execArgv: string[] };
    expect(got.env).toBe(DAEMON_ENV['MALLOC_ARENA_MAX']);
    expect(got.execArgv).toEqual(expect.arrayContaining([...DAEMON_NODE_FLAGS]));
  });

  it('start the script\'s process with the project\'s compile cache on, so a warm start never loads the type stripper', async () => {
    // the scripts' relative folder is the one the CLI uses when it turns the cache on itself
    expect(new URL(SCRIPT_ENV['NODE_COMPILE_CACHE']!, root).pathname.replace(/\/$/, '')).toBe(DEFAULT_COMPILE_CACHE_DIR);
    const line = pkg.scripts['strata']!.replace('cluster/cli/main.ts', probe);
    const opts = { cwd: root, env: { ...process.env, NODE_COMPILE_CACHE: undefined, PATH: `${new URL('node_modules/.bin', root).pathname}:${process.env['PATH']}` } };
    await run('sh', ['-c', line], opts); // the first run fills the cache with the probe
    const { stdout } = await run('sh', ['-c', line], opts);
    expect(JSON.parse(stdout)).toEqual({ stripper: [] });
    // the same probe started without the cache loads it (what the assertion above would miss)
    const cold = await run('sh', ['-c', line.replace(/^NODE_COMPILE_CACHE=\S+ /, '')], opts);
    expect((JSON.parse(cold.stdout) as { stripper: string[] }).stripper.length).toBeGreaterThan(0);
  });
});
