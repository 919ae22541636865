// Two daemons configured as cluster members (what `strata daemon --config` runs): the second joins through the
// first as its seed; both APIs show two up members, and the status document counts them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../cluster/config/index.ts';
import { startDaemon, type Daemon } from '../../cluster/daemon/index.ts';

const TOKEN = 'cluster-test-operator-token-0001';
let dir: string;
const daemons: Daemon[] = [];

async function member(name: string, seeds: string[]): Promise<Daemon> {
  const loaded = await loadConfig({
    env: { SECRET: 'a-shared-cluster-secret-0123456789' },
    set: {
      dataDir: join(dir, name), logLevel: 'silent', 'api.port': 0, 'api.tokens': [{ name: 'ops', role: 'operator', secret: TOKEN }],
      'store.mode': 'single-node', 'jobs.mode': 'local', 'demo.enabled': false, 'ingest.watchInbox': false,
      'cluster.enabled': true, 'cluster.name': 'test', 'cluster.port': 0, 'cluster.seeds': seeds, 'cluster.secret': { env: 'SECRET' },
    },
  });
  const d = await startDaemon({ loaded, logger: pino({ level: 'silent' }) });
  daemons.push(d);
  return d;
}

const members = async (d: Daemon): Promise<{ id: string; status: string; self: boolean }[]> =>
  ((await (await fetch(`${d.url}/api/v1/admin/snapshot`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { members: { id: string; status: string; self: boolean }[] }).members;

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-cluster-daemon-')); });
afterAll(async () => {
  for (const d of daemons) await d.stop('test done').catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('daemons as cluster members', () => {
  it('join through a seed and show each other as up members', async () => {
    const a = await member('a', []);
    const aId = a.services.members.list().find((m) => m.self)!.id;
    const b = await member('b', [aId.split('#')[0]!]);
    for (let i = 0; i < 200; i++) {
      const [ma, mb] = [await members(a), await members(b)];
      if (ma.filter((m) => m.status === 'up').length === 2 && mb.filter((m) => m.status === 'up').length === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seenByA = await members(a);
    expect(seenByA.map((m) => m.status)).toEqual(['up', 'up']);
    expect(seenByA.find((m) => m.self)!.id).toBe(aId);
    expect((await members(b)).filter((m) => m.status === 'up')).toHaveLength(2);
    const status = (await (await fetch(`${b.url}/api/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { members: number };
    expect(status.members).toBe(2);
  });

  it('a member that stops leaves gracefully: the other is not left alone with half the votes and stays up', { timeout: 30_000 }, async () => {
    const c = await member('c', []);
    const cId = c.services.members.list().find((m) => m.self)!.id;
    const d = await member('d', [cId.split('#')[0]!]);
    const dId = d.services.members.list().find((m) => m.self)!.id;
    for (let i = 0; i < 200; i++) {
      if ((await members(d)).filter((m) => m.status === 'up').length === 2 && (await members(c)).filter((m) => m.status === 'up').length === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // stop the member with the lower id: had it just vanished, keep-majority's tie-break would down the other
    const [low, high] = cId < dId ? [c, d] : [d, c];
    await low.stop('test: graceful stop');
    daemons.splice(daemons.indexOf(low), 1);
    await new Promise((r) => setTimeout(r, 3_000)); // past the failure detector's pause and the stable window
    const left = await members(high);
    expect(left.find((m) => m.self)!.status).toBe('up');
    // the one that left is removed (a tombstone), not `down`: it was never suspected
    expect(left.filter((m) => !m.self).map((m) => m.status)).toEqual(['removed']);
    expect((await fetch(`${high.url}/readyz`)).status).toBe(200);
  });
});
