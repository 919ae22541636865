// Receive-side flow control: a member delivering into a full mailbox whose overflow policy is `backpressure`
// does not refuse the message; it waits for room, pauses the sender's bulk socket and keeps what arrives
// meanwhile in order. Two real members on 127.0.0.1 in this process.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createClusterMember, type ClusterMember } from '../../cluster/remote/index.ts';
import type { DeadLetter } from '../../runtime/index.ts';
import { eventually, SECRET } from './support.ts';

const members: ClusterMember[] = [];
afterEach(async () => {
  for (const m of members.splice(0)) await m.shutdown();
});

async function member(seeds: string[]): Promise<ClusterMember> {
  const m = await createClusterMember({
    cluster: 'flow', secret: SECRET, port: 0, seeds, logger: pino({ level: 'silent' }),
    heartbeatIntervalMs: 100, phi: { acceptableHeartbeatPauseMs: 2_000 }, stableAfterMs: 300,
    maxQueuedEnvelopes: 2_000,
  });
  members.push(m);
  return m;
}

type Item = { type: 'item'; seq: number };

describe('receive-side flow control', () => {
  it('a slow actor with a backpressure mailbox gets every message, in order, and the socket is paused meanwhile', { timeout: 60_000 }, async () => {
    const b = await member([]);
    const a = await member([`127.0.0.1:${b.transport.port}`]);
    await eventually(() => a.membership.members().filter((x) => x.state === 'up').length === 2, 'both members up');
    const seen: number[] = [];
    const dead: DeadLetter[] = [];
    b.system.deadLetters.subscribe((d) => void dead.push(d));
    b.system.spawn<Item>(() => ({
      receive: (m) => {
        seen.push(m.seq);
        const until = performance.now() + 0.05; // a slow consumer: 50 µs a message
        while (performance.now() < until);
      },
    }), { name: 'slow', mailbox: { capacity: 50, overflow: 'backpressure' } });
    const slow = a.refFor<Item>(b.id, '/user/slow');
    const total = 20_000;
    for (let seq = 0; seq < total; seq++) {
      // the sender's link queue may fill while b's socket is paused: wait for room rather than lose it
      while (slow.tell({ type: 'item', seq }) === 'rejected-full') await a.transport.whenWritable(b.id);
      if ((seq & 1023) === 0) await new Promise((r) => setImmediate(r));
    }
    await eventually(() => seen.length === total, `all ${total} messages processed`, 40_000);
    expect(seen.findIndex((s, i) => s !== i)).toBe(-1);
    expect(dead.filter((d) => d.reason === 'mailbox-full')).toEqual([]);
    expect(b.network.stats().pauses).toBeGreaterThan(0);
  });
});
