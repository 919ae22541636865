// Three `strata daemon --config` processes as one cluster run one job scheduler between them: the cluster
// singleton, its journal replicated to the other members, a runner on every member found through the
// receptionist, and every member's optimizer routes forwarding to it. A job submitted through one member runs
// once and its result is read from another; kill -9 of the member holding the scheduler in the middle of a
// job moves the scheduler to the next oldest member, which resumes the job from the replicated journal: it
// completes once, with the result of an uninterrupted run. Cancel and metrics work across members, and the
// scheduler's member stops gracefully on SIGTERM.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanJournal, type JournalRecord } from '../../engine/jobs/index.ts';
import { csvDataset, daemonApi, killAll, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { untilValue } from '../support/poll.ts';

const TOKEN = 'cluster-jobs-operator-token-0001';
const SECRET = 'cluster-jobs-shared-secret-0123456789';

type Member = DaemonProcess;

let dir: string;
let csvFiles: string[] = [];
let range: { from: string; to: string };
const members: Member[] = [];

const until = untilValue;

const api = (m: Member, method: string, path: string, body?: unknown) => daemonApi(m.url, TOKEN, method, path, body);

async function startMember(name: string, seeds: string[]): Promise<Member> {
  // every member's store holds the same files: a job resumed on another member loads the same matrix
  const m = await startDaemonProcess({
    dir, name, files: csvFiles, env: { STRATA_LOG_LEVEL: process.env['STRATA_TEST_VERBOSE'] ? 'info' : 'silent' },
    config: {
      logLevel: 'warn',
      api: { port: 0, tokens: [{ name: 'ops', role: 'operator', secret: TOKEN }] },
      store: { mode: 'single-node' }, workers: { threads: 1 }, ingest: { watchInbox: true, scanIntervalMs: 200 },
      jobs: { mode: 'scheduler', checkpointMs: 300, progressMs: 100 },
      cluster: { enabled: true, name: 'jobs', host: '127.0.0.1', port: 0, seeds, secret: SECRET },
    },
  });
  members.push(m);
  return m;
}

const selfId = async (m: Member): Promise<string> =>
  ((await api(m, 'GET', '/api/v1/admin/snapshot')).body.members as { id: string; self: boolean }[]).find((x) => x.self)!.id;

const spec = (key: string) => ({
  idempotencyKey: key, dateRange: range, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 3 },
  algorithm: { id: 'nsga2', params: { popSize: 40 } }, budget: { evaluations: 40_000 }, seed: 11, validation: { bootstrapResamples: 100 },
});

/** The records of a member's job journal (the holder's own, or its replica), read as they are now. */
async function journal(m: Member): Promise<JournalRecord[]> {
  return scanJournal<JournalRecord>(await readFile(join(m.dataDir, 'jobs', 'jobs.journal'))).records;
}

let reference: unknown;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-cluster-jobs-'));
  ({ files: csvFiles, range } = await csvDataset(dir, 5));

  const a = await startMember('a', []);
  const seed = (await selfId(a)).split('#')[0]!;
  await Promise.all([startMember('b', [seed]), startMember('c', [seed])]);
  for (const m of members) {
    await until(() => api(m, 'GET', '/api/v1/status'), (r) => r.body.members === 3 && r.body.ingest.committed === csvFiles.length, `${m.name}: three members, files ingested`, 20_000);
  }
}, 45_000);

afterAll(async () => {
  killAll(members);
  await rm(dir, { recursive: true, force: true });
});

