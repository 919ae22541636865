// The portfolio instance the engine and scaling benchmarks evaluate: k = 10 of N = 500 strategies over 2,000
// days of generated P&L in shared memory (so every pool thread reads the one matrix instead of a copy).
import { createPortfolioMatrix, createSeededRandom } from '../engine/portfolio/index.ts';
import type { PortfolioMatrix, PortfolioSpec } from '../engine/portfolio/index.ts';

export const N = 500;
export const DAYS = 2000;
export const K = 10;
export const SPEC: PortfolioSpec = { objectives: ['ratio', 'sharpe', 'sortino', 'maxDrawdownPct'], kMin: K, kMax: K, capital: 1_000_000 };

export function benchPortfolioMatrix(seed: number): PortfolioMatrix {
  const rng = createSeededRandom(seed);
  const pnl = new Float64Array(new SharedArrayBuffer(N * DAYS * 8));
  for (let i = 0; i < pnl.length; i++) pnl[i] = Math.round((rng.normal() * 1500 + 40) * 100) / 100;
  return createPortfolioMatrix({ nStrategies: N, nDays: DAYS, pnl, trades: new Array<number>(N).fill(DAYS) });
}
