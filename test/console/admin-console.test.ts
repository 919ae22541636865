// The admin console in a real headless Chromium (Debian's chromium driven by playwright-core) against a real
// daemon: three store nodes in child processes, the durable job scheduler. Sign in, watch a job progress to
// its result plots, cancel and reprioritise from the page, trigger an inbox scan, remove a stored file, and see a store node go
// down (kill -9 of its process) and come back.
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../engine/formats/index.ts';
import { OPERATOR, VIEWER, startHarness, type Harness } from '../api/daemon-harness.ts';

const CHROMIUM = process.env['STRATA_CHROMIUM'] ?? '/usr/bin/chromium';
let h: Harness;
let browser: Browser;
let page: Page;
let range: { from: string; to: string };

const spec = (evaluations: number, seed: number, priority = 'normal') => ({
  dateRange: range, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 4 },
  algorithm: { id: 'nsga2' }, budget: { evaluations }, seed, priority,
});
const submit = async (body: unknown): Promise<string> => (await h.request('POST', '/api/v1/optimizer/jobs', { body })).body.id;

beforeAll(async () => {
  h = await startHarness({ 'store.mode': 'cluster', 'store.hosting': 'process', 'store.healthIntervalMs': 200, 'jobs.mode': 'scheduler', 'ingest.watchInbox': true, 'jobs.progressMs': 50 });
  // single-strategy files of 20 days from three seeds: nine strategies, each batch under 64 rows (today the
  // store cluster's wire encoding turns an all-null numeric column of 64+ rows into a dictionary column, which
  // the store nodes refuse; this test is about the console, not that)
  const files: string[] = [];
  for (const seed of [5, 6, 7]) {
    const ds = await generateDataset({ outDir: join(h.dir, `files-${seed}`), strategies: 3, days: 20, seed });
    files.push(...['f1_backinzo.csv', 'f3_tv_gen1.csv', 'f3_tv_gen2.csv'].map((f) => join(ds.outDir, f)));
  }
  const outcomes = await h.daemon.services.ingest!.ingestPaths(files);
  expect(outcomes.map((o) => o.status)).toEqual(files.map(() => 'committed'));
  const r = (await h.daemon.services.store!.dayRange('ALL'))!;
  range = { from: r.from, to: r.to };
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('admin console', () => {
  it('asks for a token, refuses a wrong one, and opens with a good one', async () => {
    await page.goto(`${h.url}/console`);
    await page.getByTestId('login').waitFor();
    await page.getByTestId('token-input').fill('wrong-token-000000000000');
    await page.getByTestId('login-button').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('STRATA_API_UNAUTHENTICATED');
    await page.getByTestId('token-input').fill(OPERATOR);
    await page.getByTestId('login-button').click();
    await page.getByTestId('live').filter({ hasText: /^live$/ }).waitFor();
    await expect.poll(() => page.locator('[data-testid=members] tbody tr').count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid=nodes] tbody tr[data-state=up]').count()).toBe(3);
    expect(await page.getByTestId('store-summary').textContent()).toContain('cluster · 3/3 up · quorum yes');
    expect(await page.getByTestId('actors').textContent()).toContain('ingest');
  });

  it('shows a job progressing with an ETA, then its equity, drawdown and Pareto plots', async () => {
    const id = await submit(spec(60_000, 21));
    const row = page.locator(`tr[data-job="${id}"]`);
    const seen = new Set<number>();
    const until = Date.now() + 25_000;
    while (Date.now() < until) {
      const state = await row.getAttribute('data-state').catch(() => null);
      const pct = Number(((await row.getByTestId('progress').textContent().catch(() => '')) ?? '').replace('%', ''));
      if (state === 'running' && pct > 0 && pct < 100) seen.add(pct);
      if (state === 'completed') break;
      await page.waitForTimeout(40);
    }
    expect(await row.getAttribute('data-state')).toBe('completed');
    expect(seen.size).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.getByTestId('result-title').textContent(), { timeout: 10_000 }).toContain(id);
    expect(await page.locator('[data-testid=equity-chart] canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=pareto-chart] canvas').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('result-metrics').textContent()).toMatch(/net profit .* max drawdown/);
    await expect.poll(() => page.locator('[data-testid=throughput-chart] canvas').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('cancels and reprioritises jobs from the page, and triggers an inbox scan', async () => {
    const running = await submit(spec(50_000_000, 31));
    const queued = await submit(spec(1_000, 32, 'low'));
    await page.locator(`tr[data-job="${running}"][data-state=running]`).waitFor({ timeout: 20_000 });
    await page.locator(`tr[data-job="${queued}"] select[data-act=priority]`).selectOption('critical');
    await expect.poll(async () => (await h.request('GET', `/api/v1/optimizer/jobs/${queued}`)).body.priority).toBe('critical');
    await page.locator(`tr[data-job="${running}"] button[data-act=cancel]`).click();
    await page.locator(`tr[data-job="${running}"][data-state=cancelled]`).waitFor({ timeout: 20_000 });
    await page.getByTestId('scan-inbox').click();
    await expect.poll(() => page.getByTestId('ingest-log').textContent()).toContain('inbox scan requested');
  });

  it('lists the stored files and removes one from the page, after asking', async () => {
    const files = (await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string; file: string }[];
    expect(files).toHaveLength(9);
    await expect.poll(() => page.locator('[data-testid=files] tbody tr').count()).toBe(9);
    expect(await page.getByTestId('files-summary').textContent()).toBe('9');
    const target = files[0]!;
    // the first time the page asks, the operator says no: nothing is removed
    const asked: string[] = [];
    page.once('dialog', (d) => { asked.push(d.message()); void d.dismiss(); });
    await page.locator(`tr[data-file="${target.contentHash}"] button[data-act=remove-file]`).click();
    await expect.poll(() => asked).toEqual(['Remove f1_backinzo.csv: the rows of its strategy in every table?']);
    await expect.poll(async () => ((await h.request('GET', '/api/v1/consolidator/files')).body.files as unknown[]).length).toBe(9);
    page.once('dialog', (d) => void d.accept());
    await page.locator(`tr[data-file="${target.contentHash}"] button[data-act=remove-file]`).click();
    await expect.poll(() => page.locator('[data-testid=files] tbody tr').count(), { timeout: 15_000 }).toBe(8);
    expect(((await h.request('GET', '/api/v1/consolidator/files')).body.files as { contentHash: string }[]).map((f) => f.contentHash)).not.toContain(target.contentHash);
    await expect.poll(() => page.getByTestId('ingest-log').textContent()).toMatch(/f1_backinzo\.csv: removed \(1 strategy\)/);
  });

  it('shows a store node going down and coming back', async () => {
    const nodes = (await h.request('GET', '/api/v1/store/cluster')).body.nodes as { name: string; pid: number }[];
    const n2 = nodes.find((n) => n.name === 'n2')!;
    process.kill(n2.pid, 'SIGKILL');
    await expect.poll(() => page.getByTestId('store-log').textContent(), { timeout: 20_000 }).toMatch(/n2 down/);
    await expect.poll(() => page.getByTestId('store-log').textContent(), { timeout: 20_000 }).toMatch(/n2 down[\s\S]*n2 up/);
    await page.locator('[data-testid=nodes] tr[data-node=n2][data-state=up]').waitFor({ timeout: 20_000 });
    expect((await h.request('GET', '/api/v1/store/cluster')).body.nodes.find((n: { name: string }) => n.name === 'n2').pid).not.toBe(n2.pid);
  });

  it('hides operator controls from a viewer', async () => {
    const viewer = await browser.newPage();
    await viewer.goto(`${h.url}/console#token=${VIEWER}`);
    await viewer.getByTestId('live').filter({ hasText: /^live$/ }).waitFor();
    await expect.poll(() => viewer.evaluate(() => (globalThis as unknown as { document: { body: { classList: { contains(c: string): boolean } } } }).document.body.classList.contains('viewer'))).toBe(true);
    expect(await viewer.getByTestId('scan-inbox').isVisible()).toBe(false);
    expect(viewer.url()).not.toContain('token');
    await viewer.close();
  });
});
