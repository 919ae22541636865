// The runner's CPU pool worker: evaluates packed candidate batches of any job. The job's problem travels with
// each task but is all SharedArrayBuffers and small scalars (no matrix copy); the evaluator built for a job
// is kept per job key. A shared fault switch lets tests terminate the thread that takes the next task.
import { move, workerData } from 'piscina';
import { createPortfolioEvaluator, type PortfolioEvaluator, type PortfolioProblem } from '../../engine/portfolio/index.ts';
import { flushCompiled } from '../../runtime/compile-cache.ts';

flushCompiled(); // the modules this thread loaded, for the next one (runtime/compile-cache.ts)

export interface EvaluateTask {
  /** identifies the job's problem (job id + matrix digest): one evaluator per key and thread */
  readonly key: string;
  readonly problem: PortfolioProblem;
  readonly count: number;
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float64Array | null;
}

const KEEP = 4;
const evaluators = new Map<string, PortfolioEvaluator>();
const faults = (workerData as { faults?: Int32Array } | null)?.faults ?? null;

function evaluatorFor(key: string, problem: PortfolioProblem): PortfolioEvaluator {
  let e = evaluators.get(key);
  if (!e) {
    e = createPortfolioEvaluator(problem);
    evaluators.set(key, e);
    if (evaluators.size > KEEP) evaluators.delete(evaluators.keys().next().value!);
  }
  return e;
}

/** Objectives then violation per candidate (stride nObjectives + 1), moved back. */
export function evaluateJobBatch(task: EvaluateTask): unknown {
  // fault injection: one armed switch ends exactly one thread, the one that takes the next task
  if (faults && Atomics.compareExchange(faults, 0, 1, 0) === 1) process.exit(70);
  const evaluator = evaluatorFor(task.key, task.problem);
  const out = new Float64Array(task.count * (evaluator.nObjectives + 1));
  evaluator.evaluatePacked(task, out);
  return move(out);
}
