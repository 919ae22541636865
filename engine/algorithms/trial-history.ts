// The learn/emigrate/immigrate trio of the model-based algorithms (TPE, GP-BO): their state is the list of
// evaluated trials; migrants from other islands are evaluated points, so the model simply learns from them.
import { topScored } from './archive.ts';
import { candidateKey } from './search-space.ts';
import type { Candidate, Evaluation } from './types.ts';

export interface Trial { candidate: Candidate; evaluation: Evaluation }

export const trialHistory = {
  learn(state: { trials: Trial[] }, candidates: readonly Candidate[], evaluations: readonly Evaluation[]): void {
    candidates.forEach((c, i) => state.trials.push({ candidate: c, evaluation: evaluations[i]! }));
  },
  emigrate: (state: { trials: Trial[] }, count: number) => topScored(state.trials, count),
  immigrate(state: { trials: Trial[] }, migrants: readonly Trial[]): void {
    const seen = new Set(state.trials.map((t) => candidateKey(t.candidate)));
    for (const m of migrants) if (!seen.has(candidateKey(m.candidate))) state.trials.push({ candidate: m.candidate, evaluation: m.evaluation });
  },
};
