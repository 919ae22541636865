// The MatrixSource over store nodes: the universe from `strategies`, the P&L from `daily_pnl`, read from each
// node (or each node's share of the partitions) and assembled into the strategies x days matrix. Apart from
// matrix-source.ts so that what runs on worker threads (the runners) never loads the store's drivers.
import { assemblePnlMatrix, resultColumn, textCandidateFilter, textInFilter, type ResultSet, type SqlParam, type StoreNode } from '../store/index.ts';
import { jobError } from './errors.ts';
import { emptyCheck, toLoadedMatrix, type MatrixSource } from './matrix-source.ts';

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
          where += ` AND ${textInFilter(node.kind, column, values.length)}`;
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
      const wanted = new Set(ids);
      for (const { node, partitions } of options.nodes) {
        // on DuckDB a chunk of up to LIST_CONTAINS_MAX ids is tested per row, a longer one through a hash filter
        // that lets a few rows of other strategies through (engine/store/id-filter.ts; splitting into short lists
        // made big matrix loads slower): their days and trades are left out here, their P&L by assemblePnlMatrix
        for (let at = 0; at < ids.length; at += IN_CHUNK) {
          const chunk = ids.slice(at, at + IN_CHUNK);
          const params: SqlParam[] = [query.zone, query.dateRange.from, query.dateRange.to, ...chunk];
          const filter = textCandidateFilter(node.kind, 'strategy_id', chunk.length);
          const where = `WHERE zone = ? AND trading_day >= ? AND trading_day <= ? AND ${filter.sql}${partitionClause(partitions, params)}`;
          const rs = await run(node, `SELECT strategy_id, trading_day, pnl, n_trades FROM daily_pnl ${where}`, params);
          partials.push(rs);
          const sCol = resultColumn(rs, 'strategy_id').values as readonly (string | null)[];
          const dCol = resultColumn(rs, 'trading_day').values as readonly (string | null)[];
          const tCol = resultColumn(rs, 'n_trades');
          for (let r = 0; r < rs.rowCount; r++) {
            if (!filter.exact && !wanted.has(sCol[r]!)) continue;
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
