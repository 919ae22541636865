// CMA-ES (Hansen's tutorial, 2016) with IPOP restarts (Auger & Hansen 2005): the population doubles at
// every restart, triggered by the usual stopping rules (tolX, tolFun, condition number, stagnation, flat
// fitness). It runs in the box normalised to [0,1]^n, or on random keys for subsets; out-of-box samples are
// redrawn (up to 30 dimensions) or clipped, and the update learns from the point that was evaluated.
import { compareScalar } from './dominance.ts';
import { num } from './params.ts';
import { defineAlgorithm } from './method.ts';
import type { Method, MethodContext } from './method.ts';
import { decodeKeys, keyLength } from './subset-encoding.ts';
import { symmetricEigen } from './symmetric-eigen.ts';
import type { Candidate } from './types.ts';

interface Run {
  /** sep-CMA-ES (Ros & Hansen 2008): diagonal covariance, C holds only the diagonal and B is unused. */
  separable: boolean;
  lambda: number; mu: number; weights: number[]; mueff: number;
  cc: number; cs: number; c1: number; cmu: number; damps: number; chiN: number;
  mean: number[]; sigma: number; C: number[]; B: number[]; D: number[]; pc: number[]; ps: number[];
  evals: number; eigenEvals: number; gen: number; history: number[]; bestValue: number; bestGen: number; flatGens: number;
}

interface State { n: number; restarts: number; run: Run; samples: number[][] }

function dimension(ctx: MethodContext): number {
  return ctx.space.kind === 'box' ? ctx.space.lower.length : keyLength(ctx.space);
}

function newRun(n: number, restarts: number, ctx: MethodContext): Run {
  const base = num(ctx.params, 'popSize') || 4 + Math.floor(3 * Math.log(n));
  const lambda = base * Math.pow(num(ctx.params, 'ipopFactor'), restarts);
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
  const sum = raw.reduce((s, v) => s + v, 0);
  const weights = raw.map((w) => w / sum);
  const mueff = 1 / weights.reduce((s, w) => s + w * w, 0);
  const cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  const separable = n > num(ctx.params, 'fullCovarianceMaxDimension');
  // The diagonal model learns n numbers instead of n^2/2, so it may learn faster (Ros & Hansen's factor).
  const speedUp = separable ? (n + 2) / 3 : 1;
  const c1 = Math.min(1, (2 * speedUp) / ((n + 1.3) ** 2 + mueff));
  const cmu = Math.min(1 - c1, (2 * speedUp * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
  const damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const identity = separable ? new Array<number>(n).fill(1) : Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  return {
    separable, lambda, mu, weights, mueff, cc, cs, c1, cmu, damps, chiN: Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n)),
    mean: Array.from({ length: n }, () => ctx.rng.next()), sigma: num(ctx.params, 'sigma0'),
    C: [...identity], B: separable ? [] : [...identity], D: new Array<number>(n).fill(1), pc: new Array<number>(n).fill(0), ps: new Array<number>(n).fill(0),
    evals: 0, eigenEvals: 0, gen: 0, history: [], bestValue: Infinity, bestGen: 0, flatGens: 0,
  };
}

function decode(ctx: MethodContext, u: readonly number[]): Candidate {
  const { space } = ctx;
  if (space.kind === 'subset') return decodeKeys(space, u);
  return { x: u.map((v, i) => space.lower[i]! + v * (space.upper[i]! - space.lower[i]!)) };
}

/** A scalar for the stopping rules: the objective when feasible, else a huge value ordered by violation. */
function scalar(e: { objectives: readonly number[]; violation: number }): number {
  return e.violation > 0 ? 1e300 * Math.min(1, e.violation) : e.objectives[0]!;
}

