// The REST API of a real in-process daemon over real sockets: token auth with roles, request validation with
// the one error shape, uploads with size limits and ingest outcomes, jobs end to end, store and system routes,
// Prometheus metrics and the OpenAPI document.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../engine/formats/index.ts';
import { OPERATOR, VIEWER, startHarness, type Harness } from './daemon-harness.ts';

let h: Harness;
let range: { from: string; to: string };

const until = async <T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const spec = (over: Record<string, unknown> = {}) => ({
  dateRange: range, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 3 },
  algorithm: { id: 'nsga2' }, budget: { evaluations: 3_000 }, seed: 7, ...over,
});

beforeAll(async () => {
  h = await startHarness({ 'api.uploadLimitBytes': 64 * 1024, 'api.bodyLimitBytes': 4 * 1024 });
  const ds = await generateDataset({ outDir: join(h.dir, 'files'), strategies: 3, days: 40, seed: 3 });
  const files = (await readdir(ds.outDir)).filter((f) => f.endsWith('.csv')).map((f) => join(ds.outDir, f));
  await h.daemon.services.ingest!.ingestPaths(files);
  const r = (await h.daemon.services.store!.dayRange('ALL'))!;
  range = { from: r.from, to: r.to };
});
afterAll(async () => { await h?.close(); });

describe('authentication and roles', () => {
  it('refuses a request without a token with 401 STRATA_API_UNAUTHENTICATED', async () => {
    const r = await h.request('GET', '/api/v1/status', { token: null });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('STRATA_API_UNAUTHENTICATED');
    expect(r.body.error).toHaveProperty('data');
  });

  it('refuses an unknown token and a malformed authorization header', async () => {
    expect((await h.request('GET', '/api/v1/status', { token: 'not-a-real-token-000000' })).status).toBe(401);
    const r = await h.request('GET', '/api/v1/status', { token: null, headers: { authorization: `Basic ${OPERATOR}` } });
    expect(r.status).toBe(401);
  });

  it('checks the token on the HEAD twin of a GET route and before answering an unknown route', async () => {
    expect((await h.request('HEAD', '/api/v1/status', { token: null })).status).toBe(401);
    expect((await h.request('HEAD', '/api/v1/status', { token: VIEWER })).status).toBe(200);
    const unknown = await h.request('GET', '/api/v1/no-such-route', { token: null });
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'STRATA_API_UNAUTHENTICATED']);
    expect((await h.request('DELETE', '/api/v1/no-such-route', { token: VIEWER })).status).toBe(403);
    expect((await h.request('DELETE', '/api/v1/no-such-route', { token: OPERATOR })).status).toBe(404);
  });

  it('lets a viewer read but not change anything (403 STRATA_API_FORBIDDEN)', async () => {
    expect((await h.request('GET', '/api/v1/optimizer/jobs', { token: VIEWER })).status).toBe(200);
    const r = await h.request('POST', '/api/v1/optimizer/jobs', { token: VIEWER, body: spec() });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('STRATA_API_FORBIDDEN');
    expect(r.body.error.data).toEqual({ role: 'viewer', needs: 'operator' });
  });

  it('serves the probes, the console shell and the OpenAPI document without a token', async () => {
    expect((await h.request('GET', '/healthz', { token: null })).body).toEqual({ ok: true });
    expect((await h.request('GET', '/readyz', { token: null })).body).toEqual({ ready: true });
    const docs = await h.request('GET', '/docs/json', { token: null });
    expect(docs.status).toBe(200);
    for (const path of ['/api/v1/consolidator/uploads', '/api/v1/optimizer/jobs', '/api/v1/optimizer/jobs/{id}/cancel', '/api/v1/store/cluster', '/api/v1/store/health', '/api/v1/optimizer/metrics']) {
      expect(Object.keys(docs.body.paths)).toContain(path);
    }
    const page = await h.request('GET', '/console', { token: null });
    expect(page.text).toContain('<title>Strata console</title>');
    expect((await h.request('GET', '/metrics', { token: null })).status).toBe(401);
  });
});

