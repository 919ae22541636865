// The piscina evaluation pool on real worker threads: batches across tasks, cancellation, closing.
import { describe, expect, it } from 'vitest';
import { createEvaluationPool, createPlantedProblem } from '../../../engine/portfolio/index.ts';

const planted = createPlantedProblem({ n: 20, k: 4, days: 400, seed: 8 });
const candidates = Array.from({ length: 400 }, (_, i) => ({ indices: [i % 16, (i % 16) + 1, (i % 16) + 2, (i % 16) + 3 + (i % 2)] }));

describe('evaluation pool', () => {
  it('evaluates a batch split across many tasks in the order given', async () => {
    const pool = createEvaluationPool(planted.problem, { threads: 2, taskSize: 16 });
    try {
      const got = await pool.evaluate(candidates);
      expect(got).toEqual(planted.evaluator.evaluate(candidates));
      expect(await pool.evaluate([])).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('cancels a batch through its AbortSignal and keeps serving afterwards', async () => {
    const pool = createEvaluationPool(planted.problem, { threads: 2, taskSize: 16 });
    try {
      const ac = new AbortController();
      const running = pool.evaluate(candidates, { signal: ac.signal });
      ac.abort();
      await expect(running).rejects.toMatchObject({ code: 'STRATA_PORTFOLIO_CANCELLED' });
      await expect(pool.evaluate(candidates, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'STRATA_PORTFOLIO_CANCELLED' });
      expect(await pool.evaluate(candidates.slice(0, 5))).toEqual(planted.evaluator.evaluate(candidates.slice(0, 5)));
    } finally {
      await pool.close();
    }
  });

  it('refuses work after close and bad options', async () => {
    const pool = createEvaluationPool(planted.problem, { threads: 1 });
    await pool.close();
    await expect(pool.evaluate(candidates)).rejects.toMatchObject({ code: 'STRATA_PORTFOLIO_POOL_CLOSED' });
    expect(() => createEvaluationPool(planted.problem, { threads: 0 })).toThrow(expect.objectContaining({ code: 'STRATA_PORTFOLIO_INVALID_OPTION' }));
    expect(() => createEvaluationPool(planted.problem, { taskSize: 0 })).toThrow(expect.objectContaining({ code: 'STRATA_PORTFOLIO_INVALID_OPTION' }));
  });

  it('reports an invalid candidate before any task starts', async () => {
    const pool = createEvaluationPool(planted.problem, { threads: 1 });
    try {
      await expect(pool.evaluate([{ indices: [3, 2] }])).rejects.toMatchObject({ code: 'STRATA_PORTFOLIO_INVALID_CANDIDATE' });
    } finally {
      await pool.close();
    }
  });
});
