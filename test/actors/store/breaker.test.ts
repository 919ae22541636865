// The node-proxy's circuit breaker: the pure machine (closed → open after N failures → half-open probe →
// closed, or back to open), and the same transitions in a running cluster whose node starts timing out.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { breakerMachine } from '../../../actors/node-proxy/index.ts';
import { PARTITIONS_MARKER, type StoreClusterEvent } from '../../../actors/store/index.ts';
import { openDuckDbNode, resultColumn, storeError, type StoreNode } from '../../../engine/store/index.ts';
import { pnlBatch, startCluster } from './cluster-harness.ts';

describe('breaker machine', () => {
  const start = (threshold = 3) => {
    const probes: string[] = [];
    const a = createActor(breakerMachine.provide({ actions: { scheduleProbe: () => probes.push('scheduled'), cancelProbe: () => probes.push('cancelled') } }), { input: { failureThreshold: threshold } });
    a.start();
    return { a, probes };
  };

  it('opens on the third consecutive failure, not before', () => {
    const { a, probes } = start(3);
    a.send({ type: 'call.failed', at: 1 });
    a.send({ type: 'call.failed', at: 2 });
    expect(a.getSnapshot().value).toBe('closed');
    a.send({ type: 'call.failed', at: 3 });
    expect(a.getSnapshot().value).toBe('open');
    expect(a.getSnapshot().context.openedAt).toBe(3);
    expect(probes).toEqual(['scheduled']);
  });

  it('forgets failures after a success while closed', () => {
    const { a } = start(3);
    a.send({ type: 'call.failed', at: 1 });
    a.send({ type: 'call.failed', at: 2 });
    a.send({ type: 'call.succeeded' });
    a.send({ type: 'call.failed', at: 3 });
    a.send({ type: 'call.failed', at: 4 });
    expect(a.getSnapshot().value).toBe('closed');
  });

  it('lets one probe through when half-open and closes on its success', () => {
    const { a } = start(1);
    a.send({ type: 'call.failed', at: 1 });
    a.send({ type: 'breaker.probe-due' });
    expect(a.getSnapshot().value).toBe('halfOpen');
    a.send({ type: 'probe.started' });
    expect(a.getSnapshot().context.probing).toBe(true);
    a.send({ type: 'call.succeeded' });
    expect(a.getSnapshot().value).toBe('closed');
    expect(a.getSnapshot().context.consecutiveFailures).toBe(0);
  });

  it('reopens when the half-open probe fails', () => {
    const { a, probes } = start(1);
    a.send({ type: 'call.failed', at: 1 });
    a.send({ type: 'breaker.probe-due' });
    a.send({ type: 'probe.started' });
    a.send({ type: 'call.failed', at: 5 });
    expect(a.getSnapshot().value).toBe('open');
    expect(a.getSnapshot().context.openedAt).toBe(5);
    expect(probes).toEqual(['scheduled', 'cancelled', 'scheduled']);
  });
});

/** A DuckDB node whose every call fails with a retryable timeout while `faulty.on` is set. */
function faultyNode(faulty: { on: boolean }, name: string): () => Promise<StoreNode> {
  return async () => {
    const node = await openDuckDbNode({ path: ':memory:' });
    return new Proxy(node, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function' || prop === 'close') return v;
        return (...args: unknown[]) => {
          if (faulty.on) return Promise.reject(storeError('STRATA_STORE_TIMEOUT', `${name}: injected timeout`, { node: name }));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  };
}

describe('breaker in a running cluster', () => {
  it('opens after repeated timeouts, routes reads around the node, probes half-open and closes again', async () => {
    const faulty = { on: false };
    const h = await startCluster({
      nodes: [
        { name: 'n1', kind: 'custom', open: faultyNode({ on: false }, 'n1') },
        { name: 'n2', kind: 'custom', open: faultyNode(faulty, 'n2') },
        { name: 'n3', kind: 'custom', open: faultyNode({ on: false }, 'n3') },
      ],
      healthIntervalMs: 40,
      breaker: { failureThreshold: 3, openMs: 250 },
    });
    try {
      const ids = Array.from({ length: 30 }, (_, i) => `b${i}`);
      await h.cluster.append('daily_pnl', pnlBatch(ids, 10));
      faulty.on = true;
      await h.waitFor((e) => e.type === 'store.breaker.changed' && e.node === 'n2' && e.to === 'open');
      // The first probe still fails: half-open → open.
      await h.waitFor((e) => e.type === 'store.breaker.changed' && e.node === 'n2' && e.from === 'half-open' && e.to === 'open');
      // Reads and writes go on without n2 (writes remembered for it).
      await h.cluster.append('daily_pnl', pnlBatch(['late1', 'late2'], 10));
      for (const id of [...ids, 'late1', 'late2']) {
        const r = await h.cluster.query('SELECT COUNT(*) AS n FROM daily_pnl WHERE strategy_id = ?', [id], { strategyIds: [id] });
        expect((resultColumn(r, 'n').values as Float64Array)[0]).toBe(10);
      }
      const open = (await h.cluster.status()).nodes.find((n) => n.name === 'n2')!;
      expect(open.breaker).not.toBe('closed');
      expect(open.up).toBe(false);
      faulty.on = false;
      await h.waitFor((e) => e.type === 'store.breaker.changed' && e.node === 'n2' && e.from === 'half-open' && e.to === 'closed');
      await h.waitFor((e) => e.type === 'store.catchup.finished' && e.node === 'n2');
      const n2Breaker = h.events.filter((e): e is Extract<StoreClusterEvent, { type: 'store.breaker.changed' }> => e.type === 'store.breaker.changed' && e.node === 'n2');
      const path = n2Breaker.map((e) => `${e.from}>${e.to}`);
      expect(path[0]).toBe('closed>open');
      expect(path).toContain('open>half-open');
      expect(path).toContain('half-open>open');
      expect(path.at(-1)).toBe('half-open>closed');
      const s = await h.cluster.status();
      expect(s.nodes.find((n) => n.name === 'n2')).toMatchObject({ breaker: 'closed', phase: 'serving', up: true, consecutiveFailures: 0 });
      const q = await h.cluster.query(`SELECT COUNT(*) AS n FROM daily_pnl WHERE ${PARTITIONS_MARKER}`);
      expect((resultColumn(q, 'n').values as Float64Array).reduce((a, b) => a + b, 0)).toBe(320);
    } finally {
      await h.close();
    }
  });
});
