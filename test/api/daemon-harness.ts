// An in-process daemon for API and console tests: real DuckDB files in a temp folder, the real API on an
// ephemeral port of 127.0.0.1, an operator and a viewer token, no demo; helpers for authenticated requests.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../cluster/config/index.ts';
import { startDaemon, type Daemon } from '../../cluster/daemon/index.ts';
import { untilValue } from '../support/poll.ts';

export const OPERATOR = 'operator-token-for-tests-0123456789';
export const VIEWER = 'viewer-token-for-tests-0123456789';

export interface Harness {
  readonly daemon: Daemon;
  readonly url: string;
  readonly dir: string;
  request(method: string, path: string, options?: { token?: string | null; body?: unknown; raw?: Uint8Array | string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

export async function startHarness(settings: Record<string, unknown> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-api-'));
  const loaded = await loadConfig({
    env: {},
    set: {
      dataDir: join(dir, 'data'), logLevel: 'silent', 'api.port': 0, 'demo.enabled': false, 'workers.threads': 1,
      'api.tokens': [{ name: 'ops', role: 'operator', secret: OPERATOR }, { name: 'watcher', role: 'viewer', secret: VIEWER }],
      'store.mode': 'single-node', 'jobs.mode': 'local', 'ingest.watchInbox': false,
      ...settings,
    },
  });
  const daemon = await startDaemon({ loaded, logger: pino({ level: 'silent' }), dropGraceMs: 5_000 });
  const url = daemon.url;
  return {
    daemon, url, dir,
    async request(method, path, o = {}) {
      const token = o.token === undefined ? OPERATOR : o.token;
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.headers ?? {}) };
      let body: string | Uint8Array | undefined;
      if (o.raw !== undefined) body = o.raw;
      else if (o.body !== undefined) { body = JSON.stringify(o.body); headers['content-type'] ??= 'application/json'; }
      const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = null;
      try { parsed = JSON.parse(text); } catch { parsed = null; }
      return { status: res.status, body: parsed, text };
    },
    async close() {
      await daemon.stop('test done');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Uploads a file with process=true; its upload id. */
export async function uploadFile(h: Harness, name: string, path: string): Promise<string> {
  const up = await h.request('POST', `/api/v1/consolidator/uploads?name=${encodeURIComponent(name)}&process=true`, { raw: new Uint8Array(await readFile(path)), headers: { 'content-type': 'application/octet-stream' } });
  if (up.status !== 202) throw new Error(`upload of ${name} answered ${up.status}: ${up.text}`);
  return up.body.id as string;
}

/** An upload's view once `want` holds for its state (polled every 50 ms). */
export async function uploadState(h: Harness, id: string, want: (state: string) => boolean, timeoutMs: number, what = `upload ${id}`): Promise<{ state: string; outcome: Record<string, unknown> | null }> {
  const r = await untilValue(() => h.request('GET', `/api/v1/consolidator/uploads/${id}`), (x) => x.status === 200 && want(x.body.state), what, timeoutMs, 50);
  return r.body;
}
