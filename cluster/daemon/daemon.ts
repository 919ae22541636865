// The composition root of one Strata process: logger, actor system (standalone or a cluster member), the
// store, the ingest actor with its inbox folders, the job service, the event hub and the HTTP/WS API; the
// first-start demo (generated files, ingested, a demo optimisation job); hot config reload; and a graceful
// stop (intake off, running jobs checkpointed, API closed, actors stopped, store flushed and closed).
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { generateDataset } from '../../engine/formats/index.ts';
import { releasePidLock, takePidLock } from '../../engine/pid-lock.ts';
import { createSystem, type ActorSystem } from '../../runtime/index.ts';
import { flushCompiled } from '../../runtime/compile-cache.ts';
import { createApiServer, type ApiLimits, type ApiServer } from '../api/server.ts';
import { createTokenTable } from '../api/auth.ts';
import { createEventHub, type EventHub } from '../api/event-hub.ts';
import { createConfigReloader, defaultDuckDbMemoryLimitMb, defaultDuckDbThreads, type ConfigReloader, type LoadedConfig, type LoadOptions, type StrataConfig } from '../config/index.ts';
import { createClusterMember, type ClusterMember } from '../remote/index.ts';
import { localOperatorToken } from './api-token.ts';
import { daemonError } from './errors.ts';
import { startIngestService } from './ingest-service.ts';
import { createLocalJobService } from './local-job-service.ts';
import { clusterMembers, standaloneMembers } from './members.ts';
import type { FileOutcome } from '../../actors/ingest/index.ts';
import { distrustMessage } from '../../actors/store/index.ts';
import type { JobService, JobView, Services, StoreService } from './services.ts';
import { openSchedulerJobService, schedulerJobService } from './scheduler-job-service.ts';
import { openClusterScheduler } from './cluster-scheduler.ts';
import { openSingleNodeStore } from './single-node-store.ts';
import { openStoreClusterService } from './store-cluster-service.ts';

/** The demo job's objectives (the first is primary: what `strata up` shows as the best so far). */
export const DEMO_OBJECTIVES = ['netProfit', 'maxDrawdown'] as const;

/** how long a stopping member waits for the cluster to remove it after it says it is leaving */
const LEAVE_TIMEOUT_MS = 3_000;

export type StartStep =
  | { readonly step: 'store'; readonly mode: string; readonly nodes: number }
  | { readonly step: 'api'; readonly url: string }
  | { readonly step: 'demo.generated'; readonly files: number; readonly dir: string }
  | { readonly step: 'demo.ingest'; readonly done: number; readonly total: number; readonly file: string }
  | { readonly step: 'demo.job'; readonly job: JobView }
  | { readonly step: 'ready' };

export interface DaemonOptions {
  readonly loaded: LoadedConfig;
  /** how the config was loaded, for hot reload (file + env); null: no reload */
  readonly reload?: LoadOptions | null;
  readonly logger: Logger;
  onStep?(s: StartStep): void;
  /** API bind overrides for tests (port 0) */
  readonly dropGraceMs?: number;
}

export interface ThroughputSample {
  readonly at: number;
  readonly ingestRowsPerSec: number;
  readonly evaluationsPerSec: number;
}

export interface Daemon {
  readonly url: string;
  /** the console URL with the token in its fragment (the local operator token, when one was generated) */
  readonly consoleUrl: string;
  readonly tokenFile: string | null;
  readonly dataDir: string;
  readonly services: Services;
  readonly hub: EventHub;
  readonly system: ActorSystem;
  readonly api: ApiServer;
  readonly demoJob: string | null;
  config(): StrataConfig;
  reloadConfig(): Promise<void>;
  /** graceful: resolves when everything is closed; idempotent */
  stop(reason: string): Promise<void>;
}

const THROUGHPUT_POINTS = 300;

