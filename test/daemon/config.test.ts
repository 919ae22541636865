// The daemon config: zod validation naming each key, STRATA_* environment overrides, secrets from the
// environment and files (never echoed), hot reload that applies safe keys and names the others, and the
// logger's redaction of secrets.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConfigReloader, defaultDuckDbMemoryLimitMb, defaultDuckDbThreads, defaultStoreHosting, diffConfig, loadConfig, validateConfig, type LoadedConfig } from '../../cluster/config/index.ts';
import { createDaemonLogger, prettyLine } from '../../cluster/daemon/index.ts';
import { DEFAULT_FILE_MEMORY_LIMIT_MB, MIN_MEMORY_LIMIT_MB } from '../../engine/store/index.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-config-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const codeOf = async (p: Promise<unknown>): Promise<{ code: string; message: string; data: any }> => {
  try { await p; } catch (e) { return e as never; }
  throw new Error('expected a rejection');
};

describe('config', () => {
  it('has defaults for every key: loopback API, three store nodes, demo on', async () => {
    const { config, secrets } = await loadConfig({ env: {} });
    expect(config.api).toMatchObject({ host: '127.0.0.1', port: 7300, tokens: [] });
    expect(config.store).toMatchObject({ mode: 'cluster', nodes: 3, replicationFactor: 2 });
    expect(config.demo.enabled).toBe(true);
    expect(secrets).toEqual({ tokens: [], clusterSecret: null, heavydb: [] });
  });

  it('names every invalid key with its problem', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'api:\n  port: 70000\n  tokens:\n    - { name: a, role: admin, secret: s }\nstore: { nodes: 0 }\nunknown: 1\ncluster: { enabled: true }\n');
    const e = await codeOf(loadConfig({ file, env: {} }));
    expect(e.code).toBe('STRATA_CONFIG_INVALID');
    const keys = e.data.issues.map((i: { key: string }) => i.key);
    expect(keys).toEqual(expect.arrayContaining(['api.port', 'api.tokens.0.role', 'store.nodes', '(top level)', 'cluster.secret']));
    expect(e.message).toMatch(/cluster\.secret: is required when cluster\.enabled is true/);
  });

  it('reads JSON as well as YAML, and reports a file that does not parse', async () => {
    const json = join(dir, 'c.json');
    await writeFile(json, JSON.stringify({ api: { port: 8123 } }));
    expect((await loadConfig({ file: json, env: {} })).config.api.port).toBe(8123);
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'api: [unclosed\n');
    expect((await codeOf(loadConfig({ file: broken, env: {} }))).code).toBe('STRATA_CONFIG_READ_FAILED');
    expect((await codeOf(loadConfig({ file: join(dir, 'missing.yaml'), env: {} }))).message).toMatch(/missing\.yaml cannot be read \(ENOENT\)/);
  });

  it('lets STRATA_* variables override the file and says which variable a bad value came from', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(file, 'api: { port: 7000 }\nstore: { nodes: 2 }\n');
    const l = await loadConfig({ file, env: { STRATA_API_PORT: '7555', STRATA_DEMO: 'false', STRATA_CLUSTER_SEEDS: 'a:1, b:2' } });
    expect(l.config.api.port).toBe(7555);
    expect(l.config.store.nodes).toBe(2);
    expect(l.config.demo.enabled).toBe(false);
    expect(l.config.cluster.seeds).toEqual(['a:1', 'b:2']);
    expect(l.overrides).toMatchObject({ 'api.port': 'STRATA_API_PORT' });
    const e = await codeOf(loadConfig({ env: { STRATA_API_PORT: 'eighty' } }));
    expect(e.message).toMatch(/api\.port: .*\(from STRATA_API_PORT\)/);
  });

  it("caps each embedded store node's DuckDB memory from store.memoryLimitMb or STRATA_STORE_MEMORY_LIMIT_MB, unset by default", async () => {
    expect((await loadConfig({ env: {} })).config.store.memoryLimitMb).toBeUndefined();
    const file = join(dir, 'mem.yaml');
    await writeFile(file, 'store: { memoryLimitMb: 256 }\n');
    expect((await loadConfig({ file, env: {} })).config.store.memoryLimitMb).toBe(256);
    expect((await loadConfig({ file, env: { STRATA_STORE_MEMORY_LIMIT_MB: '512' } })).config.store.memoryLimitMb).toBe(512);
    const e = await codeOf(loadConfig({ env: { STRATA_STORE_MEMORY_LIMIT_MB: '32' } }));
    expect(e.message).toMatch(/store\.memoryLimitMb: .*\(from STRATA_STORE_MEMORY_LIMIT_MB\)/);
  });

  it('gives each embedded store node a share of the cores as its DuckDB threads, unless store.duckdbThreads says', async () => {
    expect((await loadConfig({ env: {} })).config.store.duckdbThreads).toBeUndefined();
    expect((await loadConfig({ env: { STRATA_STORE_DUCKDB_THREADS: '4' } })).config.store.duckdbThreads).toBe(4);
    const e = await codeOf(loadConfig({ env: { STRATA_STORE_DUCKDB_THREADS: '0' } }));
    expect(e.message).toMatch(/store\.duckdbThreads: .*\(from STRATA_STORE_DUCKDB_THREADS\)/);
    expect(defaultDuckDbThreads(2, 3)).toBe(1);
    expect(defaultDuckDbThreads(16, 3)).toBe(5);
    expect(defaultDuckDbThreads(16, 1)).toBe(16);
    expect(defaultDuckDbThreads(4, 0)).toBe(4);
  });

  it('shares 192 MiB of DuckDB memory among the embedded store nodes, 64 to 128 each, unless store.memoryLimitMb says', async () => {
    expect((await loadConfig({ env: {} })).config.store.memoryLimitMb).toBeUndefined();
    expect(defaultDuckDbMemoryLimitMb(3)).toBe(64);
    expect(defaultDuckDbMemoryLimitMb(2)).toBe(96);
    // a lone node keeps a file node's own default, and no node goes below what a node accepts
    expect(defaultDuckDbMemoryLimitMb(1)).toBe(DEFAULT_FILE_MEMORY_LIMIT_MB);
    expect(defaultDuckDbMemoryLimitMb(0)).toBe(DEFAULT_FILE_MEMORY_LIMIT_MB);
    expect(defaultDuckDbMemoryLimitMb(8)).toBe(MIN_MEMORY_LIMIT_MB);
  });

  it('hosts the embedded store nodes in-line below 8 cores and on a thread each from 8, unless store.hosting says', async () => {
    expect(defaultStoreHosting(1)).toBe('inline');
    expect(defaultStoreHosting(7)).toBe('inline');
    expect(defaultStoreHosting(8)).toBe('thread');
    expect((await loadConfig({ env: {} })).config.store.hosting).toBe(defaultStoreHosting(availableParallelism()));
    const file = join(dir, 'hosting.yaml');
    for (const hosting of ['thread', 'shared-thread', 'process', 'inline']) {
      await writeFile(file, `store:\n  hosting: ${hosting}\n`);
      expect((await loadConfig({ file, env: {} })).config.store.hosting).toBe(hosting);
    }
    await writeFile(file, 'store:\n  hosting: fibre\n');
    const e = await loadConfig({ file, env: {} }).then(() => null, (err: unknown) => err as Error);
    expect(e?.message).toMatch(/store\.hosting/);
  });

  it('resolves secrets from the environment and files, and never echoes a value', async () => {
    const secretFile = join(dir, 'cluster-secret');
    await writeFile(secretFile, 'cluster-secret-from-a-file-0001\n');
    const file = join(dir, 'secrets.yaml');
    await writeFile(file, `api:\n  tokens:\n    - { name: ops, role: operator, secret: { env: OPS_TOKEN } }\ncluster: { enabled: true, secret: { file: ${secretFile} } }\n`);
    const l = await loadConfig({ file, env: { OPS_TOKEN: 'ops-token-value-000000000', STRATA_VIEWER_TOKEN: 'viewer-token-value-0000000' } });
    expect(l.secrets.clusterSecret).toBe('cluster-secret-from-a-file-0001');
    expect(l.secrets.tokens).toEqual([
      { name: 'ops', role: 'operator', token: 'ops-token-value-000000000' },
      { name: 'strata_viewer_token', role: 'viewer', token: 'viewer-token-value-0000000' },
    ]);
    expect(JSON.stringify(l.config)).not.toContain('ops-token-value');
    const missing = await codeOf(loadConfig({ file, env: {} }));
    expect(missing.code).toBe('STRATA_CONFIG_SECRET_MISSING');
    expect(missing.message).toBe('api.tokens.0.secret: environment variable OPS_TOKEN is not set (or empty)');
    const short = await codeOf(loadConfig({ file, env: { OPS_TOKEN: 'short' } }));
    expect(short.message).toBe('api.tokens.0.secret: must be at least 16 characters (token "ops")');
    expect(short.message).not.toContain('short"');
  });

  it('takes HeavyDB servers as store nodes, the password from a secret reference and never in the URL', async () => {
    const file = join(dir, 'heavydb.json');
    await writeFile(file, JSON.stringify({ store: { nodes: 0, heavydb: [
      { name: 'h1', url: 'heavydb://strata@db1.internal:6278/heavyai', password: { env: 'HEAVY_PW' } },
      { name: 'h2', url: 'heavydbs://strata@db2.internal/heavyai', password: { env: 'HEAVY_PW' }, weight: 2 },
    ] } }));
    const l = await loadConfig({ file, env: { HEAVY_PW: 'p@ss:w/rd-0001' } });
    expect(l.secrets.heavydb).toEqual([
      { name: 'h1', url: 'heavydb://strata:p%40ss%3Aw%2Frd-0001@db1.internal:6278/heavyai' },
      { name: 'h2', url: 'heavydbs://strata:p%40ss%3Aw%2Frd-0001@db2.internal/heavyai', weight: 2 },
    ]);
    expect(JSON.stringify(l.config)).not.toContain('p@ss');
    const missing = await codeOf(loadConfig({ file, env: {} }));
    expect(missing.message).toBe('store.heavydb.0.password: environment variable HEAVY_PW is not set (or empty)');

    const bad = join(dir, 'heavydb-bad.json');
    await writeFile(bad, JSON.stringify({ store: { nodes: 0, heavydb: [
      { name: 'h1', url: 'heavydb://strata:inline-password@db1:6278/heavyai', password: 'x' },
      { name: 'n1', url: 'heavydb://strata@db2:6278/heavyai', password: 'x' },
    ] } }));
    const e = await codeOf(loadConfig({ file: bad, env: {} }));
    expect(e.code).toBe('STRATA_CONFIG_INVALID');
    expect(e.data.issues.map((i: { key: string }) => i.key)).toEqual(expect.arrayContaining(['store.heavydb.0.url']));
    expect(e.message).not.toContain('inline-password');
    const clash = join(dir, 'heavydb-clash.json');
    await writeFile(clash, JSON.stringify({ store: { heavydb: [{ name: 'n1', url: 'heavydb://strata@db2:6278/heavyai', password: 'x' }] } }));
    expect((await codeOf(loadConfig({ file: clash, env: {} }))).data.issues.map((i: { key: string }) => i.key)).toEqual(['store.heavydb.0.name']);
    const single = join(dir, 'heavydb-single.json');
    await writeFile(single, JSON.stringify({ store: { mode: 'single-node', heavydb: [{ name: 'h1', url: 'heavydb://strata@db2:6278/heavyai', password: 'x' }] } }));
    expect((await codeOf(loadConfig({ file: single, env: {} }))).message).toMatch(/store\.heavydb: HeavyDB servers need store\.mode cluster/);
  });

  it('splits a reload into applied and restart-only keys', () => {
    const a = validateConfig({});
    const b = validateConfig({ logLevel: 'debug', api: { port: 9999, ws: { maxBufferedBytes: 2048 } }, store: { nodes: 5 } });
    expect(diffConfig(a, b)).toEqual({ applied: ['api.ws.maxBufferedBytes', 'logLevel'], ignored: ['api.port', 'store.nodes'] });
  });

  it('hot-reloads a changed file: applies tokens and log level, warns STRATA_CONFIG_NOT_RELOADABLE for the port', async () => {
    const file = join(dir, 'live.yaml');
    await writeFile(file, 'logLevel: info\napi: { port: 7301 }\n');
    const current: LoadedConfig = await loadConfig({ file, env: {} });
    const applied: LoadedConfig[] = [];
    const warnings: { o: any; m: string }[] = [];
    const log = { info() {}, warn: (o: object, m: string) => { warnings.push({ o, m }); }, error() {} };
    const reloader = createConfigReloader({ load: { file, env: { T: 'rotated-token-00000000000' } }, current, apply: (n) => { applied.push(n); }, log, debounceMs: 20 });
    await writeFile(file, 'logLevel: warn\napi: { port: 7302, tokens: [{ name: t, role: viewer, secret: { env: T } }] }\n');
    for (let i = 0; i < 200 && applied.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    reloader.close();
    expect(applied[0]!.config.logLevel).toBe('warn');
    expect(applied[0]!.secrets.tokens.map((t) => t.name)).toEqual(['t']);
    expect(warnings[0]!.o.code).toBe('STRATA_CONFIG_NOT_RELOADABLE');
    expect(warnings[0]!.m).toContain('api.port');
    expect(warnings[0]!.m).not.toContain('api.tokens');
  });

  it('keeps the running config when a reload is invalid', async () => {
    const file = join(dir, 'live2.yaml');
    await writeFile(file, 'logLevel: info\n');
    const errors: string[] = [];
    const reloader = createConfigReloader({
      load: { file, env: {} }, current: await loadConfig({ file, env: {} }), apply: () => { throw new Error('must not apply'); },
      log: { info() {}, warn() {}, error: (_o, m) => { errors.push(m); } },
    });
    await writeFile(file, 'logLevel: loud\n');
    expect(await reloader.reload()).toBeNull();
    reloader.close();
    expect(errors[0]).toMatch(/config reload refused, nothing changed: .*logLevel/);
  });
});

describe('daemon logger', () => {
  it('redacts tokens, secrets and authorization headers', () => {
    const lines: string[] = [];
    const destination = new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } });
    const log = createDaemonLogger({ level: 'info', format: 'json', destination: destination as never });
    log.info({ token: 'tok-aaaaaaaa', cluster: { secret: 'sec-bbbbbbbb' }, req: { headers: { authorization: 'Bearer tok-cccccccc' } }, api: { tokens: [{ name: 'x', secret: 'sec-dddddddd' }] } }, 'hello');
    const text = lines.join('');
    for (const s of ['tok-aaaaaaaa', 'sec-bbbbbbbb', 'tok-cccccccc', 'sec-dddddddd']) expect(text).not.toContain(s);
    expect(text).toContain('[redacted]');
  });

  it('formats a JSON line for a terminal', () => {
    expect(prettyLine('{"level":40,"time":0,"pid":1,"msg":"careful","code":"STRATA_X"}', false)).toBe('00:00:00 WARN  careful  code=STRATA_X\n');
  });
});