describe('validation and the error shape', () => {
  it('names each invalid field of a request body', async () => {
    const r = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: 'abc', surprise: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('STRATA_API_INVALID_REQUEST');
    const paths = r.body.error.data.issues.map((i: { path: string }) => i.path);
    expect(paths).toContain('body.uploadIds');
    expect(paths).toContain('body.surprise');
  });

  it('answers malformed JSON, a wrong content type and an oversized body with coded 4xx', async () => {
    const bad = await h.request('POST', '/api/v1/optimizer/jobs', { raw: '{"dateRange":', headers: { 'content-type': 'application/json' } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'STRATA_API_INVALID_REQUEST']);
    const type = await h.request('POST', '/api/v1/optimizer/jobs', { raw: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([type.status, type.body.error.code]).toEqual([415, 'STRATA_API_UNSUPPORTED_MEDIA_TYPE']);
    const big = await h.request('POST', '/api/v1/optimizer/jobs', { body: { ...spec(), owner: 'x'.repeat(8_000) } });
    expect([big.status, big.body.error.code]).toEqual([413, 'STRATA_API_PAYLOAD_TOO_LARGE']);
  });

  it('passes the job spec validator\'s issues through with 400 STRATA_JOB_INVALID_SPEC', async () => {
    const r = await h.request('POST', '/api/v1/optimizer/jobs', { body: spec({ seed: -1, algorithm: { id: 'no-such-algorithm' } }) });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('STRATA_JOB_INVALID_SPEC');
    expect(r.body.error.data.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['seed', 'algorithm.id']));
  });

  it('answers unknown routes and unknown jobs with 404', async () => {
    expect((await h.request('GET', '/api/v1/nothing-here')).body.error.code).toBe('STRATA_API_NOT_FOUND');
    const r = await h.request('GET', '/api/v1/optimizer/jobs/job-none');
    expect([r.status, r.body.error.code]).toEqual([404, 'STRATA_API_NOT_FOUND']);
    const c = await h.request('POST', '/api/v1/optimizer/jobs/job-none/cancel');
    expect([c.status, c.body.error.code]).toEqual([404, 'STRATA_JOB_UNKNOWN']);
  });
});

describe('consolidator', () => {
  it('stores an upload, ingests it on process, and reports the outcome; the same bytes again are a duplicate', async () => {
    const ds = await generateDataset({ outDir: join(h.dir, 'upload-src'), strategies: 2, days: 15, seed: 99 });
    const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(join(ds.outDir, 'f1_backinzo.csv')));
    const up = await h.request('POST', '/api/v1/consolidator/uploads?name=ops%2Fnew.csv', { raw: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ name: 'new.csv', sizeBytes: bytes.byteLength, state: 'stored' });
    const p = await h.request('POST', '/api/v1/consolidator/process', { body: { uploadIds: [up.body.id] } });
    expect(p.status).toBe(202);
    const done = await until(() => h.request('GET', `/api/v1/consolidator/uploads/${up.body.id}`), (r) => r.body.state !== 'processing', 'upload outcome');
    expect(done.body.state).toBe('committed');
    expect(done.body.outcome.summary.format).toBe('FORMAT_1_BACKINZO_CSV');
    const again = await h.request('POST', '/api/v1/consolidator/uploads?name=copy.csv&process=true', { raw: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(again.status).toBe(202);
    const dup = await until(() => h.request('GET', `/api/v1/consolidator/uploads/${again.body.id}`), (r) => r.body.state !== 'processing', 'duplicate outcome');
    expect(dup.body.state).toBe('duplicate');
    const results = await h.request('GET', '/api/v1/consolidator/results', { token: VIEWER });
    expect(results.body.uploads.length).toBeGreaterThanOrEqual(2);
    expect((await h.request('GET', '/api/v1/consolidator/status')).body.counts.committed).toBeGreaterThanOrEqual(1);
  });

  it('refuses an upload over the size limit with 413 and keeps nothing', async () => {
    const r = await h.request('POST', '/api/v1/consolidator/uploads?name=big.csv', { raw: new Uint8Array(65 * 1024), headers: { 'content-type': 'application/octet-stream' } });
    expect([r.status, r.body.error.code]).toEqual([413, 'STRATA_API_PAYLOAD_TOO_LARGE']);
    expect(h.daemon.services.ingest!.uploads().some((u) => u.name === 'big.csv')).toBe(false);
    const noName = await h.request('POST', '/api/v1/consolidator/uploads', { raw: 'a', headers: { 'content-type': 'application/octet-stream' } });
    expect(noName.body.error.data.issues[0].path).toBe('querystring.name');
  });

  it('quarantines a bad upload and reports its problems', async () => {
    const up = await h.request('POST', '/api/v1/consolidator/uploads?name=bad.csv&process=true', { raw: 'Date,Profit\nnot-a-date,abc\n', headers: { 'content-type': 'application/octet-stream' } });
    const done = await until(() => h.request('GET', `/api/v1/consolidator/uploads/${up.body.id}`), (r) => r.body.state !== 'processing', 'rejection');
    expect(done.body.state).toBe('rejected');
    expect(done.body.outcome.code).toMatch(/^STRATA_FORMAT_/);
    const errors = await h.request('GET', '/api/v1/admin/errors');
    const recorded = (errors.body.errors as { code: string; source: string; message: string }[]).find((e) => e.code === done.body.outcome.code);
    expect(recorded?.source).toBe('ingest bad.csv');
    // the upload's folder inside the data dir is not the operator's business: the message does not start with it
    expect(done.body.outcome.message.startsWith(`${done.body.outcome.file}: `)).toBe(true);
    expect(recorded?.message).toBe(done.body.outcome.message.slice(done.body.outcome.file.length + 2));
  });
});

describe('optimizer', () => {
  it('lists the algorithms', async () => {
    const r = await h.request('GET', '/api/v1/optimizer/algorithms', { token: VIEWER });
    expect(r.body.algorithms.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining(['nsga2', 'random-search', 'cma-es']));
  });

  it('runs a job to its result with an equity curve and a Pareto front', async () => {
    const sub = await h.request('POST', '/api/v1/optimizer/jobs', { body: spec() });
    expect(sub.status).toBe(202);
    expect(sub.body.state).toMatch(/^(queued|running)$/);
    const done = await until(() => h.request('GET', `/api/v1/optimizer/jobs/${sub.body.id}`), (r) => r.body.state === 'completed' || r.body.state === 'failed', 'job end', 25_000);
    expect(done.body.state).toBe('completed');
    const result = await h.request('GET', `/api/v1/optimizer/jobs/${sub.body.id}/result`, { token: VIEWER });
    expect(result.body.evaluations).toBe(3_000);
    expect(result.body.best.equity.length).toBe(result.body.days.count);
    expect(result.body.front.length).toBeGreaterThan(0);
    const m = await h.request('GET', '/api/v1/optimizer/metrics');
    expect(m.body.byState.completed).toBeGreaterThanOrEqual(1);
  });

  it('cancels, pauses, resumes and reprioritises with 409 for transitions the lifecycle forbids', async () => {
    const long = await h.request('POST', '/api/v1/optimizer/jobs', { body: spec({ budget: { evaluations: 5_000_000 }, seed: 11 }) });
    const queued = await h.request('POST', '/api/v1/optimizer/jobs', { body: spec({ budget: { evaluations: 1_000 }, seed: 12, priority: 'low' }) });
    const pr = await h.request('POST', `/api/v1/optimizer/jobs/${queued.body.id}/priority`, { body: { priority: 'critical' } });
    expect(pr.body.priority).toBe('critical');
    const badPr = await h.request('POST', `/api/v1/optimizer/jobs/${queued.body.id}/priority`, { body: { priority: 'urgent' } });
    expect([badPr.status, badPr.body.error.code]).toEqual([400, 'STRATA_API_INVALID_REQUEST']);
    await until(() => h.request('GET', `/api/v1/optimizer/jobs/${long.body.id}`), (r) => r.body.state === 'running' && r.body.progress !== null, 'running');
    const paused = await h.request('POST', `/api/v1/optimizer/jobs/${long.body.id}/pause`);
    expect(paused.body.state).toBe('paused');
    expect((await h.request('POST', `/api/v1/optimizer/jobs/${long.body.id}/pause`)).status).toBe(409);
    expect((await h.request('POST', `/api/v1/optimizer/jobs/${long.body.id}/resume`)).body.state).toMatch(/queued|running/);
    const cancelled = await h.request('POST', `/api/v1/optimizer/jobs/${long.body.id}/cancel`);
    expect(cancelled.body.state).toBe('cancelled');
    const again = await h.request('POST', `/api/v1/optimizer/jobs/${long.body.id}/cancel`);
    expect([again.status, again.body.error.code]).toEqual([409, 'STRATA_JOB_INVALID_TRANSITION']);
    const notDone = await h.request('GET', `/api/v1/optimizer/jobs/${long.body.id}/result`);
    expect([notDone.status, notDone.body.error.code]).toEqual([409, 'STRATA_JOB_NOT_FINISHED']);
    const list = await h.request('GET', '/api/v1/optimizer/jobs?state=cancelled');
    expect(list.body.jobs.map((j: { id: string }) => j.id)).toContain(long.body.id);
  });
});

describe('store and system', () => {
  it('reports the store nodes, their health and metrics', async () => {
    const c = await h.request('GET', '/api/v1/store/cluster', { token: VIEWER });
    expect(c.body).toMatchObject({ mode: 'single-node', quorum: true });
    expect(c.body.nodes[0]).toMatchObject({ name: 'node-1', state: 'up' });
    // DuckDB's own memory, read by the health check (what it holds now may be nothing: blocks are evicted after a
    // checkpoint); test/actors/node-proxy has a node that holds some
    expect(typeof c.body.nodes[0].memoryBytes).toBe('number');
    expect((await h.request('GET', '/api/v1/store/health')).body).toMatchObject({ ok: true, nodesUp: 1, nodesTotal: 1 });
    expect((await h.request('GET', '/api/v1/store/metrics')).body.nodes[0].latencyMs.p99).toBeGreaterThan(0);
  });

  it('exports Prometheus metrics', async () => {
    await h.request('GET', '/api/v1/status', { token: VIEWER });
    await h.request('GET', '/api/v1/status', { token: null });
    await h.request('GET', '/api/v1/nothing-here', { token: VIEWER });
    const r = await h.request('GET', '/metrics', { token: VIEWER });
    expect(r.text).toContain('strata_http_request_duration_seconds_bucket');
    // per route and status, refusals included; unknown routes under one label
    expect(r.text).toMatch(/strata_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/status",status="200"\} [1-9]/);
    expect(r.text).toMatch(/strata_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/status",status="401"\} [1-9]/);
    expect(r.text).toMatch(/strata_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(r.text).toMatch(/strata_store_quorum 1/);
    expect(r.text).toMatch(/strata_store_node_memory_bytes\{node="node-1"\} \d/);
    expect(r.text).toMatch(/strata_jobs\{state="completed"\} [1-9]/);
  });

  it('answers the status document and the admin snapshot', async () => {
    const s = await h.request('GET', '/api/v1/status', { token: VIEWER });
    expect(s.body).toMatchObject({ name: 'strata', ready: true, services: { store: 'single-node', jobs: 'local', ingest: 'actor' }, store: { quorum: true } });
    const snap = await h.request('GET', '/api/v1/admin/snapshot', { token: VIEWER });
    expect(snap.body.actors.path).toBe('/');
    expect(JSON.stringify(snap.body.actors)).toContain('/user/ingest');
    expect(snap.body.members).toHaveLength(1);
  });
});
