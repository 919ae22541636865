// cluster/config: the daemon's config file (YAML or JSON) validated with zod, STRATA_* environment
// overrides, secrets resolved from the environment or files (never logged), and hot reload of safe keys.
export { catalogue, configError } from './errors.ts';
export type { ConfigErrorCode } from './errors.ts';
export { configSchema, defaultDuckDbMemoryLimitMb, defaultDuckDbThreads, defaultParseThreads, defaultStoreHosting, RELOADABLE_KEYS, ROLES, LOG_LEVELS, secretRefSchema } from './schema.ts';
export type { ConfigInput, Role, SecretRef, StrataConfig } from './schema.ts';
export { ENV_OVERRIDES, loadConfig, readConfigFile, validateConfig } from './load.ts';
export type { LoadedConfig, LoadOptions } from './load.ts';
export { resolveSecret, resolveSecrets } from './secrets.ts';
export type { ApiToken, ResolvedSecrets } from './secrets.ts';
export { createConfigReloader, diffConfig, isReloadable } from './reload.ts';
export type { ConfigDiff, ConfigReloader, ReloaderOptions } from './reload.ts';
