// The node-proxy actor: owns one store node's host (thread, process or in-line), runs calls on it concurrently
// (the mailbox is never blocked by a call), counts calls in flight, records per-operation latency, checks
// health periodically, drives the circuit breaker machine, and reconnects with backoff when the host dies.
// Reachability and breaker changes are reported to `report` (the load-balancer).
import { createActor } from 'xstate';
import type { EngineError } from '../../engine/engine-error.ts';
import { DUCKDB_HEALTH_COUNTS_SQL, DUCKDB_MEMORY_SQL, duckDbMemoryOf, duckDbRowCountsOf, ROW_COUNT_EVERY_CHECKS, type ResultSet } from '../../engine/store/index.ts';
import type { ActorRef, Behaviour } from '../../runtime/index.ts';
import { nodeProxyError } from './errors.ts';
import { HOST_MEMORY_OP, toHostError, type HostErrorData, type HostMemory } from './host-protocol.ts';
import { LatencyBook } from './latency.ts';
import { breakerMachine, breakerStateName, type BreakerStateValue } from './machine.ts';
import type { BreakerStateName, NodeChanged, NodeProxyCommand, NodeProxyMessage, NodeProxyStatus } from './messages.ts';
import { startHost, type HostSpec, type NodeHost } from './node-host.ts';

export interface NodeProxyOptions {
  readonly name: string;
  readonly host: HostSpec;
  /** default 1,000 ms */
  readonly healthIntervalMs?: number;
  /** default 2,000 ms */
  readonly healthTimeoutMs?: number;
  /** consecutive failures that open the breaker (default 5) */
  readonly failureThreshold?: number;
  /** open period before the half-open probe (default 2,000 ms) */
  readonly openMs?: number;
  /** reconnect backoff after the host dies (defaults 100 ms doubling to 5 s) */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly report: ActorRef<NodeChanged>;
}

// A call's own timeout is enforced by the node; the proxy waits this much longer for the host itself.
const HOST_GRACE_MS = 2_000;

