// Zone mode: buckets a trade by its entry time within the trading session (default 09:15–15:30). Methods
// equal (n buckets), freeform (cut points) and custom (windows); intervals are half-open [start, end); a
// time outside every zone is `Outside Market`, reported by the caller, never moved into a zone.
import { parseTimeText } from './calendar.ts';
import { ZONE_OUTSIDE } from './canonical.ts';
import { formatError } from './errors.ts';

export interface ZoneWindow {
  readonly label: string;
  /** seconds since midnight, inclusive. */
  readonly start: number;
  /** seconds since midnight, exclusive. */
  readonly end: number;
}

export type ZoneMethod =
  | { readonly method: 'equal'; readonly count?: number }
  | { readonly method: 'freeform'; readonly boundaries: readonly string[] }
  | { readonly method: 'custom'; readonly windows: readonly string[] };

export type ZoneOptions = ZoneMethod & {
  /** `HH:MM-HH:MM`, exchange time; default 09:15-15:30. */
  readonly session?: string;
};

export interface Zoning {
  readonly windows: readonly ZoneWindow[];
  readonly description: string;
  /** zone label for an entry time in seconds since midnight. */
  zoneOf(seconds: number): string;
}

export const DEFAULT_SESSION = '09:15-15:30';

function invalid(what: string, value: unknown, why: string): never {
  throw formatError('STRATA_FORMAT_INVALID_OPTION', `invalid zone ${what} ${JSON.stringify(value)}: ${why}`, { what, value: String(value) });
}

function time(text: string, what: string): number {
  const s = parseTimeText(text);
  if (s === null) invalid(what, text, 'expected HH:MM');
  return s;
}

function range(text: string, what: string): [number, number] {
  const parts = text.split('-');
  if (parts.length !== 2) invalid(what, text, 'expected HH:MM-HH:MM');
  const a = time(parts[0]!, what), b = time(parts[1]!, what);
  if (b <= a) invalid(what, text, 'the end must come after the start');
  return [a, b];
}

export function createZoning(options: ZoneOptions): Zoning {
  const [open, close] = range(options.session ?? DEFAULT_SESSION, 'session');
  const windows: ZoneWindow[] = [];
  let description: string;
  if (options.method === 'equal') {
    const n = options.count ?? 4;
    if (!Number.isInteger(n) || n < 1 || n > 100) invalid('count', n, 'expected an integer 1–100');
    const len = close - open;
    // Integer arithmetic on seconds (zone = floor((t − open)·n / len) + 1) keeps the edges exact.
    for (let k = 0; k < n; k++) windows.push({ label: `Zone ${k + 1}`, start: open + Math.ceil((k * len) / n), end: open + Math.ceil(((k + 1) * len) / n) });
    description = `equal ${n}`;
    return {
      windows, description,
      zoneOf: (t) => (t < open || t >= close ? ZONE_OUTSIDE : `Zone ${Math.floor(((t - open) * n) / len) + 1}`),
    };
  }
  if (options.method === 'freeform') {
    const cuts = options.boundaries.map((b) => time(b, 'boundary'));
    const points = [open, ...cuts.filter((c) => c !== open && c !== close), close];
    for (let i = 1; i < points.length; i++) {
      if (points[i]! <= points[i - 1]!) invalid('boundaries', options.boundaries.join(','), 'boundaries must increase strictly inside the session');
      windows.push({ label: `Zone ${i}`, start: points[i - 1]!, end: points[i]! });
    }
    description = `freeform ${options.boundaries.join(',')}`;
  } else {
    if (options.windows.length === 0) invalid('windows', '', 'at least one window is needed');
    options.windows.forEach((w, i) => {
      const [a, b] = range(w, 'window');
      windows.push({ label: `Zone ${i + 1}`, start: a, end: b });
    });
    const sorted = [...windows].sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.start < sorted[i - 1]!.end) invalid('windows', options.windows.join(','), 'windows overlap');
    }
    description = `custom ${options.windows.join(',')}`;
  }
  return {
    windows, description,
    zoneOf: (t) => {
      for (const w of windows) if (t >= w.start && t < w.end) return w.label;
      return ZONE_OUTSIDE;
    },
  };
}

/**
 * The CLI spelling: `equal`, `equal:6`, `freeform:10:30,12:00,14:00`, `custom:09:15-10:00,13:00-15:30`;
 * `session` is `HH:MM-HH:MM`.
 */
export function parseZoneSpec(spec: string, session?: string): ZoneOptions {
  const s = spec.trim();
  const colon = s.indexOf(':');
  const method = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : s.slice(colon + 1);
  const list = rest.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const sess = session === undefined ? {} : { session };
  if (method === 'equal') {
    const count = rest === '' ? 4 : Number(rest);
    return { method: 'equal', count, ...sess };
  }
  if (method === 'freeform') return { method: 'freeform', boundaries: list, ...sess };
  if (method === 'custom') return { method: 'custom', windows: list, ...sess };
  return invalid('method', spec, 'expected equal[:n], freeform:HH:MM,… or custom:HH:MM-HH:MM,…');
}
