// Three `strata daemon --config` processes as one cluster whose store is three HeavyDB servers (the Thrift
// stand-in of test/support, DuckDB behind it) named in both configs with no embedded nodes: the members share
// one store. Files ingested through one member are in the store the other reads: the other's ingest of the
// same bytes is a duplicate, and after kill -9 of the first member a job submitted through the survivor
// loads its matrix from the shared store and completes. The HeavyDB password comes from an environment
// variable and appears in no output, status or node label.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeavyDbStandIn, type HeavyDbStandIn } from '../support/heavydb-server/heavydb-stand-in.ts';
import { csvDataset, daemonApi, killAll, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { untilValue as until } from '../support/poll.ts';

const TOKEN = 'heavydb-store-operator-token-0001';
const SECRET = 'heavydb-store-cluster-secret-0123456789';
const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;

type Member = DaemonProcess;

let dir: string;
let csvFiles: string[] = [];
let range: { from: string; to: string };
let strategies = 0;
const servers: HeavyDbStandIn[] = [];
const members: Member[] = [];

const api = (m: Member, method: string, path: string, body?: unknown) => daemonApi(m.url, TOKEN, method, path, body);

async function startMember(name: string, seeds: string[], files: readonly string[]): Promise<Member> {
  const m = await startDaemonProcess({
    dir, name, files, env: { STRATA_TEST_HEAVYDB_PASSWORD: PASSWORD, STRATA_LOG_LEVEL: 'info' },
    config: {
      logLevel: 'info', demo: { enabled: false },
      api: { port: 0, tokens: [{ name: 'ops', role: 'operator', secret: TOKEN }] },
      store: {
        mode: 'cluster', nodes: 0, replicationFactor: 2, healthIntervalMs: 500,
        heavydb: servers.map((s, i) => ({ name: `heavy${i + 1}`, url: `heavydb://strata@127.0.0.1:${s.port}/heavyai`, password: { env: 'STRATA_TEST_HEAVYDB_PASSWORD' } })),
      },
      workers: { threads: 1 }, ingest: { watchInbox: true, scanIntervalMs: 200 },
      jobs: { mode: 'scheduler', checkpointMs: 300, progressMs: 100 },
      cluster: { enabled: true, name: 'shared-store', host: '127.0.0.1', port: 0, seeds, secret: SECRET },
    },
  });
  members.push(m);
  return m;
}

const selfId = async (m: Member): Promise<string> =>
  ((await api(m, 'GET', '/api/v1/admin/snapshot')).body.members as { id: string; self: boolean }[]).find((x) => x.self)!.id;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-heavydb-store-'));
  for (let i = 0; i < 3; i++) servers.push(await startHeavyDbStandIn({ user: 'strata', password: PASSWORD, database: 'heavyai' }));
  ({ files: csvFiles, range, strategies } = await csvDataset(dir, 8));
  // the files go into a's inbox only
  const a = await startMember('a', [], csvFiles);
  await until(() => api(a, 'GET', '/api/v1/status'), (r) => r.body.ingest.committed === csvFiles.length, 'a: files ingested into the shared store', 30_000);
  const seed = (await selfId(a)).split('#')[0]!;
  // three members, so that two of them are a majority when a is killed
  await Promise.all([startMember('b', [seed], []), startMember('c', [seed], [])]);
  for (const m of members) await until(() => api(m, 'GET', '/api/v1/status'), (r) => r.body.members === 3 && r.body.store.quorum === true, `${m.name}: three members, store quorum`, 20_000);
}, 90_000);

afterAll(async () => {
  killAll(members);
  for (const s of servers) await s.close().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('a cluster of daemons over shared HeavyDB store nodes', () => {
  it('shows the HeavyDB servers as the store of both members, with no password anywhere', async () => {
    for (const m of members) {
      const cluster = await api(m, 'GET', '/api/v1/store/cluster');
      expect(cluster.status).toBe(200);
      const nodes = cluster.body.nodes as { name: string; kind: string; label: string; state: string }[];
      expect(nodes.map((n) => [n.name, n.kind, n.state])).toEqual([['heavy1', 'heavydb', 'up'], ['heavy2', 'heavydb', 'up'], ['heavy3', 'heavydb', 'up']]);
      for (const n of nodes) expect(n.label).toMatch(/^heavydb:\/\/strata@127\.0\.0\.1:\d+\/heavyai$/);
      expect(cluster.text).not.toContain(PASSWORD);
      expect((await api(m, 'GET', '/api/v1/admin/snapshot')).text).not.toContain(PASSWORD);
      expect(m.out()).not.toContain(PASSWORD);
    }
    // the rows were written once, to two of the three servers (replication factor 2), by member a
    expect(servers.filter((s) => (s.calls.get('load_table_binary_columnar') ?? 0) > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('knows on b what a ingested: the same bytes through b are a duplicate', async () => {
    const b = members[1]!;
    for (const f of csvFiles) await copyFile(f, join(b.dataDir, 'ingest', 'inbox', f.split('/').at(-1)!));
    const status = await until(() => api(b, 'GET', '/api/v1/status'), (r) => r.body.ingest.duplicate === csvFiles.length || r.body.ingest.committed > 0, 'b: the files seen again', 20_000);
    expect(status.body.ingest).toMatchObject({ duplicate: csvFiles.length, committed: 0 });
  }, 30_000);

  it('runs a job through b from the shared store after a is killed -9', async () => {
    const [a, b] = members as [Member, Member];
    a.child.kill('SIGKILL');
    const sub = await until(() => api(b, 'POST', '/api/v1/optimizer/jobs', {
      dateRange: range, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 3 },
      algorithm: { id: 'nsga2', params: { popSize: 20 } }, budget: { evaluations: 2_000 }, seed: 4,
    }), (r) => r.status !== 503, 'the submission through b', 30_000);
    expect(sub.status).toBe(202);
    const id = sub.body.id as string;
    const done = await until(() => api(b, 'GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body?.state === 'completed' || r.body?.state === 'failed', 'the job finished on b', 30_000);
    expect(done.body.state).toBe('completed');
    const result = await api(b, 'GET', `/api/v1/optimizer/jobs/${id}/result`);
    expect(result.status).toBe(200);
    // the matrix b loaded holds every strategy a ingested
    expect(result.body.nStrategies).toBe(strategies);
  }, 60_000);
});
