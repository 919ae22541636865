// A MatrixSource over the store team's StoreCluster facade (actors/store: scatter-gather over the
// load-balancer and node-proxies, replicas, retries): the universe from `strategies`, then the strategies × days
// matrix and each strategy's trade count from `pnlMatrix` (one read of `daily_pnl`; until 2026-12-05 the counts
// took a statement of their own, an IN list of every id, which DuckDB plans as a hash join from five ids on).
// The universe statement carries the load-balancer's partition marker, so it is scattered over every partition;
// it is partition-local (a strategy lives in one partition), so the gathered partials are simply concatenated.
import { jobError, toLoadedMatrix, type MatrixSource } from '../../engine/jobs/index.ts';
import { PARTITIONS_MARKER, type StoreCluster } from '../store/index.ts';

interface ResultSetLike {
  readonly rowCount: number;
  readonly columns: readonly { readonly name: string; readonly values: ArrayLike<unknown> }[];
}

export type StoreClusterLike = Pick<StoreCluster, 'query' | 'pnlMatrix'>;

function column(rs: ResultSetLike, name: string): ArrayLike<unknown> {
  const c = rs.columns.find((col) => col.name === name);
  if (!c) throw jobError('STRATA_JOB_MATRIX_LOAD_FAILED', `the store answered without a ${name} column`, { column: name });
  return c.values;
}

export function createStoreClusterMatrixSource(store: StoreClusterLike, options: { readonly timeoutMs?: number } = {}): MatrixSource {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try { return await fn(); } catch (e) {
      const err = e as { code?: string; message?: string };
      if (err.code?.startsWith('STRATA_JOB_')) throw e;
      throw jobError('STRATA_JOB_MATRIX_LOAD_FAILED', `loading the P&L matrix failed (${what}): ${err.code ?? ''} ${err.message ?? String(e)}`, { cause: err.code ?? 'unknown' });
    }
  };
  return {
    async load(query) {
      const f = query.universe;
      const params: (string | number)[] = [];
      let where = `WHERE ${PARTITIONS_MARKER}`;
      for (const [col, values] of [['underlying', f.underlyings], ['strategy_type', f.strategyTypes], ['source_format', f.sourceFormats], ['currency', f.currencies]] as const) {
        if (!values) continue;
        where += ` AND ${col} IN (${values.map(() => '?').join(', ')})`;
        params.push(...values);
      }
      const rs = await guard('universe', () => store.query(`SELECT strategy_id FROM strategies ${where}`, params, { timeoutMs }));
      const idCol = column(rs, 'strategy_id');
      let ids: string[] = [];
      for (let r = 0; r < rs.rowCount; r++) { const v = idCol[r]; if (typeof v === 'string') ids.push(v); }
      ids = [...new Set(ids)].sort();
      if (f.strategyIds) { const keep = new Set(f.strategyIds); ids = ids.filter((id) => keep.has(id)); }
      if (f.maxStrategies !== undefined) ids = ids.slice(0, f.maxStrategies);
      if (ids.length === 0) throw jobError('STRATA_JOB_MATRIX_EMPTY', `the universe selects no strategies in ${query.dateRange.from} … ${query.dateRange.to}`, { strategies: 0 });
      const m = await guard('daily_pnl', () => store.pnlMatrix(ids, query.dateRange.from, query.dateRange.to, { zone: query.zone, timeoutMs }));
      if (m.days.length === 0) throw jobError('STRATA_JOB_MATRIX_EMPTY', `the universe has no days in ${query.dateRange.from} … ${query.dateRange.to}, zone ${query.zone}`, { strategies: ids.length, days: 0 });
      if (!m.trades) throw jobError('STRATA_JOB_MATRIX_LOAD_FAILED', 'the store\'s P&L matrix came without trade counts (a load-balancer from before they were added?)', { cause: 'no-trade-counts' });
      return toLoadedMatrix(m.strategyIds, m.days, m.values, Array.from(m.trades));
    },
  };
}
