// TLS at the daemon level, with real processes and a certificate made by openssl here: `api.tls` serves the API
// as HTTPS (and its event stream as wss), which the CLI reaches when it trusts the CA (NODE_EXTRA_CA_CERTS);
// plain HTTP on that port gets nowhere; `cluster.tls` carries two members' links over wss, each checking the
// other's certificate against `caFile`. A missing certificate file fails the start naming its key.
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:https';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLargeBackinzoCsv } from '../../engine/formats/index.ts';
import { killAll, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { untilValue } from '../support/poll.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'cluster', 'cli', 'main.ts');
const TOKEN = 'tls-test-operator-token-0123456789';
let dir: string;
let cert: string;
let key: string;
let ca: Buffer;
const members: DaemonProcess[] = [];

/** GET over HTTPS trusting our CA only; the body parsed. */
function httpsGet(url: string, path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += String(d); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { err += String(d); });
  return new Promise((r) => child.on('exit', (code) => r({ code, out, err })));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-tls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = await readFile(cert);
});
afterAll(async () => {
  killAll(members);
  await rm(dir, { recursive: true, force: true });
});

const base = { logLevel: 'warn', store: { mode: 'single-node' }, jobs: { mode: 'local' }, workers: { threads: 1 }, demo: { enabled: false } };

describe('TLS in the daemon', () => {
  it('serves the API over HTTPS: the CLI ingests through it (upload and wss events) when it trusts the CA; plain HTTP gets nowhere', { timeout: 60_000 }, async () => {
    const m = await startDaemonProcess({
      dir, name: 'api', env: { STRATA_API_TOKEN: TOKEN },
      config: { ...base, api: { port: 0, tls: { certFile: cert, keyFile: key } }, cluster: { enabled: false } },
    });
    members.push(m);
    expect(m.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await httpsGet(m.url, '/api/v1/status')).body.store).toMatchObject({ nodesTotal: 1, quorum: true });
    const plain = await fetch(m.url.replace('https:', 'http:') + '/healthz').then((r) => r.status, (e: Error) => e.message);
    expect(plain).not.toBe(200);
    const file = join(dir, 'trades.csv');
    await writeLargeBackinzoCsv(file, 2_000, 4);
    const conn = ['--url', m.url, '--token', TOKEN];
    const trusted = await cli(['ingest', file, ...conn], { NODE_EXTRA_CA_CERTS: cert });
    expect(trusted.err).not.toContain('STRATA_API');
    expect(trusted.code).toBe(0);
    expect(trusted.out).toMatch(/1 stored, 0 already present, 0 rejected or failed/);
    const status = await untilValue(() => httpsGet(m.url, '/api/v1/consolidator/status'), (r) => r.body?.counts?.committed === 1, 'the committed file', 10_000);
    expect(status.body.counts.committed).toBe(1);
    // without the CA the CLI refuses the certificate: a clear error, exit 1
    const untrusted = await cli(['jobs', 'list', ...conn], {});
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toMatch(/STRATA_API_SERVICE_UNAVAILABLE: cannot reach the daemon at https:\/\/127\.0\.0\.1:\d+: DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate/);
    expect(untrusted.err).toContain('(to trust a private CA: NODE_EXTRA_CA_CERTS=/path/ca.pem)');
  });

  it('carries cluster links over wss between two members that check each other\'s certificate', { timeout: 60_000 }, async () => {
    await writeFile(join(dir, 'secret'), 'tls-cluster-shared-secret-0123456789\n');
    const cluster = (seeds: string[]) => ({ enabled: true, name: 'tls', port: 0, seeds, secret: { file: join(dir, 'secret') }, tls: { certFile: cert, keyFile: key, caFile: cert } });
    const a = await startDaemonProcess({ dir, name: 'ca', env: { STRATA_API_TOKEN: TOKEN, STRATA_LOG_LEVEL: 'info' }, config: { ...base, api: { port: 0 }, cluster: cluster([]) } });
    members.push(a);
    expect(a.out()).toMatch(/cluster transport listening on wss:\/\/127\.0\.0\.1:\d+/);
    const snapshot = async (m: DaemonProcess) => (await (await fetch(`${m.url}/api/v1/admin/snapshot`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { members: { id: string; status: string; self: boolean }[] };
    const aId = (await snapshot(a)).members.find((x) => x.self)!.id;
    const b = await startDaemonProcess({ dir, name: 'cb', env: { STRATA_API_TOKEN: TOKEN }, config: { ...base, api: { port: 0 }, cluster: cluster([aId.split('#')[0]!]) } });
    members.push(b);
    for (const m of [a, b]) await untilValue(() => snapshot(m), (s) => s.members.filter((x) => x.status === 'up').length === 2, `${m.name} sees two up members over wss`, 30_000);
  });

  it('fails the start naming api.tls.certFile when the file is missing, its path taken relative to the config file (exit 1)', async () => {
    // relative to the config file, as secret files are
    await mkdir(join(dir, 'conf'));
    await writeFile(join(dir, 'conf', 'missing.json'), JSON.stringify({ ...base, dataDir: join(dir, 'missing'), api: { port: 0, tls: { certFile: 'nope.pem', keyFile: '../key.pem' } } }));
    const r = await cli(['up', '--config', join(dir, 'conf', 'missing.json')], { STRATA_API_TOKEN: TOKEN });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`STRATA_DAEMON_START_FAILED: api.tls.certFile ${join(dir, 'conf', 'nope.pem')} cannot be read: ENOENT`);
  });
});
