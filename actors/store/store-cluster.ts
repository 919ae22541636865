// The StoreCluster facade: what the daemon, the jobs code and ingest use to reach the partitioned, replicated
// store. Behind it a load-balancer actor routes to one node-proxy actor per store node (docs/store.md §Actors).
// This file holds the contract only (types); createStoreCluster in create-store-cluster.ts builds one.
import type { ColumnBatch, KvEntry, PartitionedTableName, PartitionScheme, PnlMatrix, ResultSet, SqlParam, StoreNode } from '../../engine/store/index.ts';
import type { ActorSystem } from '../../runtime/index.ts';
import type { BalancingPolicy, ClusterStatus, NodeStatus, StoreClusterEvent } from '../load-balancer/index.ts';

export type { BalancingPolicy, ClusterStatus, NodeStatus, StoreClusterEvent };

/** How a node-proxy reaches its embedded DuckDB node: its own worker thread (default), one worker thread shared by
 *  the nodes hosted so, a child process, or in-line (docs/store.md "Hosting"). */
export type NodeHosting = 'thread' | 'shared-thread' | 'process' | 'inline';

export type NodeSpec =
  | {
    readonly name: string;
    readonly kind: 'duckdb';
    /** database file; default `<dir>/<name>.duckdb`; ':memory:' for a throw-away node (inline/thread only) */
    readonly path?: string;
    /** default: the cluster's `placement` */
    readonly hosting?: NodeHosting;
    /** the node's pool of reader connections, so reads do not queue behind appends (default 1) */
    readonly readConnections?: number;
    /** DuckDB's own worker threads for this node (default: DuckDB's choice, one per core) */
    readonly duckdbThreads?: number;
    /** the most memory DuckDB keeps for this node, MiB (default: 128 for a node with a file, DuckDB's own for an in-memory one; engine/store DEFAULT_FILE_MEMORY_LIMIT_MB) */
    readonly memoryLimitMb?: number;
    /** relative share of reads under the `weighted` policy (default 1) */
    readonly weight?: number;
  }
  | {
    readonly name: string;
    readonly kind: 'heavydb';
    /** heavydb://user:password@host:port/database */
    readonly url: string;
    readonly weight?: number;
  }
  | {
    readonly name: string;
    /** any StoreNode opened in this thread (fault injection in tests, other backends) */
    readonly kind: 'custom';
    readonly open: () => Promise<StoreNode>;
    readonly weight?: number;
  };

export interface BreakerOptions {
  /** consecutive failures that open the breaker (default 5) */
  readonly failureThreshold?: number;
  /** how long an open breaker refuses calls before one half-open probe (default 2,000 ms) */
  readonly openMs?: number;
}

export interface RetryOptions {
  /** tries per call across replicas, the first included (default 4) */
  readonly attempts?: number;
  /** backoff before the second try, doubled each time up to maxMs (defaults 5 and 200 ms) */
  readonly minMs?: number;
  readonly maxMs?: number;
}

export interface StoreClusterOptions {
  readonly system: ActorSystem;
  /** folder for the embedded nodes' files (created when missing) */
  readonly dir: string;
  /** a count of embedded DuckDB nodes named n1…nN (default 3), or explicit specs */
  readonly nodes?: number | readonly NodeSpec[];
  /** replicas per partition (default 2) */
  readonly replicationFactor?: number;
  /** default: hash of strategy id into 64 partitions */
  readonly scheme?: PartitionScheme;
  /** default 'least-outstanding' */
  readonly policy?: BalancingPolicy;
  /** default hosting of embedded nodes (default 'thread') */
  readonly placement?: NodeHosting;
  /** per store call (default 30,000 ms) */
  readonly timeoutMs?: number;
  /** period of each node-proxy's health check (default 1,000 ms) */
  readonly healthIntervalMs?: number;
  readonly breaker?: BreakerOptions;
  readonly retry?: RetryOptions;
  /** at start, how long to wait for every node before reading the durable hints and placement without the
   *  missing ones (default 5,000 ms); a node that comes up later has its placement record checked then */
  readonly hintWaitMs?: number;
  /** name of the load-balancer actor under /user (default 'store'); node-proxies are its children */
  readonly name?: string;
}

