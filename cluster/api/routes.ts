// The REST routes: consolidator (uploads, process, status, results), optimizer (algorithms, jobs: execute,
// queue, status, cancel/pause/resume, priority, results, metrics), store (cluster, health, metrics), and
// system (status, admin snapshot, recent errors, /metrics, /healthz, /readyz). Each declares its JSON schema
// (validation and the OpenAPI document at /docs); a missing service answers 503.
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { FileOutcome } from '../../actors/ingest/index.ts';
import { PRIORITIES } from '../../engine/jobs/index.ts';
import { JOB_STATES, pickFileOptions } from '../daemon/services.ts';
import { apiError, errorBody } from './errors.ts';
import type { ApiMetrics } from './metrics.ts';
import { serviceMissing, type ApiDeps } from './server.ts';

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, data: { type: 'object', additionalProperties: true } } } },
};
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const INGEST_OUTCOMES = ['committed', 'duplicate', 'rejected', 'failed'] as const satisfies readonly FileOutcome['status'][];
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema };

/** the most a cached GET /api/v1/status body is served for, ms */
export const STATUS_CACHE_MS = 100;

export function registerRoutes(app: FastifyInstance, deps: ApiDeps, metrics: ApiMetrics): void {
  const { services } = deps;
  const store = () => services.store ?? serviceMissing('store');
  const jobs = () => services.jobs ?? serviceMissing('jobs (optimizer)');
  const ingest = () => services.ingest ?? serviceMissing('ingest (consolidator)');

  // ---- system
  app.get('/healthz', { config: { role: 'public' }, schema: { tags: ['system'], summary: 'liveness: the process answers' } }, async () => ({ ok: true }));
  app.get('/readyz', { config: { role: 'public' }, schema: { tags: ['system'], summary: 'readiness: started, not stopping, store quorum up' } }, async (_req, reply) => {
    const r = deps.readiness();
    if (r.ready) return { ready: true };
    return reply.code(503).send(errorBody('STRATA_API_NOT_READY', `not ready: ${r.reasons.join('; ')}`, { reasons: r.reasons }));
  });
  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  // the known keys are declared so the serializer writes them from compiled code; any other key still passes.
  // The status handler is synchronous: fastify sends its value without a promise and a microtask per request
  const counts = (known: readonly string[]) => ({
    type: 'object', properties: Object.fromEntries(known.map((k) => [k, { type: 'integer' }])), additionalProperties: { type: 'integer' },
  });
  const statusSchema = {
    type: 'object',
    properties: {
      name: { type: 'string' }, pid: { type: 'integer' }, startedAt: { type: 'number' }, uptimeMs: { type: 'number' }, ready: { type: 'boolean' },
      services: { type: 'object', properties: { store: { type: 'string' }, jobs: { type: 'string' }, ingest: { type: 'string' } } },
      store: { type: 'object', properties: { mode: { type: 'string' }, quorum: { type: 'boolean' }, nodesUp: { type: 'integer' }, nodesTotal: { type: 'integer' } } },
      jobs: counts(JOB_STATES), ingest: counts(INGEST_OUTCOMES), members: { type: 'integer' },
    },
  };
  // The serialized document is kept while deps.statusVersion() says nothing in it changed (every event the daemon
  // publishes, readiness flips) and for at most STATUS_CACHE_MS, so only uptimeMs can lag, by less than that.
  // Serializing the ~400-byte document was a tenth of the route's cost: under autocannon in the same process (10
  // connections, 2-vCPU VM, 2026-12-06) the route ran at 0.82–0.87× a bare fastify hello serializing it per request
  // and 0.92–0.94× kept (npm run bench -- api: 0.89× in a full run). Without statusVersion (a test server) it is serialized per request.
  let statusCache: { version: number; at: number; body: string } | null = null;
  app.get('/api/v1/status', { schema: { tags: ['system'], summary: `daemon status: services, store quorum, jobs by state, ingest counts (uptimeMs may lag by up to ${STATUS_CACHE_MS} ms)`, response: { 200: statusSchema } } }, (_req, reply) => {
    if (!deps.statusVersion) return deps.status();
    const version = deps.statusVersion();
    const now = Date.now();
    if (statusCache === null || statusCache.version !== version || now - statusCache.at >= STATUS_CACHE_MS) statusCache = { version, at: now, body: JSON.stringify(deps.status()) };
    // a string is sent as it is (the schema above documents it)
    void reply.type('application/json; charset=utf-8');
    return statusCache.body;
  });
  app.get('/api/v1/admin/snapshot', { schema: { tags: ['admin'], summary: 'everything the console draws: members, actor tree, store nodes, jobs, ingest, errors, throughput' } }, async () => deps.snapshot());
  app.get('/api/v1/admin/errors', { schema: { tags: ['admin'], summary: 'the most recent errors (actor failures, rejected files, failed jobs, dropped clients, store nodes down)' } }, async () => ({ errors: deps.hub.recentErrors() }));

  // ---- consolidator
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.post('/api/v1/consolidator/uploads', {
    schema: {
      tags: ['consolidator'], summary: 'upload one file (raw bytes, application/octet-stream); it is stored, not read, until processed',
      querystring: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, process: { type: 'string', enum: ['true', 'false'] }, token: { type: 'string' } } },
      response: { ...errors, 413: errorSchema, 415: errorSchema },
    },
  }, async (req, reply) => {
    const svc = ingest();
    const q = req.query as { name: string; process?: string };
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > deps.limits.uploadLimitBytes) {
      (req.body as Readable).resume();
      return reply.code(413).send(errorBody('STRATA_API_PAYLOAD_TOO_LARGE', `upload of ${declared} bytes is larger than the limit of ${deps.limits.uploadLimitBytes} bytes`, { limitBytes: deps.limits.uploadLimitBytes, sizeBytes: declared }));
    }
    if (!req.body) throw apiError('STRATA_API_UNSUPPORTED_MEDIA_TYPE', 'uploads take the raw file as the body with content type application/octet-stream');
    const upload = await svc.upload(q.name, req.body as Readable, deps.limits.uploadLimitBytes);
    if (q.process === 'true') {
      const [processed] = await svc.process([upload.id], {});
      return reply.code(202).send(processed);
    }
    return reply.code(201).send(upload);
  });
  app.post('/api/v1/consolidator/process', {
    schema: {
      tags: ['consolidator'],
      summary: 'ingest stored uploads (all waiting ones when uploadIds is absent) and/or scan the inbox folders now; the file options read the uploads as `strata ingest`\'s flags do (a bad one: 400, nothing starts)',
      body: {
        type: 'object', additionalProperties: false,
        properties: {
          uploadIds: { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 100 }, description: 'the uploads to read, in this order (absent: every stored upload)' },
          scanInbox: { type: 'boolean', description: 'look at the inbox folders now (the file options do not apply to inbox files)' },
          format: { type: 'string', minLength: 1, maxLength: 100, description: 'force a format: FORMAT_1 … FORMAT_8 (or 1 … 8) or the full id; still checked against the content' },
          zones: { type: 'string', minLength: 1, maxLength: 200, description: 'zone mode: equal[:n] | freeform:HH:MM,… | custom:HH:MM-HH:MM,… (with session alone: equal:4)' },
          session: { type: 'string', minLength: 1, maxLength: 50, description: 'trading session the zones divide, HH:MM-HH:MM (default 09:15-15:30)' },
          tz: { type: 'string', minLength: 1, maxLength: 100, description: 'IANA time zone of the files\' local times (default Asia/Kolkata)' },
          lenient: { type: 'boolean', description: 'import the valid rows and report the rest instead of rejecting the file' },
          maxProblems: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'problems listed per file (all are counted; default 100)' },
          replaces: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'the content hash of a stored file the one upload (uploadIds with one id) replaces: its strategy names are free for the new file, and its rows go once the new file is committed (404 STRATA_INGEST_UNKNOWN_FILE when it is not stored)' },
        },
      },
    },
  }, async (req, reply) => {
    const svc = ingest();
    const b = (req.body ?? {}) as { uploadIds?: string[]; scanInbox?: boolean; format?: string; zones?: string; session?: string; tz?: string; lenient?: boolean; maxProblems?: number; replaces?: string };
    const options = pickFileOptions(b);
    const willProcess = b.uploadIds !== undefined || !b.scanInbox;
    // the options are checked (and a bad one refused) before the inbox scan or any upload starts
    const processing = willProcess ? await svc.process(b.uploadIds ?? null, options) : [];
    if (b.scanInbox) svc.scanInbox();
    return reply.code(202).send({ processing, inboxScan: b.scanInbox === true });
  });
  app.get('/api/v1/consolidator/uploads/:id', { schema: { tags: ['consolidator'], summary: 'one upload with its outcome', params: idParams, response: errors } }, async (req) => {
    const id = (req.params as { id: string }).id;
    const u = ingest().getUpload(id);
    if (!u) throw apiError('STRATA_API_NOT_FOUND', `no upload has id ${JSON.stringify(id)}`, { id });
    return u;
  });
  app.get('/api/v1/consolidator/files', {
    schema: {
      tags: ['consolidator'], summary: 'the stored files, oldest commit first (with limit: the newest that many): content hash, the path it was read from, format, when it was committed, its strategy ids and rows per table',
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,6}$' }, token: { type: 'string' } } },
    },
  }, async (req) => {
    const files = await ingest().files();
    const limit = (req.query as { limit?: string }).limit;
    return { files: limit === undefined ? files : files.slice(-Number(limit)), total: files.length };
  });
  app.delete('/api/v1/consolidator/files/:hash', {
    schema: {
      tags: ['consolidator'], summary: 'remove a stored file: its rows in every table (all its strategies) and its journal record, so the same bytes may be ingested again; 404 unknown, 409 being ingested',
      params: { type: 'object', required: ['hash'], additionalProperties: false, properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } } }, response: errors,
    },
  }, async (req) => ({ removed: await ingest().removeFile((req.params as { hash: string }).hash) }));
  app.get('/api/v1/consolidator/status', { schema: { tags: ['consolidator'], summary: 'the ingest actor: state, current file, queue, outcome counts' } }, async () => ingest().status());
  app.get('/api/v1/consolidator/results', { schema: { tags: ['consolidator'], summary: 'every upload with its outcome (committed summary, duplicate, rejected problems and report path)' } }, async () => {
    const svc = ingest();
    return { uploads: svc.uploads(), status: await svc.status() };
  });

  // ---- optimizer
  app.get('/api/v1/optimizer/algorithms', { schema: { tags: ['optimizer'], summary: 'the algorithms a job spec can name (plus "recommend")' } }, async () => ({ algorithms: jobs().algorithms() }));
  app.post('/api/v1/optimizer/jobs', {
    schema: { tags: ['optimizer'], summary: 'execute: submit an optimisation job (spec: docs/api.md); 202 with the queued job', body: { type: 'object' }, response: { ...errors, 429: errorSchema } },
  }, async (req, reply) => reply.code(202).send(await jobs().submit(req.body)));
  app.get('/api/v1/optimizer/jobs', {
    schema: { tags: ['optimizer'], summary: 'the queue: every job, optionally by state', querystring: { type: 'object', additionalProperties: false, properties: { state: { type: 'string', enum: [...JOB_STATES] }, token: { type: 'string' } } } },
  }, async (req) => {
    const state = (req.query as { state?: string }).state;
    const all = await jobs().list();
    return { jobs: state ? all.filter((j) => j.state === state) : all };
  });
  app.get('/api/v1/optimizer/jobs/:id', { schema: { tags: ['optimizer'], summary: 'one job: state, priority, progress, ETA', params: idParams, response: errors } }, async (req) => {
    const id = (req.params as { id: string }).id;
    const job = await jobs().get(id);
    if (!job) throw apiError('STRATA_API_NOT_FOUND', `no job has id ${JSON.stringify(id)}`, { id });
    return job;
  });
  for (const action of ['cancel', 'pause', 'resume'] as const) {
    app.post(`/api/v1/optimizer/jobs/:id/${action}`, { schema: { tags: ['optimizer'], summary: `${action} a job`, params: idParams, response: errors } }, async (req) => {
      const id = (req.params as { id: string }).id;
      return jobs()[action](id);
    });
  }
  app.post('/api/v1/optimizer/jobs/:id/priority', {
    schema: {
      tags: ['optimizer'], summary: 'reprioritise a queued, paused or running job', params: idParams,
      body: { type: 'object', required: ['priority'], additionalProperties: false, properties: { priority: { type: 'string', enum: [...PRIORITIES] } } },
      response: errors,
    },
  }, async (req) => jobs().reprioritise((req.params as { id: string }).id, (req.body as { priority: string }).priority));
  app.get('/api/v1/optimizer/jobs/:id/result', { schema: { tags: ['optimizer'], summary: 'a finished job\'s result: best portfolio, metrics, equity, drawdown, Pareto front, validation', params: idParams, response: errors } }, async (req) => jobs().result((req.params as { id: string }).id));
  app.get('/api/v1/optimizer/metrics', { schema: { tags: ['optimizer'], summary: 'jobs by state, evaluations, evaluation rate' } }, async () => ({ mode: jobs().mode, ...jobs().metrics() }));

  // ---- store
  app.get('/api/v1/store/cluster', { schema: { tags: ['store'], summary: 'store nodes: state, breaker, latency, in-flight, row counts; replication and quorum' } }, async () => store().status());
  app.get('/api/v1/store/health', { schema: { tags: ['store'], summary: 'checks every store node now; 503 without quorum', response: { 503: errorSchema } } }, async (_req, reply) => {
    const s = await store().refresh();
    const nodesUp = s.nodes.filter((n) => n.state === 'up').length;
    const body = { ok: s.quorum, quorum: s.quorum, nodesUp, nodesTotal: s.nodes.length };
    if (!s.quorum) return reply.code(503).send(errorBody('STRATA_API_NOT_READY', `store has no quorum: ${nodesUp} of ${s.nodes.length} nodes up`, body));
    return body;
  });
  app.get('/api/v1/store/metrics', { schema: { tags: ['store'], summary: 'per-node latency percentiles, in-flight calls and row counts' } }, async () => {
    const s = store().status();
    return { mode: s.mode, nodes: s.nodes.map((n) => ({ name: n.name, state: n.state, breaker: n.breaker, latencyMs: n.latencyMs, inFlight: n.inFlight, rowCounts: n.rowCounts })) };
  });
}
