// A cluster member whose job journal was damaged in the middle: the scheduler (the cluster singleton, here on the
// only member) starts with the jobs around the damage, and the daemon of the member it runs on says so in its
// recent errors, as a standalone daemon does (test/daemon/journal-damage.test.ts). Before, a cluster member only
// logged it. Real `strata daemon` processes, a real journal file, REST.
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonApi, killAll, startDaemonProcess, stopDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { untilValue as until } from '../support/poll.ts';

const TOKEN = 'cluster-journal-operator-token-01';
const SECRET = 'cluster-journal-shared-secret-0123456789';
let dir: string;
let port: number;
const running: DaemonProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-cluster-journal-'));
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
});
afterAll(async () => {
  await killAll(running);
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<DaemonProcess> {
  const m = await startDaemonProcess({
    dir, name: 'a', env: { STRATA_LOG_LEVEL: 'info' },
    config: {
      logLevel: 'info', demo: { enabled: false },
      api: { port: 0, tokens: [{ name: 'ops', role: 'operator', secret: TOKEN }] },
      store: { mode: 'single-node' }, workers: { threads: 1 },
      jobs: { mode: 'scheduler', startGraceMs: 0 },
      cluster: { enabled: true, name: 'journal', host: '127.0.0.1', port, seeds: [], secret: SECRET },
    },
  });
  running.push(m);
  return m;
}

async function stop(m: DaemonProcess): Promise<void> {
  expect(await stopDaemonProcess(m, running)).toBe(0);
}

const api = (m: DaemonProcess, method: string, path: string, body?: unknown) => daemonApi(m.url, TOKEN, method, path, body);
const spec = (seed: number) => ({
  dateRange: { from: '2024-01-01', to: '2024-03-01' }, problem: { objectives: ['netProfit'], kMin: 2, kMax: 2 },
  algorithm: { id: 'random-search' }, budget: { evaluations: 100 }, seed,
});

describe('a cluster member with a damaged job journal', () => {
  it('starts the scheduler with the jobs around the damage and reports it in the member\'s recent errors', { timeout: 120_000 }, async () => {
    let m = await start();
    let before: string[];
    try {
      // an empty store: each job fails at once (no strategies), and is journaled all the same
      for (let i = 1; i <= 12; i++) {
        const r = await until(() => api(m, 'POST', '/api/v1/optimizer/jobs', spec(i)), (x) => x.status !== 503, 'the scheduler', 20_000);
        expect(r.status).toBe(202);
      }
      const listed = await until(() => api(m, 'GET', '/api/v1/optimizer/jobs'), (r) => r.body.jobs.length === 12 && r.body.jobs.every((j: { state: string }) => j.state !== 'queued' && j.state !== 'running'), 'the jobs finished', 30_000);
      before = (listed.body.jobs as { id: string }[]).map((j) => j.id).sort();
    } finally {
      await stop(m);
    }
    const path = join(dir, 'a', 'jobs', 'jobs.journal');
    const bytes = await readFile(path);
    const mid = Math.floor(bytes.length / 2);
    bytes.fill(0xee, mid, mid + 24);
    await writeFile(path, bytes);

    m = await start();
    try {
      const listed = await until(() => api(m, 'GET', '/api/v1/optimizer/jobs'), (r) => r.status === 200 && r.body.jobs.length > 0, 'the scheduler back', 30_000);
      const after = (listed.body.jobs as { id: string }[]).map((j) => j.id).sort();
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(after).toContain(before[0]);
      expect(after).toContain(before.at(-1));
      const errors = await until(() => api(m, 'GET', '/api/v1/admin/errors'), (r) => r.body.errors.some((e: { code: string }) => e.code === 'STRATA_JOB_JOURNAL_CORRUPT'), 'the damage in the recent errors', 20_000);
      const damage = (errors.body.errors as { source: string; code: string; message: string }[]).find((e) => e.code === 'STRATA_JOB_JOURNAL_CORRUPT')!;
      expect(damage.source).toBe('jobs journal');
      expect(damage.message).toMatch(/damaged/);
    } finally {
      await stop(m);
    }
  });
});
