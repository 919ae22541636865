// The common asynchronous face of the evaluation paths: same results, same cancellation behaviour.
import { describe, expect, it } from 'vitest';
import {
  createEvaluationPool, createPlantedProblem, poolBatchEvaluator, sqlBatchEvaluator, threadBatchEvaluator,
} from '../../../engine/portfolio/index.ts';

const planted = createPlantedProblem({ n: 12, k: 3, days: 200, seed: 2 });
const candidates = [{ indices: [0, 1, 2] }, { indices: [3, 5, 7] }, { indices: [...planted.best] }];

describe('batch evaluators', () => {
  it('give the same evaluations in the thread and in the pool', async () => {
    const thread = threadBatchEvaluator(planted.evaluator);
    const pool = poolBatchEvaluator(createEvaluationPool(planted.problem, { threads: 1 }));
    try {
      expect(thread.kind).toBe('thread');
      expect(pool.kind).toBe('pool');
      expect(pool.nObjectives).toBe(1);
      expect(await pool.evaluate(candidates)).toEqual(await thread.evaluate(candidates));
    } finally {
      await pool.close();
    }
  });

  it('refuse an already cancelled batch without touching the store', async () => {
    let statements = 0;
    const sql = sqlBatchEvaluator(planted.evaluator, {
      strategyIds: Array.from({ length: 12 }, (_, i) => `s${i}`),
      days: Array.from({ length: 200 }, (_, d) => `d${String(d).padStart(4, '0')}`),
      run: async () => { statements++; return []; },
    });
    const signal = AbortSignal.abort();
    await expect(sql.evaluate(candidates, { signal })).rejects.toMatchObject({ code: 'STRATA_PORTFOLIO_CANCELLED' });
    await expect(threadBatchEvaluator(planted.evaluator).evaluate(candidates, { signal })).rejects.toMatchObject({ code: 'STRATA_PORTFOLIO_CANCELLED' });
    expect(statements).toBe(0);
    // with nothing returned by the store every day is flat: the statement ran once per group of 16
    const evals = await sql.evaluate(candidates);
    expect(statements).toBe(1);
    expect(evals.map((e) => e.objectives[0])).toEqual([-0, -0, -0]);
  });
});