describe('a cluster of daemons runs one job scheduler', () => {
  it('runs a job submitted through one member once and serves its result from every member', async () => {
    const [a, b, c] = members as [Member, Member, Member];
    const sub = await until(() => api(b, 'POST', '/api/v1/optimizer/jobs', spec('uninterrupted')), (r) => r.status !== 503, 'the submission through b', 10_000);
    expect(sub.status).toBe(202);
    const id = sub.body.id as string;
    const done = await until(() => api(a, 'GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body?.state === 'completed' || r.body?.state === 'failed', 'the job finished, seen from a', 20_000);
    expect(done.body.state).toBe('completed');
    const results = await Promise.all([a, b, c].map((m) => api(m, 'GET', `/api/v1/optimizer/jobs/${id}/result`)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results[2]!.body).toEqual(results[0]!.body);
    expect(results[0]!.body.evaluations).toBe(40_000);
    reference = results[0]!.body;
    // one queue for the cluster: every member lists the same jobs
    const lists = await Promise.all([a, b, c].map(async (m) => (await api(m, 'GET', '/api/v1/optimizer/jobs')).body.jobs.map((j: { id: string }) => j.id)));
    expect(lists).toEqual([[id], [id], [id]]);
    // the scheduler runs on the oldest member (a); its journal is replicated to the others
    const onA = (await journal(a)).filter((r) => r.t === 'result');
    expect(onA).toHaveLength(1);
    for (const m of [b, c]) expect((await journal(m)).filter((r) => r.t === 'result')).toHaveLength(1);
  }, 30_000);

  it('moves the scheduler when its member is killed -9 mid-job; the job completes once with the same result', async () => {
    const [a, b, c] = members as [Member, Member, Member];
    const sub = await until(() => api(b, 'POST', '/api/v1/optimizer/jobs', spec('interrupted')), (r) => r.status !== 503, 'the submission through b', 10_000);
    expect(sub.status).toBe(202);
    const id = sub.body.id as string;
    // a durable checkpoint exists (the replicated journal has one) before the scheduler's member dies
    await until(() => journal(b), (rs) => rs.some((r) => r.t === 'checkpoint' && r.id === id), 'a replicated checkpoint', 20_000);
    a.child.kill('SIGKILL');

    const done = await until(() => api(c, 'GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body?.state === 'completed' || r.body?.state === 'failed', 'the job finished on the next scheduler', 30_000);
    expect(done.body.state).toBe('completed');
    const result = await until(() => api(b, 'GET', `/api/v1/optimizer/jobs/${id}/result`), (r) => r.status === 200, 'the result through b', 10_000);
    // what the uninterrupted run of the same spec and seed gave
    expect(result.body).toEqual(reference);
    // exactly once: one result record, written under a newer epoch, in the journals of both survivors
    for (const m of [b, c]) {
      const records = await journal(m);
      const results = records.filter((r): r is Extract<JournalRecord, { t: 'result' }> => r.t === 'result' && r.id === id);
      expect(results).toHaveLength(1);
      expect(results[0]!.epoch).toBeGreaterThan(1);
      // resumed, not restarted: the second attempt started from the checkpoint taken before the kill
      const last = records.filter((r): r is Extract<JournalRecord, { t: 'state' }> => r.t === 'state' && r.id === id).at(-1)!;
      expect(last.life).toMatchObject({ status: 'completed', attempts: 2, interruptions: 1 });
    }
  }, 45_000);

  it('cancels through one member what another submitted, and every member counts the cluster\'s jobs', async () => {
    const [, b, c] = members as [Member, Member, Member];
    const sub = await until(() => api(c, 'POST', '/api/v1/optimizer/jobs', { ...spec('cancelled'), budget: { evaluations: 5_000_000 } }), (r) => r.status !== 503, 'the submission through c', 10_000);
    expect(sub.status).toBe(202);
    const id = sub.body.id as string;
    await until(() => api(c, 'GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body?.state === 'running', 'the job running', 10_000);
    const cancelled = await api(b, 'POST', `/api/v1/optimizer/jobs/${id}/cancel`);
    expect([cancelled.status, cancelled.body.state]).toEqual([200, 'cancelled']);
    expect((await api(c, 'GET', `/api/v1/optimizer/jobs/${id}`)).body.state).toBe('cancelled');
    expect((await api(c, 'GET', `/api/v1/optimizer/jobs/${id}/result`)).body.error.code).toBe('STRATA_JOB_NOT_FINISHED');
    // the holder's events reach every member: each one's metrics count all three jobs
    for (const m of [b, c]) {
      await until(() => api(m, 'GET', '/api/v1/optimizer/metrics'), (r) => r.body.byState.completed === 2 && r.body.byState.cancelled === 1, `${m.name}'s metrics`, 5_000);
    }
    if (process.env['STRATA_TEST_VERBOSE']) for (const m of members) console.log(m.name, m.out());
  }, 20_000);

  it('stops the member holding the scheduler on SIGTERM with exit 0, its running job left resumable in the journal', async () => {
    const [, b, c] = members as [Member, Member, Member];
    const up = (await api(c, 'GET', '/api/v1/admin/snapshot')).body.members as { id: string; status: string; upNumber: number }[];
    const holderId = up.filter((m) => m.status === 'up').sort((x, y) => x.upNumber - y.upNumber)[0]!.id;
    const [holder, other] = (await selfId(b)) === holderId ? [b, c] : [c, b];
    const sub = await api(other, 'POST', '/api/v1/optimizer/jobs', { ...spec('drained'), budget: { evaluations: 5_000_000 } });
    expect(sub.status).toBe(202);
    const id = sub.body.id as string;
    await until(() => api(other, 'GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body?.state === 'running', 'the job running', 10_000);
    const exited = new Promise<number | null>((resolve) => holder.child.once('exit', (code) => resolve(code)));
    holder.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const records = await journal(holder);
    expect(records.some((r) => r.t === 'checkpoint' && r.id === id)).toBe(true);
    // still running in the journal, with a checkpoint: the next holder resumes it from there
    const last = records.filter((r): r is Extract<JournalRecord, { t: 'state' }> => r.t === 'state' && r.id === id).at(-1)!;
    expect(last.life.status).toBe('running');
  }, 20_000);
});
