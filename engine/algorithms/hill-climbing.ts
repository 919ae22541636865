// Hill climbing with random restarts: each generation samples `neighbours` moves around the current point
// and moves to the best one if it improves. In a box the moves are Gaussian with a step that grows on
// success and shrinks on failure; a climb restarts at a random point when the step falls below minStep
// (box) or after `patience` generations without improvement (subsets: swap / add / remove / reweight).
import { isBetter } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { neighbourSubset, randomSubset } from './subset-encoding.ts';
import { candidateKey, clipVector, randomCandidate } from './search-space.ts';
import type { Candidate, Evaluation } from './types.ts';

interface State {
  current: Candidate | null;
  currentEval: Evaluation | null;
  step: number;
  failures: number;
  restarts: number;
}

const method: Method<State> = {
  init: ({ params }) => ({ current: null, currentEval: null, step: num(params, 'initialStep'), failures: 0, restarts: 0 }),
  propose(state, { space, params, rng }) {
    if (state.current === null) return [randomCandidate(space, rng)];
    const n = num(params, 'neighbours');
    const out: Candidate[] = [];
    if (space.kind === 'box') {
      const x = (state.current as { x: number[] }).x;
      for (let i = 0; i < n; i++) {
        out.push({ x: clipVector(space, x.map((v, d) => v + state.step * (space.upper[d]! - space.lower[d]!) * rng.normal())) });
      }
      return out;
    }
    const seen = new Set([candidateKey(state.current)]);
    for (let tries = 0; out.length < n && tries < 20 * n; tries++) {
      const c = neighbourSubset(space, state.current as never, rng);
      const key = candidateKey(c);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(c);
    }
    return out.length > 0 ? out : [randomSubset(space, rng)];
  },
  learn(state, candidates, evaluations, { space, params }) {
    let bestI = 0;
    for (let i = 1; i < evaluations.length; i++) if (isBetter(evaluations[i]!, evaluations[bestI]!)) bestI = i;
    if (state.current === null || state.currentEval === null) {
      state.current = candidates[bestI]!;
      state.currentEval = evaluations[bestI]!;
      return;
    }
    const improved = isBetter(evaluations[bestI]!, state.currentEval);
    if (improved) {
      state.current = candidates[bestI]!;
      state.currentEval = evaluations[bestI]!;
      state.failures = 0;
      state.step = Math.min(0.5, state.step * num(params, 'stepGrowth'));
    } else {
      state.failures++;
      state.step *= num(params, 'stepShrink');
    }
    const exhausted = space.kind === 'box' ? state.step < num(params, 'minStep') : state.failures >= num(params, 'patience');
    if (exhausted) restart(state, params);
  },
  emigrate: (state) => (state.current && state.currentEval ? [{ candidate: state.current, evaluation: state.currentEval }] : []),
  immigrate(state, migrants) {
    // A better migrant becomes the point the climb continues from.
    for (const m of migrants) {
      if (state.currentEval === null || isBetter(m.evaluation, state.currentEval)) {
        state.current = m.candidate;
        state.currentEval = m.evaluation;
        state.failures = 0;
      }
    }
  },
};

function restart(state: State, params: MethodContext['params']): void {
  state.current = null;
  state.currentEval = null;
  state.step = num(params, 'initialStep');
  state.failures = 0;
  state.restarts++;
}

export const hillClimbing = defineAlgorithm({
  id: 'hill-climbing',
  title: 'Hill climbing with restarts',
  description: 'Best-of-neighbours local search with adaptive step (box) or swap/add/remove moves (subsets), restarting from random points.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    neighbours: { default: 20, min: 1, max: 10_000, integer: true, doc: 'neighbours sampled per generation' },
    patience: { default: 5, min: 1, max: 10_000, integer: true, doc: 'subsets: generations without improvement before a restart' },
    initialStep: { default: 0.3, min: 1e-9, max: 0.5, doc: 'box: initial Gaussian step as a fraction of each dimension width' },
    stepGrowth: { default: 1.2, min: 1, max: 4, doc: 'box: step multiplier after an improving generation' },
    stepShrink: { default: 0.7, min: 0.01, max: 1, doc: 'box: step multiplier after a generation without improvement' },
    minStep: { default: 1e-9, min: 0, max: 0.1, doc: 'box: restart once the step falls below this fraction of the width' },
  },
  method: method as Method<unknown>,
});
