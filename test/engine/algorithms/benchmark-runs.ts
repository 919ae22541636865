// Shared drivers for the benchmark-style tests: run an algorithm on a test problem to its budget (or until
// a target candidate is found), and the median over seeds that the targets are stated in.
import { getAlgorithm, hypervolume, invertedGenerationalDistance } from '../../../engine/algorithms/index.ts';
import type { Candidate, Evaluation, TestProblem } from '../../../engine/algorithms/index.ts';

export const seeds = [1, 2, 3, 4, 5] as const;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Best objective value found within the budget. */
export function bestValue(id: string, problem: TestProblem, budget: number, seed: number, params?: Record<string, number | string | boolean>): number {
  const alg = getAlgorithm(id).create(problem.space, { seed, budget: { maxEvaluations: budget }, ...(params ? { params } : {}) });
  while (!alg.done()) {
    const batch = alg.ask();
    alg.tell(batch, batch.map((c) => ({ objectives: problem.evaluate((c as { x: number[] }).x), violation: 0 })));
  }
  return alg.best()!.evaluation.objectives[0]!;
}

/** The final front's objective vectors. */
export function finalFront(id: string, problem: TestProblem, budget: number, seed: number): number[][] {
  const alg = getAlgorithm(id).create(problem.space, { seed, budget: { maxEvaluations: budget }, params: { popSize: 100 } });
  while (!alg.done()) {
    const batch = alg.ask();
    alg.tell(batch, batch.map((c) => ({ objectives: problem.evaluate((c as { x: number[] }).x), violation: 0 })));
  }
  return alg.front().map((s) => [...s.evaluation.objectives]);
}

export function frontQuality(front: number[][], problem: TestProblem): { hvRatio: number; igd: number } {
  const ref = new Array<number>(problem.space.nObjectives).fill(1.1);
  // "The true front's hypervolume": the true front sampled as pymoo's pareto_front() samples it (100
  // points for the bi-objective problems); DTLZ2 uses its analytic value 1.1^3 - pi/6 = 0.807401.
  const trueHv = problem.space.nObjectives === 3 ? 0.807401 : hypervolume(problem.trueFront!(100), ref);
  const igd = problem.space.nObjectives === 2 ? invertedGenerationalDistance(front, problem.trueFront!(1000)) : NaN;
  return { hvRatio: hypervolume(front, ref) / trueHv, igd };
}

/** Evaluations spent until the best candidate's indices equal `target`, or -1 within the budget. */
export function evaluationsToFind(
  id: string, space: Parameters<ReturnType<typeof getAlgorithm>['create']>[0], evaluate: (c: Candidate) => Evaluation,
  target: readonly number[], budget: number, seed: number,
): number {
  const alg = getAlgorithm(id).create(space, { seed, budget: { maxEvaluations: budget } });
  const key = target.join(',');
  while (!alg.done()) {
    const batch = alg.ask();
    alg.tell(batch, batch.map(evaluate));
    if ((alg.best()!.candidate as { indices: number[] }).indices.join(',') === key) return alg.evaluations();
  }
  return -1;
}
