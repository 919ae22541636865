// The daemon's HTTP and WebSocket API (fastify): token auth with roles on every route but the probes, the
// console shell and the OpenAPI page; one error shape for every failure; request validation by JSON schema;
// the REST routes (routes.ts), the event stream (event-stream.ts), Prometheus /metrics, /healthz, /readyz.
import fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { Logger } from 'pino';
import type { Role } from '../config/index.ts';
import type { Services } from '../daemon/services.ts';
import type { ActorSystem } from '../../runtime/index.ts';
import { registerConsole } from '../console/serve.ts';
import { authorise, principalOf, type Principal, type TokenTable } from './auth.ts';
import { apiError, errorBody, httpStatusOf } from './errors.ts';
import { registerEventStream } from './event-stream.ts';
import type { EventHub } from './event-hub.ts';
import { createApiMetrics, type ApiMetrics } from './metrics.ts';
import { registerRoutes } from './routes.ts';

export interface ApiLimits {
  uploadLimitBytes: number;
  bodyLimitBytes: number;
  ws: { maxBufferedBytes: number; maxClients: number; dropGraceMs: number };
}

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

export interface ApiDeps {
  readonly services: Services;
  readonly hub: EventHub;
  readonly system: ActorSystem;
  readonly tokens: TokenTable;
  /** mutable: hot reload changes them in place */
  readonly limits: ApiLimits;
  readonly log: Logger;
  readiness(): Readiness;
  /** the cheap status document (GET /api/v1/status) */
  status(): unknown;
  /**
   * changes whenever anything in status() but its clock fields may have changed (absent: never cached). The route
   * keeps the serialized document while this holds and for at most STATUS_CACHE_MS (cluster/api/routes.ts).
   */
  statusVersion?(): number;
  /** the console's first picture (GET /api/v1/admin/snapshot) */
  snapshot(): Promise<unknown>;
  ingestCounts(): Readonly<Record<string, number>>;
  /** files waiting to be read again (the store could not take them, or they changed while read); absent: 0 */
  ingestWaiting?(): number;
  /** PEM certificate and key: serve HTTPS (and wss); absent: HTTP */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly metrics: ApiMetrics;
  listen(host: string, port: number): Promise<string>;
  /** closes every WebSocket (1001) and the listener */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'public' routes need no token; default: GET viewer, anything else operator */
    role?: Role | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export async function createApiServer(deps: ApiDeps): Promise<ApiServer> {
  // an HTTPS server is a FastifyInstance over https.Server: the routes and hooks below do not care which
  const app = fastify({
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key } } : {}),
    loggerInstance: deps.log as FastifyBaseLogger,
    // per-request lines would log URLs (and a ?token=); the onResponse hook logs failures without the query
    logController: new LogController({ disableRequestLogging: true }),
    // a per-request child logger serialises its reqId binding up front; a silent logger would never use it
    childLoggerFactory: (logger, bindings, opts) => (deps.log.isLevelEnabled('fatal') ? logger.child(bindings, opts) : logger),
    bodyLimit: deps.limits.bodyLimitBytes,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false } },
    return503OnClosing: true,
    // a client that holds its connection open must not hold up a shutdown
    forceCloseConnections: true,
  });
  const metrics = createApiMetrics(deps.services, deps.hub, deps.ingestCounts, deps.ingestWaiting ?? (() => 0));
  app.decorateRequest('principal', null);

  app.setErrorHandler((err: FastifyError & { data?: Record<string, unknown>; retryable?: boolean }, request, reply) => {
    if (err.validation) {
      const issues = err.validation.map((v) => {
        const missing = (v.params as { missingProperty?: string; additionalProperty?: string } | undefined);
        const path = [err.validationContext, v.instancePath.replace(/^\//, '').replace(/\//g, '.'), missing?.missingProperty ?? missing?.additionalProperty ?? '']
          .filter((s) => s !== undefined && s !== '').join('.');
        return { path, message: v.message ?? 'is invalid' };
      });
      return reply.code(400).send(errorBody('STRATA_API_INVALID_REQUEST', `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues }));
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send(errorBody('STRATA_API_PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${deps.limits.bodyLimitBytes} bytes`, { limitBytes: deps.limits.bodyLimitBytes }));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send(errorBody('STRATA_API_UNSUPPORTED_MEDIA_TYPE', `content type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted here`, {}));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(400).send(errorBody('STRATA_API_INVALID_REQUEST', `request body is not valid JSON: ${err.message}`, { issues: [{ path: 'body', message: err.message }] }));
      default:
    }
    if (typeof err.code === 'string' && err.code.startsWith('STRATA_')) {
      const status = httpStatusOf(err.code, err.retryable === true);
      return reply.code(status).send(errorBody(err.code, err.message, err.data ?? {}));
    }
    request.log.error({ err, reqId: request.id }, 'unexpected error in route');
    return reply.code(500).send(errorBody('STRATA_API_INTERNAL', `internal error (request ${request.id}); see the daemon log`, { requestId: request.id }));
  });
  // Auth and request metrics as per-route hooks, attached when each route is declared: the role, the route's
  // label and its histogram children are settled once, so a request reads no route options (fastify builds
  // that object on every access) and looks nothing up by string. Registered before any route, the swagger
  // UI's and the event stream's scope included; fastify runs onRoute for the HEAD twin of each GET as well.
  // Roles: public (no hook), viewer (GET/HEAD and WebSocket) or operator (anything that changes state).
  const authHook = (declared: Role | undefined) => (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    try {
      const role = declared ?? (request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'operator');
      request.principal = authorise(principalOf(deps.tokens, request.raw.socket, request.headers.authorization, request.query), role);
      done();
    } catch (e) {
      done(e as Error);
    }
  };
  const responseHook = (route: string) => {
    const seriesOf = metrics.httpDuration.forRoute(route);
    return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const status = reply.statusCode;
      seriesOf(request.method, status).observe(reply.elapsedTime / 1000);
      // a refused WebSocket upgrade: its socket is detached from the HTTP server, so end it here or it stays open
      if (status >= 400 && request.headers.upgrade) request.raw.socket?.end();
      if (status >= 500) request.log.warn({ method: request.method, route, status }, 'request failed');
      done();
    };
  };
  const asList = <T>(hooks: T | T[] | undefined): T[] => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]);
  app.addHook('onRoute', (route) => {
    const declared = route.config?.role ?? (route.url.startsWith('/docs') ? 'public' : undefined);
    if (declared === 'public') route.config = { ...(route.config ?? {}), role: 'public' };
    else route.onRequest = [authHook(declared), ...asList(route.onRequest)] as NonNullable<typeof route.onRequest>;
    route.onResponse = [...asList(route.onResponse), responseHook(route.url)] as NonNullable<typeof route.onResponse>;
  });
  // an unknown route: the token is still checked first (no probing of the route table without one)
  const notFoundAuth = authHook(undefined);
  const notFoundSeries = metrics.httpDuration.forRoute('unmatched');
  app.setNotFoundHandler({
    preHandler: (request, reply, done) => {
      reply.raw.once('finish', () => {
        notFoundSeries(request.method, reply.statusCode).observe(reply.elapsedTime / 1000);
        // as in responseHook: a refused WebSocket upgrade's socket is no longer the HTTP server's to close
        if (request.headers.upgrade) request.raw.socket?.end();
      });
      notFoundAuth(request, reply, done);
    },
  }, (request, reply) => {
    reply.code(404).send(errorBody('STRATA_API_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`, {}));
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Strata daemon API', version: '1', description: 'Consolidator, optimizer and store over REST; events over WebSocket at /api/v1/events. Errors: { error: { code, message, data } } (docs/errors.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  registerRoutes(app, deps, metrics);
  registerConsole(app);
  // the WebSocket plugin adds an onRequest and an onResponse hook: kept inside the event stream's own
  // scope, so the REST routes do not pay for them on every request
  let wsClients: () => Iterable<{ close(code: number, reason: string): void }> = () => [];
  await app.register(async (scope) => {
    await scope.register(websocket, { options: { maxPayload: 64 * 1024 } });
    registerEventStream(scope, deps, metrics);
    wsClients = () => scope.websocketServer?.clients ?? [];
  });

  let closing = false;
  return {
    app,
    metrics,
    async listen(host, port) {
      await app.listen({ host, port });
      const addr = app.server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      return `${deps.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${p}`;
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const client of wsClients()) client.close(1001, 'daemon shutting down');
      await app.close();
    },
  };
}

export function serviceMissing(name: string): never {
  throw apiError('STRATA_API_SERVICE_UNAVAILABLE', `the ${name} service is not available in this daemon`, { service: name });
}
