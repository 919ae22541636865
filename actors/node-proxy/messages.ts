// The node-proxy's protocol: calls to its store node, inspection, and the events it reports to its parent (the
// load-balancer). Plain msgpack-safe data; errors travel as { code, message, retryable, data }.
import type { ActorRef } from '../../runtime/index.ts';
import type { HostErrorData, HostMemory, StoreOp } from './host-protocol.ts';

export const PROTOCOL = 1;

export type BreakerStateName = 'closed' | 'open' | 'half-open';

export interface LatencyFigures {
  readonly count: number;
  /** µs */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface NodeProxyStatus {
  readonly name: string;
  readonly kind: 'duckdb' | 'heavydb';
  readonly hosting: 'inline' | 'thread' | 'shared-thread' | 'process';
  readonly label: string;
  /** 'connecting' until the first host is up; 'down' between a host's death and its successor */
  readonly connection: 'connecting' | 'up' | 'down' | 'closed';
  readonly breaker: BreakerStateName;
  readonly consecutiveFailures: number;
  readonly inFlight: number;
  readonly latency: Readonly<Record<string, LatencyFigures>>;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly lastHealthyAt: number | null;
  /** DuckDB's own memory at the last health check (DUCKDB_MEMORY_SQL), bytes; null for HeavyDB or before one */
  readonly memoryBytes: number | null;
  /** each table's rows on this node at its last count (every ROW_COUNT_EVERY_CHECKS-th health check); null for
   *  HeavyDB or before the first */
  readonly rowCounts: Readonly<Record<string, number>> | null;
  /** the hosting thread's or process's V8 heap and external memory at the last health check (null in-line) */
  readonly hostMemory: HostMemory | null;
  readonly pid: number | null;
  readonly threadId: number | null;
  /** hosts started so far (1 after the first start) */
  readonly incarnation: number;
}

export type NodeCallReply =
  | { readonly type: 'node.call.ok'; readonly value: unknown }
  | { readonly type: 'node.call.rejected'; readonly error: HostErrorData };

export type NodeProxyCommand =
  | { readonly type: 'node.call'; readonly op: StoreOp; readonly args: readonly unknown[]; readonly timeoutMs: number; readonly replyTo: ActorRef<NodeCallReply> }
  | { readonly type: 'node.inspect'; readonly replyTo: ActorRef<{ readonly type: 'node.inspect.ok'; readonly status: NodeProxyStatus }> }
  /** ends the host abruptly (crash tests); the proxy notices the death like any other and reconnects */
  | { readonly type: 'node.kill' }
  | { readonly type: 'node.close'; readonly replyTo: ActorRef<{ readonly type: 'node.close.ok' }> };

/** Messages the proxy sends itself (timers, host lifecycle). */
export type NodeProxyInternal =
  | { readonly type: 'node.health-check' }
  | { readonly type: 'node.reconnect' }
  | { readonly type: 'breaker.probe-due' }
  | { readonly type: 'node.host-started'; readonly generation: number }
  | { readonly type: 'node.host-failed'; readonly generation: number; readonly error: HostErrorData }
  | { readonly type: 'node.host-exited'; readonly generation: number; readonly error: HostErrorData };

export type NodeProxyMessage = NodeProxyCommand | NodeProxyInternal;

/** Reported to the parent on every change of reachability or breaker state. */
export interface NodeChanged {
  readonly type: 'node.changed';
  readonly node: string;
  /** the host is up (a call can reach the node) */
  readonly up: boolean;
  readonly breaker: BreakerStateName;
  readonly previousBreaker: BreakerStateName;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly at: number;
}
