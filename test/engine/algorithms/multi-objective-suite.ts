// The multi-objective targets, shared by one test file per algorithm so vitest spreads them over cores.
import { describe, expect, it } from 'vitest';
import { dtlz2, zdt1, zdt2, zdt3, zdt4, zdt6 } from '../../../engine/algorithms/index.ts';
import { finalFront, frontQuality, median, seeds } from './benchmark-runs.ts';

const budget = 25_000;

export function multiObjectiveSuite(id: string): void {
  describe(`${id} (population 100, 25,000 evaluations, median of 5 seeds)`, () => {
    it.each([['ZDT1', zdt1()], ['ZDT2', zdt2()], ['ZDT3', zdt3()]] as const)('reaches %s hypervolume >= 0.99 of the true front and IGD <= 1e-2', (_n, problem) => {
      const q = seeds.map((s) => frontQuality(finalFront(id, problem, budget, s), problem));
      expect(median(q.map((x) => x.hvRatio))).toBeGreaterThanOrEqual(0.99);
      expect(median(q.map((x) => x.igd))).toBeLessThanOrEqual(1e-2);
    });
    it.each([['ZDT4', zdt4()], ['ZDT6', zdt6()]] as const)('reaches %s hypervolume >= 0.97 of the true front', (_n, problem) => {
      const q = seeds.map((s) => frontQuality(finalFront(id, problem, budget, s), problem));
      expect(median(q.map((x) => x.hvRatio))).toBeGreaterThanOrEqual(0.97);
    });
    it('reaches DTLZ2 (3 objectives) hypervolume >= 0.85 * 0.807401', () => {
      const problem = dtlz2();
      const q = seeds.map((s) => frontQuality(finalFront(id, problem, budget, s), problem));
      expect(median(q.map((x) => x.hvRatio))).toBeGreaterThanOrEqual(0.85);
    });
  });
}
