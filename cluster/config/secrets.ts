// Resolves secret references ({ env }, { file }, inline) to their values once, at start or reload. Values
// live only in the returned object, never in the config or in a log line; errors name the variable or file.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { configError } from './errors.ts';
import type { Role, SecretRef, StrataConfig } from './schema.ts';

export interface ApiToken {
  readonly name: string;
  readonly role: Role;
  readonly token: string;
}

/** A configured HeavyDB store node with its password resolved: `url` holds the password, so never log it. */
export interface HeavyDbNodeSecret {
  readonly name: string;
  readonly url: string;
  readonly weight?: number;
}

export interface ResolvedSecrets {
  readonly tokens: readonly ApiToken[];
  readonly clusterSecret: string | null;
  readonly heavydb: readonly HeavyDbNodeSecret[];
}

export async function resolveSecret(ref: SecretRef, key: string, env: NodeJS.ProcessEnv, baseDir: string): Promise<string> {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw configError('STRATA_CONFIG_SECRET_MISSING', `${key}: environment variable ${ref.env} is not set (or empty)`, { key, env: ref.env });
    }
    return value;
  }
  const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw configError('STRATA_CONFIG_SECRET_MISSING', `${key}: secret file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { key, file: path });
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw configError('STRATA_CONFIG_SECRET_MISSING', `${key}: secret file ${path} is empty`, { key, file: path });
  return value;
}

export async function resolveSecrets(config: StrataConfig, env: NodeJS.ProcessEnv, baseDir: string): Promise<ResolvedSecrets> {
  const tokens: ApiToken[] = [];
  for (const [i, t] of config.api.tokens.entries()) {
    const token = await resolveSecret(t.secret, `api.tokens.${i}.secret`, env, baseDir);
    if (token.length < 16) {
      throw configError('STRATA_CONFIG_INVALID', `api.tokens.${i}.secret: must be at least 16 characters (token "${t.name}")`, { issues: [{ key: `api.tokens.${i}.secret`, message: 'must be at least 16 characters' }] });
    }
    tokens.push({ name: t.name, role: t.role, token });
  }
  let clusterSecret: string | null = null;
  if (config.cluster.secret !== undefined) {
    clusterSecret = await resolveSecret(config.cluster.secret, 'cluster.secret', env, baseDir);
    if (Buffer.byteLength(clusterSecret) < 16) {
      throw configError('STRATA_CONFIG_INVALID', 'cluster.secret: must be at least 16 bytes', { issues: [{ key: 'cluster.secret', message: 'must be at least 16 bytes' }] });
    }
  }
  const heavydb: HeavyDbNodeSecret[] = [];
  for (const [i, h] of config.store.heavydb.entries()) {
    const password = await resolveSecret(h.password, `store.heavydb.${i}.password`, env, baseDir);
    const u = new URL(h.url);
    u.password = password;
    heavydb.push({ name: h.name, url: u.href, ...(h.weight !== undefined ? { weight: h.weight } : {}) });
  }
  return { tokens, clusterSecret, heavydb };
}
