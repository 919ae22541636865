// The load-balancer actor: owns one node-proxy child per store node and the placement of partitions on them.
// Writes go to every writable replica of each partition (missed replicas are remembered as hints and sent to
// catch up); reads pick a serving replica by policy and retry retryable failures on another replica with
// exponential backoff; statements spanning partitions are scattered per node and gathered in order. A node
// that returns is compared partition by partition (checksums) with healthy replicas and copied into before it
// serves reads; adding a node moves partitions to it one at a time while reads and writes go on.
import { createActor, type Actor } from 'xstate';
import { EngineError } from '../../engine/engine-error.ts';
import {
  assemblePnlMatrix, concatResults, mergeSortedResults, normalizeBatch, PARTITIONED_TABLES, partitionCount, partitionIds,
  LIST_CONTAINS_MAX, partitionOf, partitionsToCopy, placementMoves, placePartitions, planReads, rebalance, tableSpec, textCandidateFilter,
  type ColumnBatch, type PartitionChecksum, type PartitionedTableName, type PartitionScheme, type Placement, type ResultSet, type SqlParam,
} from '../../engine/store/index.ts';
import type { ActorContext, Behaviour } from '../../runtime/index.ts';
import {
  encodeBatchColumns, fromHostError, nodeProxyBehaviour, nodeProxyError, toHostError,
  type HostSpec, type NodeCallReply, type NodeProxyCommand, type NodeProxyOptions, type NodeProxyStatus, type StoreOp,
} from '../node-proxy/index.ts';
import { selectRows } from './batch-rows.ts';
import { duckDbPartitionFilter, partitionInList } from './partition-filter.ts';
import { loadBalancerError } from './errors.ts';
import { memberMachine, type MemberPhase } from './machine.ts';
import type { ClusterStatus, LbMessage, LbReply, NodeStatus, StoreClusterEvent } from './messages.ts';
import { kvDifference, kvOutliers, summariseKv, type KvDifference, type KvSummary } from './kv-digest.ts';
import { KV_GATE, PartitionGate } from './partition-gate.ts';
import { createPolicyState, nextEwma, pickReplica, type BalancingPolicy } from './policies.ts';

import { PARTITIONS_MARKER } from './messages.ts';

export interface ResolvedNode {
  readonly host: HostSpec;
  /** > 0, for the weighted policy */
  readonly weight: number;
  /** the database behind the node, when known: how a scattered query names its partitions there */
  readonly kind?: 'duckdb' | 'heavydb' | 'custom';
}

export interface LoadBalancerOptions {
  readonly nodes: readonly string[];
  /** every node's host spec, by name (nodes added later are registered here before lb.add-node) */
  readonly specs: ReadonlyMap<string, ResolvedNode>;
  readonly replicationFactor: number;
  readonly scheme: PartitionScheme;
  readonly policy: BalancingPolicy;
  readonly retry: { readonly attempts: number; readonly minMs: number; readonly maxMs: number };
  readonly proxy: Omit<NodeProxyOptions, 'name' | 'host' | 'report'>;
  readonly emit: (event: StoreClusterEvent) => void;
  readonly random?: () => number;
  /** wait before a failed catch-up is tried again (default 500 ms; doubled with each failure in a row, up to 16×) */
  readonly catchUpRetryMs?: number;
  /** partitions compared and copied under one exclusive hold during catch-up (default 8) */
  readonly catchUpGroup?: number;
  /** at start, how long to wait for every node before reading the durable hints from those up (default 5,000 ms) */
  readonly hintWaitMs?: number;
}

/** kv namespace of the durable hints: key = node name, value = { partitions, kv } it must catch up on. */
export const HINTS_NAMESPACE = 'strata.store.hints';

/**
 * kv namespace of the placement the stored rows follow: key `current`, value a PersistedPlacement. Read at start,
 * so a store whose nodes changed between two starts (`store.nodes` 3 → 4, a node taken out) moves its partitions
 * to the new nodes from where they are, instead of serving new nodes' empty copies.
 */
export const PLACEMENT_NAMESPACE = 'strata.store.placement';
/** kv namespace of the marker a kv delete stamps on every node (its time counts when nodes' kv are compared) */
export const KV_DELETED_NAMESPACE = 'strata.store.kv-deleted';
/** kv namespaces that differ per node by design (left out when nodes' kv are compared) */
const KV_PER_NODE: ReadonlySet<string> = new Set([HINTS_NAMESPACE, PLACEMENT_NAMESPACE]);
/** kv namespaces whose entries only stamp a time (compared by it, not by their values) */
const KV_STAMPS_ONLY: ReadonlySet<string> = new Set([KV_DELETED_NAMESPACE]);

export interface PersistedPlacement {
  /** grows by one with every change: the newest copy among the nodes wins */
  readonly version: number;
  readonly partitionCount: number;
  readonly replicationFactor: number;
  readonly nodes: readonly string[];
  readonly replicas: readonly (readonly string[])[];
}

/** What an operator is told of a node distrusted at start (STRATA_LB_NODE_BEHIND): the log line and the recent error. */
export function distrustMessage(e: Extract<StoreClusterEvent, { type: 'store.node.distrusted' }>): string {
  if (e.reason === 'kv') {
    return `store node ${e.node}'s replicated kv (the ingest journal among it) differs from the other nodes': ${e.kvMissing ?? 0} entries missing or older there, ${e.kvExtra ?? 0} only there. Its file may be an old copy put back, or a write reached it and not the others before a crash; its ${e.partitions} partitions are compared with the other replicas and caught up before it serves reads`;
  }
  return e.recordVersion === null
    ? `store node ${e.node} holds no placement record while the other nodes do (version ${e.newestVersion}): its files are new or were replaced; its ${e.partitions} partitions are compared with the other replicas and caught up before it serves reads`
    : `store node ${e.node} holds placement record ${e.recordVersion}, older than ${e.newestVersion}: its file may be an old copy; its ${e.partitions} partitions are compared with the other replicas and caught up before it serves reads`;
}

function parsePlacement(text: string): PersistedPlacement | null {
  try {
    const v = JSON.parse(text) as Partial<PersistedPlacement>;
    const names = (x: unknown): x is string[] => Array.isArray(x) && x.every((n) => typeof n === 'string');
    if (!Number.isInteger(v.version) || !Number.isInteger(v.partitionCount) || !Number.isInteger(v.replicationFactor)) return null;
    if (!names(v.nodes) || !Array.isArray(v.replicas) || v.replicas.length !== v.partitionCount || !v.replicas.every(names)) return null;
    return v as PersistedPlacement;
  } catch {
    return null;
  }
}

// grouped appends not yet synced that the load-balancer remembers (the oldest are forgotten beyond this)
const MAX_OPEN_GROUPS = 1_024;

interface Member {
  readonly name: string;
  readonly kind: 'duckdb' | 'heavydb' | 'custom';
  readonly ref: import('../../runtime/index.ts').ActorRef<NodeProxyCommand>;
  readonly weight: number;
  up: boolean;
  breaker: 'closed' | 'open' | 'half-open';
  outstanding: number;
  ewmaMs: number;
  /** partitions written while this node missed the write */
  readonly hints: Set<number>;
  kvHint: boolean;
  /** hints.size / kvHint as last written to the durable hints (the entry exists when either is set) */
  persistedHints: number;
  persistedKvHint: boolean;
  catchUpRun: number;
  /** the error of its last failed write or catch-up, until a write to it succeeds (why a write found it unwritable;
   *  a catch-up that finishes copies nothing when there is nothing to copy, so it does not clear this) */
  lastWriteError: ErrorLike | null;
  /** catch-ups failed in a row (the retry delay doubles with each, up to 16×) */
  catchUpFailures: number;
  readonly machine: Actor<typeof memberMachine>;
  readonly availableWaiters: (() => void)[];
}

type ErrorLike = { code: string; message: string; retryable: boolean; data: Readonly<Record<string, unknown>> };

const asError = (e: unknown): ErrorLike => toHostError(e);
/** errors that follow from an earlier failure of the node rather than say what it was */
const CONSEQUENTIAL_ERRORS: ReadonlySet<string> = new Set(['STRATA_NODE_BREAKER_OPEN', 'STRATA_LB_NO_REPLICA']);
const isRetryable = (e: unknown): boolean => asError(e).retryable;
const READ_SQL = /^\s*(SELECT|WITH)\b/i;
const IN_CHUNK = 500;

