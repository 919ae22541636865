// The load-balancer's protocol: appends, reads, the P&L matrix, kv, status and membership, plus the events it
// publishes and the status it reports. Plain msgpack-safe data; errors travel as { code, message, retryable, data }.
import type { ColumnBatch, PartitionedTableName, SqlParam } from '../../engine/store/index.ts';
import type { ActorRef } from '../../runtime/index.ts';
import type { BreakerStateName, HostErrorData, HostMemory, LatencyFigures, NodeChanged } from '../node-proxy/index.ts';
import type { BalancingPolicy } from './policies.ts';
import type { MemberPhase } from './machine.ts';

/** Replaced in a scattered statement by a filter on `partition_id` for the partitions one node answers for (a bit mask
 *  on DuckDB nodes, `partition_id IN (…)` on others; partition-filter.ts). */
export const PARTITIONS_MARKER = '{{partitions}}';

export const PROTOCOL = 1;

export type LbReply =
  | { readonly type: 'lb.ok'; readonly value: unknown }
  | { readonly type: 'lb.rejected'; readonly error: HostErrorData };

type Ask = { readonly replyTo: ActorRef<LbReply> };

export type LbCommand =
  | ({ readonly type: 'lb.append'; readonly table: PartitionedTableName; readonly batch: ColumnBatch; readonly timeoutMs: number; readonly group?: string } & Ask)
  /** Makes a group's appends durable on every node that acknowledged some; fails when a partition has no replica holding them. */
  | ({ readonly type: 'lb.sync-appends'; readonly group: string; readonly timeoutMs: number } & Ask)
  | ({ readonly type: 'lb.query'; readonly sql: string; readonly params: readonly SqlParam[]; readonly partitions: readonly number[] | null; readonly orderBy: readonly string[] | null; readonly timeoutMs: number } & Ask)
  | ({ readonly type: 'lb.matrix'; readonly strategyIds: readonly string[]; readonly from: string | null; readonly to: string | null; readonly zone: string; readonly timeoutMs: number } & Ask)
  | ({ readonly type: 'lb.delete-strategies'; readonly strategyIds: readonly string[]; readonly timeoutMs: number } & Ask)
  | ({ readonly type: 'lb.kv.put'; readonly ns: string; readonly entries: readonly { readonly key: string; readonly value: string }[]; readonly timeoutMs: number } & Ask)
  | ({ readonly type: 'lb.kv.list'; readonly ns: string; readonly keys: readonly string[] | null; readonly timeoutMs: number } & Ask)
  | ({ readonly type: 'lb.kv.delete'; readonly ns: string; readonly keys: readonly string[]; readonly timeoutMs: number } & Ask)
  | ({ readonly type: 'lb.status' } & Ask)
  /** adds the node registered under `name` in the node specs and rebalances */
  | ({ readonly type: 'lb.add-node'; readonly name: string } & Ask)
  /** ends a node's host abruptly (crash tests and drills) */
  | { readonly type: 'lb.kill-node'; readonly node: string }
  | ({ readonly type: 'lb.close' } & Ask);

export type LbInternal = { readonly type: 'lb.catchup.retry'; readonly node: string };

export type LbMessage = LbCommand | LbInternal | NodeChanged;

/** One node as the load-balancer and its node-proxy see it. */
export interface NodeStatus {
  readonly name: string;
  readonly kind: 'duckdb' | 'heavydb';
  readonly hosting: 'inline' | 'thread' | 'shared-thread' | 'process';
  readonly label: string;
  /** reachable with a closed breaker, and serving reads */
  readonly up: boolean;
  readonly phase: MemberPhase;
  readonly connection: 'connecting' | 'up' | 'down' | 'closed' | 'unknown';
  readonly breaker: BreakerStateName;
  readonly consecutiveFailures: number;
  /** calls in flight at the node-proxy */
  readonly inFlight: number;
  /** calls in flight from the load-balancer */
  readonly outstanding: number;
  readonly ewmaMs: number;
  readonly weight: number;
  readonly latency: Readonly<Record<string, LatencyFigures>>;
  readonly partitions: readonly number[];
  readonly hintedPartitions: readonly number[];
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly lastHealthyAt: number | null;
  /** DuckDB's own memory at the node's last health check, bytes (null: HeavyDB, or not checked yet) */
  readonly memoryBytes: number | null;
  /** each table's rows on this node at its last count, every tenth health check (null: HeavyDB, not yet) */
  readonly rowCounts: Readonly<Record<string, number>> | null;
  /** the hosting thread's or process's V8 heap and external memory, bytes (null: in-line, or not checked yet) */
  readonly hostMemory: HostMemory | null;
  readonly pid: number | null;
  readonly threadId: number | null;
  readonly incarnation: number;
}

export interface ClusterStatus {
  readonly policy: BalancingPolicy;
  readonly replicationFactor: number;
  readonly partitionCount: number;
  readonly nodes: readonly NodeStatus[];
  /** partitions with no serving replica right now (their reads fail) */
  readonly unavailablePartitions: readonly number[];
  readonly at: number;
}

export type StoreClusterEvent =
  | { readonly type: 'store.node.down'; readonly node: string; readonly code: string; readonly message: string; readonly at: number }
  | { readonly type: 'store.node.up'; readonly node: string; readonly at: number }
  | { readonly type: 'store.breaker.changed'; readonly node: string; readonly from: BreakerStateName; readonly to: BreakerStateName; readonly at: number }
  /**
   * at start, a node catches up before serving because its placement record is missing (`recordVersion` null) or
   * older than the newest (`reason` placement), or because its replicated kv differs from the other nodes' (`reason`
   * kv: `kvMissing` entries it lacks or holds an older value of, `kvExtra` only it holds)
   */
  | { readonly type: 'store.node.distrusted'; readonly node: string; readonly reason: 'placement' | 'kv'; readonly recordVersion: number | null; readonly newestVersion: number; readonly partitions: number; readonly kvMissing?: number; readonly kvExtra?: number; readonly at: number }
  | { readonly type: 'store.catchup.started'; readonly node: string; readonly partitions: number; readonly hinted: number; readonly at: number }
  | { readonly type: 'store.catchup.progress'; readonly node: string; readonly done: number; readonly total: number; readonly copiedPartitions: number; readonly copiedRows: number; readonly at: number }
  | { readonly type: 'store.catchup.finished'; readonly node: string; readonly copiedPartitions: number; readonly copiedRows: number; readonly elapsedMs: number; readonly at: number }
  | { readonly type: 'store.catchup.failed'; readonly node: string; readonly code: string; readonly message: string; readonly at: number }
  | { readonly type: 'store.rebalance.started'; readonly nodes: readonly string[]; readonly moves: number; readonly at: number }
  | { readonly type: 'store.rebalance.finished'; readonly nodes: readonly string[]; readonly moves: number; readonly copiedRows: number; readonly elapsedMs: number; readonly at: number };
