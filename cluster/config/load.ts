// Reads the config: a YAML or JSON file (optional), then STRATA_* environment overrides, validated with the
// zod schema so every problem names its key (and the variable it came from). Secrets are resolved after.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configError } from './errors.ts';
import { configSchema, type StrataConfig } from './schema.ts';
import { resolveSecrets, type ResolvedSecrets } from './secrets.ts';

export interface LoadedConfig {
  readonly config: StrataConfig;
  readonly secrets: ResolvedSecrets;
  /** the file read, or null for defaults + environment */
  readonly file: string | null;
  /** the environment variables that overrode a key, by key */
  readonly overrides: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  readonly file?: string | null;
  readonly env?: NodeJS.ProcessEnv;
  /** applied over the file and before the environment (CLI flags) */
  readonly set?: Readonly<Record<string, unknown>>;
  /** applied under the file: keys the file does not name (a command's own defaults) */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

type Kind = 'string' | 'number' | 'boolean' | 'list' | 'secret-env';

/** STRATA_* variable → config key. A token variable adds a token whose secret is that variable. */
export const ENV_OVERRIDES: readonly { readonly env: string; readonly key: string; readonly kind: Kind }[] = [
  { env: 'STRATA_DATA_DIR', key: 'dataDir', kind: 'string' },
  { env: 'STRATA_LOG_LEVEL', key: 'logLevel', kind: 'string' },
  { env: 'STRATA_API_HOST', key: 'api.host', kind: 'string' },
  { env: 'STRATA_API_PORT', key: 'api.port', kind: 'number' },
  { env: 'STRATA_API_TOKEN', key: 'api.tokens', kind: 'secret-env' },
  { env: 'STRATA_VIEWER_TOKEN', key: 'api.tokens', kind: 'secret-env' },
  { env: 'STRATA_STORE_MODE', key: 'store.mode', kind: 'string' },
  { env: 'STRATA_STORE_NODES', key: 'store.nodes', kind: 'number' },
  { env: 'STRATA_STORE_MEMORY_LIMIT_MB', key: 'store.memoryLimitMb', kind: 'number' },
  { env: 'STRATA_STORE_DUCKDB_THREADS', key: 'store.duckdbThreads', kind: 'number' },
  { env: 'STRATA_JOBS_MODE', key: 'jobs.mode', kind: 'string' },
  { env: 'STRATA_WORKERS', key: 'workers.threads', kind: 'number' },
  { env: 'STRATA_DEMO', key: 'demo.enabled', kind: 'boolean' },
  { env: 'STRATA_CLUSTER_NAME', key: 'cluster.name', kind: 'string' },
  { env: 'STRATA_CLUSTER_HOST', key: 'cluster.host', kind: 'string' },
  { env: 'STRATA_CLUSTER_PORT', key: 'cluster.port', kind: 'number' },
  { env: 'STRATA_CLUSTER_SEEDS', key: 'cluster.seeds', kind: 'list' },
  { env: 'STRATA_CLUSTER_SECRET', key: 'cluster.secret', kind: 'secret-env' },
];

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let at = target;
  for (const p of parts.slice(0, -1)) {
    const next = at[p];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) at[p] = {};
    at = at[p] as Record<string, unknown>;
  }
  at[parts.at(-1)!] = value;
}

function getPath(source: unknown, key: string): unknown {
  let at = source;
  for (const p of key.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[p];
  }
  return at;
}

function envValue(kind: Kind, text: string): unknown {
  switch (kind) {
    case 'number': { const n = Number(text); return text.trim() !== '' && Number.isFinite(n) ? n : text; }
    case 'boolean': return /^(1|true|yes|on)$/i.test(text) ? true : /^(0|false|no|off)$/i.test(text) ? false : text;
    case 'list': return text.split(',').map((s) => s.trim()).filter(Boolean);
    default: return text;
  }
}

/** TLS file paths, like secret files, are relative to the config file (to the working directory without one). */
function tlsPathsFrom(config: StrataConfig, base: string): StrataConfig {
  const api = config.api.tls;
  const cluster = config.cluster.tls;
  return {
    ...config,
    api: api ? { ...config.api, tls: { certFile: resolve(base, api.certFile), keyFile: resolve(base, api.keyFile) } } : config.api,
    cluster: cluster ? { ...config.cluster, tls: { certFile: resolve(base, cluster.certFile), keyFile: resolve(base, cluster.keyFile), ...(cluster.caFile ? { caFile: resolve(base, cluster.caFile) } : {}) } } : config.cluster,
  };
}

export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw configError('STRATA_CONFIG_READ_FAILED', `config file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw configError('STRATA_CONFIG_READ_FAILED', `config file ${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw configError('STRATA_CONFIG_READ_FAILED', `config file ${file} must hold a mapping of keys at the top level, not ${Array.isArray(parsed) ? 'a list' : typeof parsed}`, { file });
  }
  return parsed as Record<string, unknown>;
}

/** Validates raw input; throws STRATA_CONFIG_INVALID listing every `key: problem`. */
export function validateConfig(raw: unknown, overrides: Readonly<Record<string, string>> = {}): StrataConfig {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => {
    const key = i.path.map(String).join('.') || '(top level)';
    const from = Object.entries(overrides).find(([k]) => key === k || key.startsWith(`${k}.`));
    // zod messages quote received values only for literals/enums; secrets never reach here as values
    return { key, message: from ? `${i.message} (from ${from[1]})` : i.message };
  });
  throw configError('STRATA_CONFIG_INVALID', `invalid config: ${issues.map((i) => `${i.key}: ${i.message}`).join('; ')}`, { issues });
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const file = options.file ? resolve(options.file) : null;
  const raw: Record<string, unknown> = file ? await readConfigFile(file) : {};
  for (const [key, value] of Object.entries(options.defaults ?? {})) if (getPath(raw, key) === undefined) setPath(raw, key, value);
  for (const [key, value] of Object.entries(options.set ?? {})) setPath(raw, key, value);
  const overrides: Record<string, string> = {};
  for (const o of ENV_OVERRIDES) {
    const text = env[o.env];
    if (text === undefined || text === '') continue;
    if (o.kind === 'secret-env') {
      if (o.key === 'cluster.secret') setPath(raw, 'cluster.secret', { env: o.env });
      else {
        const tokens = Array.isArray(getPath(raw, 'api.tokens')) ? [...(getPath(raw, 'api.tokens') as unknown[])] : [];
        tokens.push({ name: o.env.toLowerCase(), role: o.env === 'STRATA_VIEWER_TOKEN' ? 'viewer' : 'operator', secret: { env: o.env } });
        setPath(raw, 'api.tokens', tokens);
      }
    } else {
      setPath(raw, o.key, envValue(o.kind, text));
    }
    overrides[o.key] = o.env;
  }
  const base = file ? dirname(file) : process.cwd();
  const config = tlsPathsFrom(validateConfig(raw, overrides), base);
  const secrets = await resolveSecrets(config, env, base);
  return { config, secrets, file, overrides };
}
