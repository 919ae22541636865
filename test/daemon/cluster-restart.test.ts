// A whole-cluster restart that begins with the member that had been out longest: three `strata daemon`
// processes run jobs under one scheduler; member c stops, another job is accepted and completes (c's replica
// of the journal misses it); then b and a stop. c founds the new cluster, a and b join it within
// jobs.startGraceMs, and c's scheduler starts from the newest journal copy among them (a's or b's),
// not from its own: every job accepted before the restart is still there, with its result.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvDataset, daemonApi, killAll, startDaemonProcess, stopDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { untilValue as until } from '../support/poll.ts';

const TOKEN = 'cluster-restart-operator-token-01';
const SECRET = 'cluster-restart-shared-secret-0123456789';

type Member = DaemonProcess;

let dir: string;
let csvFiles: string[] = [];
let range: { from: string; to: string };
const ports: Record<string, number> = {};
const running: Member[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const api = (m: Member, method: string, path: string, body?: unknown) => daemonApi(m.url, TOKEN, method, path, body);
const seed = (name: string): string => `127.0.0.1:${ports[name]}`;

/** Spawns member `name` (its data dir survives restarts); resolves once its API listens. */
async function start(name: string, seeds: string[], files: readonly string[] = []): Promise<Member> {
  const m = await startDaemonProcess({
    dir, name, files, env: { STRATA_LOG_LEVEL: 'info' },
    config: {
      logLevel: 'info', demo: { enabled: false },
      api: { port: 0, tokens: [{ name: 'ops', role: 'operator', secret: TOKEN }] },
      store: { mode: 'single-node' }, workers: { threads: 1 }, ingest: { watchInbox: true, scanIntervalMs: 200 },
      jobs: { mode: 'scheduler', checkpointMs: 300, progressMs: 100, startGraceMs: 10_000 },
      cluster: { enabled: true, name: 'restart', host: '127.0.0.1', port: ports[name], seeds, secret: SECRET },
    },
  });
  running.push(m);
  return m;
}

async function stop(m: Member): Promise<void> {
  expect(await stopDaemonProcess(m, running)).toBe(0);
}

async function runJob(via: Member, seedValue: number): Promise<string> {
  const sub = await until(() => api(via, 'POST', '/api/v1/optimizer/jobs', {
    dateRange: range, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 3 },
    algorithm: { id: 'nsga2', params: { popSize: 20 } }, budget: { evaluations: 2_000 }, seed: seedValue,
  }), (r) => r.status !== 503, `the submission through ${via.name}`, 20_000);
  expect(sub.status).toBe(202);
  const id = sub.body.id as string;
  const done = await until(() => api(via, 'GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body?.state === 'completed' || r.body?.state === 'failed', `job ${id} finished`, 30_000);
  expect(done.body.state).toBe('completed');
  return id;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-cluster-restart-'));
  for (const n of ['a', 'b', 'c']) ports[n] = await freePort();
  ({ files: csvFiles, range } = await csvDataset(dir, 6));
}, 30_000);

afterAll(async () => {
  killAll(running);
  await rm(dir, { recursive: true, force: true });
});

describe('a whole-cluster restart', () => {
  it('keeps every accepted job when the member that was out longest starts first', async () => {
    const a = await start('a', [], csvFiles);
    const [b, c] = await Promise.all([start('b', [seed('a')], csvFiles), start('c', [seed('a')], csvFiles)]);
    for (const m of [a, b, c]) {
      await until(() => api(m, 'GET', '/api/v1/status'), (r) => r.body.members === 3 && r.body.ingest.committed === csvFiles.length, `${m.name}: three members, files ingested`, 30_000);
    }
    const first = await runJob(b, 1);
    await stop(c);
    // accepted and completed while c is out: c's copy of the journal does not have it
    const second = await runJob(b, 2);
    await stop(b);
    await stop(a);

    // all three start together; c's seeds name itself first, so c founds the cluster (the others know only c
    // and join it once it is up). A founder is up at once, so c is the oldest member and holds the scheduler,
    // whichever process happened to start first (before, a joiner that started earlier could be promoted
    // together with c and rank older).
    const [c2, a2, b2] = await Promise.all([start('c', [seed('c'), seed('a'), seed('b')]), start('a', [seed('c')]), start('b', [seed('c')])]);
    for (const m of [a2, b2, c2]) await until(() => api(m, 'GET', '/api/v1/status'), (r) => r.body.members === 3, `${m.name}: three members again`, 30_000);
    const listed = await until(() => api(c2, 'GET', '/api/v1/optimizer/jobs'), (r) => r.status === 200, 'the job list from the restarted cluster', 30_000);
    const jobs = listed.body.jobs as { id: string; state: string }[];
    expect(jobs.map((j) => [j.id, j.state])).toEqual([[first, 'completed'], [second, 'completed']]);
    expect((await api(a2, 'GET', `/api/v1/optimizer/jobs/${second}/result`)).status).toBe(200);
    // the scheduler runs on c (the oldest member now) and said where its journal came from (a log line, which
    // may reach us a moment after the HTTP reply)
    const adopted = /the job scheduler starts from member .*'s journal copy, which is newer than this member's/;
    await until(async () => c2.out(), (out) => adopted.test(out), 'c logs the journal copy it started from', 10_000);
    // and nothing was set aside: the newest copy was taken, no older image replaced a newer one
    expect(c2.out() + a2.out() + b2.out()).not.toContain('STRATA_JOB_JOURNAL_NEWER_KEPT');
  }, 150_000);
});