const method: Method<State> = {
  init(ctx) {
    const n = dimension(ctx);
    return { n, restarts: 0, run: newRun(n, 0, ctx), samples: [] };
  },
  propose(state, ctx) {
    const { n, run } = state;
    const { rng } = ctx;
    state.samples = [];
    for (let k = 0; k < run.lambda; k++) {
      let x: number[] = [];
      // Redrawing until inside the box only makes sense in few dimensions: in hundreds, almost no sample
      // lies entirely inside, so there it clips at once.
      const attempts = n <= 30 ? 10 : 1;
      for (let attempt = 0; attempt < attempts; attempt++) {
        const z = Array.from({ length: n }, () => rng.normal());
        x = run.mean.map((m, i) => {
          if (run.separable) return m + run.sigma * run.D[i]! * z[i]!;
          let y = 0;
          for (let j = 0; j < n; j++) y += run.B[i * n + j]! * run.D[j]! * z[j]!;
          return m + run.sigma * y;
        });
        if (x.every((v) => v >= 0 && v <= 1)) break;
      }
      state.samples.push(x.map((v) => Math.min(1, Math.max(0, v))));
    }
    return state.samples.map((u) => decode(ctx, u));
  },
  learn(state, _candidates, evaluations, ctx) {
    const { n, run } = state;
    const order = evaluations.map((_, i) => i).sort((a, b) => compareScalar(evaluations[a]!, evaluations[b]!));
    const old = [...run.mean];
    const ys = order.slice(0, run.mu).map((i) => state.samples[i]!.map((v, d) => (v - old[d]!) / run.sigma));
    run.mean = old.map((m, d) => m + run.sigma * ys.reduce((s, y, r) => s + run.weights[r]! * y[d]!, 0));
    const step = run.mean.map((m, d) => (m - old[d]!) / run.sigma);
    // C^(-1/2) step = B D^-1 B' step
    let invSqrt: number[];
    if (run.separable) invSqrt = step.map((v, i) => v / run.D[i]!);
    else {
      const bt = Array.from({ length: n }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += run.B[i * n + j]! * step[i]!; return s / run.D[j]!; });
      invSqrt = Array.from({ length: n }, (_, i) => { let s = 0; for (let j = 0; j < n; j++) s += run.B[i * n + j]! * bt[j]!; return s; });
    }
    const csn = Math.sqrt(run.cs * (2 - run.cs) * run.mueff);
    run.ps = run.ps.map((p, i) => (1 - run.cs) * p + csn * invSqrt[i]!);
    run.evals += run.lambda;
    const psNorm = Math.hypot(...run.ps);
    const hsig = psNorm / Math.sqrt(1 - Math.pow(1 - run.cs, (2 * run.evals) / run.lambda)) / run.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccn = Math.sqrt(run.cc * (2 - run.cc) * run.mueff);
    run.pc = run.pc.map((p, i) => (1 - run.cc) * p + hsig * ccn * step[i]!);
    const decay = 1 - run.c1 - run.cmu;
    if (run.separable) {
      for (let i = 0; i < n; i++) {
        let rankMu = 0;
        for (let r = 0; r < ys.length; r++) rankMu += run.weights[r]! * ys[r]![i]! ** 2;
        run.C[i] = decay * run.C[i]! + run.c1 * (run.pc[i]! ** 2 + (1 - hsig) * run.cc * (2 - run.cc) * run.C[i]!) + run.cmu * rankMu;
      }
    }
    for (let i = 0; i < n && !run.separable; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let r = 0; r < ys.length; r++) rankMu += run.weights[r]! * ys[r]![i]! * ys[r]![j]!;
        const v = decay * run.C[i * n + j]! + run.c1 * (run.pc[i]! * run.pc[j]! + (1 - hsig) * run.cc * (2 - run.cc) * run.C[i * n + j]!) + run.cmu * rankMu;
        run.C[i * n + j] = v;
        run.C[j * n + i] = v;
      }
    }
    run.sigma *= Math.exp((run.cs / run.damps) * (psNorm / run.chiN - 1));
    if (run.separable) run.D = run.C.map((v) => Math.sqrt(Math.max(v, 1e-300)));
    else if (run.evals - run.eigenEvals > run.lambda / (run.c1 + run.cmu) / n / 10) {
      run.eigenEvals = run.evals;
      const { values, vectors } = symmetricEigen(run.C, n);
      run.D = values.map((v) => Math.sqrt(Math.max(v, 1e-300)));
      run.B = vectors;
    }
    run.gen++;
    const best = scalar(evaluations[order[0]!]!), worst = scalar(evaluations[order[order.length - 1]!]!);
    run.history.push(best);
    const window = 10 + Math.ceil((30 * n) / run.lambda);
    if (run.history.length > window) run.history.shift();
    if (best < run.bestValue) { run.bestValue = best; run.bestGen = run.gen; }
    run.flatGens = best === worst ? run.flatGens + 1 : 0;

    const tol = num(ctx.params, 'tolFun') * Math.max(1, Math.abs(best));
    const maxD = Math.max(...run.D), minD = Math.min(...run.D);
    const diagMax = Math.sqrt(Math.max(...Array.from({ length: n }, (_, i) => run.C[run.separable ? i : i * n + i]!)));
    const stop =
      run.sigma * diagMax < num(ctx.params, 'tolX') ||
      (run.history.length >= window && Math.max(...run.history) - Math.min(...run.history) < tol && worst - best < tol) ||
      (maxD / minD) ** 2 > 1e14 ||
      run.gen - run.bestGen > 120 + (30 * n) / run.lambda ||
      run.flatGens >= 3 ||
      !Number.isFinite(run.sigma);
    if (stop) {
      state.restarts++;
      state.run = newRun(n, state.restarts, ctx);
    }
  },
};

export const cmaEs = defineAlgorithm({
  id: 'cma-es',
  title: 'CMA-ES with IPOP restarts',
  description: 'Covariance matrix adaptation evolution strategy; the population doubles at each restart. Subsets through random keys.',
  multiObjective: false,
  supportsWeights: true,
  spaces: ['subset', 'box'],
  params: {
    popSize: { default: 0, min: 0, max: 100_000, integer: true, doc: 'initial lambda; 0 = 4 + floor(3 ln n) (Hansen)' },
    sigma0: { default: 1 / 6, min: 1e-6, max: 1, doc: 'initial step in the normalised box (Optuna CmaEsSampler: range / 6)' },
    ipopFactor: { default: 2, min: 1, max: 10, doc: 'population growth per restart (IPOP: 2)' },
    fullCovarianceMaxDimension: { default: 100, min: 1, max: 100_000, integer: true, doc: 'above this dimension use sep-CMA-ES (diagonal covariance, Ros & Hansen 2008): the full eigendecomposition is O(n^3)' },
    tolX: { default: 1e-12, min: 0, max: 1, doc: 'restart when sigma times the largest axis falls below this' },
    tolFun: { default: 1e-12, min: 0, max: 1, doc: 'restart when recent best values differ by less than this (relative above 1)' },
  },
  method: method as Method<unknown>,
});
