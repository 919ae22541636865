// The cluster transport between two members in this process over real sockets on 127.0.0.1: authenticated
// lanes, batched envelopes, control messages, refusals of bad handshakes and bytes, rate limiting,
// reconnection, frame limits and TLS.
import { describe, it, expect, afterEach } from 'vitest';
import { connect } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { decodeBatch } from '../../runtime/codec.ts';
import { ENVELOPE_VERSION, forEachEnvelope, type Envelope } from '../../runtime/envelope.ts';
import type { Message } from '../../runtime/message.ts';
import { Transport, CLOSE, PROTOCOL_VERSION, type ControlMessage, type TransportOptions } from '../../cluster/transport/index.ts';
import { encodeHandshake } from '../../cluster/transport/handshake.ts';
import { eventually, logSink, SECRET } from './support.ts';

const open: Transport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

interface Received {
  bulk: { from: string; t: string; m: Message }[];
  frames: number;
  control: { from: string; m: ControlMessage }[];
  undeliverable: { target: string; code: string }[];
}

async function member(options: Partial<TransportOptions> = {}): Promise<{ t: Transport; got: Received }> {
  const t = new Transport({ cluster: 'c1', secret: SECRET, handshakeTimeoutMs: 1_000, reconnectBackoff: { minMs: 20, maxMs: 200, factor: 2, jitter: 0.2 }, ...options });
  const got: Received = { bulk: [], frames: 0, control: [], undeliverable: [] };
  await t.listen({
    bulk: (from, bytes) => {
      got.frames++;
      forEachEnvelope(decodeBatch(bytes, () => null as never, []), {
        envelope: (path, _i, m) => void got.bulk.push({ from, t: path, m }),
        refused: () => {},
      });
    },
    control: (from, m) => void got.control.push({ from, m }),
    undeliverable: (target, _e, error) => void got.undeliverable.push({ target, code: error.code }),
  });
  open.push(t);
  return { t, got };
}

let nextId = 1;
function env(t: string, m: Message): Envelope {
  return { v: ENVELOPE_VERSION, t, y: m.type, i: nextId++, m };
}

