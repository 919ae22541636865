// A small client of the daemon's API for the CLI (`strata nodes`, `strata console`, and `strata ingest`,
// `optimize`, `jobs` when they work on a daemon): where the daemon is (flags, STRATA_URL / STRATA_API_TOKEN,
// or the data dir's daemon.json and api-token written by `strata up`), authenticated GET/POST with coded
// errors, file uploads streamed from disk, and the event stream URL.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { StrataError } from '../../runtime/errors.ts';
import { apiError } from './errors.ts';

/** Why a request did not get through: fetch says only "fetch failed", its cause says what (refused, a certificate). */
function unreachableReason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause;
  if (!cause?.message) return err.message;
  const text = cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  // a certificate Node does not trust (self-signed, a private CA): say how to trust it
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(cause.code ?? '');
  return tls ? `${text} (to trust a private CA: NODE_EXTRA_CA_CERTS=/path/ca.pem)` : text;
}

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

/** DELETE, for as long as `timeoutMs` (a stored file's removal deletes its rows on every node). */
export async function apiDelete<T>(c: Connection, path: string, timeoutMs = 600_000): Promise<T> {
  return send<T>(c, 'DELETE', path, { timeoutMs });
}

/**
 * Uploads one file to the daemon (`POST /api/v1/consolidator/uploads`), streamed from disk, under its base
 * name; `processNow` asks the daemon to read it at once; `onProgress` hears the bytes read from disk for the
 * request so far, of the file's size. Resolves with the daemon's upload view.
 */
export async function apiUploadFile<T>(c: Connection, path: string, options: { readonly processNow?: boolean; readonly onProgress?: (sent: number, size: number) => void } = {}): Promise<T> {
  const size = (await stat(path)).size;
  const q = new URLSearchParams({ name: basename(path), ...(options.processNow ? { process: 'true' } : {}) });
  const file = createReadStream(path);
  const onProgress = options.onProgress;
  if (onProgress) {
    let sent = 0;
    file.on('data', (chunk) => { sent += chunk.length; onProgress(sent, size); });
  }
  return send<T>(c, 'POST', `/api/v1/consolidator/uploads?${q}`, {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: Readable.toWeb(file) as ReadableStream<Uint8Array>,
    // a large file takes as long as it takes to send; the daemon answers as soon as it has stored it
    timeoutMs: null,
  });
}

/** What apiGetPatiently tells its caller while the daemon does not answer. */
export interface Patience {
  /** how long the daemon may stay unreachable or not ready before the last error is thrown */
  readonly unreachableMs: number;
  /** the first failed try, with its code */
  onWaiting(code: string): void;
  /** an answer after waiting */
  onBack(): void;
}

/**
 * GET that rides out a daemon briefly unreachable or not ready (a restart): retried every second while it
 * answers STRATA_API_SERVICE_UNAVAILABLE or STRATA_API_NOT_READY, for up to `unreachableMs`; other errors at once.
 */
export async function apiGetPatiently<T>(c: Connection, path: string, patience: Patience): Promise<T> {
  let since: number | null = null;
  for (;;) {
    try {
      const v = await apiGet<T>(c, path);
      if (since !== null) patience.onBack();
      return v;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'STRATA_API_SERVICE_UNAVAILABLE' && code !== 'STRATA_API_NOT_READY') throw e;
      if (since === null) {
        since = Date.now();
        patience.onWaiting(code);
      } else if (Date.now() - since >= patience.unreachableMs) {
        throw e;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function request<T>(c: Connection, method: string, path: string, body?: unknown): Promise<T> {
  return send<T>(c, method, path, body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function send<T>(c: Connection, method: string, path: string, o: { headers?: Record<string, string>; body?: string | ReadableStream<Uint8Array>; timeoutMs?: number | null }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${c.url}${path}`, {
      method,
      headers: { ...(c.token ? { authorization: `Bearer ${c.token}` } : {}), ...(o.headers ?? {}) },
      ...(o.body !== undefined ? { body: o.body } : {}),
      ...(typeof o.body === 'object' ? { duplex: 'half' } : {}),
      ...(o.timeoutMs === null ? {} : { signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) }),
    } as RequestInit);
  } catch (e) {
    throw apiError('STRATA_API_SERVICE_UNAVAILABLE', `cannot reach the daemon at ${c.url}: ${unreachableReason(e)}`, { url: c.url });
  }
  const text = await res.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { json = null; }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; data?: Record<string, unknown> } } | null)?.error;
    // a 503 without our error body (fastify's own while the daemon closes): the service is not there now
    throw new StrataError(err?.code ?? (res.status === 503 ? 'STRATA_API_SERVICE_UNAVAILABLE' : 'STRATA_API_INTERNAL'), err?.message ?? `HTTP ${res.status} from ${path}`, err?.data ?? {});
  }
  return json as T;
}

export function eventsUrl(c: Connection, topics: readonly string[]): string {
  const ws = c.url.replace(/^http/, 'ws');
  const q = new URLSearchParams({ topics: topics.join(',') });
  if (c.token) q.set('token', c.token);
  return `${ws}/api/v1/events?${q}`;
}
