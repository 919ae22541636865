// GET /api/v1/status keeps its serialized document while nothing in it changed, for at most STATUS_CACHE_MS:
// two quick reads are the same bytes, an event that changes a count shows at once, and the uptime moves on once
// the cache time is over. Real in-process daemon, real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { STATUS_CACHE_MS } from '../../cluster/api/routes.ts';
import { startHarness, VIEWER, type Harness } from './daemon-harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

describe('GET /api/v1/status', () => {
  it('serves the same document while nothing changed, a new one at once after an event, and moves its uptime on after the cache time', async () => {
    const a = await h.request('GET', '/api/v1/status', { token: VIEWER });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ name: 'strata', ready: true, ingest: { committed: 0 } });
    // the same bytes (uptime included) on a quick second read; an event published in between (the throughput
    // sample, every second) makes a new document, so a few pairs are tried
    let same = false;
    for (let i = 0; i < 5 && !same; i++) {
      const x = await h.request('GET', '/api/v1/status', { token: VIEWER });
      const y = await h.request('GET', '/api/v1/status', { token: VIEWER });
      same = x.text === y.text;
    }
    expect(same).toBe(true);

    // an ingest publishes events: the next read counts the file, without waiting out the cache
    const path = join(h.dir, 'one.csv');
    await writeLargeBackinzoCsv(path, 200, 5);
    await h.daemon.services.ingest!.ingestPaths([path]);
    const c = await h.request('GET', '/api/v1/status', { token: VIEWER });
    expect(c.body.ingest.committed).toBe(1);

    await new Promise((r) => setTimeout(r, STATUS_CACHE_MS + 50));
    const d = await h.request('GET', '/api/v1/status', { token: VIEWER });
    expect(d.body.uptimeMs).toBeGreaterThan(c.body.uptimeMs);
    expect(d.body.ingest.committed).toBe(1);
    expect(d.body.startedAt).toBe(a.body.startedAt);
  });

  it('is JSON, and still asks for a token', async () => {
    const res = await fetch(`${h.url}/api/v1/status`, { headers: { authorization: `Bearer ${VIEWER}` } });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await res.json()) as { name: string }).name).toBe('strata');
    expect((await h.request('GET', '/api/v1/status', { token: null })).status).toBe(401);
  });
});
