// The config layer's error catalogue: reading the config file, validating it (each problem names its key),
// resolving secrets from the environment or files, and hot reloads that touch keys only a restart changes.
import { StrataError, type ErrorSpec } from '../../runtime/errors.ts';

export const catalogue = {
  STRATA_CONFIG_READ_FAILED: { retryable: false, summary: 'The config file could not be read or is not valid YAML/JSON; the message names the file and the parser error (with line and column when known).' },
  STRATA_CONFIG_INVALID: { retryable: false, summary: 'The config (file plus STRATA_* environment overrides) fails validation; `data.issues` lists every problem as `{ key, message }` (secret values are never echoed).' },
  STRATA_CONFIG_SECRET_MISSING: { retryable: false, summary: 'A secret names an environment variable that is unset or a file that cannot be read or is empty; the message names the variable or file, never a value.' },
  STRATA_CONFIG_NOT_RELOADABLE: { retryable: false, summary: 'A hot reload changed keys that take effect only at the next start (data dir, listen address, store, workers, cluster); they are ignored and named in the message, the reloadable keys are applied.' },
} as const satisfies Record<string, ErrorSpec>;

export type ConfigErrorCode = keyof typeof catalogue;

export function configError(code: ConfigErrorCode, message: string, data: Readonly<Record<string, unknown>> = {}): StrataError {
  return new StrataError(code, message, data, catalogue[code].retryable);
}
