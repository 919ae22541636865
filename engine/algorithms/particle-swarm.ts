// Particle swarm optimisation with Clerc & Kennedy's constriction coefficients (inertia 0.7298,
// c1 = c2 = 1.49618) and a global-best topology; velocities clamped to maxVelocity of each dimension's
// width (pymoo's max_velocity_rate). Subsets are searched through random keys. A swarm that stops improving
// restarts.
import { compareScalar } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method } from './method.ts';
import { decodeVector, encodeCandidate, latinHypercube, vectorBox } from './differential-evolution.ts';
import type { Evaluation, Scored } from './types.ts';

interface Particle { x: number[]; v: number[]; best: number[]; bestEval: Evaluation | null }
interface State { swarm: Particle[]; globalBest: number[] | null; globalEval: Evaluation | null; stale: number }

const method: Method<State> = {
  init: () => ({ swarm: [], globalBest: null, globalEval: null, stale: 0 }),
  propose(state, ctx) {
    const box = vectorBox(ctx);
    const { rng, params } = ctx;
    const d = box.lower.length;
    if (state.swarm.length === 0) {
      const xs = latinHypercube(box, num(params, 'swarmSize') || (ctx.space.kind === 'subset' ? 20 : 40), ctx);
      state.swarm = xs.map((x) => ({
        x, best: [...x], bestEval: null,
        v: x.map((_, j) => (rng.next() - 0.5) * (box.upper[j]! - box.lower[j]!) * num(params, 'maxVelocity')),
      }));
      return state.swarm.map((p) => decodeVector(ctx, p.x));
    }
    const w = num(params, 'inertia'), c1 = num(params, 'c1'), c2 = num(params, 'c2');
    const g = state.globalBest!;
    for (const p of state.swarm) {
      for (let j = 0; j < d; j++) {
        const width = box.upper[j]! - box.lower[j]!;
        const vmax = num(params, 'maxVelocity') * width;
        let v = w * p.v[j]! + c1 * rng.next() * (p.best[j]! - p.x[j]!) + c2 * rng.next() * (g[j]! - p.x[j]!);
        v = Math.max(-vmax, Math.min(vmax, v));
        let x = p.x[j]! + v;
        // Absorbing walls: stop at the bound and lose the velocity component that pushed out.
        if (x < box.lower[j]!) { x = box.lower[j]!; v = 0; } else if (x > box.upper[j]!) { x = box.upper[j]!; v = 0; }
        p.x[j] = x;
        p.v[j] = v;
      }
    }
    return state.swarm.map((p) => decodeVector(ctx, p.x));
  },
  learn(state, _candidates, evaluations, ctx) {
    let improved = false;
    state.swarm.forEach((p, i) => {
      const e = evaluations[i]!;
      if (p.bestEval === null || compareScalar(e, p.bestEval) <= 0) { p.best = [...p.x]; p.bestEval = e; }
      if (state.globalEval === null || compareScalar(e, state.globalEval) < 0) { state.globalBest = [...p.x]; state.globalEval = e; improved = true; }
    });
    state.stale = improved ? 0 : state.stale + 1;
    // A swarm that has collapsed onto one point (on random keys: one subset) restarts from scratch; the
    // driver keeps the best point found.
    const limit = num(ctx.params, 'restartAfter') || (ctx.space.kind === 'subset' ? 5 : 100);
    if (state.stale >= limit) {
      state.swarm = [];
      state.globalBest = null;
      state.globalEval = null;
      state.stale = 0;
    }
  },
  immigrate(state, migrants, ctx) {
    // A migrant becomes the personal best of the worst particles (and the global best if it is better).
    const order = state.swarm.map((_, i) => i).sort((a, b) => compareScalar(state.swarm[b]!.bestEval!, state.swarm[a]!.bestEval!));
    migrants.forEach((m, k) => {
      const p = state.swarm[order[k % order.length]!];
      if (!p) return;
      const v = encodeCandidate(ctx, m.candidate);
      p.best = v;
      p.bestEval = m.evaluation;
      if (state.globalEval === null || compareScalar(m.evaluation, state.globalEval) < 0) { state.globalBest = [...v]; state.globalEval = m.evaluation; }
    });
  },
  emigrate: (state, count, ctx) => state.swarm.filter((p) => p.bestEval !== null)
    .sort((a, b) => compareScalar(a.bestEval!, b.bestEval!)).slice(0, count)
    .map((p): Scored => ({ candidate: decodeVector(ctx, p.best), evaluation: p.bestEval! })),
};

export const particleSwarm = defineAlgorithm({
  id: 'particle-swarm',
  title: 'Particle swarm optimisation',
  description: 'Global-best PSO with constriction coefficients and velocity clamping; subsets through random keys.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    swarmSize: { default: 0, min: 0, max: 100_000, integer: true, doc: 'particles; 0 = 40 in a box, 20 on subsets (restarts need small swarms)' },
    inertia: { default: 0.7298, min: 0, max: 1.5, doc: 'inertia weight (Clerc-Kennedy constriction)' },
    c1: { default: 1.49618, min: 0, max: 4, doc: 'cognitive coefficient' },
    c2: { default: 1.49618, min: 0, max: 4, doc: 'social coefficient' },
    restartAfter: { default: 0, min: 0, max: 100_000, integer: true, doc: 'iterations without a new global best before the swarm restarts; 0 = 5 on subsets, 100 in a box' },
    maxVelocity: { default: 0.2, min: 0.001, max: 1, doc: 'velocity clamp as a fraction of the width (pymoo: 0.2)' },
  },
  method: method as Method<unknown>,
});
