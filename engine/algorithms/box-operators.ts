// Variation operators on real vectors within box bounds, as pymoo implements them: simulated binary
// crossover (SBX, Deb & Agrawal 1995) and polynomial mutation (PM, Deb & Goyal 1996).
import type { Rng } from './rng.ts';
import type { BoxSpace } from './types.ts';

/** Two children of two parents; each variable crosses with probability probVar (pymoo: 0.5). */
export function sbx(space: BoxSpace, a: readonly number[], b: readonly number[], eta: number, probVar: number, rng: Rng): [number[], number[]] {
  const c1 = [...a], c2 = [...b];
  for (let i = 0; i < a.length; i++) {
    if (rng.next() >= probVar) continue;
    const x1 = a[i]!, x2 = b[i]!;
    if (Math.abs(x1 - x2) <= 1e-14) continue;
    const xl = space.lower[i]!, xu = space.upper[i]!;
    const y1 = Math.min(x1, x2), y2 = Math.max(x1, x2);
    const u = rng.next();
    const betaq = (beta: number): number => {
      const alpha = 2 - Math.pow(beta, -(eta + 1));
      return u <= 1 / alpha ? Math.pow(u * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
    };
    const delta = y2 - y1;
    let v1 = 0.5 * (y1 + y2 - betaq(1 + (2 * (y1 - xl)) / delta) * delta);
    let v2 = 0.5 * (y1 + y2 + betaq(1 + (2 * (xu - y2)) / delta) * delta);
    v1 = Math.min(xu, Math.max(xl, v1));
    v2 = Math.min(xu, Math.max(xl, v2));
    if (rng.next() < 0.5) { const t = v1; v1 = v2; v2 = t; }
    c1[i] = v1;
    c2[i] = v2;
  }
  return [c1, c2];
}

/** Polynomial mutation in place; each variable mutates with probability probVar (pymoo: 1/n). */
export function polynomialMutation(space: BoxSpace, x: number[], eta: number, probVar: number, rng: Rng): number[] {
  for (let i = 0; i < x.length; i++) {
    if (rng.next() >= probVar) continue;
    const xl = space.lower[i]!, xu = space.upper[i]!, y = x[i]!;
    const range = xu - xl;
    const d1 = (y - xl) / range, d2 = (xu - y) / range;
    const power = 1 / (eta + 1);
    const r = rng.next();
    let dq: number;
    if (r <= 0.5) {
      const val = 2 * r + (1 - 2 * r) * Math.pow(1 - d1, eta + 1);
      dq = Math.pow(val, power) - 1;
    } else {
      const val = 2 * (1 - r) + 2 * (r - 0.5) * Math.pow(1 - d2, eta + 1);
      dq = 1 - Math.pow(val, power);
    }
    x[i] = Math.min(xu, Math.max(xl, y + dq * range));
  }
  return x;
}
