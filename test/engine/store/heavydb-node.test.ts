// HeavyDB-specific behaviour over real sockets on 127.0.0.1: our own timeouts around every call (a dead port,
// a server that accepts and never answers, a call that stalls mid-session), coded transport and protocol
// errors, login failures, session renewal, the reply size cap, and URL parsing.
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeavyDbNode, parseHeavyDbUrl, resultRows } from '../../../engine/store/index.ts';
import { startHeavyDbStandIn } from '../../support/heavydb-server/heavydb-stand-in.ts';
import type { HeavyDbStandIn } from '../../support/heavydb-server/heavydb-stand-in.ts';

async function listen<S extends NetServer | HttpServer>(server: S): Promise<{ server: S; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function closedPort(): Promise<number> {
  const { server, port } = await listen(createNetServer());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('HeavyDB store node', () => {
  let standIn: HeavyDbStandIn;
  const sockets = new Set<Socket>();
  let silent: NetServer;
  let silentPort: number;

  beforeAll(async () => {
    standIn = await startHeavyDbStandIn();
    // Accepts connections, reads the request, never writes a byte back.
    ({ server: silent, port: silentPort } = await listen(createNetServer((s) => { sockets.add(s); s.on('data', () => undefined); })));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await standIn.close();
  });

  it('reports a port with nothing listening as unreachable instead of hanging', async () => {
    const port = await closedPort();
    await expect(openHeavyDbNode({ url: `heavydb://admin:pw@127.0.0.1:${port}/heavyai`, connectTimeoutMs: 5_000 }))
      .rejects.toMatchObject({ code: 'STRATA_STORE_UNREACHABLE', retryable: true });
  });

  it('times out a connect to a server that accepts and never answers', async () => {
    await expect(openHeavyDbNode({ url: `heavydb://admin:pw@127.0.0.1:${silentPort}/heavyai`, connectTimeoutMs: 150 }))
      .rejects.toMatchObject({ code: 'STRATA_STORE_TIMEOUT', retryable: true, data: { operation: 'connect', timeoutMs: 150 } });
  });

  it('times out a call that stalls mid-session and serves the next one', async () => {
    const node = await openHeavyDbNode({ url: standIn.url });
    standIn.stall('sql_execute');
    try {
      await expect(node.query('SELECT 1 AS one', [], { timeoutMs: 150 })).rejects.toMatchObject({ code: 'STRATA_STORE_TIMEOUT', data: { operation: 'sql_execute' } });
      await expect(node.health({ timeoutMs: 150 })).rejects.toMatchObject({ code: 'STRATA_STORE_TIMEOUT' });
    } finally {
      standIn.stall(null);
    }
    expect(resultRows(await node.query('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
    await node.close();
  });

  it('turns a reply that is not Thrift, or an HTTP error, into a protocol error', async () => {
    const { server, port } = await listen(createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.headers['content-length'] === '0') { res.writeHead(500).end(); return; }
        res.writeHead(req.url === '/' ? 200 : 500, { 'Content-Type': 'application/vnd.apache.thrift.binary' }).end(Buffer.from('not thrift at all'));
      });
    }));
    try {
      await expect(openHeavyDbNode({ url: `heavydb://admin:pw@127.0.0.1:${port}/heavyai`, connectTimeoutMs: 2_000 }))
        .rejects.toMatchObject({ code: 'STRATA_STORE_PROTOCOL_ERROR' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const { server: failing, port: failingPort } = await listen(createHttpServer((req, res) => { req.resume(); res.writeHead(503).end(); }));
    try {
      await expect(openHeavyDbNode({ url: `heavydb://admin:pw@127.0.0.1:${failingPort}/heavyai`, connectTimeoutMs: 2_000 }))
        .rejects.toMatchObject({ code: 'STRATA_STORE_PROTOCOL_ERROR', data: { status: 503 } });
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });

  it('reports a refused login without retrying', async () => {
    const url = standIn.url.replace(':HyperInteractive@', ':wrong@');
    await expect(openHeavyDbNode({ url })).rejects.toMatchObject({ code: 'STRATA_STORE_AUTH_FAILED', retryable: false });
    const refused = await openHeavyDbNode({ url }).then(() => null, (e: Error) => e);
    expect(refused?.message).not.toContain('wrong');
  });

  it('renews an expired session once and repeats the call', async () => {
    const node = await openHeavyDbNode({ url: standIn.url });
    const before = standIn.calls.get('connect') ?? 0;
    standIn.invalidateSessions();
    expect(resultRows(await node.query('SELECT ? AS x', ['still here']))).toEqual([{ x: 'still here' }]);
    expect(standIn.calls.get('connect')).toBe(before + 1);
    await node.close();
  });

  it('refuses a reply larger than the configured cap', async () => {
    const node = await openHeavyDbNode({ url: standIn.url, maxResponseBytes: 4_096 });
    await expect(node.query('SELECT range AS n, CAST(range AS TEXT) AS t FROM range(5000)')).rejects.toMatchObject({ code: 'STRATA_STORE_RESPONSE_TOO_LARGE' });
    expect(resultRows(await node.query('SELECT 2 AS two'))).toEqual([{ two: 2 }]);
    await node.close();
  });

  it('reuses connections when keepAlive is on', async () => {
    const node = await openHeavyDbNode({ url: standIn.url, keepAlive: true });
    await node.ensureSchema();
    for (let i = 0; i < 5; i++) expect(resultRows(await node.query('SELECT ? AS i', [i]))).toEqual([{ i }]);
    await node.close();
  });

  it('loads a batch in several load_table_binary_columnar calls when it exceeds loadRows', async () => {
    const node = await openHeavyDbNode({ url: standIn.url, loadRows: 3 });
    await node.ensureSchema();
    const before = standIn.calls.get('load_table_binary_columnar') ?? 0;
    await node.append('kv', { rowCount: 7, columns: { ns: new Array<string>(7).fill('load'), entry_key: ['1', '2', '3', '4', '5', '6', '7'], entry_value: new Array<string>(7).fill('v'), updated_at: [1, 2, 3, 4, 5, 6, 2 ** 53 - 1] } });
    expect((standIn.calls.get('load_table_binary_columnar') ?? 0) - before).toBe(3);
    expect(resultRows(await node.query('SELECT MAX(updated_at) AS m, COUNT(*) AS n FROM kv WHERE ns = ?', ['load']))).toEqual([{ m: 2 ** 53 - 1, n: 7 }]);
    await node.close();
  });

  it('parses HeavyDB URLs and keeps the password out of the label', () => {
    const t = parseHeavyDbUrl('heavydb://ad%40min:p%3Ass%2Fw@db.example:6278/heavyai');
    expect(t).toEqual({ https: false, host: 'db.example', port: 6278, user: 'ad@min', password: 'p:ss/w', database: 'heavyai', label: 'heavydb://ad%40min@db.example:6278/heavyai' });
    expect(parseHeavyDbUrl('heavydbs://u:p@[::1]/db')).toMatchObject({ https: true, host: '::1', port: 443 });
    expect(parseHeavyDbUrl('http://u:p@h/db').port).toBe(6278);
    for (const bad of ['not a url', 'postgres://u:p@h/db', 'heavydb://h:1/db', 'heavydb://u:p@h:1/']) {
      expect(() => parseHeavyDbUrl(bad)).toThrow(expect.objectContaining({ code: 'STRATA_STORE_INVALID_URL' }));
    }
    let message = '';
    try { parseHeavyDbUrl('ftp://u:secret@h/db'); } catch (e) { message = (e as Error).message; }
    expect(message).not.toContain('secret');
  });
});
