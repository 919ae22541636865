// cluster/api: the daemon's HTTP/WebSocket API (fastify), its error catalogue, token auth, the event hub, and
// the small client the CLI uses.
export { createApiServer, serviceMissing } from './server.ts';
export type { ApiDeps, ApiLimits, ApiServer, Readiness } from './server.ts';
export { catalogue, apiError, errorBody, httpStatusOf } from './errors.ts';
export type { ApiErrorCode, ErrorBody } from './errors.ts';
export { createTokenTable, presentedToken, principalOf, authorise } from './auth.ts';
export type { Principal, TokenTable } from './auth.ts';
export { createEventHub, matches, TOPICS } from './event-hub.ts';
export type { EventHub, Filter, HubEvent, RecentError, Subscriber, Topic } from './event-hub.ts';
export { CLOSE_SLOW_CONSUMER, parseFilter } from './event-stream.ts';
export { apiGet, apiPost, eventsUrl, resolveConnection } from './client.ts';
export type { Connection, ConnectionFlags } from './client.ts';
