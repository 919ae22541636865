// SQL push-down evaluation for the runner (option evaluation: 'sql'): each generation is evaluated by
// engine/portfolio's evaluateBySql, whose per-day partial sums are computed by the store. Over the StoreCluster
// facade the statement carries the load-balancer's partition marker, so every partition is summed on one
// serving replica (never twice); the gathered partials are added per day by mergePartialSums, and the metrics
// come from the merged series through the same kernel as the CPU pool.
import type { Evaluation, SubsetCandidate } from '../../engine/algorithms/index.ts';
import { jobError } from '../../engine/jobs/errors.ts';
import {
  createPortfolioEvaluator, evaluateBySql, type PartialSumsResult, type PortfolioEvaluator, type PortfolioProblem, type SqlStatement,
} from '../../engine/portfolio/index.ts';
import { PARTITIONS_MARKER } from '../load-balancer/messages.ts';
import type { StoreCluster } from '../store/index.ts';

/** Where the partial sums are computed: `run(statement)` returns the partials of every node that served it. */
export interface SqlPushDown {
  run(statementFor: (partitions: readonly number[] | null) => SqlStatement): Promise<readonly PartialSumsResult[]>;
}

export interface SqlJobMatrix {
  readonly strategyIds: readonly string[];
  readonly days: readonly string[];
  readonly zone: string;
}

/** The StoreCluster facade as a push-down target (scatter over partitions, one replica each, gathered). */
export function storeClusterPushDown(store: Pick<StoreCluster, 'query'>, options: { readonly timeoutMs?: number } = {}): SqlPushDown {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    async run(statementFor) {
      const st = statementFor(null);
      const at = st.sql.indexOf(' WHERE ');
      if (at < 0) throw jobError('STRATA_JOB_MATRIX_LOAD_FAILED', 'the partial-sums statement has no WHERE clause to scatter on', {});
      const sql = `${st.sql.slice(0, at)} WHERE ${PARTITIONS_MARKER} AND ${st.sql.slice(at + ' WHERE '.length)}`;
      const rs = await store.query(sql, st.params, { timeoutMs });
      const columns: Record<string, ArrayLike<unknown>> = {};
      for (const c of rs.columns) columns[c.name] = c.values;
      return [{ rowCount: rs.rowCount, columns }];
    },
  };
}

/** Evaluates a job's generations by push-down, one evaluator per job key (kept for the running job). */
export function createSqlEvaluation(target: SqlPushDown, options: { readonly candidatesPerStatement?: number } = {}): {
  evaluate(key: string, problem: PortfolioProblem, batch: readonly SubsetCandidate[], matrix: SqlJobMatrix): Promise<Evaluation[]>;
} {
  let current: { key: string; evaluator: PortfolioEvaluator } | null = null;
  return {
    evaluate(key, problem, batch, matrix) {
      if (current?.key !== key) current = { key, evaluator: createPortfolioEvaluator(problem) };
      return evaluateBySql(current.evaluator, batch, {
        strategyIds: matrix.strategyIds, days: matrix.days, zone: matrix.zone, run: (statementFor) => target.run(statementFor),
        ...(options.candidatesPerStatement !== undefined ? { candidatesPerStatement: options.candidatesPerStatement } : {}),
      });
    },
  };
}
