// The standard test problems the algorithms are validated on (the ones pymoo and Optuna are measured on):
// shifted sphere, Rastrigin, Rosenbrock and Ackley (optimum moved away from the centre of the box, so a
// method biased to the centre gains nothing), ZDT1/2/3/4/6 and DTLZ2 with their true Pareto fronts.
import type { BoxSpace } from './types.ts';

export interface TestProblem {
  readonly id: string;
  readonly space: BoxSpace;
  /** Objectives of x (all minimised). */
  evaluate(x: readonly number[]): number[];
  /** Known optimum location of a single-objective problem. */
  readonly optimum?: readonly number[];
  /** n points of the true Pareto front of a multi-objective problem. */
  trueFront?(n: number): number[][];
}

function box(n: number, lo: number, hi: number, nObjectives = 1): BoxSpace {
  return { kind: 'box', lower: new Array<number>(n).fill(lo), upper: new Array<number>(n).fill(hi), nObjectives };
}

/** Between 20% and 40% of the half-width from the centre, alternating sides, different per coordinate. */
export function shiftVector(n: number, halfWidth: number): number[] {
  return Array.from({ length: n }, (_, i) => halfWidth * (0.2 + (0.2 * ((i * 7) % 5)) / 4) * (i % 2 === 0 ? 1 : -1));
}

export function sphere(n: number): TestProblem {
  const o = shiftVector(n, 5.12);
  return {
    id: `sphere-${n}`, space: box(n, -5.12, 5.12), optimum: o,
    evaluate: (x) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (x[i]! - o[i]!) ** 2;
      return [s];
    },
  };
}

export function rastrigin(n: number): TestProblem {
  const o = shiftVector(n, 5.12);
  return {
    id: `rastrigin-${n}`, space: box(n, -5.12, 5.12), optimum: o,
    evaluate: (x) => {
      let s = 10 * n;
      for (let i = 0; i < n; i++) {
        const z = x[i]! - o[i]!;
        s += z * z - 10 * Math.cos(2 * Math.PI * z);
      }
      return [s];
    },
  };
}

export function rosenbrock(n: number): TestProblem {
  const o = shiftVector(n, 5);
  return {
    id: `rosenbrock-${n}`, space: box(n, -5, 5), optimum: o,
    evaluate: (x) => {
      let s = 0;
      for (let i = 0; i < n - 1; i++) {
        const zi = x[i]! - o[i]! + 1, zj = x[i + 1]! - o[i + 1]! + 1;
        s += 100 * (zj - zi * zi) ** 2 + (1 - zi) ** 2;
      }
      return [s];
    },
  };
}

export function ackley(n: number): TestProblem {
  const o = shiftVector(n, 32.768);
  return {
    id: `ackley-${n}`, space: box(n, -32.768, 32.768), optimum: o,
    evaluate: (x) => {
      let sq = 0, cs = 0;
      for (let i = 0; i < n; i++) {
        const z = x[i]! - o[i]!;
        sq += z * z;
        cs += Math.cos(2 * Math.PI * z);
      }
      return [-20 * Math.exp(-0.2 * Math.sqrt(sq / n)) - Math.exp(cs / n) + 20 + Math.E];
    },
  };
}

function zdtG(x: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += x[i]!;
  return 1 + (9 * s) / (x.length - 1);
}

function sampled(n: number, lo: number, hi: number, f2: (f1: number) => number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const f1 = lo + ((hi - lo) * i) / (n - 1);
    return [f1, f2(f1)];
  });
}

export function zdt1(n = 30): TestProblem {
  return {
    id: 'zdt1', space: box(n, 0, 1, 2),
    evaluate: (x) => { const g = zdtG(x); return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))]; },
    trueFront: (m) => sampled(m, 0, 1, (f1) => 1 - Math.sqrt(f1)),
  };
}

export function zdt2(n = 30): TestProblem {
  return {
    id: 'zdt2', space: box(n, 0, 1, 2),
    evaluate: (x) => { const g = zdtG(x); return [x[0]!, g * (1 - (x[0]! / g) ** 2)]; },
    trueFront: (m) => sampled(m, 0, 1, (f1) => 1 - f1 * f1),
  };
}

