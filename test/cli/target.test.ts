// Where `strata ingest`, `optimize` and `jobs` work: a store folder named with --store, a daemon named with
// flags or STRATA_URL, and with neither the daemon recorded in a data dir's daemon.json when it answers /healthz
// (a real HTTP server on 127.0.0.1), else the default store folder with a note when a recorded one is silent.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STORE_DIR, TargetUsageError, resolveTarget, targetNote } from '../../cluster/cli/commands/target.ts';
import { cliHint } from '../../cluster/cli/commands/up.ts';

let dir: string;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-target-'));
  server = createServer((req, res) => {
    if (req.url === '/healthz') { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); return; }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

async function dataDir(name: string, info: Record<string, unknown> | null, token?: string): Promise<string> {
  const d = join(dir, name);
  await rm(d, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
  if (token !== undefined) await writeFile(join(d, 'api-token'), `${token}\n`);
  if (info) await writeFile(join(d, 'daemon.json'), JSON.stringify({ ...info, tokenFile: token !== undefined ? join(d, 'api-token') : null }));
  return d;
}

describe('resolveTarget', () => {
  it('--store names a store folder, and refuses daemon flags beside it', async () => {
    expect(await resolveTarget({ store: 'x' }, {})).toEqual({ kind: 'store', dir: 'x', note: null });
    await expect(resolveTarget({ store: 'x', url: url }, {})).rejects.toBeInstanceOf(TargetUsageError);
    await expect(resolveTarget({ store: 'x', dataDir: dir }, {})).rejects.toThrow(/one or the other/);
  });

  it('daemon flags and STRATA_URL name a daemon without asking whether it answers', async () => {
    const t = await resolveTarget({ url: 'http://127.0.0.1:9', token: 'tok' }, {});
    expect(t).toMatchObject({ kind: 'daemon', how: 'flags', conn: { url: 'http://127.0.0.1:9', token: 'tok' } });
    expect(targetNote(t)).toBeNull();
    const e = await resolveTarget({}, { STRATA_URL: 'http://127.0.0.1:9/', STRATA_API_TOKEN: 'abc' });
    expect(e).toMatchObject({ kind: 'daemon', how: 'env', conn: { url: 'http://127.0.0.1:9', token: 'abc' } });
  });

  it('with nothing named: the recorded daemon when it answers, with its token file', async () => {
    const d = await dataDir('live', { url }, 'secret-token-from-file');
    const t = await resolveTarget({}, { STRATA_DATA_DIR: d });
    expect(t).toMatchObject({ kind: 'daemon', how: 'data-dir', conn: { url, token: 'secret-token-from-file' } });
    expect(targetNote(t)).toContain(`daemon at ${url}`);
  });

  it('with nothing named: the default store folder when no daemon is recorded, or a recorded one is silent', async () => {
    const none = await dataDir('none', null);
    expect(await resolveTarget({}, { STRATA_DATA_DIR: none })).toEqual({ kind: 'store', dir: DEFAULT_STORE_DIR, note: null });
    const stale = await dataDir('stale', { url: 'http://127.0.0.1:9' });
    const t = await resolveTarget({}, { STRATA_DATA_DIR: stale });
    expect(t.kind).toBe('store');
    expect(t.kind === 'store' ? t.dir : null).toBe(DEFAULT_STORE_DIR);
    expect(targetNote(t)).toMatch(/no daemon answers at http:\/\/127\.0\.0\.1:9 .*working on the store folder .*strata-data/);
  });

  it('something at the recorded URL that is not a daemon does not count as one', async () => {
    const other = createServer((_req, res) => { res.end('hello'); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const d = await dataDir('other', { url: `http://127.0.0.1:${(other.address() as { port: number }).port}` });
      expect((await resolveTarget({}, { STRATA_DATA_DIR: d })).kind).toBe('store');
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });
});

describe('strata up\'s hint for another terminal', () => {
  it('names no data dir for ./.strata, a relative one below the folder, an absolute one elsewhere (quoted with spaces)', () => {
    expect(cliHint('/home/q/proj/.strata', '/home/q/proj')).toBe('From another terminal here: npm run strata -- console | ingest FILES… | optimize --k 5 | jobs list\n');
    expect(cliHint('/home/q/proj/data/d1', '/home/q/proj')).toContain('console --data-dir data/d1 | ingest --data-dir data/d1 FILES…');
    expect(cliHint('/srv/strata', '/home/q/proj')).toContain('jobs list --data-dir /srv/strata\n');
    expect(cliHint('/srv/my data', '/home/q/proj')).toContain('--data-dir "/srv/my data"');
  });
});