function limitsOf(c: StrataConfig, dropGraceMs: number): ApiLimits {
  return {
    uploadLimitBytes: c.api.uploadLimitBytes, bodyLimitBytes: c.api.bodyLimitBytes,
    ws: { maxBufferedBytes: c.api.ws.maxBufferedBytes, maxClients: c.api.ws.maxClients, dropGraceMs },
  };
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The store files in `dir` that the other store mode writes (a mode switched between starts leaves them unread). */
async function otherStoreModeFiles(dir: string, mode: 'cluster' | 'single-node'): Promise<string[]> {
  let names: string[];
  try { names = await readdir(dir); } catch { return []; }
  const other = mode === 'cluster' ? /^node-1\.duckdb$/ : /^n\d+\.duckdb$/;
  return names.filter((n) => other.test(n)).sort();
}

async function exists(path: string): Promise<boolean> {
  try { await access(path); return true; } catch { return false; }
}

/** The lock file a daemon holds in its data folder while it runs (its pid). */
export const DATA_DIR_LOCK = 'daemon.lock';
const heldHere = new Set<string>();
const unlockDataDir = (lockPath: string): void => { heldHere.delete(lockPath); releasePidLock(lockPath); };

/** Takes the data folder for this process, or says which daemon has it (its pid, and its URL when it recorded one). */
async function lockDataDir(dataDir: string): Promise<string> {
  const lockPath = join(dataDir, DATA_DIR_LOCK);
  // the pid lock cannot tell two daemons of this process apart (tests, an embedding program)
  if (heldHere.has(lockPath)) throw daemonError('STRATA_DAEMON_DATA_DIR_IN_USE', `data dir ${dataDir} is in use by another daemon in this process: stop it first, or give this one another data dir`, { dataDir, pid: process.pid, url: null });
  let r;
  try {
    r = takePidLock(lockPath);
  } catch (e) {
    throw daemonError('STRATA_DAEMON_START_FAILED', `data dir ${dataDir}: cannot create its lock ${lockPath}: ${(e as Error).message}`, { dataDir });
  }
  if (r.taken) { heldHere.add(lockPath); return lockPath; }
  let url: string | null = null;
  try {
    const recorded = JSON.parse(await readFile(join(dataDir, 'daemon.json'), 'utf8')) as { pid?: unknown; url?: unknown };
    if (recorded.pid === r.owner && typeof recorded.url === 'string') url = recorded.url;
  } catch {
    // no daemon.json (a `strata daemon` writes none) or a torn one: the pid says enough
  }
  const who = r.owner === null ? 'another process' : `the daemon with pid ${r.owner}${url ? ` (${url})` : ''}`;
  throw daemonError('STRATA_DAEMON_DATA_DIR_IN_USE', `data dir ${dataDir} is in use by ${who}: stop it first, or give this one another data dir (--data-dir or dataDir in the config)`, { dataDir, pid: r.owner, url });
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  const dataDir = resolve(o.loaded.config.dataDir);
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (e) {
    throw daemonError('STRATA_DAEMON_START_FAILED', `data dir ${dataDir} cannot be created: ${(e as Error).message}`, { dataDir });
  }
  // two daemons on one data folder would fight over its store files, journal and inbox: the second is refused
  // here, before it opens anything
  const lockPath = await lockDataDir(dataDir);
  try {
    return await startIn(o, dataDir, lockPath);
  } catch (e) {
    unlockDataDir(lockPath);
    throw e;
  }
}

async function startIn(o: DaemonOptions, dataDir: string, lockPath: string): Promise<Daemon> {
  let loaded = o.loaded;
  const config = (): StrataConfig => loaded.config;
  const log = o.logger;
  const step = (s: StartStep): void => { o.onStep?.(s); };
  log.info({ dataDir, configFile: loaded.file, overrides: loaded.overrides }, 'starting strata daemon');
  // the API's TLS files are read before anything opens: a wrong path fails the start at once, naming the key
  let apiTls: { cert: Buffer; key: Buffer } | undefined;
  const tlsFiles = loaded.config.api.tls;
  if (tlsFiles) {
    const read = async (key: 'certFile' | 'keyFile'): Promise<Buffer> => {
      try {
        return await readFile(tlsFiles[key]);
      } catch (e) {
        throw daemonError('STRATA_DAEMON_START_FAILED', `api.tls.${key} ${tlsFiles[key]} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { key: `api.tls.${key}`, path: tlsFiles[key] });
      }
    };
    apiTls = { cert: await read('certFile'), key: await read('keyFile') };
  }

  // tokens: configured ones, else a generated local operator token
  let generated: { token: string; file: string } | null = null;
  const tokensFor = (l: LoadedConfig) => (l.secrets.tokens.length > 0 || !generated ? l.secrets.tokens : [{ name: 'local', role: 'operator' as const, token: generated.token }]);
  if (loaded.secrets.tokens.length === 0) generated = await localOperatorToken(dataDir);
  const tokens = createTokenTable(tokensFor(loaded));

  // actor system: a cluster member or a standalone system
  const hub = createEventHub();
  let self: Daemon | null = null; // set once composed: a member downed while starting has nothing to stop yet
  let member: ClusterMember | null = null;
  let system: ActorSystem;
  const c0 = config();
  let leavingOnPurpose = false;
  if (c0.cluster.enabled) {
    try {
      member = await createClusterMember({
        cluster: c0.cluster.name, secret: loaded.secrets.clusterSecret!, host: c0.cluster.host, port: c0.cluster.port, seeds: c0.cluster.seeds,
        ...(c0.cluster.tls ? { tls: { certFile: c0.cluster.tls.certFile, keyFile: c0.cluster.tls.keyFile, ...(c0.cluster.tls.caFile ? { caFile: c0.cluster.tls.caFile } : {}) } } : {}),
        logger: log.child({ layer: 'cluster' }), system: { name: 'strata' },
        onStopped: (reason, code) => {
          if (leavingOnPurpose && reason === 'removed') return; // our own graceful leave, already stopping
          hub.recordError({ at: Date.now(), source: 'cluster', code, message: `this member was ${reason}` });
          log.error({ code, reason }, 'this cluster member is out; stopping the daemon');
          void self?.stop(`member ${reason}`);
        },
      });
    } catch (e) {
      throw daemonError('STRATA_DAEMON_START_FAILED', `joining cluster ${c0.cluster.name} failed: ${(e as Error).message}`, { cause: (e as { code?: string }).code });
    }
    system = member.system;
    log.info({ member: member.id, seeds: c0.cluster.seeds }, 'joined the cluster');
  } else {
    system = createSystem({ name: 'strata', logger: log.child({ layer: 'actors' }) });
  }
  let selfId = `${c0.api.host}:${c0.api.port}#${process.pid}`;
  const members = member ? clusterMembers(member) : standaloneMembers(() => selfId);

  // inspection → admin events; failures are remembered for the consoles
  system.inspect((e) => {
    hub.publish('admin', e.type, e);
    if (e.type === 'actor.failed') hub.recordError({ at: e.at, source: e.path, code: e.error.code, message: e.error.message });
  });
  members.onEvent((e) => hub.publish('admin', e.type, e.member));

  // store
  const otherMode = await otherStoreModeFiles(join(dataDir, 'store'), c0.store.mode);
  if (otherMode.length > 0) {
    log.warn({ mode: c0.store.mode, files: otherMode }, `store.mode is ${c0.store.mode}, but ${join(dataDir, 'store')} also holds the files of a ${c0.store.mode === 'cluster' ? 'single-node store' : 'store cluster'} (${otherMode.join(', ')}): their rows are not read; set store.mode: ${c0.store.mode === 'cluster' ? 'single-node' : 'cluster'} to use them`);
  }
  let store: StoreService;
  const memoryLimit = c0.store.memoryLimitMb === undefined ? {} : { memoryLimitMb: c0.store.memoryLimitMb };
  try {
    store = c0.store.mode === 'cluster'
      ? await openStoreClusterService({ system, dir: join(dataDir, 'store'), nodes: c0.store.nodes, heavydb: loaded.secrets.heavydb, replicationFactor: c0.store.replicationFactor, healthIntervalMs: c0.store.healthIntervalMs, hosting: c0.store.hosting, duckdbThreads: c0.store.duckdbThreads ?? defaultDuckDbThreads(availableParallelism(), c0.store.nodes), memoryLimitMb: c0.store.memoryLimitMb ?? defaultDuckDbMemoryLimitMb(c0.store.nodes) })
      : await openSingleNodeStore({ dir: join(dataDir, 'store'), healthIntervalMs: c0.store.healthIntervalMs, ...memoryLimit });
  } catch (e) {
    await system.terminate();
    await member?.shutdown();
    throw daemonError('STRATA_DAEMON_START_FAILED', `the store could not be opened: ${(e as Error).message}`, { cause: (e as { code?: string }).code });
  }
  step({ step: 'store', mode: store.mode, nodes: store.status().nodes.length });
  store.onEvent((e) => {
    if (e.type === 'store.activity') {
      hub.publish('admin', e.event.type, e.event);
      const d = e.event;
      if (d.type === 'store.node.distrusted') {
        hub.recordError({ at: d.at, source: `store ${d.node}`, code: 'STRATA_LB_NODE_BEHIND', message: distrustMessage(d) });
      }
      return;
    }
    hub.publish('admin', e.type, e);
    if (e.node.state === 'down') hub.recordError({ at: Date.now(), source: `store ${e.node.name}`, code: e.node.lastError?.code ?? 'STRATA_STORE_UNREACHABLE', message: e.node.lastError?.message ?? 'store node down' });
  });

  // ingest
  const ingest = await startIngestService({
    system, sink: store.ingestSink(), root: join(dataDir, 'ingest'), watchInbox: c0.ingest.watchInbox, scanIntervalMs: c0.ingest.scanIntervalMs, retainUploads: c0.ingest.retainUploads, parseThreads: c0.ingest.parseThreads, replaceByName: c0.ingest.replaceByName,
  });
  const ingestCounts: Record<string, number> = { committed: 0, duplicate: 0, rejected: 0, failed: 0 };
  // the files whose last outcome kept them to be read again (strata_ingest_waiting_files), with that outcome's code
  const waitingFiles = new Map<string, string>();
  let ingestRate = 0;
  // the cause recovery last waited on (the store's journal unreadable at the ingest actor's start): recorded once per cause
  let recoveryWaitedOn: string | null = null;
  ingest.onEvent((e) => {
    hub.publish('consolidator', e.type, e);
    if (e.type === 'ingest.file.progress') ingestRate = e.progress.rowsPerSec;
    if (e.type === 'ingest.recovery.waiting' && e.code !== recoveryWaitedOn) {
      recoveryWaitedOn = e.code;
      hub.recordError({ at: Date.now(), source: 'ingest journal', code: e.code, message: `the store's journal cannot be read (${e.message}); no file is read until it can` });
    }
    if (e.type === 'ingest.recovered') recoveryWaitedOn = null;
    if (e.type === 'ingest.file.finished') {
      ingestRate = 0;
      ingestCounts[e.outcome.status] = (ingestCounts[e.outcome.status] ?? 0) + 1;
      // a file that waits is read again every 30 s at most: its next failures for the same cause are not recorded
      // again, or a long outage would push every other recent error out
      const waitedFor = waitingFiles.get(e.outcome.file);
      if (e.outcome.status === 'failed' && e.outcome.retryAt !== undefined) waitingFiles.set(e.outcome.file, e.outcome.code);
      else waitingFiles.delete(e.outcome.file);
      if (e.outcome.status === 'rejected' || (e.outcome.status === 'failed' && waitedFor !== e.outcome.code)) {
        // the message often starts with the file's own path, here an upload's folder inside the data dir: the
        // source names the file already
        const file = e.outcome.file;
        const message = e.outcome.message.startsWith(`${file}: `) ? e.outcome.message.slice(file.length + 2) : e.outcome.message;
        hub.recordError({ at: Date.now(), source: `ingest ${file.split('/').at(-1)}`, code: e.outcome.code, message });
      }
    }
  });

  // jobs
  let jobs: JobService;
  try {
    // in a cluster: one scheduler for all members (the singleton), a runner on each; standalone: in-process
    jobs = c0.jobs.mode === 'scheduler' && member
      ? await schedulerJobService(openClusterScheduler({
        member, dir: join(dataDir, 'jobs'), matrixSource: store.matrixSource(), poolThreads: c0.workers.threads, log: log.child({ layer: 'jobs' }),
        runner: { checkpointMs: c0.jobs.checkpointMs, progressMs: c0.jobs.progressMs }, startGraceMs: c0.jobs.startGraceMs,
        retainFinished: c0.jobs.retainFinished, onJournalDamage: (n) => hub.recordError({ at: Date.now(), source: 'jobs journal', ...n }),
      }), { dir: null, log: log.child({ layer: 'jobs' }), retainFinished: c0.jobs.retainFinished })
      : c0.jobs.mode === 'scheduler'
      ? await openSchedulerJobService({ system, dir: join(dataDir, 'jobs'), matrixSource: store.matrixSource(), poolThreads: c0.workers.threads, log: log.child({ layer: 'jobs' }), retainFinished: c0.jobs.retainFinished, onJournalDamage: (n) => hub.recordError({ at: Date.now(), source: 'jobs journal', ...n }) })
      : createLocalJobService({
        source: () => store.matrixSource(), threads: c0.workers.threads, checkpointMs: c0.jobs.checkpointMs, progressMs: c0.jobs.progressMs,
        log: log.child({ layer: 'jobs' }), retainFinished: c0.jobs.retainFinished,
      });
  } catch (e) {
    await system.terminate();
    await store.close();
    await member?.shutdown();
    throw daemonError('STRATA_DAEMON_START_FAILED', `the job service could not start: ${(e as Error).message}`, { cause: (e as { code?: string }).code });
  }
  jobs.onEvent((e) => {
    hub.publish('optimizer', e.type, e.job);
    if (e.type === 'job.changed' && e.job.state === 'failed' && e.job.error) hub.recordError({ at: Date.now(), source: `job ${e.job.id}`, code: e.job.error.code, message: e.job.error.message });
  });

  const services: Services = { store, jobs, ingest, members };

  // throughput samples for the console's chart
  const throughput: ThroughputSample[] = [];
  const sampler = setInterval(() => {
    const s: ThroughputSample = { at: Date.now(), ingestRowsPerSec: Math.round(ingestRate), evaluationsPerSec: Math.round(jobs.metrics().evaluationsPerSec) };
    throughput.push(s);
    if (throughput.length > THROUGHPUT_POINTS) throughput.shift();
    hub.publish('admin', 'throughput.sample', s);
  }, 1_000);
  sampler.unref();

  let started = false;
  let stopping: Promise<void> | null = null;
  const startedAt = Date.now();
  const limits = limitsOf(c0, o.dropGraceMs ?? 2_000);

  const api = await createApiServer({
    services, hub, system, tokens, limits, log: log.child({ layer: 'api' }),
    ...(apiTls ? { tls: apiTls } : {}),
    readiness: () => {
      const reasons: string[] = [];
      if (!started) reasons.push('starting');
      if (stopping) reasons.push('stopping');
      const s = store.status();
      if (!s.quorum) reasons.push(`store has no quorum (${s.nodes.filter((n) => n.state === 'up').length} of ${s.nodes.length} nodes up)`);
      return { ready: reasons.length === 0, reasons };
    },
    // every event published (jobs, ingest, store, members) and the readiness flags: what the status's counts
    // and flags follow
    statusVersion: () => hub.published * 4 + (started ? 2 : 0) + (stopping ? 1 : 0),
    status: () => {
      const s = store.status();
      let nodesUp = 0;
      for (const n of s.nodes) if (n.state === 'up') nodesUp++;
      return {
        name: 'strata', pid: process.pid, startedAt, uptimeMs: Date.now() - startedAt, ready: started && !stopping,
        services: { store: store.mode, jobs: jobs.mode, ingest: 'actor' },
        store: { mode: s.mode, quorum: s.quorum, nodesUp, nodesTotal: s.nodes.length },
        jobs: jobs.metrics().byState,
        ingest: ingestCounts,
        members: members.list().length,
      };
    },
    snapshot: async () => ({
      at: Date.now(),
      members: members.list(),
      actors: system.snapshot(),
      store: store.status(),
      // a cluster's scheduler may be moving to another member: the rest of the snapshot still answers
      jobs: await jobs.list().catch(() => []),
      ingest: await ingest.status().catch(() => null),
      uploads: ingest.uploads(),
      errors: hub.recentErrors(),
      throughput,
      services: { store: store.mode, jobs: jobs.mode },
    }),
    ingestCounts: () => ingestCounts,
    ingestWaiting: () => waitingFiles.size,
  });
  let url: string;
  try {
    url = await api.listen(c0.api.host, c0.api.port);
  } catch (e) {
    await api.close().catch(() => {});
    await system.terminate();
    await store.close();
    await member?.shutdown();
    throw daemonError('STRATA_DAEMON_START_FAILED', `the API cannot listen on ${c0.api.host}:${c0.api.port}: ${(e as Error).message}`, { host: c0.api.host, port: c0.api.port });
  }
  selfId = `${new URL(url).host}#${process.pid}`;
  const consoleUrl = `${url}/console${generated ? `#token=${generated.token}` : ''}`;
  await writeFile(join(dataDir, 'daemon.json'), `${JSON.stringify({ url, pid: process.pid, startedAt, tokenFile: generated?.file ?? null }, null, 2)}\n`);
  step({ step: 'api', url });
  log.info({ url, docs: `${url}/docs`, console: `${url}/console` }, 'API listening');
  if (!apiTls && !isLoopback(c0.api.host)) log.warn({ host: c0.api.host }, `the API listens on ${c0.api.host} over plain HTTP: API tokens cross the network in clear; configure api.tls (docs/api.md)`);

  // hot reload
  let reloader: ConfigReloader | null = null;
  const applyConfig = (next: LoadedConfig): void => {
    loaded = { ...loaded, config: { ...loaded.config, logLevel: next.config.logLevel, api: { ...loaded.config.api, tokens: next.config.api.tokens, uploadLimitBytes: next.config.api.uploadLimitBytes, ws: { ...loaded.config.api.ws, maxBufferedBytes: next.config.api.ws.maxBufferedBytes, maxClients: next.config.api.ws.maxClients } }, jobs: { ...loaded.config.jobs, progressMs: next.config.jobs.progressMs }, shutdown: next.config.shutdown, demo: next.config.demo }, secrets: next.secrets };
    log.level = next.config.logLevel;
    tokens.replace(tokensFor(next));
    Object.assign(limits, limitsOf(loaded.config, limits.ws.dropGraceMs));
  };
  if (o.reload) {
    reloader = createConfigReloader({ load: o.reload, current: loaded, apply: applyConfig, log });
  }

  // first-start demo: generate, ingest, run a job
  let demoJob: string | null = null;
  const demoDir = join(dataDir, 'demo');
  const runDemo = async (): Promise<string | null> => {
    let id: string | null = null;
    const filesDir = join(demoDir, 'files');
    const ds = await generateDataset({ outDir: filesDir, strategies: c0.demo.strategies, days: c0.demo.days, seed: c0.demo.seed });
    step({ step: 'demo.generated', files: ds.files.length, dir: filesDir });
    const plain = (await readdir(filesDir)).filter((f) => !f.endsWith('.json') && f !== 'zones').map((f) => join(filesDir, f)).sort();
    const zoned = (await readdir(join(filesDir, 'zones')).catch(() => [] as string[])).map((f) => join(filesDir, 'zones', f)).sort();
    const total = plain.length + zoned.length;
    let done = 0;
    const off = ingest.onEvent((e) => {
      if (e.type === 'ingest.file.finished') step({ step: 'demo.ingest', done: ++done, total, file: e.outcome.file.split('/').at(-1) ?? '' });
    });
    let outcomes: FileOutcome[];
    try {
      outcomes = [...await ingest.ingestPaths(plain), ...(zoned.length ? await ingest.ingestPaths(zoned, { zones: 'equal:4' }) : [])];
    } finally {
      off();
    }
    const range = await store.dayRange('ALL');
    if (range && range.strategies >= 3) {
      const job = await jobs.submit({
        idempotencyKey: `demo-${c0.demo.seed}`, owner: 'demo', dateRange: { from: range.from, to: range.to },
        problem: { objectives: [...DEMO_OBJECTIVES], kMin: 2, kMax: Math.min(4, range.strategies - 1) },
        algorithm: { id: 'nsga2' }, budget: { evaluations: c0.demo.evaluations }, seed: c0.demo.seed, priority: 'normal',
        validation: { bootstrapResamples: 200 },
      });
      id = job.id;
      step({ step: 'demo.job', job });
    }
    await writeFile(join(demoDir, 'done.json'), `${JSON.stringify({ at: Date.now(), files: outcomes.map((x) => ({ file: x.file, status: x.status })), job: id }, null, 2)}\n`);
    return id;
  };
  if (c0.demo.enabled && !(await exists(join(demoDir, 'done.json')))) {
    // the demo is a convenience: when it cannot finish, the daemon still starts (and tries again next time)
    try {
      demoJob = await runDemo();
    } catch (e) {
      const err = e as { code?: string; message?: string };
      hub.recordError({ at: Date.now(), source: 'demo', code: err.code ?? 'STRATA_DAEMON_START_FAILED', message: err.message ?? String(e) });
      log.warn({ code: err.code, err: err.message }, 'the first-start demo did not finish; it runs again at the next start');
    }
  }
  started = true;
  flushCompiled(); // modules loaded while starting, for the threads started later (runtime/compile-cache.ts)
  step({ step: 'ready' });
  log.info({ url, demoJob }, 'strata daemon ready');

  const daemon: Daemon = {
    url, consoleUrl, tokenFile: generated?.file ?? null, dataDir, services, hub, system, api, demoJob,
    config,
    async reloadConfig() { await reloader?.reload(); },
    stop(reason) {
      stopping ??= (async () => {
        log.info({ reason }, 'stopping: intake off, checkpointing running jobs');
        reloader?.close();
        clearInterval(sampler);
        ingest.stopIntake();
        await jobs.drain();
        log.info('jobs checkpointed; closing the API');
        await api.close();
        await jobs.close();
        if (member) {
          // leave gracefully and wait (briefly) until the others have removed us: a member that just vanished
          // would be seen as unreachable, and in a two-member cluster the survivor could down itself
          leavingOnPurpose = true;
          const m = member;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => { off(); resolve(); }, LEAVE_TIMEOUT_MS);
            const off = m.membership.subscribe((e) => {
              if (e.type === 'self.stopped') { clearTimeout(timer); off(); resolve(); }
            });
            m.leave();
          });
          await member.shutdown();
        } else {
          await system.terminate();
        }
        await store.close();
        unlockDataDir(lockPath);
        log.info('stopped');
        await new Promise<void>((r) => { const t = setTimeout(r, 500); log.flush(() => { clearTimeout(t); r(); }); });
      })();
      return stopping;
    },
  };
  self = daemon;
  return daemon;
}
