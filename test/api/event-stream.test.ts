// The WebSocket event stream over real sockets: token refusal at the upgrade, filters by topic and type
// prefix, re-subscription, bad client frames, real actor events, and a slow consumer dropped with
// STRATA_API_SLOW_CONSUMER instead of letting the daemon's memory grow.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_SLOW_CONSUMER } from '../../cluster/api/index.ts';
import { OPERATOR, VIEWER, startHarness, type Harness } from './daemon-harness.ts';

let h: Harness;

interface Client { ws: WebSocket; frames: any[]; closed: Promise<{ code: number; reason: string }> }

function open(query: string): Promise<Client> {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/events?${query}`);
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('unexpected-response', (req, res) => { req.destroy(); reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })); });
    ws.on('error', () => {});
  });
}

const until = async (ok: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

beforeAll(async () => { h = await startHarness({ 'api.ws.maxBufferedBytes': 256 * 1024 }); });
afterAll(async () => { await h?.close(); });

describe('the event stream', () => {
  it('refuses an upgrade without a valid token with HTTP 401, and an unknown topic with 400', async () => {
    await expect(open('topics=admin')).rejects.toMatchObject({ status: 401 });
    await expect(open('topics=admin&token=wrong-token-0000000000')).rejects.toMatchObject({ status: 401 });
    await expect(open(`topics=gossip&token=${OPERATOR}`)).rejects.toMatchObject({ status: 400 });
  });

  it('answers an upgrade to an unknown path with 404 and closes its socket', async () => {
    for (const token of [OPERATOR, null]) {
      const { port } = new URL(h.url);
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (d) => { text += String(d); });
      const ended = new Promise<void>((r) => socket.on('close', () => r()));
      socket.write([`GET /api/v1/no-such-stream${token ? `?token=${token}` : ''} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: Upgrade', 'Upgrade: websocket',
        'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', ''].join('\r\n'));
      await ended; // the server ends the socket: the test would time out if it stayed open
      expect(text).toMatch(token ? /^HTTP\/1\.1 404/ : /^HTTP\/1\.1 401/);
    }
  });

  it('greets with the role and filter, and delivers only matching topics and type prefixes', async () => {
    const c = await open(`topics=admin,optimizer&types=test.keep,job.&token=${VIEWER}`);
    await until(() => c.frames.length > 0, 'hello');
    expect(c.frames[0]).toEqual({ type: 'hello', role: 'viewer', filter: { topics: ['admin', 'optimizer'], types: ['test.keep', 'job.'] } });
    h.daemon.hub.publish('admin', 'test.skip', { n: 1 });
    h.daemon.hub.publish('consolidator', 'test.keep', { n: 2 });
    h.daemon.hub.publish('admin', 'test.keep.this', { n: 3 });
    await until(() => c.frames.length >= 2, 'one event');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames.slice(1).map((f) => f.data.n)).toEqual([3]);
    expect(c.frames[1]).toMatchObject({ topic: 'admin', type: 'test.keep.this' });
    c.ws.send(JSON.stringify({ type: 'subscribe', topics: ['consolidator'] }));
    await until(() => c.frames.some((f) => f.type === 'subscribed'), 'subscribed');
    h.daemon.hub.publish('consolidator', 'anything', { n: 4 });
    await until(() => c.frames.some((f) => f.data?.n === 4), 'consolidator event');
    c.ws.send('not json');
    await until(() => c.frames.some((f) => f.type === 'error'), 'error frame');
    expect(c.frames.find((f) => f.type === 'error').error.code).toBe('STRATA_API_INVALID_MESSAGE');
    c.ws.close();
  });

  it('streams real actor lifecycle events from the inspection stream', async () => {
    const c = await open(`topics=admin&types=actor.&token=${OPERATOR}`);
    const ref = h.daemon.system.spawn(() => ({ receive() {} }), { name: 'probe' });
    await until(() => c.frames.some((f) => f.type === 'actor.started' && f.data.path === '/user/probe'), 'actor.started');
    h.daemon.system.stop(ref);
    await until(() => c.frames.some((f) => f.type === 'actor.stopped' && f.data.path === '/user/probe'), 'actor.stopped');
    c.ws.close();
  });

  it('drops a client that does not read with close 4008 STRATA_API_SLOW_CONSUMER, and keeps serving the others', async () => {
    const slow = await open(`topics=admin&types=test.flood&token=${OPERATOR}`);
    const fast = await open(`topics=admin&types=test.flood&token=${OPERATOR}`);
    let fastCount = 0;
    fast.ws.on('message', () => { fastCount++; });
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const pad = 'x'.repeat(32 * 1024);
    let sent = 0;
    const dropped = () => h.daemon.hub.recentErrors().some((e) => e.code === 'STRATA_API_SLOW_CONSUMER');
    while (!dropped() && sent < 4_000) {
      h.daemon.hub.publish('admin', 'test.flood', { i: sent++, pad });
      if (sent % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(dropped()).toBe(true);
    expect(h.daemon.hub.recentErrors().find((e) => e.code === 'STRATA_API_SLOW_CONSUMER')!.message).toMatch(/bytes unsent \(limit 262144\)/);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(CLOSE_SLOW_CONSUMER);
    expect(closed.reason).toMatch(/^STRATA_API_SLOW_CONSUMER: \d+ bytes unsent, limit 262144/);
    await until(() => fastCount >= sent, 'the fast client got every event', 20_000);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    const metrics = await h.request('GET', '/metrics');
    expect(metrics.text).toMatch(/strata_ws_dropped_total\{reason="slow-consumer"\} 1/);
    expect(metrics.text).toMatch(/^strata_ingest_waiting_files 0$/m);
    fast.ws.close();
  });
});
