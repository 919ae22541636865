// Where a job's strategies × days P&L matrix comes from: a narrow interface (`MatrixSource`) with two
// implementations here — over store nodes directly (engine/store: the universe query on `strategies`, the
// P&L scatter over `daily_pnl`, assemblePnlMatrix), and a seeded generated universe for tests and benchmarks.
// The load-balancer actor will answer the same query later. The matrix arrives NaN-free in a
// SharedArrayBuffer with each strategy's active range, so threads and pool workers share it without copies.
import { createHash } from 'node:crypto';
import { createSeededRandom } from '../portfolio/index.ts';
import { assemblePnlMatrix, resultColumn, type ResultSet, type SqlParam, type StoreNode } from '../store/index.ts';
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

function emptyCheck(query: MatrixQuery, ids: readonly string[], days: readonly string[]): void {
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

// ---------------------------------------------------------------------------------------------- store

export interface StoreMatrixSourceOptions {
  /** each node with the partitions to read from it (absent: everything it holds, i.e. no replicas overlap) */
  readonly nodes: readonly { readonly node: StoreNode; readonly partitions?: readonly number[] }[];
  readonly timeoutMs?: number;
}

const IN_CHUNK = 500;

/** Reads the universe and its P&L from store nodes; a node failure is STRATA_JOB_MATRIX_LOAD_FAILED (retryable). */
export function createStoreMatrixSource(options: StoreMatrixSourceOptions): MatrixSource {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const run = async (node: StoreNode, sql: string, params: SqlParam[]): Promise<ResultSet> => {
    try {
      return await node.query(sql, params, { timeoutMs });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw jobError('STRATA_JOB_MATRIX_LOAD_FAILED', `loading the P&L matrix failed on a store node: ${err.code ?? ''} ${err.message ?? String(e)}`, { cause: err.code ?? 'unknown' });
    }
  };
  const partitionClause = (partitions: readonly number[] | undefined, params: SqlParam[]): string => {
    if (!partitions) return '';
    if (partitions.length === 0) return ' AND 1 = 0';
    params.push(...partitions);
    return ` AND partition_id IN (${partitions.map(() => '?').join(', ')})`;
  };
  return {
    async load(query) {
      const f = query.universe;
      const ranges = new Map<string, { first: string; last: string }>();
      for (const { node, partitions } of options.nodes) {
        const params: SqlParam[] = [];
        let where = 'WHERE 1 = 1';
        for (const [column, values] of [['underlying', f.underlyings], ['strategy_type', f.strategyTypes], ['source_format', f.sourceFormats], ['currency', f.currencies]] as const) {
          if (!values) continue;
          where += ` AND ${column} IN (${values.map(() => '?').join(', ')})`;
          params.push(...values);
        }
        where += partitionClause(partitions, params);
        const rs = await run(node, `SELECT strategy_id, first_trading_day, last_trading_day FROM strategies ${where}`, params);
        const ids = resultColumn(rs, 'strategy_id').values as readonly (string | null)[];
        const firsts = resultColumn(rs, 'first_trading_day').values as readonly (string | null)[];
        const lasts = resultColumn(rs, 'last_trading_day').values as readonly (string | null)[];
        for (let r = 0; r < rs.rowCount; r++) {
          const id = ids[r];
          if (id) ranges.set(id, { first: firsts[r] ?? '0000-00-00', last: lasts[r] ?? '9999-99-99' });
        }
      }
      let ids = [...ranges.keys()].sort();
      if (f.strategyIds) { const keep = new Set(f.strategyIds); ids = ids.filter((id) => keep.has(id)); }
      if (f.maxStrategies !== undefined) ids = ids.slice(0, f.maxStrategies);
      const partials: ResultSet[] = [];
      const trades = new Map<string, number>();
      const daySet = new Set<string>();
      for (const { node, partitions } of options.nodes) {
        for (let at = 0; at < ids.length; at += IN_CHUNK) {
          const chunk = ids.slice(at, at + IN_CHUNK);
          const params: SqlParam[] = [query.zone, query.dateRange.from, query.dateRange.to, ...chunk];
          const where = `WHERE zone = ? AND trading_day >= ? AND trading_day <= ? AND strategy_id IN (${chunk.map(() => '?').join(', ')})${partitionClause(partitions, params)}`;
          const rs = await run(node, `SELECT strategy_id, trading_day, pnl, n_trades FROM daily_pnl ${where}`, params);
          partials.push(rs);
          const sCol = resultColumn(rs, 'strategy_id').values as readonly (string | null)[];
          const dCol = resultColumn(rs, 'trading_day').values as readonly (string | null)[];
          const tCol = resultColumn(rs, 'n_trades');
          for (let r = 0; r < rs.rowCount; r++) {
            daySet.add(dCol[r]!);
            const n = tCol.nulls && tCol.nulls[r] ? 0 : Number(tCol.values[r]);
            trades.set(sCol[r]!, (trades.get(sCol[r]!) ?? 0) + n);
          }
        }
      }
      const days = [...daySet].sort();
      emptyCheck(query, ids, days);
      const activeRange = new Map(ids.map((id) => [id, ranges.get(id)!]));
      const m = assemblePnlMatrix(ids, days, partials, { activeRange });
      return toLoadedMatrix(ids, days, m.values, ids.map((id) => trades.get(id) ?? 0));
    },
  };
}
