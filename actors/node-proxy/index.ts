// actors/node-proxy: one actor per store node: its host (thread, process or in-line), calls, latency
// histograms, health checks and the circuit breaker machine.
export { PROTOCOL } from './messages.ts';
export type { BreakerStateName, LatencyFigures, NodeCallReply, NodeChanged, NodeProxyCommand, NodeProxyMessage, NodeProxyStatus } from './messages.ts';
export { nodeProxyBehaviour } from './actor.ts';
export type { NodeProxyOptions } from './actor.ts';
export { breakerMachine, breakerStateName } from './machine.ts';
export type { BreakerContext, BreakerEvent, BreakerInput, BreakerStateValue } from './machine.ts';
export { startHost, fromHostError } from './node-host.ts';
export type { HostKind, HostSpec, NodeHost } from './node-host.ts';
export { STORE_OPS, toHostError } from './host-protocol.ts';
export type { HostConfig, HostErrorData, HostMemory, HostOp, StoreOp } from './host-protocol.ts';
export { HOST_MEMORY_OP } from './host-protocol.ts';
export { serveOverIpc, parseHostArgs } from './process-host.ts';
export { LatencyBook } from './latency.ts';
export { encodeBatchColumns, encodeText, decodeText, isDictColumn, toDictionaryColumn } from './wire-columns.ts';
export type { DictColumn } from './wire-columns.ts';
export { catalogue, nodeProxyError } from './errors.ts';
export type { NodeProxyErrorCode } from './errors.ts';
