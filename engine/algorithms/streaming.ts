// Streaming optimiser: re-optimises when new days arrive by starting from the previous result instead of
// from scratch. Its first generation is the previous result's candidates (re-evaluated, since the new
// days change their scores) and random neighbours of them; those enter the inner population method as
// migrants, and the inner method then runs as usual. warmStartFrom() turns a finished run into the
// candidates for the next one.
import { gaParams } from './genetic-algorithm.ts';
import { checkInnerSpace, innerParams, islandMethods, resolveInner } from './island-model.ts';
import { num, str } from './params.ts';
import type { ParamValue } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { neighbourSubset } from './subset-encoding.ts';
import { candidateKey, clipVector, randomCandidate } from './search-space.ts';
import type { Algorithm, Candidate, Scored, SubsetCandidate } from './types.ts';

/** Inner methods whose immigrate() seeds a population that has not started yet (PSO's swarm, annealing's
 *  chains and the climber start at random points regardless, so they are left out). */
const streamingInner = ['genetic-algorithm', 'differential-evolution', 'nsga2', 'spea2', 'moead', 'surrogate-assisted', 'tpe', 'gp-bo'];

interface State { inner: string; innerParams: Record<string, ParamValue>; innerState: unknown; warm: Candidate[]; warming: boolean }

/** The candidates a new run should start from: the previous best and its front, without duplicates. */
export function warmStartFrom(previous: Pick<Algorithm, 'best' | 'front'>, max = 50): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const best = previous.best();
  for (const s of [...(best ? [best] : []), ...previous.front()]) {
    const key = candidateKey(s.candidate);
    if (seen.has(key) || out.length >= max) continue;
    seen.add(key);
    out.push(s.candidate);
  }
  return out;
}

function innerContext(st: State, ctx: MethodContext): MethodContext {
  return { ...ctx, params: st.innerParams };
}

function neighbour(c: Candidate, ctx: MethodContext): Candidate {
  const { space, rng } = ctx;
  if (space.kind === 'subset') return neighbourSubset(space, c as SubsetCandidate, rng);
  const x = (c as { x: number[] }).x;
  return { x: clipVector(space, x.map((v, i) => v + 0.05 * (space.upper[i]! - space.lower[i]!) * rng.normal())) };
}

const method: Method<State> = {
  init(ctx, warmStart) {
    const inner = resolveInner(str(ctx.params, 'inner'), ctx.space);
    const entry = islandMethods[inner]!;
    const st: State = { inner, innerParams: innerParams(inner, num(ctx.params, 'popSize')), innerState: null, warm: [...warmStart], warming: warmStart.length > 0 };
    st.innerState = entry.definition.method.init(innerContext(st, ctx), []);
    return st;
  },
  propose(st, ctx) {
    if (st.warming) {
      const size = num(ctx.params, 'popSize');
      const out = st.warm.slice(0, size);
      const seen = new Set(out.map(candidateKey));
      const perWarm = num(ctx.params, 'warmNeighbours');
      for (const c of st.warm.slice(0, size)) {
        for (let j = 0; j < perWarm && out.length < size; j++) {
          const n = neighbour(c, ctx);
          if (!seen.has(candidateKey(n))) { seen.add(candidateKey(n)); out.push(n); }
        }
      }
      while (out.length < size) out.push(randomCandidate(ctx.space, ctx.rng));
      return out;
    }
    return islandMethods[st.inner]!.definition.method.propose(st.innerState, innerContext(st, ctx));
  },
  learn(st, candidates, evaluations, ctx) {
    const m = islandMethods[st.inner]!.definition.method;
    if (st.warming) {
      st.warming = false;
      const scored: Scored[] = candidates.map((c, i) => ({ candidate: c, evaluation: evaluations[i]! }));
      m.immigrate!(st.innerState, scored, innerContext(st, ctx));
      return;
    }
    m.learn(st.innerState, candidates, evaluations, innerContext(st, ctx));
  },
};

export const streaming = defineAlgorithm({
  id: 'streaming',
  title: 'Streaming optimiser',
  description: 'Warm-starts a population method from the previous result (re-evaluated with the new days) and its neighbourhood, then evolves as usual.',
  multiObjective: true,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  acceptsWarmStart: true,
  checkSpace: (space, params) => checkInnerSpace('streaming', resolveInner(str(params, 'inner'), space), space),
  params: {
    inner: { default: 'auto', choices: ['auto', ...streamingInner], doc: 'method that continues the search; auto = DE (box), GA (subsets), NSGA-II (several objectives)' },
    popSize: { ...gaParams.popSize, default: 50, doc: 'population of the inner method' },
    warmNeighbours: { default: 4, min: 0, max: 1000, integer: true, doc: 'random neighbours evaluated around each warm-start candidate in the first generation' },
  },
  method: method as Method<unknown>,
});
