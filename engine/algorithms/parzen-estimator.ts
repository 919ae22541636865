// The univariate truncated-Gaussian Parzen estimator of TPE on [0,1], built as Optuna builds it: one kernel
// per observation plus a prior kernel at the centre, bandwidths from the distances to sorted neighbours,
// clipped below by Optuna's "magic clip" (range / min(100, 1 + kernels)).
import type { Rng } from './rng.ts';

export interface Parzen { mus: number[]; sigmas: number[]; weights: number[]; logNorm: number[] }

export function buildParzen(values: readonly number[], obsWeights: readonly number[], priorWeight: number): Parzen {
  const mus = [...values, 0.5];
  const raw = [...obsWeights, priorWeight];
  const total = raw.reduce((s, w) => s + w, 0);
  const weights = raw.map((w) => w / total);
  const order = mus.map((_, i) => i).sort((a, b) => mus[a]! - mus[b]!);
  const sorted = order.map((i) => mus[i]!);
  const m = sorted.length;
  const sigSorted = sorted.map((mu, r) => {
    const prev = r > 0 ? sorted[r - 1]! : 0, next = r < m - 1 ? sorted[r + 1]! : 1;
    if (m >= 2 && r === 0) return next - mu; // consider_endpoints = False
    if (m >= 2 && r === m - 1) return mu - prev;
    return Math.max(mu - prev, next - mu);
  });
  const sigmas = new Array<number>(m);
  order.forEach((i, r) => { sigmas[i] = sigSorted[r]!; });
  const minSigma = 1 / Math.min(100, 1 + m);
  for (let i = 0; i < m; i++) sigmas[i] = Math.min(1, Math.max(minSigma, sigmas[i]!));
  sigmas[m - 1] = 1; // the prior kernel spans the whole range
  const logNorm = mus.map((mu, i) => Math.log(Math.max(1e-300, normalCdf((1 - mu) / sigmas[i]!) - normalCdf((0 - mu) / sigmas[i]!))));
  return { mus, sigmas, weights, logNorm };
}

export function sampleParzen(p: Parzen, rng: Rng): number {
  let r = rng.next(), k = 0;
  for (; k < p.weights.length - 1; k++) { r -= p.weights[k]!; if (r < 0) break; }
  for (let tries = 0; tries < 100; tries++) {
    const v = p.mus[k]! + p.sigmas[k]! * rng.normal();
    if (v >= 0 && v <= 1) return v;
  }
  return Math.min(1, Math.max(0, p.mus[k]!));
}

export function logDensity(p: Parzen, x: number): number {
  let max = -Infinity;
  const terms = p.mus.map((mu, i) => {
    const z = (x - mu) / p.sigmas[i]!;
    const t = Math.log(p.weights[i]!) - 0.5 * z * z - Math.log(p.sigmas[i]! * Math.sqrt(2 * Math.PI)) - p.logNorm[i]!;
    if (t > max) max = t;
    return t;
  });
  let s = 0;
  for (const t of terms) s += Math.exp(t - max);
  return max + Math.log(s);
}

/** Standard normal CDF through erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Optuna's default_weights: flat for the newest 25 observations, a linear ramp down for older ones. */
export function observationWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}