/** The trading days of a (strategy_id, trading_day, …) result's rows whose strategy is in `wanted`. */
function daysOfWanted(r: ResultSet, wanted: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const s = r.columns.find((col) => col.name === 'strategy_id');
  const d = r.columns.find((col) => col.name === 'trading_day');
  if (!s || !d || s.type !== 'text' || d.type !== 'text') return out;
  // dictionary columns (DuckDB results): each distinct id is looked up once
  const keep = s.dictionary ? s.dictionary.values.map((id) => id !== null && wanted.has(id)) : null;
  for (let i = 0; i < r.rowCount; i++) {
    const ok = keep ? (s.dictionary!.codes[i]! >= 0 && keep[s.dictionary!.codes[i]!]!) : wanted.has(s.values[i] ?? '');
    if (!ok) continue;
    const day = d.dictionary ? (d.dictionary.codes[i]! >= 0 ? d.dictionary.values[d.dictionary.codes[i]!] : null) : d.values[i];
    if (day !== null && day !== undefined) out.add(day);
  }
  return out;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function loadBalancerBehaviour(o: LoadBalancerOptions): Behaviour<LbMessage> {
  return (ctx) => {
    const P = partitionCount(o.scheme);
    const RF = o.replicationFactor;
    const random = o.random ?? Math.random;
    const first = placePartitions(o.nodes, P, RF);
    let placementNodes: string[] = [...first.nodes];
    const replicas: string[][] = first.replicas.map((r) => [...r]);
    const members = new Map<string, Member>();
    const gate = new PartitionGate();
    const policyState = createPolicyState();
    const readsInFlight = new Set<Promise<unknown>>();
    let closed = false;

    const phase = (m: Member): MemberPhase => m.machine.getSnapshot().value as MemberPhase;
    const available = (m: Member): boolean => m.up && m.breaker === 'closed';
    const readable = (m: Member | undefined): boolean => !!m && available(m) && phase(m) === 'serving';
    const writable = (m: Member | undefined): boolean => !!m && available(m) && (phase(m) === 'serving' || phase(m) === 'catchingUp');
    const now = (): number => ctx.clock.now();
    const placement = (): Placement => ({ partitionCount: P, replicationFactor: RF, nodes: placementNodes, replicas });
    const heldBy = (name: string): number[] => {
      const out: number[] = [];
      replicas.forEach((r, p) => { if (r.includes(name)) out.push(p); });
      return out;
    };
    const sleep = (ms: number): Promise<void> => new Promise((r) => ctx.clock.setTimeout(r, ms));
    const backoffMs = (attempt: number): number => Math.min(o.retry.maxMs, o.retry.minMs * 2 ** Math.max(0, attempt - 1));

    function addMember(name: string): Member {
      const spec = o.specs.get(name);
      // The facade registers a spec before asking for a node: a missing one is a broken invariant.
      if (!spec) throw new Error(`load-balancer: node ${name} has no registered spec`);
      const ref = ctx.spawn(nodeProxyBehaviour({ ...o.proxy, name, host: spec.host, report: ctx.self }), { name: `node-${name}` });
      const member: Member = {
        name, kind: spec.kind ?? 'custom', ref, weight: spec.weight, up: false, breaker: 'closed', outstanding: 0, ewmaMs: 0, hints: new Set(), kvHint: false, persistedHints: 0, persistedKvHint: false, catchUpRun: 0, lastWriteError: null, catchUpFailures: 0,
        machine: createActor(memberMachine.provide({
          actions: {
            startCatchUp: () => queueMicrotask(() => void runCatchUp(member)),
            // a catch-up that keeps failing (a full disk, a node that errs on every copy) is retried less and less
            // often, up to 16× the first delay: the log and the node get a rest; a success starts over
            scheduleRetry: () => ctx.timers.startSingle(`catchup-${name}`, { type: 'lb.catchup.retry', node: name }, (o.catchUpRetryMs ?? 500) * 2 ** Math.min(4, Math.max(0, member.catchUpFailures - 1))),
          },
        })),
        availableWaiters: [],
      };
      member.machine.start();
      members.set(name, member);
      return member;
    }

    // ---- calls to one node ----------------------------------------------------------------------------------

    async function call(m: Member, op: StoreOp, args: readonly unknown[], timeoutMs: number): Promise<unknown> {
      m.outstanding++;
      const started = performance.now();
      try {
        const reply = await ctx.ask<NodeProxyCommand, NodeCallReply>(m.ref, (replyTo) => ({ type: 'node.call', op, args, timeoutMs, replyTo }), { timeoutMs: timeoutMs + 5_000 });
        if (reply.type === 'node.call.ok') return reply.value;
        throw fromHostError(reply.error);
      } catch (e) {
        throw e instanceof EngineError ? e : fromHostError(asError(e));
      } finally {
        m.outstanding--;
        m.ewmaMs = nextEwma(m.ewmaMs, performance.now() - started);
      }
    }

    /**
     * Keeps `err` as why node `m` is out of service, unless it only follows from an earlier error: a breaker opened
     * by repeated failures, or no replica to copy from, says less than the failure that started it (a full disk).
     */
    function noteWriteError(m: Member, err: ErrorLike): ErrorLike {
      if (m.lastWriteError === null || !CONSEQUENTIAL_ERRORS.has(err.code)) m.lastWriteError = err;
      return err;
    }

    /** Why no node among `names` could take a write: their phases and the error that put one out of service, as
     *  the text a refused write's message ends with and its `data` (`cause`: that error's code). */
    function unwritableWhy(names: readonly string[]): { text: string; data: Record<string, unknown> } {
      const out = names.map((n) => members.get(n)).filter((m): m is Member => m !== undefined && !writable(m));
      if (out.length === 0) return { text: ' (no writable replica)', data: {} };
      const cause = out.find((m) => m.lastWriteError !== null)?.lastWriteError ?? null;
      const states = out.map((m) => `${m.name} ${available(m) ? phase(m) : 'unreachable'}`).join(', ');
      return {
        text: ` (no writable replica: ${states}${cause ? `; they stopped taking writes after ${cause.code}: ${cause.message}` : ''})`,
        data: cause ? { cause: cause.code } : {},
      };
    }

    const missed = (m: Member, partitions: Iterable<number>): void => {
      for (const p of partitions) m.hints.add(p);
      m.machine.send({ type: 'write.missed' });
    };

    // Hints are written to the kv of the nodes that took the write before the write is acknowledged, so a node
    // that missed writes is caught up even after the load-balancer (the daemon) restarts.
    async function persistHints(): Promise<void> {
      const grown = [...members.values()].filter((m) => m.hints.size > m.persistedHints || (m.kvHint && !m.persistedKvHint));
      if (grown.length === 0) return;
      for (const m of grown) {
        const value = JSON.stringify({ partitions: [...m.hints].sort((a, b) => a - b), kv: m.kvHint });
        const size = m.hints.size;
        const kvHint = m.kvHint;
        const targets = [...members.values()].filter((x) => x !== m && writable(x));
        const results = await Promise.allSettled(targets.map((x) => call(x, 'putEntries', [HINTS_NAMESPACE, [{ key: m.name, value }], { timeoutMs: 10_000 }], 10_000)));
        if (results.some((r) => r.status === 'fulfilled')) {
          m.persistedHints = Math.max(m.persistedHints, size);
          m.persistedKvHint ||= kvHint;
        } else {
          ctx.log.warn({ node: m.name }, 'hints for this node could not be written anywhere; they live in memory only');
        }
      }
    }

    async function clearPersistedHints(m: Member): Promise<void> {
      m.persistedHints = 0;
      m.persistedKvHint = false;
      const targets = [...members.values()].filter((x) => writable(x));
      await Promise.allSettled(targets.map((x) => call(x, 'deleteEntries', [HINTS_NAMESPACE, [m.name], { timeoutMs: 10_000 }], 10_000)));
    }

    let hintsLoaded = false;
    let hintsLoading = false;
    let hintTimer: unknown = null;

    /** At start: once every node is up (or after hintWaitMs), read the hints every reachable node holds. */
    function maybeLoadHints(): void {
      if (hintsLoaded || hintsLoading) return;
      const all = [...members.values()];
      if (all.every(available)) { void loadHints(); return; }
      hintTimer ??= ctx.clock.setTimeout(() => { void loadHints(); }, o.hintWaitMs ?? 5_000);
    }

    async function loadHints(): Promise<void> {
      if (hintsLoaded || hintsLoading) return;
      hintsLoading = true;
      if (hintTimer !== null) ctx.clock.clearTimeout(hintTimer);
      const up = [...members.values()].filter(available);
      const found = await Promise.allSettled(up.map((m) => call(m, 'readEntries', [HINTS_NAMESPACE], 10_000) as Promise<{ key: string; value: string }[]>));
      for (const r of found) {
        if (r.status !== 'fulfilled') continue;
        for (const e of r.value) {
          const m = members.get(e.key);
          if (!m) continue;
          let parsed: { partitions?: unknown; kv?: unknown } = {};
          try { parsed = JSON.parse(e.value) as typeof parsed; } catch { parsed = {}; }
          if (Array.isArray(parsed.partitions)) for (const p of parsed.partitions) if (Number.isInteger(p)) m.hints.add(p as number);
          m.kvHint ||= parsed.kv === true;
          m.persistedHints = m.hints.size;
          m.persistedKvHint = m.kvHint;
          // A node with hints starts by catching up, whatever its files say.
          m.machine.send({ type: 'write.missed' });
        }
      }
      const target = [...placementNodes];
      const { newest: stored, versions } = await readPlacement(up);
      const changed = stored !== null && adoptPlacement(stored);
      // A node whose placement record is missing or older than the newest is not trusted as it is: its file may
      // be new (lost, deleted, moved) or an old copy put back. It catches up first, like a node with hints.
      if (stored !== null) for (const m of up) distrustBehind(m, versions.get(m.name) ?? null, stored.version);
      // A node with a current record can still be an old copy put back (no placement change since): its kv lacks
      // the writes made since. The nodes the record places rows on are compared (a new node holds no kv yet).
      if (stored !== null) await distrustKvOutliers(up.filter((m) => placementNodes.includes(m.name)));
      hintsLoaded = true;
      hintsLoading = false;
      for (const m of members.values()) if (available(m)) m.machine.send({ type: 'node.available' });
      // no record: a first start (or one from before records). Written only when every node answered: with
      // some down, the rows may sit where they are not expected (their nodes changed while down), and a record
      // written now would hide theirs
      if (stored === null && up.length === members.size) void persistPlacement();
      else if (changed) void reconcile(target);
    }

    let placementVersion = 0;

    /**
     * The newest placement record among the nodes `up` (null: a store's first start, or one from before records),
     * and the version each node answered with (null: it holds none, or its record does not parse; absent: it did
     * not answer).
     */
    async function readPlacement(up: readonly Member[]): Promise<{ newest: PersistedPlacement | null; versions: Map<string, number | null> }> {
      const found = await Promise.allSettled(up.map((m) => readPlacementOf(m)));
      let newest: PersistedPlacement | null = null;
      const versions = new Map<string, number | null>();
      for (const [i, r] of found.entries()) {
        if (r.status !== 'fulfilled') continue;
        versions.set(up[i]!.name, r.value?.version ?? null);
        if (r.value && (newest === null || r.value.version > newest.version)) newest = r.value;
      }
      return { newest, versions };
    }

    /** The placement record node `m` holds, or null (none, or one that does not parse: logged). */
    async function readPlacementOf(m: Member): Promise<PersistedPlacement | null> {
      const entries = await call(m, 'readEntries', [PLACEMENT_NAMESPACE], 10_000) as { key: string; value: string }[];
      const e = entries.find((x) => x.key === 'current');
      if (!e) return null;
      const rec = parsePlacement(e.value);
      if (rec === null) ctx.log.warn({ node: m.name }, 'the placement record this node holds does not parse; it is ignored');
      return rec;
    }

    /**
     * Sends node `m` to catch up before it serves when its placement record (`version`, null: none) is behind
     * `newest`: every partition it holds is compared with a serving replica and copied where it differs, and its
     * kv too. The catch-up stores the hints before it copies anything, so a restart during it starts it again.
     */
    function distrustBehind(m: Member, version: number | null, newest: number): void {
      if (version !== null && version >= newest) return;
      distrust(m, { reason: 'placement', recordVersion: version, newestVersion: newest });
    }

    function distrust(m: Member, why: { reason: 'placement' | 'kv'; recordVersion: number | null; newestVersion: number; kvMissing?: number; kvExtra?: number }): void {
      const held = heldBy(m.name);
      const event = { type: 'store.node.distrusted', node: m.name, ...why, partitions: held.length, at: now() } as const;
      ctx.log.warn({ node: m.name, code: 'STRATA_LB_NODE_BEHIND', ...why, partitions: held.length }, distrustMessage(event));
      o.emit(event);
      for (const p of held) m.hints.add(p);
      m.kvHint = true;
      m.machine.send({ type: 'write.missed' });
    }

    /** Node `m`'s replicated kv (`hashed`: DuckDB's md5 of each value rather than the value). */
    async function kvSummaryOf(m: Member, hashed: boolean): Promise<KvSummary> {
      const value = hashed ? 'md5(entry_value)' : 'entry_value';
      const r = await call(m, 'query', [`SELECT ns, entry_key, ${value} AS v, updated_at FROM kv`, [], { timeoutMs: 30_000 }], 30_000) as ResultSet;
      return summariseKv(r, KV_PER_NODE, KV_STAMPS_ONLY);
    }

    /**
     * Compares the replicated kv of `nodes` (trusted so far) under the kv gate and distrusts those whose kv differs
     * from the reference (kvOutliers). With `reference` (a serving node), only `nodes` are judged, against it.
     */
    async function distrustKvOutliers(nodes: readonly Member[], reference: Member | null = null): Promise<void> {
      const judged = nodes.filter((m) => !m.kvHint);
      if (judged.length === 0 || (reference === null && judged.length < 2)) return;
      const asked = [...judged, ...(reference ? [reference] : [])];
      // DuckDB nodes send a hash of each value; with any other node among them, every node sends its values
      const hashed = asked.every((m) => m.kind === 'duckdb');
      const release = await gate.exclusive([KV_GATE]);
      let summaries: Map<string, KvSummary>;
      try {
        const found = await Promise.allSettled(asked.map((m) => kvSummaryOf(m, hashed)));
        summaries = new Map();
        found.forEach((r, i) => {
          if (r.status === 'fulfilled') summaries.set(asked[i]!.name, r.value);
          else ctx.log.warn({ node: asked[i]!.name, code: asError(r.reason).code }, `the kv of store node ${asked[i]!.name} could not be read to compare it with the other nodes'; it is trusted as it is`);
        });
      } finally {
        release();
      }
      let outliers: Map<string, KvDifference>;
      if (reference === null) outliers = kvOutliers(summaries);
      else {
        outliers = new Map();
        const ref = summaries.get(reference.name);
        if (ref) for (const m of judged) {
          const s = summaries.get(m.name);
          if (s && s.digest !== ref.digest) outliers.set(m.name, kvDifference(s, ref));
        }
      }
      for (const [name, d] of outliers) {
        const m = members.get(name);
        if (m && !m.kvHint) distrust(m, { reason: 'kv', recordVersion: placementVersion, newestVersion: placementVersion, kvMissing: d.missing, kvExtra: d.extra });
      }
    }

    /** A node's first connection after the start's records were read: trusted only with a current record. */
    async function admitLate(m: Member): Promise<void> {
      let version: number | null = null;
      try {
        version = (await readPlacementOf(m))?.version ?? null;
      } catch (e) {
        ctx.log.warn({ node: m.name, code: asError(e).code }, 'the placement record of a node that came up late could not be read; it catches up before it serves');
      }
      if (closed || !available(m) || phase(m) !== 'starting') return;
      distrustBehind(m, version, placementVersion);
      // a current record: its kv is compared with a serving node's (an old copy put back has an older kv)
      const reference = [...members.values()].find((x) => x !== m && readable(x) && placementNodes.includes(x.name));
      if (!m.kvHint && reference && placementNodes.includes(m.name)) {
        try {
          await distrustKvOutliers([m], reference);
        } catch (e) {
          ctx.log.warn({ node: m.name, code: asError(e).code }, 'the kv of a node that came up late could not be compared with the other nodes\'; it is trusted as it is');
        }
        // distrusted meanwhile, it is `down` and node.available sends it to catch up
        if (closed || !available(m)) return;
      }
      m.machine.send({ type: 'node.available' });
    }

    /**
     * Takes the stored placement as where the rows are now; true when it differs from the configured nodes (or
     * replication factor), so the partitions must move. Partitions stay readable from their stored replicas meanwhile.
     */
    function adoptPlacement(stored: PersistedPlacement): boolean {
      placementVersion = stored.version;
      if (stored.partitionCount !== P) {
        ctx.log.error({ stored: stored.partitionCount, configured: P }, `the store's rows were partitioned into ${stored.partitionCount} partitions and the configuration asks for ${P}: the configured partitioning is used, and rows placed the old way may not be found`);
        return false;
      }
      const sameReplicas = stored.replicas.every((r, p) => r.length === replicas[p]!.length && r.every((n) => replicas[p]!.includes(n)));
      if (sameReplicas && stored.replicationFactor === RF) return false;
      const target = [...placementNodes];
      placementNodes = [...stored.nodes];
      stored.replicas.forEach((r, p) => { replicas[p] = [...r]; });
      // the same nodes may still need moves: partitions left on fewer replicas by a start that lacked nodes
      const here: Placement = { partitionCount: P, replicationFactor: RF, nodes: placementNodes, replicas };
      return placementMoves(here, rebalance(here, target, P, RF)).length > 0;
    }

    /** Writes the placement to every reachable node's kv (a node that misses it gets it with its kv catch-up). */
    async function persistPlacement(): Promise<void> {
      placementVersion++;
      const value = JSON.stringify({ version: placementVersion, partitionCount: P, replicationFactor: RF, nodes: placementNodes, replicas } satisfies PersistedPlacement);
      const targets = [...members.values()].filter(available);
      const results = await Promise.allSettled(targets.map((x) => call(x, 'putEntries', [PLACEMENT_NAMESPACE, [{ key: 'current', value }], { timeoutMs: 10_000 }], 10_000)));
      if (!results.some((r) => r.status === 'fulfilled')) ctx.log.warn({ version: placementVersion }, 'the store placement could not be written to any node; the next start may not find where partitions moved');
    }

    /** At start, when the stored nodes differ from the configured ones: once the nodes serve, move partitions to `target`. */
    async function reconcile(target: readonly string[]): Promise<void> {
      const from = [...placementNodes];
      ctx.log.info({ from, to: target }, `store nodes changed since the rows were placed (${from.join(', ')} → ${target.join(', ')}): moving partitions`);
      try {
        const deadline = now() + 60_000;
        // sources must serve before anything is copied from them
        while (!closed && [...members.values()].some((m) => available(m) && from.includes(m.name) && phase(m) !== 'serving') && now() < deadline) await sleep(50);
        if (closed) return;
        const timeoutMs = 30_000;
        for (const n of target) {
          const m = members.get(n);
          if (m && !from.includes(n) && available(m)) await catchUpKv(m, timeoutMs);
        }
        await applyNodes(target, timeoutMs);
      } catch (e) {
        const err = asError(e);
        ctx.log.error({ code: err.code }, `moving partitions to the configured store nodes failed: ${err.message}; reads go on from where the rows are, and the next start tries again`);
      }
    }

    const tracked = <T>(p: Promise<T>): Promise<T> => {
      readsInFlight.add(p);
      const done = (): void => { readsInFlight.delete(p); };
      p.then(done, done);
      return p;
    };

    // ---- reads ----------------------------------------------------------------------------------------------

    /** A read answered by one node among `holders`, retried on another replica for retryable errors. */
    async function readOne<T>(holders: readonly string[], what: string, work: (m: Member) => Promise<T>): Promise<T> {
      const failed = new Set<string>();
      let last: ErrorLike | null = null;
      for (let attempt = 1; attempt <= o.retry.attempts; attempt++) {
        let candidates = holders.map((n) => members.get(n)!).filter((m) => readable(m) && !failed.has(m.name));
        if (candidates.length === 0 && failed.size > 0) {
          failed.clear();
          candidates = holders.map((n) => members.get(n)!).filter((m) => readable(m));
        }
        if (candidates.length > 0) {
          const pick = members.get(pickReplica(o.policy, candidates, policyState, random).name)!;
          try {
            return await work(pick);
          } catch (e) {
            if (!isRetryable(e)) throw e;
            last = asError(e);
            failed.add(pick.name);
          }
        }
        if (attempt < o.retry.attempts) await sleep(backoffMs(attempt));
      }
      if (last) throw loadBalancerError('STRATA_LB_RETRIES_EXHAUSTED', `${what}: ${o.retry.attempts} tries failed; last: ${last.code}: ${last.message}`, { cause: last.code, nodes: [...holders] });
      throw loadBalancerError('STRATA_LB_NO_REPLICA', `${what}: no serving replica among ${holders.join(', ')}`, { nodes: [...holders] });
    }

    /** Runs `work` once per node for the partitions it answers for; failed nodes' partitions are re-planned. */
    async function scatter<T>(targets: readonly number[], what: string, work: (m: Member, partitions: number[]) => Promise<T>): Promise<T[]> {
      const results: T[] = [];
      const failed = new Set<string>();
      let pending = [...targets];
      let last: ErrorLike | null = null;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > o.retry.attempts) {
          const l = last as ErrorLike | null;
          if (l) throw loadBalancerError('STRATA_LB_RETRIES_EXHAUSTED', `${what}: ${o.retry.attempts} tries failed for partitions ${pending.join(', ')}; last: ${l.code}: ${l.message}`, { cause: l.code, partitions: pending });
          throw loadBalancerError('STRATA_LB_NO_REPLICA', `${what}: no serving replica for partitions ${pending.join(', ')}`, { partitions: pending });
        }
        let plan = planReads(placement(), pending, (n) => readable(members.get(n)) && !failed.has(n));
        if (plan.unavailable.length > 0 && failed.size > 0) {
          failed.clear();
          plan = planReads(placement(), pending, (n) => readable(members.get(n)));
        }
        const next: number[] = [...plan.unavailable];
        await Promise.all([...plan.byNode].map(async ([name, ps]) => {
          try {
            results.push(await work(members.get(name)!, ps));
          } catch (e) {
            if (!isRetryable(e)) throw e;
            last = asError(e);
            failed.add(name);
            next.push(...ps);
          }
        }));
        pending = next;
        if (pending.length > 0 && attempt < o.retry.attempts) await sleep(backoffMs(attempt));
      }
      return results;
    }

    // A DuckDB node gets its partitions as a bit mask (partition-filter.ts) and its strategy ids, bound as
    // parameters, as a list tested per row (engine/store/id-filter.ts): DuckDB plans IN lists of five or more and
    // unnest semi-joins as hash joins, whose freed blocks it keeps referenced for a long while (docs/daemon.md).
    // Other databases keep plain lists.
    const partitionFilter = (m: Member, ps: readonly number[]): string => (m.kind === 'duckdb' ? duckDbPartitionFilter(ps, P) : partitionInList(ps));

    async function query(sql: string, params: readonly SqlParam[], partitions: readonly number[] | null, orderBy: readonly string[] | null, timeoutMs: number): Promise<ResultSet> {
      if (!READ_SQL.test(sql)) throw loadBalancerError('STRATA_LB_NOT_A_READ', `query() takes SELECT/WITH statements only; got ${JSON.stringify(sql.slice(0, 80))}`, { sql: sql.slice(0, 200) });
      const targets = partitions ? [...new Set(partitions)] : Array.from({ length: P }, (_, p) => p);
      for (const p of targets) {
        if (!Number.isInteger(p) || p < 0 || p >= P) throw loadBalancerError('STRATA_LB_UNSCOPED_QUERY', `partition ${p} is not in 0..${P - 1}`, { partition: p });
      }
      if (!sql.includes(PARTITIONS_MARKER)) {
        const holders = placementNodes.filter((n) => targets.every((p) => replicas[p]!.includes(n)));
        if (holders.length === 0) {
          throw loadBalancerError('STRATA_LB_UNSCOPED_QUERY', `no single node holds all ${targets.length} partitions this statement reads; filter by strategy (options.strategyIds / partitions) or put ${PARTITIONS_MARKER} in its WHERE clause so it can be scattered`, { partitions: targets.length });
        }
        return tracked(readOne(holders, 'query', (m) => call(m, 'query', [sql, params, { timeoutMs }], timeoutMs) as Promise<ResultSet>));
      }
      const partials = await tracked(scatter(targets, 'query', (m, ps) => call(m, 'query', [sql.split(PARTITIONS_MARKER).join(partitionFilter(m, ps)), params, { timeoutMs }], timeoutMs) as Promise<ResultSet>));
      return orderBy && orderBy.length > 0 ? mergeSortedResults(partials, orderBy) : concatResults(partials);
    }

    const partitionsOfStrategies = (ids: readonly string[]): number[] =>
      o.scheme.kind === 'hash' ? [...new Set(ids.map((id) => partitionOf(o.scheme, id)))] : Array.from({ length: P }, (_, p) => p);

    async function pnlMatrix(ids: readonly string[], from: string | null, to: string | null, zone: string, timeoutMs: number) {
      const byPartition = new Map<number, string[]>();
      const partitionOfId = new Map<string, number>();
      if (o.scheme.kind === 'hash') {
        for (const id of ids) {
          const p = partitionOf(o.scheme, id);
          partitionOfId.set(id, p);
          let l = byPartition.get(p);
          if (!l) byPartition.set(p, (l = []));
          l.push(id);
        }
      }
      const idsFor = (ps: readonly number[]): string[] => (o.scheme.kind === 'hash' ? ps.flatMap((p) => byPartition.get(p) ?? []) : [...ids]);
      const dayFilter = `${from !== null ? ' AND trading_day >= ?' : ''}${to !== null ? ' AND trading_day <= ?' : ''}`;
      const dayParams = [...(from !== null ? [from] : []), ...(to !== null ? [to] : [])];
      const parts = await tracked(scatter(o.scheme.kind === 'hash' ? [...byPartition.keys()] : Array.from({ length: P }, (_, p) => p), 'pnlMatrix', async (m, ps) => {
        // `others`: the results hold rows of strategies not asked for, which are left out below
        const out: { pnl: ResultSet[]; ranges: ResultSet[]; others: boolean } = { pnl: [], ranges: [], others: false };
        // A DuckDB node's share past LIST_CONTAINS_MAX ids: when the ids are at least half of the strategies stored
        // in those partitions, the partitions are read whole (a partition mask); otherwise each chunk's ids are
        // tested through a hash filter (textCandidateFilter). Neither is a semi-join, whose hash table's freed
        // blocks DuckDB keeps referenced for a long while (engine/store/id-filter.ts). Both let through rows of
        // other strategies: their days are not the matrix's, and assemblePnlMatrix keeps the wanted ids' rows.
        const mine = idsFor(ps);
        if (m.kind === 'duckdb' && mine.length > LIST_CONTAINS_MAX) {
          const ranges = await call(m, 'query', [`SELECT strategy_id, first_trading_day, last_trading_day FROM strategies WHERE ${partitionFilter(m, ps)}`, [], { timeoutMs }], timeoutMs) as ResultSet;
          if (mine.length * 2 >= ranges.rowCount) {
            const pnl = await call(m, 'query', [`SELECT strategy_id, trading_day, pnl, n_trades FROM daily_pnl WHERE ${partitionFilter(m, ps)} AND zone = ?${dayFilter}`, [zone, ...dayParams], { timeoutMs }], timeoutMs) as ResultSet;
            return { pnl: [pnl], ranges: [ranges], others: true };
          }
        }
        // Each chunk is filtered to the partitions of its own ids (ids come grouped by partition). Chunks stay at
        // IN_CHUNK on DuckDB too: a node's list of up to LIST_CONTAINS_MAX ids is tested per row (no join), a longer
        // one through the hash filter. Splitting longer lists into list_contains chunks of 128 made the 500 × 2,000
        // matrix load 1.6–1.8× slower (365–457 against 204–230 ms; chunks of 16–64 slower still), so it was not kept.
        for (const idChunk of chunk(mine, IN_CHUNK)) {
          const chunkPartitions = o.scheme.kind === 'hash' ? [...new Set(idChunk.map((id) => partitionOfId.get(id)!))] : ps;
          const ids = textCandidateFilter(m.kind, 'strategy_id', idChunk.length);
          if (!ids.exact) out.others = true;
          const where = `${partitionFilter(m, chunkPartitions)} AND ${ids.sql}`;
          const [pnl, ranges] = await Promise.all([
            // n_trades too: a job's trade counts come with its matrix, not from a statement of their own
            call(m, 'query', [`SELECT strategy_id, trading_day, pnl, n_trades FROM daily_pnl WHERE ${where} AND zone = ?${dayFilter}`, [...idChunk, zone, ...dayParams], { timeoutMs }], timeoutMs),
            call(m, 'query', [`SELECT strategy_id, first_trading_day, last_trading_day FROM strategies WHERE ${where}`, idChunk, { timeoutMs }], timeoutMs),
          ]);
          out.pnl.push(pnl as ResultSet);
          out.ranges.push(ranges as ResultSet);
        }
        return out;
      }));
      const pnl = parts.flatMap((x) => x.pnl);
      const days = new Set<string>();
      const wanted = new Set(ids);
      for (const part of parts) {
        for (const r of part.pnl) {
          const c = r.columns.find((col) => col.name === 'trading_day');
          if (!c || c.type !== 'text') continue;
          // rows of other strategies too: only the wanted strategies' days make the matrix's days
          if (part.others) { for (const d of daysOfWanted(r, wanted)) days.add(d); continue; }
          for (const d of c.dictionary ? c.dictionary.values : c.values) if (d !== null) days.add(d);
        }
      }
      const activeRange = new Map<string, { first: string; last: string }>();
      for (const r of parts.flatMap((x) => x.ranges)) {
        const [s, f, l] = r.columns;
        if (!s || !f || !l || s.type !== 'text' || f.type !== 'text' || l.type !== 'text') continue;
        for (let i = 0; i < r.rowCount; i++) {
          const id = s.values[i];
          const a = f.values[i];
          const b = l.values[i];
          if (id && a && b) activeRange.set(id, { first: a, last: b });
        }
      }
      return assemblePnlMatrix(ids, [...days].sort(), pnl, { activeRange });
    }

    // ---- writes ---------------------------------------------------------------------------------------------

    // Grouped appends acknowledged and not yet synced: per group, per node, the rows that node acknowledged and
    // their partitions; syncAppends checks each node still holds them. Bounded like the nodes' own counts.
    const grouped = new Map<string, Map<string, { rows: number; readonly partitions: Set<number> }>>();
    const noteGrouped = (group: string, node: string, rows: number, partitions: readonly number[]): void => {
      let byNode = grouped.get(group);
      if (!byNode) {
        grouped.set(group, (byNode = new Map()));
        if (grouped.size > MAX_OPEN_GROUPS) grouped.delete(grouped.keys().next().value!);
      }
      let r = byNode.get(node);
      if (!r) byNode.set(node, (r = { rows: 0, partitions: new Set() }));
      r.rows += rows;
      for (const p of partitions) r.partitions.add(p);
    };

    async function syncAppends(group: string, timeoutMs: number): Promise<void> {
      const byNode = grouped.get(group);
      grouped.delete(group);
      if (!byNode || byNode.size === 0) return;
      const all = new Set<number>();
      for (const r of byNode.values()) for (const p of r.partitions) all.add(p);
      const held = new Set<number>();
      const problems: string[] = [];
      // under the partitions' write gate, like the appends: a catch-up or a move never runs half-way through
      const release = await gate.shared([...all]);
      try {
        await Promise.all([...byNode].map(async ([node, r]) => {
          const m = members.get(node);
          let problem: string | null = null;
          if (!m) problem = 'is no longer a member';
          else {
            try {
              const got = await call(m, 'syncAppends', [group, { timeoutMs }], timeoutMs) as { rows: number };
              if (got.rows !== r.rows) problem = `holds ${got.rows} of the ${r.rows} rows it acknowledged (restarted in between?)`;
            } catch (e) {
              const err = asError(e);
              problem = `${err.code}: ${err.message}`;
            }
          }
          if (problem === null) { for (const p of r.partitions) held.add(p); return; }
          problems.push(`${node} ${problem}`);
          // the node lacks rows of these partitions: reads avoid it there until it is caught up from a replica that has them
          if (m) missed(m, r.partitions);
        }));
      } finally {
        release();
      }
      await persistHints();
      const lost = [...all].filter((p) => !held.has(p)).sort((a, b) => a - b);
      if (problems.length > 0) ctx.log.warn({ group, problems, lost }, 'grouped appends: some replicas lost acknowledged rows');
      if (lost.length > 0) {
        throw loadBalancerError('STRATA_LB_WRITE_UNACKNOWLEDGED', `grouped appends of ${group}: no replica holds partitions ${lost.join(', ')} durably (${problems.join('; ')})`, { group, partitions: lost });
      }
    }

    /**
     * Writes rows (partition_id filled) to every writable replica of their partitions, under the partitions'
     * shared gate. Replicas that miss the write get hints. Partitions no replica acknowledged are retried with
     * backoff; after the last try they fail the call.
     */
    async function writeRows(table: PartitionedTableName, batch: ColumnBatch, pids: Int32Array, timeoutMs: number, group?: string): Promise<number> {
      const touched = [...new Set(pids)].sort((a, b) => a - b);
      let pending = new Set(touched);
      let last: ErrorLike | null = null;
      for (let attempt = 1; ; attempt++) {
        const release = await gate.shared(pending);
        const acked = new Set<number>();
        try {
          // Replica sets are read under the gate: a partition being moved is never written half-placed.
          const nodeIndex = new Map(placementNodes.map((n, i) => [n, i]));
          const targets: (Member | null)[] = placementNodes.map((n) => members.get(n) ?? null);
          const perNode = placementNodes.map(() => [] as number[]);
          for (const p of pending) for (const n of replicas[p]!) perNode[nodeIndex.get(n)!]!.push(p);
          // One pass over the rows: rows of partition p go to every writable node whose bit is set in mask[p].
          const mask = new Int32Array(P);
          targets.forEach((m, i) => {
            const ps = perNode[i]!;
            if (ps.length === 0 || !m) return;
            if (!writable(m)) { missed(m, ps); return; }
            for (const p of ps) mask[p]! |= 1 << i;
          });
          const counts = new Int32Array(targets.length);
          const allRows = pending.size === touched.length;
          for (let r = 0; r < pids.length; r++) { const bits = mask[pids[r]!]!; for (let i = 0; bits >>> i; i++) if (bits & (1 << i)) counts[i]!++; }
          const rows = Array.from(counts, (c) => new Int32Array(c));
          const fill = new Int32Array(targets.length);
          for (let r = 0; r < pids.length; r++) { const bits = mask[pids[r]!]!; for (let i = 0; bits >>> i; i++) if (bits & (1 << i)) rows[i]![fill[i]!++] = r; }
          const calls: Promise<void>[] = [];
          targets.forEach((m, i) => {
            if (!m || counts[i] === 0) return;
            const ps = perNode[i]!;
            // A node holding every partition of the whole batch gets it as it is, without a copy.
            const part = allRows && counts[i] === pids.length ? batch : selectRows(batch, rows[i]!);
            calls.push(call(m, 'append', [table, part, group === undefined ? { timeoutMs } : { timeoutMs, group }], timeoutMs).then(
              () => {
                m.lastWriteError = null;
                for (const p of ps) acked.add(p);
                if (group !== undefined) noteGrouped(group, m.name, part.rowCount, ps);
              },
              (e: unknown) => { last = noteWriteError(m, asError(e)); missed(m, ps); if (!isRetryable(e) && acked.size === 0) throw e; },
            ));
          });
          const settled = await Promise.allSettled(calls);
          const fatal = settled.find((s) => s.status === 'rejected');
          if (fatal && acked.size === 0) throw (fatal as PromiseRejectedResult).reason;
        } finally {
          release();
        }
        pending = new Set([...pending].filter((p) => !acked.has(p)));
        await persistHints();
        if (pending.size === 0) return touched.length;
        if (attempt >= o.retry.attempts) {
          const l = last as ErrorLike | null;
          const why = l ? { text: `; last: ${l.code}: ${l.message}`, data: {} } : unwritableWhy(placementNodes);
          throw loadBalancerError('STRATA_LB_WRITE_UNACKNOWLEDGED', `append to ${table}: no replica acknowledged partitions ${[...pending].join(', ')}${why.text}`, { table, partitions: [...pending], ...why.data });
        }
        await sleep(backoffMs(attempt));
      }
    }

    async function append(table: PartitionedTableName, batch: ColumnBatch, timeoutMs: number, group?: string): Promise<{ rows: number; partitions: number }> {
      if (!PARTITIONED_TABLES.includes(table)) throw loadBalancerError('STRATA_LB_NOT_A_READ', `append goes to ${PARTITIONED_TABLES.join(', ')}; ${JSON.stringify(table)} is not one of them (kv has kvPut)`, { table });
      if (batch.rowCount === 0) return { rows: 0, partitions: 0 };
      const pids = partitionIds(o.scheme, table, batch);
      const full: ColumnBatch = { rowCount: batch.rowCount, columns: { ...batch.columns, partition_id: pids } };
      // Repetitive text columns become dictionary columns once: validated per distinct value, gathered per node
      // by code, appended by each node without decoding.
      const wire = encodeBatchColumns(full, []) as ColumnBatch;
      // Validated once here, so a malformed batch is refused before any replica sees it (never half-applied).
      normalizeBatch(tableSpec(table), wire);
      const partitions = await writeRows(table, wire, pids, timeoutMs, group);
      return { rows: batch.rowCount, partitions };
    }

    /** A statement-like write to every writable replica of `partitions` (or every node for kv). */
    async function writeEverywhere(what: string, gateKeys: readonly number[], nodes: readonly string[], hintPartitions: (n: string) => number[], kv: boolean, work: (m: Member) => Promise<unknown>): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        const release = await gate.shared(gateKeys);
        let acked = 0;
        let last: ErrorLike | null = null;
        try {
          await Promise.all(nodes.map(async (n) => {
            const m = members.get(n);
            if (!m) return;
            if (!writable(m)) { if (kv) m.kvHint = true; missed(m, hintPartitions(n)); return; }
            try {
              await work(m);
              m.lastWriteError = null;
              acked++;
            } catch (e) {
              last = noteWriteError(m, asError(e));
              if (kv) m.kvHint = true;
              missed(m, hintPartitions(n));
            }
          }));
        } finally {
          release();
        }
        await persistHints();
        if (acked > 0) return;
        const l = last as ErrorLike | null;
        if (l && !l.retryable) throw fromHostError(l);
        if (attempt >= o.retry.attempts) {
          const why = l ? { text: `; last: ${l.code}: ${l.message}`, data: {} } : unwritableWhy(nodes);
          throw loadBalancerError('STRATA_LB_WRITE_UNACKNOWLEDGED', `${what}: no replica acknowledged${why.text}`, why.data);
        }
        await sleep(backoffMs(attempt));
      }
    }

    async function deleteStrategies(ids: readonly string[], timeoutMs: number): Promise<void> {
      if (ids.length === 0) return;
      const ps = partitionsOfStrategies(ids);
      const nodes = placementNodes.filter((n) => ps.some((p) => replicas[p]!.includes(n)));
      await writeEverywhere('deleteStrategies', ps, nodes, (n) => ps.filter((p) => replicas[p]!.includes(n)), false,
        (m) => call(m, 'deleteStrategies', [ids, PARTITIONED_TABLES, { timeoutMs }], timeoutMs));
    }

    // ---- kv: replicated on every node -------------------------------------------------------------------

    const kvPut = (ns: string, entries: readonly { key: string; value: string }[], timeoutMs: number): Promise<void> =>
      writeEverywhere('kvPut', [KV_GATE], placementNodes, () => [], true, (m) => call(m, 'putEntries', [ns, entries, { timeoutMs }], timeoutMs));
    // A delete leaves nothing stamped behind, so it stamps a marker (KV_DELETED_NAMESPACE): at start the node with
    // the newest stamp holds the newest kv, a removal included (kv-digest.ts)
    const kvDelete = (ns: string, keys: readonly string[], timeoutMs: number): Promise<void> =>
      writeEverywhere('kvDelete', [KV_GATE], placementNodes, () => [], true, async (m) => {
        await call(m, 'deleteEntries', [ns, keys, { timeoutMs }], timeoutMs);
        await call(m, 'putEntries', [KV_DELETED_NAMESPACE, [{ key: 'last', value: JSON.stringify({ ns, keys: keys.length }) }], { timeoutMs }], timeoutMs);
      });
    const kvList = (ns: string, keys: readonly string[] | null, timeoutMs: number): Promise<unknown> =>
      tracked(readOne(placementNodes, 'kvList', (m) => call(m, 'readEntries', keys === null ? [ns] : [ns, keys, { timeoutMs }], timeoutMs)));

    // ---- catch-up -------------------------------------------------------------------------------------------

    async function copyPartition(source: Member, target: Member, table: PartitionedTableName, p: number, timeoutMs: number): Promise<number> {
      await call(target, 'deletePartitions', [[p], [table], { timeoutMs }], timeoutMs);
      const batch = await call(source, 'exportPartitions', [table, [p], { timeoutMs }], timeoutMs) as ColumnBatch;
      if (batch.rowCount > 0) await call(target, 'append', [table, batch, { timeoutMs }], timeoutMs);
      return batch.rowCount;
    }

    /** Makes `target`'s kv equal to a serving node's: newest entry per (ns, key), compared on value. */
    async function catchUpKv(target: Member, timeoutMs: number): Promise<number> {
      const source = [...members.values()].find((m) => m !== target && readable(m));
      if (!source) return 0;
      const release = await gate.exclusive([KV_GATE]);
      try {
        const sql = 'SELECT ns, entry_key, entry_value, updated_at FROM kv';
        const [a, b] = await Promise.all([call(source, 'query', [sql, [], { timeoutMs }], timeoutMs), call(target, 'query', [sql, [], { timeoutMs }], timeoutMs)]) as ResultSet[];
        const newest = (r: ResultSet): Map<string, { ns: string; key: string; value: string; at: number }> => {
          const out = new Map<string, { ns: string; key: string; value: string; at: number }>();
          if (r.rowCount === 0) return out;
          const [ns, k, v, u] = r.columns;
          for (let i = 0; i < r.rowCount; i++) {
            const e = { ns: ns!.values[i] as string, key: k!.values[i] as string, value: v!.values[i] as string, at: Number(u!.values[i]) };
            const id = `${e.ns}\u0000${e.key}`;
            const prev = out.get(id);
            if (!prev || prev.at <= e.at) out.set(id, e);
          }
          return out;
        };
        const want = newest(a!);
        const have = newest(b!);
        const drop = new Map<string, string[]>();
        const add: { ns: string; key: string; value: string; at: number }[] = [];
        for (const [id, e] of have) if (!want.has(id) || want.get(id)!.value !== e.value) { let l = drop.get(e.ns); if (!l) drop.set(e.ns, (l = [])); l.push(e.key); }
        for (const [id, e] of want) if (!have.has(id) || have.get(id)!.value !== e.value) {
          add.push(e);
          if (have.has(id)) continue;
          let l = drop.get(e.ns); if (!l) drop.set(e.ns, (l = [])); l.push(e.key);
        }
        for (const [ns, keys] of drop) await call(target, 'deleteEntries', [ns, keys, { timeoutMs }], timeoutMs);
        if (add.length > 0) {
          await call(target, 'append', ['kv', {
            rowCount: add.length,
            columns: { ns: add.map((e) => e.ns), entry_key: add.map((e) => e.key), entry_value: add.map((e) => e.value), updated_at: Float64Array.from(add, (e) => e.at) },
          }, { timeoutMs }], timeoutMs);
        }
        return add.length;
      } finally {
        release();
      }
    }

    async function runCatchUp(m: Member): Promise<void> {
      const run = ++m.catchUpRun;
      const started = now();
      const timeoutMs = o.proxy.healthTimeoutMs ? Math.max(30_000, o.proxy.healthTimeoutMs) : 30_000;
      let copiedRows = 0;
      const copied = new Set<number>();
      try {
        if (!available(m)) throw loadBalancerError('STRATA_LB_NO_REPLICA', `${m.name} is not reachable`, { node: m.name });
        // The hints are durable before anything is copied: the kv copy gives the node the current placement
        // record, and after a crash from here on only the stored hints would say it is not caught up yet.
        if (m.hints.size > m.persistedHints || (m.kvHint && !m.persistedKvHint)) await persistHints();
        if (run !== m.catchUpRun || closed) return;
        const hintedSet = new Set(m.hints);
        const hinted = hintedSet.size;
        m.hints.clear();
        m.kvHint = false;
        copiedRows += await catchUpKv(m, timeoutMs);
        const held = heldBy(m.name);
        // Hinted partitions first: they are the ones known to differ; the rest are checked all the same.
        let todo = [...held].sort((a, b) => Number(hintedSet.has(b)) - Number(hintedSet.has(a)) || a - b);
        const total = todo.length;
        o.emit({ type: 'store.catchup.started', node: m.name, partitions: total, hinted, at: now() });
        let done = 0;
        while (todo.length > 0) {
          for (const group of chunk(todo, o.catchUpGroup ?? 8)) {
            if (run !== m.catchUpRun || closed) return;
            const release = await gate.exclusive(group);
            try {
              const bySource = new Map<Member, number[]>();
              for (const p of group) {
                if (!replicas[p]!.includes(m.name)) continue;
                const src = replicas[p]!.map((n) => members.get(n)).find((x) => x !== undefined && x !== m && readable(x));
                // No serving replica: this node's copy is the best there is; nothing to compare with.
                if (!src) continue;
                let l = bySource.get(src);
                if (!l) bySource.set(src, (l = []));
                l.push(p);
              }
              for (const [src, ps] of bySource) {
                for (const table of PARTITIONED_TABLES) {
                  const [a, b] = await Promise.all([
                    call(src, 'partitionChecksums', [table, ps, { timeoutMs }], timeoutMs),
                    call(m, 'partitionChecksums', [table, ps, { timeoutMs }], timeoutMs),
                  ]) as PartitionChecksum[][];
                  for (const p of partitionsToCopy(a!, b!)) {
                    copiedRows += await copyPartition(src, m, table, p, timeoutMs);
                    copied.add(p);
                  }
                }
              }
            } finally {
              release();
            }
            done += group.length;
            o.emit({ type: 'store.catchup.progress', node: m.name, done: Math.min(done, total), total, copiedPartitions: copied.size, copiedRows, at: now() });
          }
          // Writes that missed this node during the pass are checked again before it serves reads.
          todo = [...m.hints];
          m.hints.clear();
          if (m.kvHint) { m.kvHint = false; copiedRows += await catchUpKv(m, timeoutMs); }
        }
        if (run !== m.catchUpRun) return;
        if (m.persistedHints > 0 || m.persistedKvHint) await clearPersistedHints(m);
        if (run !== m.catchUpRun) return;
        o.emit({ type: 'store.catchup.finished', node: m.name, copiedPartitions: copied.size, copiedRows, elapsedMs: now() - started, at: now() });
        m.catchUpFailures = 0;
        m.machine.send({ type: 'catchup.done' });
      } catch (e) {
        if (run !== m.catchUpRun) return;
        const err = asError(e);
        noteWriteError(m, err);
        m.catchUpFailures++;
        ctx.log.warn({ node: m.name, code: err.code, failuresInARow: m.catchUpFailures }, `catch-up failed: ${err.message}`);
        o.emit({ type: 'store.catchup.failed', node: m.name, code: err.code, message: err.message, at: now() });
        m.machine.send({ type: 'catchup.failed' });
      }
    }

    // ---- membership -----------------------------------------------------------------------------------------

    const whenAvailable = (m: Member, timeoutMs: number): Promise<void> => new Promise((resolve, reject) => {
      if (available(m)) { resolve(); return; }
      const timer = ctx.clock.setTimeout(() => reject(loadBalancerError('STRATA_LB_NO_REPLICA', `node ${m.name} did not come up within ${timeoutMs} ms`, { node: m.name })), timeoutMs);
      m.availableWaiters.push(() => { ctx.clock.clearTimeout(timer); resolve(); });
    });

    async function addNode(name: string): Promise<{ moves: number; copiedRows: number }> {
      if (members.has(name)) throw loadBalancerError('STRATA_LB_NODE_EXISTS', `the store cluster already has a node named ${JSON.stringify(name)}`, { node: name });
      const timeoutMs = 30_000;
      const m = addMember(name);
      await whenAvailable(m, 30_000);
      const kvRows = await catchUpKv(m, timeoutMs);
      const r = await applyNodes([...placementNodes, name], timeoutMs);
      return { moves: r.moves, copiedRows: r.copiedRows + kvRows };
    }

    /**
     * Rebalances onto `target` (nodes joining, leaving, or the replication factor changed): each partition that
     * moves is copied from a serving replica under its exclusive hold while other partitions take reads and
     * writes, then served from its new replicas; copies the new placement leaves behind are dropped, and the
     * placement is stored. A partition with no serving replica to copy from keeps its replicas (logged; the next
     * start tries again).
     */
    async function applyNodes(target: readonly string[], timeoutMs: number): Promise<{ moves: number; copiedRows: number }> {
      const started = now();
      let copiedRows = 0;
      const before: Placement = { partitionCount: P, replicationFactor: RF, nodes: [...placementNodes], replicas: replicas.map((r) => [...r]) };
      const after = rebalance(before, target, P, RF);
      const moves = placementMoves(before, after);
      placementNodes = [...after.nodes];
      o.emit({ type: 'store.rebalance.started', nodes: placementNodes, moves: moves.length, at: now() });
      const drops: { partition: number; nodes: readonly string[] }[] = [];
      const stuck: number[] = [];
      for (const move of moves) {
        const release = await gate.exclusive([move.partition]);
        try {
          const source = replicas[move.partition]!.map((n) => members.get(n)).find((x) => x !== undefined && readable(x));
          if (!source) { stuck.push(move.partition); continue; }
          for (const n of move.add) {
            const target = members.get(n)!;
            for (const table of PARTITIONED_TABLES) copiedRows += await copyPartition(source, target, table, move.partition, timeoutMs);
          }
          replicas[move.partition] = [...after.replicas[move.partition]!];
          // stored before any write reaches the new replicas alone: a crash from here on restarts from this
          // placement, never from one that names a replica which missed writes
          await persistPlacement();
        } finally {
          release();
        }
        if (move.remove.length > 0) drops.push({ partition: move.partition, nodes: move.remove });
      }
      // Reads planned before a switch may still be reading a dropped copy: let them finish first.
      await Promise.allSettled([...readsInFlight]);
      for (const d of drops) {
        for (const n of d.nodes) {
          const holder = members.get(n);
          if (!holder || replicas[d.partition]!.includes(n)) continue;
          await call(holder, 'deletePartitions', [[d.partition], PARTITIONED_TABLES, { timeoutMs }], timeoutMs).catch((e: unknown) => {
            ctx.log.warn({ node: n, partition: d.partition, code: asError(e).code }, 'rebalance: dropping a moved partition failed; it stays as an unused copy');
          });
        }
      }
      // nodes that still hold a partition nobody could copy stay in the placement (their rows are not lost: they come back with the node)
      if (stuck.length > 0) {
        const holders = [...new Set(stuck.flatMap((p) => replicas[p]!))];
        placementNodes = [...new Set([...placementNodes, ...holders])];
        ctx.log.error({ partitions: stuck, holders }, `rebalance: ${stuck.length} partition(s) have no serving replica to copy from (held by ${holders.join(', ')}); they keep their replicas until those nodes serve again`);
      }
      await persistPlacement();
      o.emit({ type: 'store.rebalance.finished', nodes: placementNodes, moves: moves.length, copiedRows, elapsedMs: now() - started, at: now() });
      if (stuck.length > 0) throw loadBalancerError('STRATA_LB_NO_REPLICA', `rebalance: no serving replica of partition(s) ${stuck.join(', ')} to copy from`, { partitions: stuck });
      return { moves: moves.length, copiedRows };
    }

    async function status(): Promise<ClusterStatus> {
      const nodes = await Promise.all([...members.values()].map(async (m): Promise<NodeStatus> => {
        let s: NodeProxyStatus | null = null;
        try {
          s = (await ctx.ask<NodeProxyCommand, { type: 'node.inspect.ok'; status: NodeProxyStatus }>(m.ref, (replyTo) => ({ type: 'node.inspect', replyTo }), { timeoutMs: 2_000 })).status;
        } catch {
          s = null;
        }
        return {
          name: m.name,
          kind: s?.kind ?? 'duckdb',
          hosting: s?.hosting ?? 'thread',
          label: s?.label ?? m.name,
          up: readable(m),
          phase: phase(m),
          connection: s?.connection ?? 'unknown',
          breaker: m.breaker,
          consecutiveFailures: s?.consecutiveFailures ?? 0,
          inFlight: s?.inFlight ?? 0,
          outstanding: m.outstanding,
          ewmaMs: m.ewmaMs,
          weight: m.weight,
          latency: s?.latency ?? {},
          partitions: heldBy(m.name),
          hintedPartitions: [...m.hints].sort((a, b) => a - b),
          lastError: s?.lastError ?? null,
          lastHealthyAt: s?.lastHealthyAt ?? null,
          memoryBytes: s?.memoryBytes ?? null,
          rowCounts: s?.rowCounts ?? null,
          hostMemory: s?.hostMemory ?? null,
          pid: s?.pid ?? null,
          threadId: s?.threadId ?? null,
          incarnation: s?.incarnation ?? 0,
        };
      }));
      const unavailable = planReads(placement(), Array.from({ length: P }, (_, p) => p), (n) => readable(members.get(n))).unavailable;
      return { policy: o.policy, replicationFactor: RF, partitionCount: P, nodes: nodes.sort((a, b) => (a.name < b.name ? -1 : 1)), unavailablePartitions: unavailable, at: now() };
    }

    async function close(): Promise<void> {
      closed = true;
      await Promise.all([...members.values()].map((m) =>
        ctx.ask<NodeProxyCommand, { type: 'node.close.ok' }>(m.ref, (replyTo) => ({ type: 'node.close', replyTo }), { timeoutMs: 20_000 }).catch(() => undefined)));
    }

    const answer = (replyTo: { tell(m: LbReply): unknown }, work: () => Promise<unknown>): void => {
      if (closed) {
        replyTo.tell({ type: 'lb.rejected', error: toHostError(nodeProxyError('STRATA_NODE_PROXY_STOPPED', 'the store cluster is closing', {})) });
        return;
      }
      work().then(
        (value) => replyTo.tell({ type: 'lb.ok', value: value === undefined ? null : value }),
        (e: unknown) => replyTo.tell({ type: 'lb.rejected', error: asError(e) }),
      );
    };

    return {
      started() {
        for (const n of placementNodes) addMember(n);
      },
      receive(m) {
        switch (m.type) {
          case 'lb.append': answer(m.replyTo, () => append(m.table, m.batch, m.timeoutMs, m.group)); return;
          case 'lb.sync-appends': answer(m.replyTo, () => syncAppends(m.group, m.timeoutMs)); return;
          case 'lb.query': answer(m.replyTo, () => query(m.sql, m.params, m.partitions, m.orderBy, m.timeoutMs)); return;
          case 'lb.matrix': answer(m.replyTo, () => pnlMatrix(m.strategyIds, m.from, m.to, m.zone, m.timeoutMs)); return;
          case 'lb.delete-strategies': answer(m.replyTo, () => deleteStrategies(m.strategyIds, m.timeoutMs)); return;
          case 'lb.kv.put': answer(m.replyTo, () => kvPut(m.ns, m.entries, m.timeoutMs)); return;
          case 'lb.kv.list': answer(m.replyTo, () => kvList(m.ns, m.keys, m.timeoutMs)); return;
          case 'lb.kv.delete': answer(m.replyTo, () => kvDelete(m.ns, m.keys, m.timeoutMs)); return;
          case 'lb.status': answer(m.replyTo, status); return;
          case 'lb.add-node': answer(m.replyTo, () => addNode(m.name)); return;
          case 'lb.kill-node': members.get(m.node)?.ref.tell({ type: 'node.kill' }); return;
          case 'lb.close': answer(m.replyTo, close); return;
          case 'lb.catchup.retry': {
            const mem = members.get(m.node);
            if (mem && available(mem) && phase(mem) === 'down') mem.machine.send({ type: 'node.available' });
            return;
          }
          case 'node.changed': onNodeChanged(ctx, m); return;
        }
      },
      stopping() {
        closed = true;
        for (const mem of members.values()) mem.machine.stop();
      },
    };

    function onNodeChanged(_ctx: ActorContext<LbMessage>, e: Extract<LbMessage, { type: 'node.changed' }>): void {
      const mem = members.get(e.node);
      if (!mem) return;
      const was = available(mem);
      mem.up = e.up;
      mem.breaker = e.breaker;
      if (e.breaker !== e.previousBreaker) o.emit({ type: 'store.breaker.changed', node: e.node, from: e.previousBreaker, to: e.breaker, at: e.at });
      const is = available(mem);
      if (was && !is) {
        o.emit({ type: 'store.node.down', node: e.node, code: e.error?.code ?? 'STRATA_NODE_BREAKER_OPEN', message: e.error?.message ?? `breaker ${e.breaker}`, at: e.at });
        mem.machine.send({ type: 'node.unavailable' });
      } else if (!was && is) {
        o.emit({ type: 'store.node.up', node: e.node, at: e.at });
        // Before the durable hints are read, nobody serves: a stale node must not be read from. A node that
        // comes up for the first time after they were read has its placement record checked first.
        if (!hintsLoaded) maybeLoadHints();
        else if (phase(mem) === 'starting' && placementVersion > 0) void admitLate(mem);
        else mem.machine.send({ type: 'node.available' });
        for (const w of mem.availableWaiters.splice(0)) w();
      }
    }
  };
}