export interface ClusterHealth {
  /** every partition has a serving replica */
  readonly ok: boolean;
  readonly nodesUp: number;
  readonly nodesTotal: number;
  readonly unavailablePartitions: readonly number[];
}

/**
 * Where a read goes. A statement containing `{{partitions}}` (PARTITIONS_MARKER) in its WHERE clause is
 * scattered: each node gets it with the marker replaced by a filter on `partition_id` for the partitions it answers
 * for (every partition when none are given), and the partials are gathered (k-way merged by `orderBy`). A
 * statement without the marker goes to one serving replica holding all its partitions (point reads: give
 * `strategyIds` or `partitions`).
 */
export interface QueryOptions {
  /** partitions the statement reads (default: all) */
  readonly partitions?: readonly number[];
  /** strategy ids the statement is about: their partitions are added to `partitions` */
  readonly strategyIds?: readonly string[];
  /** columns every partial is sorted by (same ORDER BY on every node): partials are k-way merged by them */
  readonly orderBy?: readonly string[];
  readonly timeoutMs?: number;
}

export interface StoreCluster {
  /** node names, sorted */
  readonly nodes: readonly string[];
  /** Resolves once every node has been tried once and the schema exists on every live node. */
  readonly ready: Promise<void>;
  /**
   * Splits by partition, fills partition_id, writes to every live replica (remembered for missing ones). With
   * `group` (an ingest passes its file's content hash) the replicas may defer durability until
   * `syncAppends(group)` (grouped appends, docs/store.md).
   */
  append(table: PartitionedTableName, batch: ColumnBatch, options?: { readonly timeoutMs?: number; readonly group?: string }): Promise<{ readonly rows: number; readonly partitions: number }>;
  /**
   * Makes the grouped appends of `group` durable on every replica that acknowledged some, checks each holds
   * every row it acknowledged (a replica that lost them gets a hint and is caught up later), and rejects with
   * STRATA_LB_WRITE_UNACKNOWLEDGED when some partition is left with no replica holding its rows.
   */
  syncAppends(group: string, options?: { readonly timeoutMs?: number }): Promise<void>;
  /** A read-only statement with `?` placeholders, scattered over the partitions' replicas and gathered. */
  query(sql: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<ResultSet>;
  /** The strategies × days daily P&L matrix (zone ALL by default), loaded by scatter-gather. */
  pnlMatrix(strategyIds: readonly string[], from?: string, to?: string, options?: { readonly zone?: string; readonly timeoutMs?: number }): Promise<PnlMatrix>;
  /** Deletes every row of these strategies from all replicas. */
  deleteStrategies(strategyIds: readonly string[]): Promise<void>;
  /** Durable key/value entries (job journal, checkpoints, results): replicated like a partition chosen by `ns`. */
  kvPut(ns: string, entries: readonly { readonly key: string; readonly value: string }[]): Promise<void>;
  kvGet(ns: string, key: string): Promise<KvEntry | null>;
  kvList(ns: string, keys?: readonly string[]): Promise<KvEntry[]>;
  kvDelete(ns: string, keys: readonly string[]): Promise<void>;
  health(): Promise<ClusterHealth>;
  status(): Promise<ClusterStatus>;
  /** Returns an unsubscribe function. Listeners run on the main thread and must not throw. */
  onEvent(listener: (event: StoreClusterEvent) => void): () => void;
  /**
   * Adds a node (default: an embedded DuckDB node named n<k> in `dir`) and rebalances without downtime: each
   * moved partition is copied under its own short write hold, then switched. Resolves with the node's name
   * once every copy is done.
   */
  addNode(spec?: NodeSpec): Promise<string>;
  /** Ends a node's thread or process abruptly (kill -9 for a process): crash tests and failover drills. */
  killNode(name: string): void;
  /** Stops the actors and closes every node (files released). */
  close(): Promise<void>;
}
