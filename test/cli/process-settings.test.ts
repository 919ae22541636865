// The daemon's process settings (cluster/cli/process-settings.ts) must be where a daemon is actually started:
// the npm scripts and the `strata` shebang; and those command lines must still run.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DAEMON_ENV, DAEMON_NODE_FLAGS, daemonCommandPrefix } from '../../cluster/cli/process-settings.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
const expected = daemonCommandPrefix();

describe('daemon process settings', () => {
  it('start the npm start and strata scripts and the strata shebang with the same flags and environment', () => {
    expect(pkg.scripts['start']).toBe(`${expected} cluster/cli/main.ts up`);
    expect(pkg.scripts['strata']).toBe(`${expected} cluster/cli/main.ts`);
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
});
