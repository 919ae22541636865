// The HTTP/WebSocket API's error catalogue, the one error body every route answers with
// (`{ error: { code, message, data } }`), and the HTTP status each code of every layer maps to.
import { StrataError, type ErrorSpec } from '../../runtime/errors.ts';

export const catalogue = {
  STRATA_API_UNAUTHENTICATED: { retryable: false, summary: 'A request or WebSocket upgrade carried no API token, or one that matches no configured token (HTTP 401; a WebSocket upgrade is refused with it before it opens).' },
  STRATA_API_FORBIDDEN: { retryable: false, summary: 'The token\'s role may not do this: viewer tokens read and subscribe, only operator tokens change anything (HTTP 403).' },
  STRATA_API_INVALID_REQUEST: { retryable: false, summary: 'A request failed validation (path, query or body: a missing or unknown field, a wrong type, malformed JSON); `data.issues` lists each as `{ path, message }` (HTTP 400).' },
  STRATA_API_NOT_FOUND: { retryable: false, summary: 'No route has this method and path (HTTP 404).' },
  STRATA_API_PAYLOAD_TOO_LARGE: { retryable: false, summary: 'A request body is larger than the configured limit (JSON bodies: api.bodyLimitBytes; uploads: api.uploadLimitBytes); nothing was kept (HTTP 413).' },
  STRATA_API_UNSUPPORTED_MEDIA_TYPE: { retryable: false, summary: 'The request body has a content type the route does not take (JSON routes want application/json, uploads application/octet-stream) (HTTP 415).' },
  STRATA_API_SERVICE_UNAVAILABLE: { retryable: true, summary: 'The service behind the route (store, jobs or ingest) is not running in this daemon, not started yet, or stopping; the message names it (HTTP 503).' },
  STRATA_API_NOT_READY: { retryable: true, summary: '/readyz: the daemon is starting or stopping, or the store has no quorum (some partition has no live replica); `data` says which (HTTP 503).' },
  STRATA_API_SLOW_CONSUMER: { retryable: true, summary: 'A WebSocket client did not read its events fast enough: its unsent bytes passed api.ws.maxBufferedBytes and it was dropped (close 4008) instead of letting memory grow.' },
  STRATA_API_TOO_MANY_CLIENTS: { retryable: true, summary: 'A WebSocket upgrade was refused because api.ws.maxClients clients are connected (HTTP 503 at the upgrade).' },
  STRATA_API_INVALID_MESSAGE: { retryable: false, summary: 'A WebSocket client sent a frame that is not a JSON subscribe message with known topics; the connection stays open and keeps its filter.' },
  STRATA_API_INTERNAL: { retryable: false, summary: 'An unexpected failure inside a route (a bug); the details are in the daemon log under the request id, not in the response (HTTP 500).' },
} as const satisfies Record<string, ErrorSpec>;

export type ApiErrorCode = keyof typeof catalogue;

export function apiError(code: ApiErrorCode, message: string, data: Readonly<Record<string, unknown>> = {}): StrataError {
  return new StrataError(code, message, data, catalogue[code].retryable);
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly data: Readonly<Record<string, unknown>> };
}

const STATUS: Readonly<Record<string, number>> = {
  STRATA_API_UNAUTHENTICATED: 401,
  STRATA_API_FORBIDDEN: 403,
  STRATA_API_INVALID_REQUEST: 400,
  STRATA_API_NOT_FOUND: 404,
  STRATA_API_PAYLOAD_TOO_LARGE: 413,
  STRATA_API_UNSUPPORTED_MEDIA_TYPE: 415,
  STRATA_API_SERVICE_UNAVAILABLE: 503,
  STRATA_API_NOT_READY: 503,
  STRATA_API_INTERNAL: 500,
  STRATA_JOB_INVALID_SPEC: 400,
  STRATA_JOB_DEADLINE_PASSED: 400,
  STRATA_JOB_UNKNOWN: 404,
  STRATA_JOB_INVALID_TRANSITION: 409,
  STRATA_JOB_NOT_FINISHED: 409,
  STRATA_JOB_QUEUE_FULL: 429,
  STRATA_DAEMON_INVALID_UPLOAD: 400,
  STRATA_DAEMON_UNKNOWN_UPLOAD: 404,
  STRATA_DAEMON_UPLOAD_TOO_LARGE: 413,
  STRATA_DAEMON_NO_SPACE: 507,
  STRATA_DAEMON_INTAKE_STOPPED: 503,
  STRATA_INGEST_INVALID_REQUEST: 400,
  STRATA_INGEST_UNKNOWN_FILE: 404,
  STRATA_INGEST_FILE_BUSY: 409,
  STRATA_FORMAT_INVALID_OPTION: 400,
  // an actor behind a service was stopped by its supervisor (restart budget spent): the service is down
  STRATA_ACTOR_STOPPED: 503,
};

/** The HTTP status of a coded error: known codes by table; other retryable codes 503, the rest 422. */
export function httpStatusOf(code: string, retryable: boolean): number {
  return STATUS[code] ?? (retryable ? 503 : 422);
}

export function errorBody(code: string, message: string, data: Readonly<Record<string, unknown>> = {}): ErrorBody {
  return { error: { code, message, data } };
}
