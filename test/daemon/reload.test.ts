// Hot reload in a running daemon: a rewritten config file rotates API tokens and changes the event stream's
// buffer limit in place, while a changed port waits for the next start (STRATA_CONFIG_NOT_RELOADABLE).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type LoadOptions } from '../../cluster/config/index.ts';
import { startDaemon, type Daemon } from '../../cluster/daemon/index.ts';

let dir: string;
let daemon: Daemon;
const lines: string[] = [];
const yaml = (token: string, port: number, buffered: number) => `dataDir: ${join(dir, 'data')}
api:
  port: ${port}
  tokens: [{ name: ops, role: operator, secret: ${token} }]
  ws: { maxBufferedBytes: ${buffered} }
store: { mode: single-node }
jobs: { mode: local }
demo: { enabled: false }
ingest: { watchInbox: false }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-reload-'));
  await writeFile(join(dir, 'strata.yaml'), yaml('first-token-0000000000000', 0, 65536));
  const load: LoadOptions = { file: join(dir, 'strata.yaml'), env: {} };
  const logger = pino({ level: 'info' }, new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } }));
  daemon = await startDaemon({ loaded: await loadConfig(load), reload: load, logger });
});
afterAll(async () => {
  await daemon?.stop('test done');
  await rm(dir, { recursive: true, force: true });
});

const status = (token: string) => fetch(`${daemon.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

describe('hot reload', () => {
  it('rotates tokens and applies limits in place, and names the keys that need a restart', async () => {
    expect(await status('first-token-0000000000000')).toBe(200);
    await writeFile(join(dir, 'strata.yaml'), yaml('second-token-000000000000', 7999, 131072));
    for (let i = 0; i < 300 && (await status('second-token-000000000000')) !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await status('second-token-000000000000')).toBe(200);
    expect(await status('first-token-0000000000000')).toBe(401);
    expect(daemon.config().api.ws.maxBufferedBytes).toBe(131072);
    expect(daemon.config().api.port).toBe(0);
    const warning = lines.map((l) => JSON.parse(l) as { code?: string; msg: string }).find((l) => l.code === 'STRATA_CONFIG_NOT_RELOADABLE');
    expect(warning?.msg).toBe('config keys changed that take effect only after a restart: api.port');
    expect(lines.join('')).not.toContain('second-token-000000000000');
  });
});
