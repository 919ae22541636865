// The evaluation pool's worker: builds one evaluator from the problem handed over once in workerData (the
// matrix and correlation stay in shared memory) and evaluates whole packed batches per task.
import { move, workerData } from 'piscina';
import { createPortfolioEvaluator } from './evaluator.ts';
import type { PortfolioProblem } from './problem.ts';
import { flushCompiled } from '../../runtime/compile-cache.ts';

flushCompiled(); // the modules this thread loaded, for the next one (runtime/compile-cache.ts)

export interface PoolTask {
  readonly count: number;
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float64Array | null;
}

const evaluator = createPortfolioEvaluator((workerData as { problem: PortfolioProblem }).problem);

/** Objectives and violation of every candidate of the task, stride nObjectives + 1, moved back to the caller. */
export function evaluateBatch(task: PoolTask): unknown {
  const out = new Float64Array(task.count * (evaluator.nObjectives + 1));
  evaluator.evaluatePacked(task, out);
  return move(out);
}
