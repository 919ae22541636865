// Simulated annealing (Kirkpatrick et al. 1983) with one or more independent chains. The temperature falls
// geometrically with the evaluations spent, from T0 (the spread of the first random sample when not given)
// to T0 * finalTemperatureRatio; in a box the Gaussian step adapts to keep the acceptance rate near a
// target, so the end of the run is a fine local search.
import { topScored } from './archive.ts';
import { compareScalar } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { neighbourSubset } from './subset-encoding.ts';
import { clipVector, randomCandidate } from './search-space.ts';
import type { Candidate, Evaluation } from './types.ts';

interface Chain { current: Candidate; evaluation: Evaluation; step: number; accepted: number; tried: number }
interface State { t0: number; chains: Chain[]; started: boolean }

/** Geometric cooling over the first (1 - quenchFraction) of the budget, then zero: a greedy polish. */
function temperature(state: State, ctx: MethodContext): number {
  const annealed = ctx.maxEvaluations * (1 - num(ctx.params, 'quenchFraction'));
  if (ctx.evaluations >= annealed) return 0;
  return state.t0 * Math.pow(num(ctx.params, 'finalTemperatureRatio'), ctx.evaluations / annealed);
}

const method: Method<State> = {
  init: ({ params }) => ({ t0: num(params, 'initialTemperature'), chains: [], started: false }),
  propose(state, ctx) {
    const { space, params, rng } = ctx;
    if (!state.started) {
      const n = Math.max(num(params, 'chains'), num(params, 'initialSamples'));
      return Array.from({ length: n }, () => randomCandidate(ctx.space, ctx.rng));
    }
    return state.chains.map((ch) => {
      if (space.kind === 'box') {
        const x = (ch.current as { x: number[] }).x;
        return { x: clipVector(space, x.map((v, d) => v + ch.step * (space.upper[d]! - space.lower[d]!) * rng.normal())) };
      }
      return neighbourSubset(space, ch.current as never, rng);
    });
  },
  learn(state, candidates, evaluations, ctx) {
    const { params, rng } = ctx;
    if (!state.started) {
      const order = evaluations.map((_, i) => i).sort((a, b) => compareScalar(evaluations[a]!, evaluations[b]!));
      if (state.t0 === 0) {
        const f = evaluations.filter((e) => e.violation <= 0).map((e) => e.objectives[0]!);
        const mean = f.reduce((s, v) => s + v, 0) / Math.max(1, f.length);
        const sd = Math.sqrt(f.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, f.length - 1));
        state.t0 = sd > 0 && Number.isFinite(sd) ? sd : 1;
      }
      state.chains = order.slice(0, num(params, 'chains')).map((i) => ({
        current: candidates[i]!, evaluation: evaluations[i]!, step: num(params, 'initialStep'), accepted: 0, tried: 0,
      }));
      state.started = true;
      return;
    }
    const t = temperature(state, ctx);
    state.chains.forEach((ch, i) => {
      const e = evaluations[i]!;
      let accept: boolean;
      const cmp = compareScalar(e, ch.evaluation);
      if (cmp <= 0) accept = true;
      else if (e.violation > 0 || ch.evaluation.violation > 0) accept = false;
      else if (t <= 0) accept = false;
      else accept = rng.next() < Math.exp(-(e.objectives[0]! - ch.evaluation.objectives[0]!) / t);
      if (accept) { ch.current = candidates[i]!; ch.evaluation = e; ch.accepted++; }
      ch.tried++;
      if (ch.tried >= 20) {
        // Keep the acceptance rate near its target: larger steps when most moves pass, smaller otherwise.
        const rate = ch.accepted / ch.tried;
        ch.step = Math.min(0.5, Math.max(1e-12, ch.step * (rate > num(params, 'targetAcceptance') ? 1.25 : 0.8)));
        ch.accepted = 0;
        ch.tried = 0;
      }
    });
  },
  emigrate: (state, count) => topScored(state.chains.map((c) => ({ candidate: c.current, evaluation: c.evaluation })), count),
  immigrate(state, migrants) {
    // A migrant better than the worst chain's point takes its place (before the start, it is ignored).
    for (const m of migrants) {
      let worst = -1;
      state.chains.forEach((c, i) => { if (worst < 0 || compareScalar(c.evaluation, state.chains[worst]!.evaluation) > 0) worst = i; });
      if (worst >= 0 && compareScalar(m.evaluation, state.chains[worst]!.evaluation) < 0) {
        state.chains[worst] = { ...state.chains[worst]!, current: m.candidate, evaluation: m.evaluation };
      }
    }
  },
};

export const simulatedAnnealing = defineAlgorithm({
  id: 'simulated-annealing',
  title: 'Simulated annealing',
  description: 'Metropolis acceptance under a geometric cooling schedule over the budget; adaptive Gaussian steps in a box, swap/add/remove moves on subsets.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    chains: { default: 1, min: 1, max: 10_000, integer: true, doc: 'independent chains, one move each per generation' },
    initialSamples: { default: 20, min: 1, max: 100_000, integer: true, doc: 'random points that set T0 and the chains\' starts' },
    initialTemperature: { default: 0, min: 0, max: 1e300, doc: 'T0; 0 = the standard deviation of the initial sample' },
    finalTemperatureRatio: { default: 1e-6, min: 1e-300, max: 1, doc: 'final temperature as a fraction of T0' },
    initialStep: { default: 0.1, min: 1e-12, max: 0.5, doc: 'box: initial Gaussian step as a fraction of the width' },
    quenchFraction: { default: 0.1, min: 0, max: 1, doc: 'final fraction of the budget run at zero temperature (greedy polish)' },
    targetAcceptance: { default: 0.3, min: 0.01, max: 0.99, doc: 'box: acceptance rate the step adapts towards' },
  },
  method: method as Method<unknown>,
});
