// Where a job's strategies × days P&L matrix comes from: a narrow interface (`MatrixSource`), the helpers every
// source shares, and a seeded generated universe for tests and benchmarks; the source over store nodes is
// store-matrix-source.ts (kept apart: this module runs on worker threads, which must not load store drivers).
// The matrix arrives NaN-free in a SharedArrayBuffer with each strategy's active range, so threads and pool
// workers share it without copies.
import { createHash } from 'node:crypto';
import { createSeededRandom } from '../portfolio/index.ts';
import { jobError } from './errors.ts';
import type { JobSpec } from './job-spec.ts';

export type UniverseFilter = NonNullable<JobSpec['universe']>;

export interface MatrixQuery {
  readonly universe: UniverseFilter;
  readonly dateRange: { readonly from: string; readonly to: string };
  readonly zone: string;
}

export interface LoadedMatrix {
  readonly strategyIds: readonly string[];
  readonly days: readonly string[];
  /** pnl[s * days.length + d], 0 outside a strategy's active days; backed by a SharedArrayBuffer */
  readonly pnl: Float64Array;
  readonly trades: Int32Array;
  readonly firstDay: Int32Array;
  readonly lastDay: Int32Array;
}

export interface MatrixSource {
  load(query: MatrixQuery): Promise<LoadedMatrix>;
}

export const DEFAULT_ZONE = 'ALL';

export function matrixQueryOf(spec: JobSpec): MatrixQuery {
  return { universe: spec.universe ?? {}, dateRange: spec.dateRange, zone: spec.zone ?? DEFAULT_ZONE };
}

/** sha-256 over ids, days and the values' bytes: a resumed job checks it ran on the same data. */
export function matrixDigest(m: LoadedMatrix): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([m.strategyIds, m.days]));
  h.update(new Uint8Array(m.pnl.buffer, m.pnl.byteOffset, m.pnl.byteLength));
  h.update(new Uint8Array(m.trades.buffer, m.trades.byteOffset, m.trades.byteLength));
  return h.digest('hex');
}

/** NaN-marked strategy-major values (the store's convention) into the shared, NaN-free form. */
export function toLoadedMatrix(strategyIds: readonly string[], days: readonly string[], values: Float64Array, trades: ArrayLike<number>): LoadedMatrix {
  const nDays = days.length;
  const pnl = new Float64Array(new SharedArrayBuffer(values.length * 8));
  const firstDay = new Int32Array(strategyIds.length).fill(nDays);
  const lastDay = new Int32Array(strategyIds.length).fill(-1);
  for (let s = 0; s < strategyIds.length; s++) {
    for (let d = 0; d < nDays; d++) {
      const v = values[s * nDays + d]!;
      if (Number.isNaN(v)) continue;
      pnl[s * nDays + d] = v;
      if (d < firstDay[s]!) firstDay[s] = d;
      lastDay[s] = d;
    }
  }
  return { strategyIds, days, pnl, trades: Int32Array.from(trades), firstDay, lastDay };
}

export function emptyCheck(query: MatrixQuery, ids: readonly string[], days: readonly string[]): void {
  if (ids.length === 0 || days.length === 0) {
    throw jobError('STRATA_JOB_MATRIX_EMPTY', `the universe selects ${ids.length} strategies with ${days.length} days in ${query.dateRange.from} … ${query.dateRange.to}, zone ${query.zone}`, { strategies: ids.length, days: days.length });
  }
}

// ---------------------------------------------------------------------------------------------- generated

export interface GeneratedUniverseOptions {
  readonly nStrategies: number;
  readonly nDays: number;
  readonly seed: number;
  /** first trading day (weekdays follow); default 2020-01-01 */
  readonly startDay?: string;
}

export interface GeneratedStrategy {
  readonly strategyId: string;
  readonly underlying: string;
  readonly strategyType: string;
  readonly sourceFormat: string;
  readonly currency: string;
}

const UNDERLYINGS = ['NIFTY', 'BANKNIFTY', 'FINNIFTY'];
const TYPES = ['TBS', 'ORB', 'OI', 'POS'];

function weekdays(start: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < n) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** A seeded universe: strategy attributes cycle through underlyings and types; daily P&L drifts plus noise. */
export function generateUniverse(options: GeneratedUniverseOptions): { strategies: GeneratedStrategy[]; days: string[]; values: Float64Array; trades: Int32Array } {
  const { nStrategies, nDays, seed } = options;
  const rng = createSeededRandom(seed);
  const days = weekdays(options.startDay ?? '2020-01-01', nDays);
  const strategies: GeneratedStrategy[] = [];
  const values = new Float64Array(nStrategies * nDays);
  const trades = new Int32Array(nStrategies);
  for (let s = 0; s < nStrategies; s++) {
    strategies.push({
      strategyId: `gen-${String(s).padStart(5, '0')}`, underlying: UNDERLYINGS[s % UNDERLYINGS.length]!,
      strategyType: TYPES[s % TYPES.length]!, sourceFormat: 'GENERATED', currency: 'INR',
    });
    const drift = (rng.next() - 0.35) * 40;
    const sd = 80 + rng.next() * 160;
    for (let d = 0; d < nDays; d++) values[s * nDays + d] = Math.round((drift + sd * rng.normal()) * 100) / 100;
    trades[s] = nDays * (1 + (s % 3));
  }
  return { strategies, days, values, trades };
}

function matches(filter: UniverseFilter, s: GeneratedStrategy): boolean {
  return (!filter.strategyIds || filter.strategyIds.includes(s.strategyId))
    && (!filter.underlyings || filter.underlyings.includes(s.underlying))
    && (!filter.strategyTypes || filter.strategyTypes.includes(s.strategyType))
    && (!filter.sourceFormats || filter.sourceFormats.includes(s.sourceFormat))
    && (!filter.currencies || filter.currencies.includes(s.currency));
}

/** An in-memory source over a generated universe (zone 'ALL' only). */
export function createGeneratedMatrixSource(options: GeneratedUniverseOptions): MatrixSource {
  const u = generateUniverse(options);
  return {
    async load(query) {
      const picked = u.strategies.map((s, i) => ({ s, i })).filter(({ s }) => matches(query.universe, s));
      const chosen = query.universe.maxStrategies !== undefined ? picked.slice(0, query.universe.maxStrategies) : picked;
      const dayIdx = query.zone === DEFAULT_ZONE ? u.days.map((d, i) => ({ d, i })).filter(({ d }) => d >= query.dateRange.from && d <= query.dateRange.to) : [];
      const ids = chosen.map(({ s }) => s.strategyId);
      const days = dayIdx.map(({ d }) => d);
      emptyCheck(query, ids, days);
      const values = new Float64Array(ids.length * days.length);
      const nAll = u.days.length;
      chosen.forEach(({ i }, s) => dayIdx.forEach(({ i: d }, k) => { values[s * days.length + k] = u.values[i * nAll + d]!; }));
      return toLoadedMatrix(ids, days, values, chosen.map(({ i }) => u.trades[i]!));
    },
  };
}
