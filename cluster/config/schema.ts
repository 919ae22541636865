// The daemon's config: one zod schema with every key's default, so a file only names what differs. Secrets
// are references ({ env } or { file }, or an inline string for throwaway setups) resolved once at start
// (secrets.ts); the parsed config never holds a secret value, so logging it is always safe.
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Parse threads for a machine with `cores` cores. On 2 vCPUs (docs/formats.md, "Parallel parsing") two parse
 * threads made a parse alone 1.3–1.4× faster but an ingest into the store 0.8× as fast, with 100–150 MiB more
 * peak RSS: the store's DuckDB threads need the same cores. With 8 cores and more they have their own. Two
 * threads parse faster than the reading thread hands rows to the store; each more costs tens of MiB of RSS.
 */
export function defaultParseThreads(cores: number): number {
  return cores >= 8 ? 2 : 0;
}

/**
 * DuckDB threads per embedded store node when the config names none: the machine's cores shared among the
 * embedded nodes, at least one each. DuckDB's own default is every core for every instance, so three nodes on
 * 2 cores ran six DuckDB threads beside our own: a 1 M-row ingest into the default store ran about 10 % faster
 * with one thread per node, using less CPU (2-vCPU VM, 2026-12-04, docs/store.md).
 */
export function defaultDuckDbThreads(cores: number, embeddedNodes: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, embeddedNodes)));
}

/**
 * DuckDB memory per embedded store node when the config names none: the embedded nodes share 192 MiB, at most
 * 128 each (a lone file node's default, engine/store DEFAULT_FILE_MEMORY_LIMIT_MB) and at least 64 (the least a
 * node accepts, MIN_MEMORY_LIMIT_MB); 64 each for the default three. DuckDB keeps the blocks it wrote cached up to
 * its limit, so with 128 each the two replicas of a big ingest grew with the file: through `strata up --no-demo`
 * a 3 M-row FORMAT_1 file peaked at 590–610 MiB of RSS with 128 MiB per node and 513–518 MiB with 64
 * (2-vCPU VM, 2026-12-05, docs/store.md).
 */
export function defaultDuckDbMemoryLimitMb(embeddedNodes: number): number {
  return Math.min(128, Math.max(64, Math.floor(192 / Math.max(1, embeddedNodes))));
}

/**
 * Where the daemon's embedded store nodes run when the config names no `store.hosting`: in-line (on the main
 * thread, no thread of their own) below 8 cores, a worker thread each from 8. Through `strata up` on the 2-vCPU
 * VM (2026-12-05) a 1 M-row FORMAT_1 file peaked at 325–358 MiB of RSS in-line, 365–420 with the three nodes on
 * one shared thread and 419–474 on a thread each (target 400 MB = 381 MiB), and took 6.0–6.5 s in-line against
 * 5.5–6.0 s and 4.7–5.8 s: a thread costs a V8 isolate and a copy of every batch per replica, which buys little
 * where the nodes' JS work has no cores of its own to run on, while on many cores each replica's appends run in
 * parallel on threads of their own (docs/store.md "Hosting").
 */
export function defaultStoreHosting(cores: number): 'thread' | 'inline' {
  return cores >= 8 ? 'thread' : 'inline';
}

export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Where a secret comes from: an environment variable, a file (trailing newline dropped), or inline text. */
export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
  z.strictObject({ file: z.string().min(1) }),
  z.string().min(1),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const tokenSchema = z.strictObject({
  name: z.string().min(1).max(100),
  role: z.enum(ROLES),
  secret: secretRefSchema,
});

const port = z.number().int().min(0).max(65_535);

/** PEM files for TLS: the certificate (chain) and its private key; read at start, so not hot-reloadable */
const tlsFilesSchema = z.strictObject({
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
});
const MiB = 1024 * 1024;

