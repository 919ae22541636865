// The cluster transport's public surface: authenticated WebSocket links carrying envelope batches (bulk lane)
// and control messages (control lane) between members.
export { Transport, defaultTransportSettings, encodeControl } from './transport.ts';
export type { TransportOptions, TransportHandlers, TransportStats, ControlMessage, TlsFiles } from './transport.ts';
export { PROTOCOL_VERSION, CLOSE, MIN_SECRET_BYTES } from './handshake.ts';
export type { Lane } from './handshake.ts';
export { memberId, endpointOf, endpointOfId, parseEndpoint, parseMemberId } from './member-id.ts';
export type { MemberIdentity } from './member-id.ts';
export { FailureLimiter, defaultFailureLimits } from './failure-limiter.ts';
export type { FailureLimiterOptions } from './failure-limiter.ts';
