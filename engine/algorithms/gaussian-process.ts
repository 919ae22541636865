// A small Gaussian-process regressor for Bayesian optimisation: Matérn 5/2 kernel on inputs scaled to the
// unit cube (distance divided by sqrt(dimension)), standardised outputs, hand-written Cholesky, and
// hyperparameters (length scale, noise) chosen from a grid by log marginal likelihood.

export interface GpModel {
  readonly xs: readonly (readonly number[])[];
  readonly chol: Float64Array;
  readonly alpha: Float64Array;
  readonly lengthScale: number;
  readonly noise: number;
  readonly yMean: number;
  readonly yStd: number;
  readonly logLikelihood: number;
}

export function maternKernel(a: readonly number[], b: readonly number[], lengthScale: number): number {
  let d2 = 0;
  for (let i = 0; i < a.length; i++) d2 += (a[i]! - b[i]!) ** 2;
  const r = Math.sqrt(d2 / a.length) / lengthScale;
  const s5 = Math.sqrt(5) * r;
  return (1 + s5 + (5 * r * r) / 3) * Math.exp(-s5);
}

/** Lower-triangular L with L L' = A (row-major n×n), or null when A is not positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** Solves L v = b (forward substitution). */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * v[k]!;
    v[i] = s / l[i * n + i]!;
  }
  return v;
}

/** Solves L' v = b (back substitution). */
export function solveUpper(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const v = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * v[k]!;
    v[i] = s / l[i * n + i]!;
  }
  return v;
}

export function fitGp(xs: readonly (readonly number[])[], ys: readonly number[], lengthScale: number, noise: number): GpModel | null {
  const n = xs.length;
  const yMean = ys.reduce((s, v) => s + v, 0) / n;
  const yStd = Math.sqrt(ys.reduce((s, v) => s + (v - yMean) ** 2, 0) / n) || 1;
  const y = ys.map((v) => (v - yMean) / yStd);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = maternKernel(xs[i]!, xs[j]!, lengthScale) + (i === j ? noise : 0);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  const chol = cholesky(k, n);
  if (!chol) return null;
  const alpha = solveUpper(chol, n, solveLower(chol, n, y));
  let logDet = 0, fit = 0;
  for (let i = 0; i < n; i++) { logDet += Math.log(chol[i * n + i]!); fit += y[i]! * alpha[i]!; }
  const logLikelihood = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
  return { xs, chol, alpha, lengthScale, noise, yMean, yStd, logLikelihood };
}

/** The grid point with the highest marginal likelihood. */
export function fitGpByLikelihood(xs: readonly (readonly number[])[], ys: readonly number[], lengthScales: readonly number[], noises: readonly number[]): GpModel | null {
  let best: GpModel | null = null;
  for (const l of lengthScales) {
    for (const s of noises) {
      const m = fitGp(xs, ys, l, s);
      if (m && (best === null || m.logLikelihood > best.logLikelihood)) best = m;
    }
  }
  return best;
}

/** Posterior mean and standard deviation at x, in the units of the training outputs. */
export function predictGp(m: GpModel, x: readonly number[]): { mean: number; sd: number } {
  const n = m.xs.length;
  const ks = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) { ks[i] = maternKernel(x, m.xs[i]!, m.lengthScale); mean += ks[i]! * m.alpha[i]!; }
  const v = solveLower(m.chol, n, ks);
  let q = 0;
  for (let i = 0; i < n; i++) q += v[i]! * v[i]!;
  const variance = Math.max(1e-12, 1 + m.noise - q);
  return { mean: m.yMean + m.yStd * mean, sd: m.yStd * Math.sqrt(variance) };
}

/** log expected improvement below `best` (minimisation), stable far into the tail. */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  const z = (best - mean) / sd;
  if (z > -6) {
    const pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const cdf = 0.5 * erfc(-z / Math.SQRT2);
    return Math.log(Math.max(1e-300, sd * (z * cdf + pdf)));
  }
  // Mills-ratio asymptote: EI ~ sd * pdf(z) / z^2 for z -> -infinity.
  return Math.log(sd) - 0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z);
}

function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const r = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
