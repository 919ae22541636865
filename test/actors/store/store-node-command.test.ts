// `strata store-node`: --check prints a file's health; forked with an IPC channel it hosts the node and serves
// node-proxy requests until it is killed; without a channel it is a usage error.
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from '../../../cluster/cli/commands/store-node.ts';
import { runCli } from '../../support/cli.ts';
import { tempDir } from './cluster-harness.ts';

const dir = tempDir('strata-store-node-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli([register], args);

describe('strata store-node', () => {
  it('--check opens the file and prints its health', async () => {
    const r = await cli('store-node', '--path', join(dir, 'check.duckdb'), '--check');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kind: 'duckdb', rowCounts: { strategies: 0, trades: 0, daily_pnl: 0, kv: 0 } });
  });

  it('serves only when asked with --ipc, and a missing --path is a usage error', async () => {
    expect((await cli('store-node', '--path', join(dir, 'x.duckdb'))).code).toBe(2);
    expect((await cli('store-node')).code).toBe(2);
  });

  it('serves node-proxy requests over IPC until killed with SIGKILL', async () => {
    const child = fork(new URL('./fixtures/store-node-cli.ts', import.meta.url), ['store-node', '--ipc', '--path', join(dir, 'served.duckdb')], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    const messages: unknown[] = [];
    const next = (): Promise<unknown> => new Promise((resolve) => {
      if (messages.length) { resolve(messages.shift()); return; }
      child.once('message', () => resolve(messages.shift()));
    });
    child.on('message', (m) => messages.push(m));
    expect(await next()).toMatchObject({ hello: true, ok: true, kind: 'duckdb', pid: child.pid });
    child.send({ id: 1, op: 'query', args: ['SELECT 41 + 1 AS answer'] });
    const reply = await next() as { id: number; ok: boolean; value: { rowCount: number; columns: { name: string; values: ArrayLike<number> }[] } };
    expect(reply).toMatchObject({ id: 1, ok: true });
    expect(Array.from(reply.value.columns[0]!.values)).toEqual([42]);
    child.send({ id: 2, op: 'query', args: ['SELEC nonsense'] });
    expect(await next()).toMatchObject({ id: 2, ok: false, error: { code: 'STRATA_STORE_QUERY_FAILED', retryable: false } });
    const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  });
});