export const configSchema = z.strictObject({
  /** data folder: store files, ingest inbox/processed/quarantine, job data, the generated API token */
  dataDir: z.string().min(1).default('./.strata'),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  api: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(7300),
    /** API tokens with roles; none configured: `strata up` generates one operator token in the data dir */
    tokens: z.array(tokenSchema).max(1_000).default([]),
    uploadLimitBytes: z.number().int().min(1).max(16 * 1024 * MiB).default(256 * MiB),
    /** JSON request bodies */
    bodyLimitBytes: z.number().int().min(1_024).max(64 * MiB).default(1 * MiB),
    /** serve HTTPS (and wss) with these files instead of HTTP; clients trust its CA (NODE_EXTRA_CA_CERTS for the CLI) */
    tls: tlsFilesSchema.optional(),
    ws: z.strictObject({
      /** a client whose unsent bytes exceed this is dropped with STRATA_API_SLOW_CONSUMER */
      maxBufferedBytes: z.number().int().min(1_024).max(1_024 * MiB).default(4 * MiB),
      maxClients: z.number().int().min(1).max(100_000).default(256),
    }).prefault({}),
  }).prefault({}),
  store: z.strictObject({
    /** 'cluster': partitioned and replicated over `nodes` (actors/store); 'single-node': one DuckDB file */
    mode: z.enum(['cluster', 'single-node']).default('cluster'),
    /** embedded DuckDB store nodes (each a file under dataDir/store); 0 with `heavydb` servers only */
    nodes: z.number().int().min(0).max(64).default(3),
    /**
     * HeavyDB servers as store nodes (cluster mode), beside or instead of the embedded ones. Members of a daemon
     * cluster that name the same servers (and `nodes: 0`) share one store. The URL carries no password: it is
     * a secret reference ({ env } or { file }), resolved at start and never logged.
     */
    heavydb: z.array(z.strictObject({
      name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'must start with a letter: letters, digits, _ and - (at most 63)'),
      url: z.string().regex(/^(heavydbs?|https?):\/\/[^\s/:@]+@[^\s/@]+\/[^\s/]+$/, 'must be heavydb://user@host:port/database, without a password (that is the password key)'),
      password: secretRefSchema,
      weight: z.number().positive().max(1_000).optional(),
    })).max(64).default([]),
    replicationFactor: z.number().int().min(1).max(8).default(2),
    /** the most memory DuckDB keeps per embedded node, MiB (its cache of table blocks and open transactions'
     *  rows; beyond it DuckDB evicts and spills to disk); unset: 192 MiB shared among the cluster's embedded nodes,
     *  64 to 128 each (defaultDuckDbMemoryLimitMb; single-node mode: 128, engine/store DEFAULT_FILE_MEMORY_LIMIT_MB) */
    memoryLimitMb: z.number().int().min(64).max(1_048_576).optional(),
    /** DuckDB's worker threads per embedded node; unset: the machine's cores shared among the embedded nodes,
     *  at least one each (defaultDuckDbThreads; single-node mode: every core) */
    duckdbThreads: z.number().int().min(1).max(256).optional(),
    /** where each embedded node runs (cluster mode): a worker thread of its own, one worker thread shared by the
     *  embedded nodes, a child process, or in-line; default: in-line below 8 cores, a thread each from 8
     *  (defaultStoreHosting) */
    hosting: z.enum(['thread', 'shared-thread', 'process', 'inline']).default(() => defaultStoreHosting(availableParallelism())),
    /** ms between health checks of every node */
    healthIntervalMs: z.number().int().min(100).max(3_600_000).default(2_000),
  }).prefault({}).superRefine((st, ctx) => {
    if (st.mode === 'cluster' && st.nodes + st.heavydb.length === 0) ctx.addIssue({ code: 'custom', path: ['nodes'], message: 'the store needs at least one node: nodes >= 1 or a heavydb server' });
    if (st.mode === 'single-node' && st.heavydb.length > 0) ctx.addIssue({ code: 'custom', path: ['heavydb'], message: 'HeavyDB servers need store.mode cluster' });
    const seen = new Set<string>();
    for (const [i, h] of st.heavydb.entries()) {
      // embedded nodes are named n1…nN
      if (seen.has(h.name) || /^n\d+$/.test(h.name)) ctx.addIssue({ code: 'custom', path: ['heavydb', i, 'name'], message: `${JSON.stringify(h.name)} is taken (names are unique; n1…nN are the embedded nodes)` });
      seen.add(h.name);
    }
  }),
  workers: z.strictObject({
    /** evaluation pool threads per running job (0: evaluate on the main thread) */
    threads: z.number().int().min(0).max(256).default(2),
  }).prefault({}),
  ingest: z.strictObject({
    /** watch dataDir/ingest/inbox and inbox-zones */
    watchInbox: z.boolean().default(true),
    scanIntervalMs: z.number().int().min(0).max(3_600_000).default(1_000),
    /** finished uploads (committed, duplicate, rejected) remembered with their outcomes; the oldest beyond this
     *  are forgotten (a rejected one's file in uploads/ too), so a daemon that takes uploads for weeks stays bounded */
    retainUploads: z.number().int().min(1).max(1_000_000).default(1_000),
    /** a file dropped in an inbox with the name of exactly one stored file replaces it (a corrected export: the same
     *  strategy names, the old rows removed once the new file is stored); off: it is a new file, its clashing
     *  strategy names suffixed " (2)" */
    replaceByName: z.boolean().default(false),
    /** worker threads that parse a large FORMAT_1 file (8 MiB or more, all-or-nothing) in 2 MiB chunks; 0: the
     *  ingest actor's own thread parses every file. Threads start with the first such file and stop after 30 s
     *  without one. Default: 2 from 8 cores on, none below (defaultParseThreads). */
    parseThreads: z.number().int().min(0).max(256).default(() => defaultParseThreads(availableParallelism())),
  }).prefault({}),
  jobs: z.strictObject({
    /** 'scheduler': durable journal, recovery after crashes (actors/job-scheduler); 'local': in memory */
    mode: z.enum(['scheduler', 'local']).default('scheduler'),
    checkpointMs: z.number().int().min(100).max(3_600_000).default(2_000),
    progressMs: z.number().int().min(10).max(60_000).default(250),
    /** in a cluster: a scheduler starting this soon after its member joined waits that long first, so the
     *  newest journal copy among the members that restart together is adopted */
    startGraceMs: z.number().int().min(0).max(600_000).default(3_000),
    /** finished jobs (completed, failed, cancelled) kept with their results, in memory and in the journal; the
     *  oldest beyond this are forgotten (their results too), so a daemon that runs for weeks stays bounded */
    retainFinished: z.number().int().min(1).max(1_000_000).default(1_000),
  }).prefault({}),
  demo: z.strictObject({
    /** on first start: generate demo files, ingest them and run a demo optimisation job */
    enabled: z.boolean().default(true),
    strategies: z.number().int().min(2).max(50).default(4),
    days: z.number().int().min(10).max(2_000).default(120),
    seed: z.number().int().min(0).max(0xffff_ffff).default(1),
    evaluations: z.number().int().min(10).max(10_000_000).default(60_000),
  }).prefault({}),
  cluster: z.strictObject({
    enabled: z.boolean().default(false),
    name: z.string().min(1).max(100).default('strata'),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(0),
    seeds: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).default([]),
    secret: secretRefSchema.optional(),
    /** cluster links over TLS (wss): this member's certificate and key, and the CA that signed every member's (peers are verified against it) */
    tls: tlsFilesSchema.extend({ caFile: z.string().min(1).optional() }).optional(),
  }).prefault({}).superRefine((c, ctx) => {
    if (c.enabled && c.secret === undefined) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is required when cluster.enabled is true ({ env: NAME } or { file: PATH })' });
  }),
  shutdown: z.strictObject({
    /** past this, a graceful shutdown gives up waiting and exits */
    timeoutMs: z.number().int().min(100).max(600_000).default(15_000),
  }).prefault({}),
});

export type StrataConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/**
 * Keys a hot reload applies in place. Everything else (dataDir, api.host/port, store, workers, cluster, …)
 * takes effect at the next start; a reload that changes one logs STRATA_CONFIG_NOT_RELOADABLE naming it.
 */
export const RELOADABLE_KEYS = [
  'logLevel', 'api.tokens', 'api.uploadLimitBytes', 'api.ws.maxBufferedBytes', 'api.ws.maxClients',
  'jobs.progressMs', 'shutdown.timeoutMs', 'demo',
] as const;
