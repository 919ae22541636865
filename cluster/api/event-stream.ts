// GET /api/v1/events (WebSocket): a viewer-or-operator token, a filter (?topics=consolidator,optimizer,admin
// &types=job.,actor.failed — prefixes), changeable later by sending {"type":"subscribe",…}. Backpressure: a
// client whose unsent bytes pass api.ws.maxBufferedBytes is dropped with close 4008 STRATA_API_SLOW_CONSUMER
// (and terminated after a grace period if it does not read the close frame), so memory stays bounded.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { apiError, errorBody } from './errors.ts';
import { TOPICS, type Filter, type Topic } from './event-hub.ts';
import type { ApiMetrics } from './metrics.ts';
import type { ApiDeps } from './server.ts';

export const CLOSE_SLOW_CONSUMER = 4008;

function parseList(value: unknown): string[] | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A filter from query or message fields; throws STRATA_API_INVALID_REQUEST naming an unknown topic. */
export function parseFilter(topics: readonly string[] | null, types: readonly string[] | null): Filter {
  const chosen = topics ?? [...TOPICS];
  const unknown = chosen.filter((t) => !(TOPICS as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw apiError('STRATA_API_INVALID_REQUEST', `unknown topic(s) ${unknown.join(', ')}; topics are ${TOPICS.join(', ')}`, { issues: [{ path: 'topics', message: `unknown: ${unknown.join(', ')}` }] });
  }
  if ((types ?? []).some((t) => typeof t !== 'string' || t.length > 100)) {
    throw apiError('STRATA_API_INVALID_REQUEST', 'types must be strings of at most 100 characters', { issues: [{ path: 'types', message: 'must be short strings' }] });
  }
  return { topics: new Set(chosen as Topic[]), types: [...(types ?? [])] };
}

export function registerEventStream(app: FastifyInstance, deps: ApiDeps, metrics: ApiMetrics): void {
  let clients = 0;
  let seq = 0;
  app.get('/api/v1/events', {
    websocket: true,
    schema: { tags: ['events'], summary: 'WebSocket event stream (upgrade); ?topics=consolidator,optimizer,admin&types=prefix,…&token=…' },
    preValidation: async (req) => {
      const q = req.query as Record<string, unknown>;
      parseFilter(parseList(q['topics']), parseList(q['types']));
      if (clients >= deps.limits.ws.maxClients) {
        throw apiError('STRATA_API_TOO_MANY_CLIENTS', `${clients} event clients are connected (limit ${deps.limits.ws.maxClients})`, { limit: deps.limits.ws.maxClients });
      }
    },
  }, (socket: WebSocket, req) => {
    const q = req.query as Record<string, unknown>;
    const name = `${req.principal?.name ?? '?'}#${++seq}@${req.ip}`;
    clients++;
    let dropped = false;
    const drop = (): void => {
      dropped = true;
      const limit = deps.limits.ws.maxBufferedBytes;
      const buffered = socket.bufferedAmount;
      metrics.wsDropped.inc({ reason: 'slow-consumer' });
      const message = `event client ${name} dropped: ${buffered} bytes unsent (limit ${limit})`;
      deps.hub.recordError({ at: Date.now(), source: 'api', code: 'STRATA_API_SLOW_CONSUMER', message });
      deps.log.warn({ code: 'STRATA_API_SLOW_CONSUMER', client: name, bufferedBytes: buffered, limitBytes: limit }, message);
      socket.close(CLOSE_SLOW_CONSUMER, `STRATA_API_SLOW_CONSUMER: ${buffered} bytes unsent, limit ${limit}`.slice(0, 120));
      setTimeout(() => socket.terminate(), deps.limits.ws.dropGraceMs).unref();
    };
    const subscriber = {
      filter: parseFilter(parseList(q['topics']), parseList(q['types'])),
      deliver(text: string): boolean {
        if (dropped || socket.readyState !== socket.OPEN) return false;
        if (socket.bufferedAmount > deps.limits.ws.maxBufferedBytes) {
          drop();
          return false;
        }
        socket.send(text);
        return true;
      },
    };
    const unsubscribe = deps.hub.subscribe(subscriber);
    const filterView = () => ({ topics: [...subscriber.filter.topics], types: subscriber.filter.types });
    socket.send(JSON.stringify({ type: 'hello', role: req.principal?.role ?? null, filter: filterView() }));
    socket.on('message', (data, isBinary) => {
      try {
        if (isBinary) throw new Error('binary frame');
        const m = JSON.parse(String(data)) as { type?: unknown; topics?: unknown; types?: unknown };
        if (m.type !== 'subscribe') throw new Error(`unknown message type ${JSON.stringify(m.type)}`);
        const list = (v: unknown): string[] | null => (v === undefined ? null : Array.isArray(v) ? v.map(String) : [String(v)]);
        subscriber.filter = parseFilter(list(m.topics), list(m.types));
        socket.send(JSON.stringify({ type: 'subscribed', filter: filterView() }));
      } catch (e) {
        const err = e as { message?: string };
        socket.send(JSON.stringify({ type: 'error', ...errorBody('STRATA_API_INVALID_MESSAGE', `ignored client message: ${err.message ?? String(e)}; send {"type":"subscribe","topics":[…],"types":[…]}`) }));
      }
    });
    socket.on('close', () => {
      clients--;
      unsubscribe();
    });
    socket.on('error', () => {});
  });
}
