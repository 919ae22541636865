// The building blocks every algorithm relies on: the checkpointable RNG, Pareto sorting, crowding
// distance, hypervolume (2-D, 3-D), IGD, and the test problems' optima and true fronts.
import { describe, expect, it } from 'vitest';
import {
  Rng, seedRng, nonDominatedSort, crowdingDistance, hypervolume, invertedGenerationalDistance,
  sphere, rastrigin, rosenbrock, ackley, zdt1, zdt2, zdt3, zdt4, zdt6, dtlz2,
} from '../../../engine/algorithms/index.ts';

const ev = (...objectives: number[]) => ({ objectives, violation: 0 });

describe('Rng', () => {
  it('resumes from a JSON copy of its state with exactly the same draws', () => {
    const a = new Rng(seedRng(42));
    for (let i = 0; i < 100; i++) a.next();
    const b = new Rng(JSON.parse(JSON.stringify(a.state)) as [number, number, number, number]);
    const fromA = Array.from({ length: 50 }, () => a.next());
    const fromB = Array.from({ length: 50 }, () => b.next());
    expect(fromB).toEqual(fromA);
  });

  it('gives different streams for different seeds and uniform draws in [0, 1)', () => {
    const a = new Rng(seedRng(1)), b = new Rng(seedRng(2));
    const xs = Array.from({ length: 20_000 }, () => a.next());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.01);
    expect(b.next()).not.toBe(new Rng(seedRng(1)).next());
    const normals = Array.from({ length: 20_000 }, () => a.normal());
    const mean = normals.reduce((s, x) => s + x, 0) / normals.length;
    const variance = normals.reduce((s, x) => s + (x - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(new Set(a.sample(10, 10))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  });
});

describe('Pareto tools', () => {
  it('sorts points into non-dominated fronts, feasible before infeasible', () => {
    const evals = [ev(1, 5), ev(2, 2), ev(5, 1), ev(3, 3), ev(6, 6), { objectives: [0, 0], violation: 1 }];
    expect(nonDominatedSort(evals)).toEqual([[0, 1, 2], [3], [4], [5]]);
  });

  it('gives boundary points infinite crowding distance and interior points the normalised box size', () => {
    const evals = [ev(0, 4), ev(1, 3), ev(3, 1), ev(4, 0)];
    const d = crowdingDistance(evals, [0, 1, 2, 3]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    expect(d[1]).toBeCloseTo(3 / 4 + 3 / 4, 12);
    expect(d[2]).toBeCloseTo(3 / 4 + 3 / 4, 12);
  });

  it('computes 2-D hypervolume exactly', () => {
    expect(hypervolume([[1, 2], [2, 1]], [3, 3])).toBeCloseTo(3, 12);
    expect(hypervolume([[1, 2], [2, 1], [2.5, 2.5], [4, 0]], [3, 3])).toBeCloseTo(3, 12);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('computes 3-D hypervolume exactly (matches a grid count on random sets)', () => {
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBeCloseTo(6, 12);
    expect(hypervolume([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [2, 2, 2])).toBeCloseTo(8 - 1, 12);
    const rng = new Rng(seedRng(3));
    // Points on a 1/10 lattice, so counting lattice cells gives the exact volume.
    const pts = Array.from({ length: 8 }, () => [rng.int(10) / 10, rng.int(10) / 10, rng.int(10) / 10]);
    let cells = 0;
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) for (let c = 0; c < 10; c++) {
      if (pts.some((p) => p[0]! <= a / 10 && p[1]! <= b / 10 && p[2]! <= c / 10)) cells++;
    }
    expect(hypervolume(pts, [1, 1, 1])).toBeCloseTo(cells / 1000, 10);
  });

  it('computes IGD as the mean distance from the reference front to the nearest approximation point', () => {
    expect(invertedGenerationalDistance([[0, 1], [1, 0]], [[0, 1], [1, 0]])).toBe(0);
    expect(invertedGenerationalDistance([[0, 0]], [[3, 4], [0, 1]])).toBeCloseTo((5 + 1) / 2, 12);
  });
});

describe('test problems', () => {
  it('have their single-objective optimum, valued 0, away from the centre of the box', () => {
    for (const p of [sphere(10), rastrigin(10), rosenbrock(10), ackley(10)]) {
      expect(p.evaluate(p.optimum!)[0]).toBeCloseTo(0, 10);
      const centre = p.space.lower.map((lo, i) => (lo + p.space.upper[i]!) / 2);
      expect(p.evaluate(centre)[0]).toBeGreaterThan(0.5);
      const halfWidth = (p.space.upper[0]! - p.space.lower[0]!) / 2;
      expect(p.optimum!.every((o, i) => Math.abs(o - centre[i]!) >= 0.19 * halfWidth)).toBe(true);
    }
  });

  it('put points with optimal distance variables on the true front', () => {
    const onFront = (f: number[], front: number[][]) => Math.min(...front.map((q) => Math.hypot(q[0]! - f[0]!, q[1]! - f[1]!)));
    const z1 = zdt1(), z4 = zdt4(), z6 = zdt6();
    expect(z1.evaluate([0.25, ...new Array<number>(29).fill(0)])).toEqual([0.25, 0.5]);
    expect(z4.evaluate([0.36, ...new Array<number>(9).fill(0)])[1]).toBeCloseTo(0.4, 12);
    expect(onFront(z6.evaluate([0.1, ...new Array<number>(9).fill(0)]), z6.trueFront!(10_000))).toBeLessThan(1e-3);
    const f = dtlz2().evaluate([0.3, 0.7, ...new Array<number>(10).fill(0.5)]);
    expect(Math.hypot(...f)).toBeCloseTo(1, 12);
  });

  it('have true fronts with the known hypervolumes (reference 1.1 per objective)', () => {
    const hv2 = (p: ReturnType<typeof zdt1>) => hypervolume(p.trueFront!(20_000), [1.1, 1.1]);
    expect(hv2(zdt1())).toBeCloseTo(0.1 * 1.1 + 0.1 + 2 / 3, 3);
    expect(hv2(zdt2())).toBeCloseTo(0.1 * 1.1 + 0.1 + 1 / 3, 3);
    expect(hv2(zdt3())).toBeGreaterThan(1.3);
    expect(hv2(zdt3())).toBeLessThan(1.34);
    // DTLZ2: 1.1^3 - (volume of the unit sphere's octant) = 1.331 - pi/6 = 0.807401
    expect(hypervolume(dtlz2().trueFront!(600), [1.1, 1.1, 1.1])).toBeGreaterThan(0.78);
    expect(hypervolume(dtlz2().trueFront!(600), [1.1, 1.1, 1.1])).toBeLessThan(0.807401);
  });
});

describe('numerical kernels', () => {
  it('decomposes a symmetric matrix into eigenpairs that rebuild it', async () => {
    const { symmetricEigen } = await import('../../../engine/algorithms/symmetric-eigen.ts');
    const a = [4, 1, 2, 1, 3, 0.5, 2, 0.5, 5];
    const { values, vectors } = symmetricEigen(a, 3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let v = 0;
      for (let k = 0; k < 3; k++) v += vectors[i * 3 + k]! * values[k]! * vectors[j * 3 + k]!;
      expect(v).toBeCloseTo(a[i * 3 + j]!, 10);
    }
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(12, 10);
  });

  it('fits a Gaussian process that interpolates its data and is uncertain far from it', async () => {
    const { cholesky, fitGp, predictGp, logExpectedImprovement } = await import('../../../engine/algorithms/gaussian-process.ts');
    const l = cholesky(Float64Array.from([4, 2, 2, 3]), 2)!;
    expect([...l]).toEqual([2, 0, 1, Math.sqrt(2)]);
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
    const xs = [[0.1], [0.4], [0.9]], ys = [3, -1, 2];
    const gp = fitGp(xs, ys, 0.3, 1e-8)!;
    xs.forEach((x, i) => {
      const p = predictGp(gp, x);
      expect(p.mean).toBeCloseTo(ys[i]!, 4);
      expect(p.sd).toBeLessThan(0.01);
    });
    expect(predictGp(gp, [0.65]).sd).toBeGreaterThan(predictGp(gp, [0.41]).sd);
    expect(logExpectedImprovement(0, 1, 1)).toBeGreaterThan(logExpectedImprovement(0, 1, -1));
    expect(Number.isFinite(logExpectedImprovement(0, 1, -40))).toBe(true);
  });

  it('predicts with k nearest neighbours weighted by inverse distance', async () => {
    const { predictKnn, euclidean2 } = await import('../../../engine/algorithms/knn-regressor.ts');
    const xs = [[0], [1], [2], [10]], ys = [0, 10, 20, 1000];
    const at = (q: number[], k: number) => predictKnn(xs.length, ys, (i) => euclidean2(xs[i]!, q), k);
    expect(at([1], 2)).toBe(10);
    expect(at([0.5], 2)).toBeCloseTo(5, 12);
    expect(at([1.5], 3)).toBeCloseTo((10 / 0.5 + 20 / 0.5 + 0 / 1.5) / (2 / 0.5 + 1 / 1.5), 12);
  });

  it('measures subset distances sparsely, equal to the dense feature distance', async () => {
    const { subsetDistance2, subsetFeatures, randomSubset } = await import('../../../engine/algorithms/subset-encoding.ts');
    const { euclidean2 } = await import('../../../engine/algorithms/knn-regressor.ts');
    const rng = new Rng(seedRng(8));
    for (const weighted of [false, true]) {
      const space = { kind: 'subset' as const, nStrategies: 30, kMin: 1, kMax: 8, weighted, weightMin: 0.2, weightMax: 3, nObjectives: 1 };
      for (let t = 0; t < 50; t++) {
        const a = randomSubset(space, rng), b = randomSubset(space, rng);
        expect(subsetDistance2(space, a, b)).toBeCloseTo(euclidean2(subsetFeatures(space, a), subsetFeatures(space, b)), 12);
      }
    }
  });

  it('decodes random keys to the k highest-keyed strategies, ties to the lower index', async () => {
    const { decodeKeys, encodeKeys } = await import('../../../engine/algorithms/subset-encoding.ts');
    const space = { kind: 'subset' as const, nStrategies: 6, kMin: 2, kMax: 3, weighted: false, weightMin: 0, weightMax: 1, nObjectives: 1 };
    expect(decodeKeys(space, [0.1, 0.9, 0.5, 0.9, 0.2, 0.5, 0.99])).toEqual({ indices: [1, 2, 3] });
    expect(decodeKeys(space, [0.1, 0.9, 0.5, 0.9, 0.2, 0.5, 0.1])).toEqual({ indices: [1, 3] });
    const rng = new Rng(seedRng(2));
    expect(decodeKeys(space, encodeKeys(space, { indices: [0, 4, 5] }, rng))).toEqual({ indices: [0, 4, 5] });
  });

  it('builds Parzen estimators that favour where the good trials were', async () => {
    const { buildParzen, logDensity, normalCdf } = await import('../../../engine/algorithms/parzen-estimator.ts');
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    const p = buildParzen([0.2, 0.22, 0.25], [1, 1, 1], 1);
    expect(logDensity(p, 0.22)).toBeGreaterThan(logDensity(p, 0.8));
    // A proper density on [0, 1]: the trapezoid integral is 1.
    let integral = 0;
    for (let i = 0; i < 2000; i++) integral += (Math.exp(logDensity(p, i / 2000)) + Math.exp(logDensity(p, (i + 1) / 2000))) / 4000;
    expect(integral).toBeCloseTo(1, 3);
  });
});