export function zdt3(n = 30): TestProblem {
  const h = (f1: number, g: number): number => 1 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10 * Math.PI * f1);
  return {
    id: 'zdt3', space: box(n, 0, 1, 2),
    evaluate: (x) => { const g = zdtG(x); return [x[0]!, g * h(x[0]!, g)]; },
    trueFront: (m) => {
      // The front is the non-dominated part of f2 = h(f1, 1): five disconnected pieces.
      const dense = sampled(m * 20, 0, 1, (f1) => h(f1, 1));
      const nd: number[][] = [];
      let bestF2 = Infinity;
      for (const p of dense) if (p[1]! < bestF2) { nd.push(p); bestF2 = p[1]!; }
      const step = nd.length / m;
      return Array.from({ length: Math.min(m, nd.length) }, (_, i) => nd[Math.floor(i * step)]!);
    },
  };
}

export function zdt4(n = 10): TestProblem {
  const lower = [0, ...new Array<number>(n - 1).fill(-5)];
  const upper = [1, ...new Array<number>(n - 1).fill(5)];
  return {
    id: 'zdt4', space: { kind: 'box', lower, upper, nObjectives: 2 },
    evaluate: (x) => {
      let g = 1 + 10 * (n - 1);
      for (let i = 1; i < n; i++) g += x[i]! ** 2 - 10 * Math.cos(4 * Math.PI * x[i]!);
      return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
    },
    trueFront: (m) => sampled(m, 0, 1, (f1) => 1 - Math.sqrt(f1)),
  };
}

export function zdt6(n = 10): TestProblem {
  const f1Min = 0.280775319491;
  return {
    id: 'zdt6', space: box(n, 0, 1, 2),
    evaluate: (x) => {
      const f1 = 1 - Math.exp(-4 * x[0]!) * Math.sin(6 * Math.PI * x[0]!) ** 6;
      let s = 0;
      for (let i = 1; i < n; i++) s += x[i]!;
      const g = 1 + 9 * Math.pow(s / (n - 1), 0.25);
      return [f1, g * (1 - (f1 / g) ** 2)];
    },
    trueFront: (m) => sampled(m, f1Min, 1, (f1) => 1 - f1 * f1),
  };
}

/** DTLZ2 with M objectives and k = 10 distance variables (n = M + 9); its front is the unit sphere's octant. */
export function dtlz2(nObjectives = 3, k = 10): TestProblem {
  const n = nObjectives + k - 1;
  return {
    id: `dtlz2-${nObjectives}`, space: box(n, 0, 1, nObjectives),
    evaluate: (x) => {
      let g = 0;
      for (let i = nObjectives - 1; i < n; i++) g += (x[i]! - 0.5) ** 2;
      const f: number[] = [];
      for (let m = 0; m < nObjectives; m++) {
        let v = 1 + g;
        for (let j = 0; j < nObjectives - 1 - m; j++) v *= Math.cos((x[j]! * Math.PI) / 2);
        if (m > 0) v *= Math.sin((x[nObjectives - 1 - m]! * Math.PI) / 2);
        f.push(v);
      }
      return f;
    },
    trueFront: (m) => {
      // Points on the sphere octant from a simplex lattice, normalised to unit length.
      const dirs = simplexLattice(nObjectives, latticeDivisions(nObjectives, m));
      return dirs.map((d) => { const len = Math.hypot(...d); return d.map((v) => v / len); });
    },
  };
}

/** Das-Dennis lattice: all vectors of nObjectives non-negative multiples of 1/divisions summing to 1. */
export function simplexLattice(nObjectives: number, divisions: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], left: number): void => {
    if (prefix.length === nObjectives - 1) { out.push([...prefix, left / divisions]); return; }
    for (let i = 0; i <= left; i++) rec([...prefix, i / divisions], left - i);
  };
  rec([], divisions);
  return out;
}

/** The largest lattice division count whose lattice has at most n points. */
export function latticeDivisions(nObjectives: number, n: number): number {
  let h = 1;
  while (latticeSize(nObjectives, h + 1) <= n) h++;
  return h;
}

function latticeSize(m: number, h: number): number {
  let r = 1;
  for (let i = 1; i < m; i++) r = (r * (h + i)) / i;
  return Math.round(r);
}

export const testProblems = { sphere, rastrigin, rosenbrock, ackley, zdt1, zdt2, zdt3, zdt4, zdt6, dtlz2 } as const;
