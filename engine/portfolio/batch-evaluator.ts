// One asynchronous face for every evaluation path, so the algorithm-runner can swap the in-thread kernel, the
// worker pool and SQL push-down without knowing which one it holds.
import type { Evaluation, SubsetCandidate } from '../algorithms/types.ts';
import { portfolioError } from './errors.ts';
import type { EvaluationPool } from './evaluation-pool.ts';
import type { PortfolioEvaluator } from './evaluator.ts';
import { evaluateBySql } from './sql-push-down.ts';
import type { SqlEvaluationOptions } from './sql-push-down.ts';

export interface BatchEvaluator {
  readonly kind: 'thread' | 'pool' | 'sql';
  readonly nObjectives: number;
  evaluate(candidates: readonly SubsetCandidate[], options?: { readonly signal?: AbortSignal }): Promise<Evaluation[]>;
  close(): Promise<void>;
}

/** The fused kernel on the calling thread (checks the signal before starting). */
export function threadBatchEvaluator(evaluator: PortfolioEvaluator): BatchEvaluator {
  return {
    kind: 'thread',
    nObjectives: evaluator.nObjectives,
    async evaluate(candidates, options = {}) {
      if (options.signal?.aborted) throw cancelled(candidates.length);
      return evaluator.evaluate(candidates);
    },
    async close() {},
  };
}

export function poolBatchEvaluator(pool: EvaluationPool): BatchEvaluator {
  return { kind: 'pool', nObjectives: pool.nObjectives, evaluate: (c, o) => pool.evaluate(c, o), close: () => pool.close() };
}

/** SQL push-down (checks the signal before each statement group). */
export function sqlBatchEvaluator(evaluator: PortfolioEvaluator, options: SqlEvaluationOptions): BatchEvaluator {
  return {
    kind: 'sql',
    nObjectives: evaluator.nObjectives,
    async evaluate(candidates, opts = {}) {
      const signal = opts.signal;
      if (signal?.aborted) throw cancelled(candidates.length);
      return evaluateBySql(evaluator, candidates, {
        ...options,
        run: async (statementFor) => {
          if (signal?.aborted) throw cancelled(candidates.length);
          return options.run(statementFor);
        },
      });
    },
    async close() {},
  };
}

function cancelled(count: number) {
  return portfolioError('STRATA_PORTFOLIO_CANCELLED', `batch evaluation of ${count} candidates was cancelled`, { count });
}
