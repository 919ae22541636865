// Hyperparameter declarations and their validation: each algorithm declares its parameters once (default,
// range, integer or choice), and create() rejects unknown keys and out-of-range values with a coded error.
import { algorithmError } from './errors.ts';

export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

export type ParamSpec =
  | { readonly default: number; readonly min: number; readonly max: number; readonly integer?: boolean; readonly doc: string }
  | { readonly default: string; readonly choices: readonly string[]; readonly doc: string }
  | { readonly default: boolean; readonly doc: string };

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

export function defaultsOf(specs: ParamSpecs): Record<string, ParamValue> {
  return Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, s.default]));
}

export function resolveParams(algorithmId: string, specs: ParamSpecs, given: Params | undefined): Record<string, ParamValue> {
  const out = defaultsOf(specs);
  for (const [key, value] of Object.entries(given ?? {})) {
    const spec = specs[key];
    const fail = (why: string): never => {
      throw algorithmError('STRATA_ALGORITHM_INVALID_PARAMS', `${algorithmId}: parameter ${key} = ${JSON.stringify(value)} ${why}`, { algorithm: algorithmId, key, value });
    };
    if (!spec) fail(`is not a parameter of this algorithm (known: ${Object.keys(specs).join(', ') || 'none'})`);
    else if (typeof spec.default === 'number') {
      const s = spec as { min: number; max: number; integer?: boolean };
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('is not a finite number');
      else if (s.integer && !Number.isInteger(value)) fail('is not an integer');
      else if (value < s.min || value > s.max) fail(`is outside [${s.min}, ${s.max}]`);
    } else if (typeof spec.default === 'string') {
      const s = spec as { choices: readonly string[] };
      if (typeof value !== 'string' || !s.choices.includes(value)) fail(`is not one of ${s.choices.join(', ')}`);
    } else if (typeof value !== 'boolean') fail('is not a boolean');
    out[key] = value;
  }
  return out;
}

export function num(params: Readonly<Record<string, ParamValue>>, key: string): number {
  return params[key] as number;
}

export function str(params: Readonly<Record<string, ParamValue>>, key: string): string {
  return params[key] as string;
}
