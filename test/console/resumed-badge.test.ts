// The admin console marks a job the scheduler resumed after a crash: a standalone `strata daemon` process is
// killed -9 while a job runs (after a durable checkpoint), started again on the same data folder, and its
// console (real headless Chromium) shows the job with "resumed ×1" and its account of runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvDataset, daemonApi, killAll, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { untilValue as until } from '../support/poll.ts';

const CHROMIUM = process.env['STRATA_CHROMIUM'] ?? '/usr/bin/chromium';
const TOKEN = 'resumed-badge-operator-token-0001';
let dir: string;
let files: string[] = [];
let range: { from: string; to: string };
let browser: Browser;
const running: DaemonProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-resumed-badge-'));
  ({ files, range } = await csvDataset(dir, 9));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 60_000);
afterAll(async () => {
  killAll(running);
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(withFiles: readonly string[]): Promise<DaemonProcess> {
  const m = await startDaemonProcess({
    dir, name: 'd', files: withFiles, env: { STRATA_LOG_LEVEL: 'info' },
    config: {
      logLevel: 'info', demo: { enabled: false },
      api: { port: 0, tokens: [{ name: 'ops', role: 'operator', secret: TOKEN }] },
      store: { mode: 'single-node' }, workers: { threads: 1 }, ingest: { watchInbox: true, scanIntervalMs: 200 },
      jobs: { mode: 'scheduler', checkpointMs: 200, progressMs: 100 }, cluster: { enabled: false },
    },
  });
  running.push(m);
  return m;
}

describe('the admin console and a resumed job', () => {
  it('shows "resumed ×1" on a job the scheduler resumed after the daemon was killed -9', { timeout: 120_000 }, async () => {
    let d = await start(files);
    const api = (method: string, path: string, body?: unknown) => daemonApi(d.url, TOKEN, method, path, body);
    await until(() => api('GET', '/api/v1/consolidator/files'), (r) => r.status === 200 && r.body.files?.length === files.length, 'the files stored', 30_000);
    const sub = await api('POST', '/api/v1/optimizer/jobs', {
      dateRange: range, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 3 },
      algorithm: { id: 'nsga2', params: { popSize: 20 } }, budget: { evaluations: 50_000_000 }, seed: 3,
    });
    expect(sub.status).toBe(202);
    const id = sub.body.id as string;
    await until(() => api('GET', `/api/v1/optimizer/jobs/${id}`), (r) => (r.body?.run?.checkpoints ?? 0) > 0, 'a durable checkpoint', 30_000);
    d.child.kill('SIGKILL');
    await new Promise((r) => d.child.once('exit', r));
    running.splice(running.indexOf(d), 1);

    d = await start([]);
    const job = await until(() => api('GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body?.state === 'running' && r.body?.run?.interruptions === 1, 'the job resumed', 30_000);
    expect(job.body.run).toMatchObject({ interruptions: 1, failures: 0 });

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await page.goto(`${d.url}/console`);
      await page.getByTestId('token-input').fill(TOKEN);
      await page.getByTestId('login-button').click();
      const badge = page.locator(`[data-job="${id}"] [data-testid=resumed]`);
      await badge.waitFor({ timeout: 20_000 });
      expect(await badge.textContent()).toBe('resumed ×1');
      expect(await badge.getAttribute('title')).toMatch(/^\d+ attempts, 0 failures, 1 interruptions; \d+ checkpoints, the last at [\d,]+ evaluations$/);
      // a job that never was interrupted carries no badge
      const other = await api('POST', '/api/v1/optimizer/jobs', {
        dateRange: range, problem: { objectives: ['netProfit'], kMin: 2, kMax: 2 }, algorithm: { id: 'random-search' }, budget: { evaluations: 200 }, seed: 4,
      });
      await page.locator(`[data-job="${other.body.id as string}"]`).waitFor({ timeout: 20_000 });
      expect(await page.locator(`[data-job="${other.body.id as string}"] [data-testid=resumed]`).count()).toBe(0);
    } finally {
      await page.close();
      await api('POST', `/api/v1/optimizer/jobs/${id}/cancel`);
    }
  });
});