describe('cluster transport', () => {
  it('listens on 127.0.0.1 and names itself host:port#incarnation', async () => {
    const { t } = await member({ incarnation: 42 });
    expect(t.id).toBe(`127.0.0.1:${t.port}#42`);
  });

  it('delivers envelopes in order, many per frame, and control messages from the authenticated sender', async () => {
    const a = await member();
    const b = await member();
    for (let i = 0; i < 5_000; i++) expect(a.t.send(b.t.id, env('/user/sink', { type: 'n', i } as Message))).toBe('enqueued');
    a.t.sendControl(b.t.id, { op: 'hello', n: 1 });
    await eventually(() => b.got.bulk.length === 5_000 && b.got.control.length === 1, 'all envelopes and the control message');
    expect(b.got.bulk.map((x) => (x.m as unknown as { i: number }).i)).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    expect(new Set(b.got.bulk.map((x) => x.from))).toEqual(new Set([a.t.id]));
    expect(b.got.control[0]).toEqual({ from: a.t.id, m: { op: 'hello', n: 1 } });
    // batched per tick: a few frames, not one per message
    expect(b.got.frames).toBeLessThan(10);
    expect(a.t.stats().sentEnvelopes).toBe(5_000);
  });

  it('keeps each message\'s target, id and extras when the queue groups them and frames split the groups', async () => {
    const a = await member({ maxEnvelopesPerFrame: 3 });
    const seen: { t: string; i: number; n: number; s?: string; c?: string }[] = [];
    const b = new Transport({ cluster: 'c1', secret: SECRET, handshakeTimeoutMs: 1_000 });
    open.push(b);
    await b.listen({
      bulk: (_from, bytes) => forEachEnvelope(decodeBatch(bytes, () => null as never, []), {
        envelope: (t, i, m, extras) => void seen.push({ t, i, n: (m as unknown as { n: number }).n, ...(extras?.s ? { s: extras.s } : {}), ...(extras?.c ? { c: extras.c } : {}) }),
        refused: () => {},
      }),
      control: () => {},
    });
    // runs for one path with consecutive ids (one group each), a gap in the ids, another path, and envelopes with
    // extras (a group of their own each): 17 messages, frames of at most 3
    const sent: Envelope[] = [];
    const push = (t: string, i: number, n: number, extras: { s?: string; c?: string } = {}): void => void sent.push({ ...extras, v: ENVELOPE_VERSION, t, y: 'n', i, m: { type: 'n', n } as unknown as Message });
    for (let n = 0; n < 5; n++) push('/user/a', 100 + n, n);
    push('/user/a', 200, 5);
    push('/user/a', 201, 6);
    for (let n = 7; n < 11; n++) push('/user/b', 300 + n, n);
    push('/user/b', 311, 11, { s: '/user/asker', c: 'c1' });
    push('/user/b', 312, 12, { s: '/user/asker', c: 'c2' });
    for (let n = 13; n < 17; n++) push('/user/a', 400 + n, n);
    for (const e of sent) expect(a.t.send(b.id, e)).toBe('enqueued');
    await eventually(() => seen.length === sent.length, 'every message');
    expect(seen).toEqual(sent.map((e) => ({ t: e.t, i: e.i, n: (e.m as unknown as { n: number }).n, ...(e.s ? { s: e.s } : {}), ...(e.c ? { c: e.c } : {}) })));
    expect(a.t.stats()).toMatchObject({ sentEnvelopes: sent.length });
    expect(a.t.stats().sentFrames).toBeGreaterThanOrEqual(Math.ceil(sent.length / 3));
  });

  it('refuses a member with the wrong secret, logs one clear line and never the secret', async () => {
    const sink = logSink();
    const b = await member({ logger: sink.logger });
    const bad = await member({ secret: 'another-secret-entirely-xyz' });
    bad.t.sendControl(b.t.id, { op: 'hello' });
    bad.t.send(b.t.id, env('/user/x', { type: 'n' }));
    await eventually(() => b.t.stats().refused['STRATA_CLUSTER_AUTH_FAILED'], 'the refusal');
    expect(sink.messages().some((m) => m.includes('failed the challenge (wrong cluster secret)') && m.includes(bad.t.id))).toBe(true);
    expect(sink.lines.join('\n')).not.toContain(SECRET);
    expect(sink.lines.join('\n')).not.toContain('another-secret');
    expect(b.got.control).toEqual([]);
    expect(b.got.bulk).toEqual([]);
  });

  it('refuses a member of another cluster, naming both clusters, on both sides', async () => {
    const serverLog = logSink();
    const clientLog = logSink();
    const b = await member({ logger: serverLog.logger });
    const other = await member({ cluster: 'c2', logger: clientLog.logger });
    other.t.sendControl(b.t.id, { op: 'hello' });
    await eventually(() => clientLog.messages().some((m) => m.includes('belongs to cluster "c1", this member to "c2"')), 'the client-side refusal');
    expect(b.got.control).toEqual([]);
  });

  it('refuses an unknown protocol version with a clear line', async () => {
    const sink = logSink();
    const b = await member({ logger: sink.logger });
    const ws = new WebSocket(`ws://127.0.0.1:${b.t.port}/strata/cluster`);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.once('message', () => ws.send(encodeHandshake({ k: 'auth', proto: 99, cluster: 'c1', from: '127.0.0.1:1#1', lane: 'control', nonce: new Uint8Array(32), mac: new Uint8Array(32) })));
    expect(await closed).toBe(CLOSE.protocolVersion);
    expect(sink.messages().some((m) => m.includes(`speaks cluster protocol 99, this member speaks ${PROTOCOL_VERSION}`))).toBe(true);
  });

  it('survives garbage: raw TCP bytes, a text frame, a msgpack frame of the wrong shape, an oversized frame', async () => {
    const sink = logSink();
    const b = await member({ logger: sink.logger, maxFrameBytes: 64 * 1024, failureLimits: { maxFailures: 100, windowMs: 10_000, blockMs: 10_000 } });
    await new Promise<void>((resolve) => {
      const s = connect(b.t.port, '127.0.0.1', () => s.end(Buffer.from('\x00\x01garbage\r\n\r\n\xff\xfe')));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const codes: number[] = [];
    for (const payload of ['hello', new Uint8Array([0xc1, 0xc1, 0xc1]), encodeHandshake({ k: 'welcome', id: 'x', mac: new Uint8Array(1) }), new Uint8Array(200 * 1024)]) {
      const ws = new WebSocket(`ws://127.0.0.1:${b.t.port}/strata/cluster`);
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
      ws.on('error', () => {});
      ws.once('message', () => ws.send(payload));
      codes.push(await closed);
    }
    expect(codes).toEqual([CLOSE.malformed, CLOSE.malformed, CLOSE.malformed, 1009]);
    // and still serves a good member
    const a = await member();
    a.t.sendControl(b.t.id, { op: 'still-alive' });
    await eventually(() => b.got.control.length === 1, 'a good member after the garbage');
    expect(b.t.stats().refused['STRATA_CLUSTER_HANDSHAKE_MALFORMED']).toBeGreaterThanOrEqual(4);
  });

  it('rate-limits a host after repeated failures: later connections are refused at the upgrade with 429', async () => {
    const sink = logSink();
    const b = await member({ logger: sink.logger, failureLimits: { maxFailures: 3, windowMs: 10_000, blockMs: 60_000 } });
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 5; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${b.t.port}/strata/cluster`);
      statuses.push(
        await new Promise<number | string>((r) => {
          ws.on('unexpected-response', (_q, res) => r(res.statusCode ?? 0));
          ws.on('close', (code) => r(`closed ${code}`));
          ws.on('error', () => {});
          ws.once('message', () => ws.send('not a handshake'));
        }),
      );
    }
    expect(statuses).toEqual([`closed ${CLOSE.malformed}`, `closed ${CLOSE.malformed}`, `closed ${CLOSE.malformed}`, 429, 429]);
    expect(sink.messages().filter((m) => m.includes('too many failed handshakes from 127.0.0.1'))).toHaveLength(1);
    // one line per host and code per window, not one per attempt
    expect(sink.messages().filter((m) => m.startsWith('refused cluster link'))).toHaveLength(1);
  });

  it('refuses an envelope over the frame limit with a coded error and still sends the rest', async () => {
    const a = await member({ maxFrameBytes: 32 * 1024 });
    const b = await member({ maxFrameBytes: 32 * 1024 });
    a.t.send(b.t.id, env('/user/x', { type: 'small', n: 1 } as Message));
    a.t.send(b.t.id, env('/user/x', { type: 'big', blob: 'x'.repeat(64 * 1024) } as Message));
    a.t.send(b.t.id, env('/user/x', { type: 'small', n: 2 } as Message));
    await eventually(() => b.got.bulk.length === 2 && a.got.undeliverable.length === 1, 'the small ones delivered, the big one refused');
    expect(a.got.undeliverable[0]).toEqual({ target: b.t.id, code: 'STRATA_CLUSTER_FRAME_TOO_LARGE' });
    expect(b.got.bulk.map((x) => x.m.type)).toEqual(['small', 'small']);
  });

  it('reconnects after the peer restarts at the same port, and never delivers to a new incarnation what was meant for the old', async () => {
    const a = await member();
    const b1 = await member({ incarnation: 1 });
    const port = b1.t.port;
    const oldId = b1.t.id;
    a.t.sendControl(oldId, { op: 'one' });
    await eventually(() => b1.got.control.length === 1, 'first control message');
    await b1.t.close();
    const b2 = await member({ port, incarnation: 2 });
    a.t.sendControl(b2.t.id, { op: 'two' });
    await eventually(() => b2.got.control.length === 1, 'control message after reconnecting');
    expect(b2.got.control[0]!.m.op).toBe('two');
    a.t.send(b2.t.id, env('/user/x', { type: 'warm-up' }));
    await eventually(() => b2.got.bulk.length === 1, 'bulk lane to the new incarnation');
    expect(a.t.send(oldId, env('/user/x', { type: 'for-the-old-one' }))).toBe('dead');
    expect(a.t.stats().reconnects).toBeGreaterThan(0);
  });

  it('refuses new envelopes with rejected-full once the queue for an unreachable peer is full', async () => {
    const a = await member({ maxQueuedEnvelopes: 100 });
    // a port where nothing listens: the link keeps retrying, the queue fills
    const outcomes = Array.from({ length: 150 }, (_, i) => a.t.send('127.0.0.1:1#1', env('/user/x', { type: 'n', i } as Message)));
    expect(outcomes.filter((o) => o === 'enqueued')).toHaveLength(100);
    expect(outcomes.filter((o) => o === 'rejected-full')).toHaveLength(50);
    expect(a.t.stats().rejectedFull).toBe(50);
  });

  it('answers messages for temporary paths on the connection the asker opened, and falls back to its own link', async () => {
    const a = await member();
    const b = await member();
    // a's link to b opens: b reads it as an inbound bulk lane from a
    expect(a.t.send(b.t.id, env('/user/echo', { type: 'ask', n: 1 } as Message))).toBe('enqueued');
    await eventually(() => b.got.bulk.length === 1, 'the ask reaches b');
    // an answer to an ask (a temporary path, plain or on one of a's threads) goes back on that connection
    expect(b.t.send(a.t.id, env('/temp/$1', { type: 'answer', n: 1 } as Message))).toBe('enqueued');
    expect(b.t.send(a.t.id, env('@t1.1/temp/$2', { type: 'answer', n: 2 } as Message))).toBe('enqueued');
    await eventually(() => a.got.bulk.length === 2, 'both answers reach a');
    expect(a.got.bulk).toEqual([
      { from: b.t.id, t: '/temp/$1', m: { type: 'answer', n: 1 } },
      { from: b.t.id, t: '@t1.1/temp/$2', m: { type: 'answer', n: 2 } },
    ]);
    expect(b.t.stats()).toMatchObject({ sentEnvelopes: 2, sentOnAskersConnection: 2 });
    expect(b.t.linkTo(a.t.id)).toBeUndefined(); // b opened no connection of its own
    // anything else takes b's own link
    expect(b.t.send(a.t.id, env('/user/inbox', { type: 'tell', n: 3 } as Message))).toBe('enqueued');
    await eventually(() => a.got.bulk.length === 3, 'the tell reaches a');
    expect(b.t.linkTo(a.t.id)).toBeDefined();
    expect(b.t.stats().sentOnAskersConnection).toBe(2);
    // partitioned: the answer is dropped like any frame, not sent around the block
    b.t.setBlocked([a.t.id]);
    expect(b.t.send(a.t.id, env('/temp/$4', { type: 'answer', n: 4 } as Message))).toBe('enqueued');
    await new Promise((r) => setTimeout(r, 200));
    expect(a.got.bulk).toHaveLength(3);
    b.t.setBlocked([]);
    // the asker's connection gone: answers take b's link
    expect(b.t.hasAskersConnection(a.t.id)).toBe(true);
    a.t.forget(b.t.id, { code: 'STRATA_CLUSTER_MEMBER_DOWN', message: 'test: link closed' });
    await eventually(() => !b.t.hasAskersConnection(a.t.id), 'b sees the connection closed');
    expect(b.t.send(a.t.id, env('/temp/$5', { type: 'answer', n: 5 } as Message))).toBe('enqueued');
    await eventually(() => a.got.bulk.some((x) => x.t === '/temp/$5'), 'the answer through b\'s link');
    expect(b.t.stats().sentOnAskersConnection).toBe(2);
  });

  it('hands an answer its lane cannot send to the link, which refuses an oversized one with a coded error', async () => {
    const a = await member();
    const b = await member({ maxFrameBytes: 4_096 });
    expect(a.t.send(b.t.id, env('/user/echo', { type: 'ask', n: 1 } as Message))).toBe('enqueued');
    await eventually(() => b.t.hasAskersConnection(a.t.id), 'b reads a\'s bulk lane');
    expect(b.t.send(a.t.id, env('/temp/$big', { type: 'answer', pad: 'x'.repeat(10_000) } as Message))).toBe('enqueued');
    expect(b.t.send(a.t.id, env('/temp/$small', { type: 'answer', pad: 'y'.repeat(1_000) } as Message))).toBe('enqueued');
    await eventually(() => b.got.undeliverable.length === 1 && a.got.bulk.length === 1, 'the big answer refused, the small one delivered');
    expect(b.got.undeliverable[0]).toEqual({ target: a.t.id, code: 'STRATA_CLUSTER_FRAME_TOO_LARGE' });
    expect(a.got.bulk[0]!.t).toBe('/temp/$small');
    // both were queued in one tick: the frame that would not fit went to the link whole, and the link split it
    expect(b.t.stats()).toMatchObject({ sentOnAskersConnection: 0, answersHandedToLink: 2 });
  });

  it('drops frames both ways for blocked endpoints (partition fault injection) and resumes when unblocked', async () => {
    const a = await member();
    const b = await member();
    a.t.sendControl(b.t.id, { op: 'before' });
    await eventually(() => b.got.control.length === 1, 'before the partition');
    a.t.setBlocked([b.t.id]);
    a.t.sendControl(b.t.id, { op: 'during' });
    b.t.setBlocked([a.t.id]);
    b.t.sendControl(a.t.id, { op: 'during' });
    await new Promise((r) => setTimeout(r, 100));
    expect(b.got.control.map((c) => c.m.op)).toEqual(['before']);
    expect(a.got.control).toEqual([]);
    a.t.setBlocked([]);
    b.t.setBlocked([]);
    a.t.sendControl(b.t.id, { op: 'after' });
    await eventually(() => b.got.control.length === 2, 'after healing');
    expect(b.got.control.map((c) => c.m.op)).toEqual(['before', 'after']);
  });

  it('runs over TLS (wss) with configured certificate files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = { certFile: cert, keyFile: key, caFile: cert };
    const a = await member({ tls });
    const b = await member({ tls });
    a.t.send(b.t.id, env('/user/x', { type: 'secure' }));
    await eventually(() => b.got.bulk.length === 1, 'an envelope over wss');
    // a plain ws client cannot talk to it
    const ws = new WebSocket(`ws://127.0.0.1:${b.t.port}/strata/cluster`);
    const outcome = await new Promise<string>((r) => {
      ws.on('error', () => r('error'));
      ws.on('close', () => r('closed'));
      ws.on('open', () => r('open'));
    });
    expect(outcome).not.toBe('open');
  });

  it('refuses a secret shorter than 16 bytes without echoing it', () => {
    expect(() => new Transport({ cluster: 'c1', secret: 'short-pw' })).toThrow(/8 bytes; at least 16/);
    try {
      new Transport({ cluster: 'c1', secret: 'short-pw' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-pw');
      expect((err as { code: string }).code).toBe('STRATA_CLUSTER_INVALID_CONFIG');
    }
  });
});
