// Hot reload: a changed config file (or SIGHUP) is read and validated again; keys in RELOADABLE_KEYS are
// applied in place, the others are named in one STRATA_CONFIG_NOT_RELOADABLE warning and wait for a restart.
// A reload that fails validation changes nothing and logs the problems.
import { watch, type FSWatcher } from 'node:fs';
import { configError } from './errors.ts';
import { loadConfig, type LoadedConfig, type LoadOptions } from './load.ts';
import { RELOADABLE_KEYS } from './schema.ts';

export interface ConfigDiff {
  /** leaf keys whose value changed and that are applied in place */
  readonly applied: readonly string[];
  /** changed keys that need a restart */
  readonly ignored: readonly string[];
}

function leaves(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(value));
  }
}

export function isReloadable(key: string): boolean {
  return RELOADABLE_KEYS.some((r) => key === r || key.startsWith(`${r}.`));
}

/** Changed leaf keys (arrays compare whole), split into reloadable and not. */
export function diffConfig(before: unknown, after: unknown): ConfigDiff {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  leaves(before, '', a);
  leaves(after, '', b);
  const changed = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
  return { applied: changed.filter(isReloadable), ignored: changed.filter((k) => !isReloadable(k)) };
}

export interface ReloaderOptions {
  readonly load: LoadOptions;
  readonly current: LoadedConfig;
  /** applies a validated config whose reloadable keys changed (secrets included: tokens may rotate) */
  apply(next: LoadedConfig, diff: ConfigDiff): void;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /** debounce of file change events, ms */
  readonly debounceMs?: number;
}

export interface ConfigReloader {
  /** reads the config again now; resolves with the diff, or null when the new config was refused */
  reload(): Promise<ConfigDiff | null>;
  close(): void;
}

export function createConfigReloader(o: ReloaderOptions): ConfigReloader {
  let current = o.current;
  let watcher: FSWatcher | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  const reloadNow = async (): Promise<ConfigDiff | null> => {
    let next: LoadedConfig;
    try {
      next = await loadConfig(o.load);
    } catch (e) {
      const err = e as { code?: string; message?: string; data?: unknown };
      o.log.error({ code: err.code, data: err.data }, `config reload refused, nothing changed: ${err.message}`);
      return null;
    }
    const diff = diffConfig(current.config, next.config);
    const tokensRotated = JSON.stringify(current.secrets.tokens) !== JSON.stringify(next.secrets.tokens);
    if (diff.ignored.length > 0) {
      const err = configError('STRATA_CONFIG_NOT_RELOADABLE', `config keys changed that take effect only after a restart: ${diff.ignored.join(', ')}`, { keys: diff.ignored });
      o.log.warn({ code: err.code, keys: diff.ignored }, err.message);
    }
    if (diff.applied.length > 0 || tokensRotated) {
      o.apply(next, diff);
      o.log.info({ keys: diff.applied, tokensRotated }, 'config reloaded');
    }
    // keep the running values of keys that were not applied, so a later reload reports them again
    current = { ...next, config: current.config === next.config ? next.config : mergeApplied(current.config, next.config, diff.applied) };
    return diff;
  };

  const reload = (): Promise<ConfigDiff | null> => {
    const p = chain.then(reloadNow);
    chain = p.catch(() => {});
    return p;
  };

  if (o.load.file) {
    try {
      watcher = watch(o.load.file, () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => { timer = null; void reload(); }, o.debounceMs ?? 200);
      });
      watcher.on('error', () => {});
    } catch {
      watcher = null; // a file that cannot be watched can still be reloaded with SIGHUP
    }
  }

  return {
    reload,
    close() {
      watcher?.close();
      if (timer) clearTimeout(timer);
    },
  };
}

function mergeApplied<T>(running: T, next: T, applied: readonly string[]): T {
  const out = structuredClone(running) as Record<string, unknown>;
  for (const key of applied) {
    const parts = key.split('.');
    let src: unknown = next;
    let dst = out;
    for (const p of parts.slice(0, -1)) {
      src = (src as Record<string, unknown>)[p];
      dst = dst[p] as Record<string, unknown>;
    }
    dst[parts.at(-1)!] = (src as Record<string, unknown>)[parts.at(-1)!];
  }
  return out as T;
}
