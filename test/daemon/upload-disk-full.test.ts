// A daemon whose disk fills up under an upload: the upload fails and is kept (waiting, counted in
// strata_ingest_waiting_files, listed by the consolidator status and shown on the admin console's ingest line), and
// once space is freed the daemon stores it by itself, every row once. A real daemon on a tmpfs of the test's own
// filled to the brim (root; see test/support/tmpfs.ts), real DuckDB file, REST, the console in headless Chromium.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { OPERATOR, startHarness, uploadState, type Harness } from '../api/daemon-harness.ts';
import { untilValue } from '../support/poll.ts';
import { mountTmpfs, requireTmpfsOrSkip, type Tmpfs } from '../support/tmpfs.ts';

const canMount = requireTmpfsOrSkip('the daemon full-disk upload test (a tmpfs of its own)');
const CHROMIUM = process.env['STRATA_CHROMIUM'] ?? '/usr/bin/chromium';

const waitingGauge = async (h: Harness): Promise<number> => Number(/^strata_ingest_waiting_files (\d+)$/m.exec((await h.request('GET', '/metrics')).text)?.[1] ?? NaN);

describe.skipIf(!canMount)('a daemon whose disk fills up under an upload', () => {
  let fs: Tmpfs | null = null;
  let h: Harness | null = null;
  let browser: Browser | null = null;
  afterAll(async () => { await browser?.close(); await h?.close(); fs?.unmount(); });

  it('keeps the upload, says it waits, and stores it by itself once space is freed', { timeout: 120_000 }, async () => {
    fs = mountTmpfs(48);
    h = await startHarness({ dataDir: join(fs.dir, 'data') });
    const csv = await writeLargeBackinzoCsv(join(h.dir, 'big.csv'), 30_000, 7);
    const bytes = new Uint8Array(await readFile(csv.path));
    // room for the upload itself and little more: the store's write of its rows does not fit
    fs.fill(bytes.byteLength + 192 * 1024);
    const up = await h.request('POST', '/api/v1/consolidator/uploads?name=big.csv&process=true', { raw: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(202);
    const failed = await uploadState(h, up.body.id, (s) => s === 'failed' || s === 'committed', 60_000);
    expect(failed.state).toBe('failed');
    expect(failed.outcome).toMatchObject({ status: 'failed', retrying: true, code: expect.stringMatching(/^STRATA_(STORE|LB)_/) });
    expect(String(failed.outcome!['message'])).toMatch(/full|space/);
    expect(await waitingGauge(h)).toBe(1);
    const status = await h.request('GET', '/api/v1/consolidator/status');
    expect(status.body.retrying).toEqual([expect.objectContaining({ file: expect.stringContaining(up.body.id), attempts: expect.any(Number) })]);
    // the admin console's ingest line says a file waits, and for what
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const page = await browser.newPage();
    await page.goto(`${h.url}/console`);
    await page.getByTestId('token-input').fill(OPERATOR);
    await page.getByTestId('login-button').click();
    const line = page.getByTestId('ingest');
    await expect.poll(async () => line.textContent(), { timeout: 20_000 }).toMatch(/ · waiting for the store 1 \(STRATA_(STORE|LB)_[A-Z_]+\)$/);

    // read again while the disk stays full: the recent errors hold the first failure, not one per attempt
    await untilValue(() => h!.request('GET', '/api/v1/consolidator/status'), (r) => (r.body.retrying[0]?.attempts ?? 0) >= 3, 'the upload read again while the disk is full', 20_000);
    expect(h.daemon.hub.recentErrors().filter((e) => e.source === 'ingest big.csv')).toHaveLength(1);

    fs.unfill();
    const stored = await uploadState(h, up.body.id, (s) => s === 'committed', 90_000);
    expect(stored.outcome).toMatchObject({ status: 'committed', summary: { rows: { trades: 30_000 } } });
    expect(await waitingGauge(h)).toBe(0);
    await expect.poll(async () => line.textContent(), { timeout: 20_000 }).not.toMatch(/waiting for the store/);
    const files = await h.request('GET', '/api/v1/consolidator/files');
    expect(files.body.files).toEqual([expect.objectContaining({ rows: expect.objectContaining({ trades: 30_000 }) })]);
  });
});