export function nodeProxyBehaviour(o: NodeProxyOptions): Behaviour<NodeProxyMessage> {
  const healthIntervalMs = o.healthIntervalMs ?? 1_000;
  const healthTimeoutMs = o.healthTimeoutMs ?? 2_000;
  const openMs = o.openMs ?? 2_000;
  const minMs = o.reconnectMinMs ?? 100;
  const maxMs = o.reconnectMaxMs ?? 5_000;

  return (ctx) => {
    let host: NodeHost | null = null;
    let starting: NodeHost | null = null;
    let generation = 0;
    let incarnation = 0;
    let attempts = 0;
    let connection: NodeProxyStatus['connection'] = 'connecting';
    let inFlight = 0;
    let lastError: { code: string; message: string } | null = null;
    let lastHealthyAt: number | null = null;
    let memoryBytes: number | null = null;
    let rowCounts: Readonly<Record<string, number>> | null = null;
    let healthChecks = 0;
    let hostMemory: HostMemory | null = null;
    let healthRunning = false;
    let reported: { up: boolean; breaker: BreakerStateName } = { up: false, breaker: 'closed' };
    const latency = new LatencyBook();
    let label = o.host.hosting === 'inline' ? o.name : o.host.config.path;
    let nodeKind: 'duckdb' | 'heavydb' = 'duckdb';

    const breaker = createActor(breakerMachine.provide({
      actions: {
        scheduleProbe: () => ctx.timers.startSingle('probe', { type: 'breaker.probe-due' }, openMs),
        cancelProbe: () => ctx.timers.cancel('probe'),
      },
    }), { input: { failureThreshold: o.failureThreshold ?? 5 } });
    const breakerState = (): BreakerStateName => breakerStateName(breaker.getSnapshot().value as BreakerStateValue);

    const report = (): void => {
      const now = { up: connection === 'up', breaker: breakerState() };
      if (now.up === reported.up && now.breaker === reported.breaker) return;
      const previous = reported;
      reported = now;
      o.report.tell({ type: 'node.changed', node: o.name, up: now.up, breaker: now.breaker, previousBreaker: previous.breaker, error: lastError, at: ctx.clock.now() });
    };
    breaker.subscribe(() => report());
    breaker.start();

    const noteError = (e: HostErrorData): void => { lastError = { code: e.code, message: e.message }; };

    const connect = (): void => {
      const g = ++generation;
      startHost(o.host).then(
        (h) => {
          if (g !== generation || connection === 'closed') { void h.close(); return; }
          starting = h;
          ctx.self.tell({ type: 'node.host-started', generation: g });
        },
        (e: unknown) => ctx.self.tell({ type: 'node.host-failed', generation: g, error: toHostError(e) }),
      );
    };

    const scheduleReconnect = (): void => {
      const delay = Math.min(maxMs, minMs * 2 ** Math.min(attempts, 16));
      attempts++;
      ctx.timers.startSingle('reconnect', { type: 'node.reconnect' }, delay);
    };

    // Runs one call on the current host; settles the breaker and the latency book. `probe` marks the call
    // let through by a half-open breaker.
    const run = (op: string, h: NodeHost, exec: () => Promise<unknown>): Promise<unknown> => {
      inFlight++;
      const started = performance.now();
      return exec().then(
        (value) => {
          inFlight--;
          latency.record(op, performance.now() - started);
          if (h === host) breaker.send({ type: 'call.succeeded' });
          return value;
        },
        (e: unknown) => {
          inFlight--;
          latency.record(op, performance.now() - started);
          const err = toHostError(e);
          // A statement the node rejected proves the node is alive; only "node unwell" failures count. A dead host
          // is the connection's business (down, reconnect), not the breaker's.
          if (h === host && err.code !== 'STRATA_NODE_HOST_DIED') breaker.send(err.retryable ? { type: 'call.failed', at: ctx.clock.now() } : { type: 'call.succeeded' });
          if (err.retryable) noteError(err);
          throw e;
        },
      );
    };

    /** Null when the call may go ahead, else the refusal. */
    const admit = (): EngineError | null => {
      if (connection === 'closed') return nodeProxyError('STRATA_NODE_PROXY_STOPPED', `store node ${o.name} is closed`, { node: o.name });
      if (!host || connection !== 'up') {
        return nodeProxyError('STRATA_NODE_HOST_DIED', `store node ${o.name} is ${connection}${lastError ? ` (${lastError.message})` : ''}`, { node: o.name, connection });
      }
      const snap = breaker.getSnapshot();
      if (snap.value === 'closed') return null;
      if (snap.value === 'halfOpen' && !snap.context.probing) {
        breaker.send({ type: 'probe.started' });
        return null;
      }
      return nodeProxyError('STRATA_NODE_BREAKER_OPEN', `store node ${o.name}: circuit breaker ${breakerState()} after ${snap.context.consecutiveFailures} failures; call refused`, { node: o.name, failures: snap.context.consecutiveFailures });
    };

    const handleCall = (m: Extract<NodeProxyCommand, { type: 'node.call' }>): void => {
      const refused = admit();
      if (refused) {
        m.replyTo.tell({ type: 'node.call.rejected', error: toHostError(refused) });
        return;
      }
      const h = host!;
      run(m.op, h, () => h.call(m.op, m.args, m.timeoutMs + HOST_GRACE_MS)).then(
        (value) => m.replyTo.tell({ type: 'node.call.ok', value: value === undefined ? null : value }),
        (e: unknown) => m.replyTo.tell({ type: 'node.call.rejected', error: toHostError(e) }),
      );
    };

    const healthCheck = (): void => {
      if (healthRunning || !host || connection !== 'up') return;
      const snap = breaker.getSnapshot();
      if (snap.value === 'open' || (snap.value === 'halfOpen' && snap.context.probing)) return;
      if (snap.value === 'halfOpen') breaker.send({ type: 'probe.started' });
      const h = host;
      healthRunning = true;
      // a DuckDB node's check also reads its memory: one table function over the buffer manager's counters;
      // on its first and every ROW_COUNT_EVERY_CHECKS-th check it counts each table's rows as well (a scan of each)
      const counting = nodeKind === 'duckdb' && healthChecks++ % ROW_COUNT_EVERY_CHECKS === 0;
      const sql = nodeKind === 'duckdb' ? (counting ? DUCKDB_HEALTH_COUNTS_SQL : DUCKDB_MEMORY_SQL) : 'SELECT 1 AS ok';
      // and the JS memory of the thread or process that hosts it (none in-line: that is this thread)
      if (h.hosting !== 'inline') {
        h.call(HOST_MEMORY_OP, [], healthTimeoutMs + HOST_GRACE_MS).then((m) => { hostMemory = m as HostMemory; }, () => undefined);
      }
      run('health', h, () => h.call('query', [sql, [], { timeoutMs: healthTimeoutMs }], healthTimeoutMs + HOST_GRACE_MS)).then(
        (result) => {
          healthRunning = false;
          lastHealthyAt = ctx.clock.now();
          if (nodeKind === 'duckdb') memoryBytes = duckDbMemoryOf(result as ResultSet);
          if (counting) rowCounts = duckDbRowCountsOf(result as ResultSet);
        },
        () => { healthRunning = false; },
      );
    };

    const status = (): NodeProxyStatus => {
      const snap = breaker.getSnapshot();
      return {
        name: o.name,
        kind: nodeKind,
        hosting: o.host.hosting,
        label,
        connection,
        breaker: breakerState(),
        consecutiveFailures: snap.context.consecutiveFailures,
        inFlight,
        latency: latency.summary(),
        lastError,
        lastHealthyAt,
        memoryBytes,
        rowCounts,
        hostMemory,
        pid: host ? host.pid : null,
        threadId: host ? host.threadId : null,
        incarnation,
      };
    };

    const shutdown = (): Promise<void> => {
      connection = 'closed';
      ctx.timers.cancel('health');
      ctx.timers.cancel('reconnect');
      const h = host ?? starting;
      host = null;
      starting = null;
      breaker.stop();
      return h ? h.close() : Promise.resolve();
    };

    return {
      started() {
        connect();
        ctx.timers.startPeriodic('health', { type: 'node.health-check' }, healthIntervalMs);
      },
      receive(m) {
        switch (m.type) {
          case 'node.call': handleCall(m); return;
          case 'node.inspect': m.replyTo.tell({ type: 'node.inspect.ok', status: status() }); return;
          case 'node.health-check': healthCheck(); return;
          case 'breaker.probe-due': breaker.send({ type: 'breaker.probe-due' }); healthCheck(); return;
          case 'node.kill': host?.kill(); return;
          case 'node.close': {
            void shutdown().then(() => m.replyTo.tell({ type: 'node.close.ok' }), () => m.replyTo.tell({ type: 'node.close.ok' }));
            return;
          }
          case 'node.reconnect':
            if (connection !== 'closed' && !host) connect();
            return;
          case 'node.host-started': {
            if (m.generation !== generation || !starting || connection === 'closed') return;
            const h = starting;
            starting = null;
            host = h;
            label = h.label;
            nodeKind = h.kind;
            incarnation++;
            attempts = 0;
            connection = 'up';
            lastHealthyAt = ctx.clock.now();
            const g = m.generation;
            h.onExit((error) => ctx.self.tell({ type: 'node.host-exited', generation: g, error: toHostError(error) }));
            ctx.log.info({ node: o.name, hosting: h.hosting, hostPid: h.pid, threadId: h.threadId, incarnation }, 'store node up');
            report();
            return;
          }
          case 'node.host-failed':
            if (m.generation !== generation || connection === 'closed') return;
            noteError(m.error);
            connection = incarnation === 0 ? 'connecting' : 'down';
            ctx.log.warn({ node: o.name, code: m.error.code }, `store node failed to start: ${m.error.message}`);
            scheduleReconnect();
            return;
          case 'node.host-exited':
            if (m.generation !== generation || connection === 'closed') return;
            noteError(m.error);
            host = null;
            connection = 'down';
            ctx.log.warn({ node: o.name, code: m.error.code }, m.error.message);
            report();
            scheduleReconnect();
            return;
        }
      },
      stopping() {
        if (connection !== 'closed') {
          // Stopped without node.close (system terminating): end the host so the file is not left owned.
          const h = host ?? starting;
          connection = 'closed';
          breaker.stop();
          h?.kill();
        }
      },
      restarting() {
        (host ?? starting)?.kill();
        breaker.stop();
      },
    };
  };
}
