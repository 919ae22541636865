// A small client of the daemon's API for the CLI (`strata nodes`, `strata console`): where the daemon is
// (flags, STRATA_URL / STRATA_API_TOKEN, or the data dir's daemon.json and api-token written by `strata up`),
// authenticated GET/POST with coded errors, and the event stream URL.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StrataError } from '../../runtime/errors.ts';
import { apiError } from './errors.ts';

export interface Connection {
  readonly url: string;
  readonly token: string | null;
}

export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
  readonly dataDir?: string;
}

export async function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const dataDir = resolve(flags.dataDir ?? env['STRATA_DATA_DIR'] ?? './.strata');
  let fileUrl: string | null = null;
  let tokenFile: string | null = null;
  try {
    const info = JSON.parse(await readFile(join(dataDir, 'daemon.json'), 'utf8')) as { url?: string; tokenFile?: string | null };
    fileUrl = info.url ?? null;
    tokenFile = info.tokenFile ?? null;
  } catch {
    // no local daemon info
  }
  const url = (flags.url ?? env['STRATA_URL'] ?? fileUrl ?? 'http://127.0.0.1:7300').replace(/\/+$/, '');
  let token = flags.token ?? env['STRATA_API_TOKEN'] ?? null;
  if (token === null && tokenFile) token = (await readFile(tokenFile, 'utf8').catch(() => '')).trim() || null;
  return { url, token };
}

export async function apiGet<T>(c: Connection, path: string): Promise<T> {
  return request<T>(c, 'GET', path);
}

export async function apiPost<T>(c: Connection, path: string, body: unknown): Promise<T> {
  return request<T>(c, 'POST', path, body);
}

async function request<T>(c: Connection, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${c.url}${path}`, {
      method,
      headers: { ...(c.token ? { authorization: `Bearer ${c.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw apiError('STRATA_API_SERVICE_UNAVAILABLE', `cannot reach the daemon at ${c.url}: ${(e as Error).message}`, { url: c.url });
  }
  const text = await res.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { json = null; }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; data?: Record<string, unknown> } } | null)?.error;
    throw new StrataError(err?.code ?? 'STRATA_API_INTERNAL', err?.message ?? `HTTP ${res.status} from ${path}`, err?.data ?? {});
  }
  return json as T;
}

export function eventsUrl(c: Connection, topics: readonly string[]): string {
  const ws = c.url.replace(/^http/, 'ws');
  const q = new URLSearchParams({ topics: topics.join(',') });
  if (c.token) q.set('token', c.token);
  return `${ws}/api/v1/events?${q}`;
}
