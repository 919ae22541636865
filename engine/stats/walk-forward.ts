// Walk-forward validation: the day range is cut into in-sample windows (where a portfolio is chosen) each
// followed by an out-of-sample window (where it is judged untouched), anchored (in-sample grows from day 0)
// or rolling (in-sample slides); the out-of-sample days are stitched into one series and measured.
import type { SubsetCandidate } from '../algorithms/types.ts';
import { createPortfolioEvaluator, createPortfolioMatrix, createPortfolioProblem, portfolioError } from '../portfolio/index.ts';
import type { PortfolioMatrix, PortfolioMetrics, PortfolioProblem, PortfolioSpec } from '../portfolio/index.ts';

export type WalkForwardMode = 'anchored' | 'rolling';

export interface WalkForwardOptions {
  readonly nDays: number;
  /** in-sample length (the first one, for anchored windows) */
  readonly inSampleDays: number;
  readonly outOfSampleDays: number;
  readonly mode: WalkForwardMode;
  /** how far each window moves on; default outOfSampleDays (out-of-sample windows tile the range) */
  readonly stepDays?: number;
}

/** Days [start, end) of the matrix. */
export interface DayRange {
  readonly start: number;
  readonly end: number;
}

export interface WalkForwardWindow {
  readonly index: number;
  readonly inSample: DayRange;
  readonly outOfSample: DayRange;
}

/** Every window whose out-of-sample part fits entirely inside the range; a shorter tail is left out. */
export function walkForwardWindows(options: WalkForwardOptions): WalkForwardWindow[] {
  const { nDays, inSampleDays, outOfSampleDays, mode } = options;
  const step = options.stepDays ?? outOfSampleDays;
  for (const [name, v] of [['nDays', nDays], ['inSampleDays', inSampleDays], ['outOfSampleDays', outOfSampleDays], ['stepDays', step]] as const) {
    if (!Number.isInteger(v) || v < 1) throw portfolioError('STRATA_STATS_INVALID_INPUT', `${name} must be a positive integer, got ${String(v)}`, { [name]: v });
  }
  if (mode !== 'anchored' && mode !== 'rolling') throw portfolioError('STRATA_STATS_INVALID_INPUT', `walk-forward mode must be anchored or rolling, got ${JSON.stringify(mode)}`, { mode: String(mode) });
  if (inSampleDays + outOfSampleDays > nDays) {
    throw portfolioError('STRATA_STATS_INVALID_INPUT', `in-sample ${inSampleDays} + out-of-sample ${outOfSampleDays} days exceed the ${nDays} days available`, { inSampleDays, outOfSampleDays, nDays });
  }
  const windows: WalkForwardWindow[] = [];
  for (let i = 0; ; i++) {
    const isEnd = inSampleDays + i * step;
    const oosEnd = isEnd + outOfSampleDays;
    if (oosEnd > nDays) break;
    const isStart = mode === 'anchored' ? 0 : isEnd - inSampleDays;
    windows.push({ index: i, inSample: { start: isStart, end: isEnd }, outOfSample: { start: isEnd, end: oosEnd } });
  }
  return windows;
}

export interface WalkForwardFold {
  readonly window: WalkForwardWindow;
  readonly chosen: SubsetCandidate;
  readonly inSample: PortfolioMetrics;
  readonly outOfSample: PortfolioMetrics;
}

export interface WalkForwardResult {
  readonly folds: readonly WalkForwardFold[];
  /** the out-of-sample days of every fold in order (a day already covered by an earlier fold is skipped) */
  readonly outOfSampleSeries: Float64Array;
  /** the metrics of that stitched series (correlation: 0, a single series) */
  readonly outOfSample: PortfolioMetrics;
  /** out-of-sample net profit per day over in-sample net profit per day, all folds pooled; 0 when the
   *  in-sample rate is not positive */
  readonly efficiency: number;
}

/** The in-sample choice: typically an optimiser run on the in-sample problem. */
export type ChoosePortfolio = (problem: PortfolioProblem, window: WalkForwardWindow) => SubsetCandidate | Promise<SubsetCandidate>;

export async function walkForward(
  matrix: PortfolioMatrix, spec: PortfolioSpec, options: Omit<WalkForwardOptions, 'nDays'>, choose: ChoosePortfolio,
): Promise<WalkForwardResult> {
  const windows = walkForwardWindows({ ...options, nDays: matrix.nDays });
  const folds: WalkForwardFold[] = [];
  const stitched: number[] = [];
  let covered = 0;
  let isProfit = 0;
  let isDays = 0;
  let oosProfit = 0;
  let oosDays = 0;
  for (const window of windows) {
    const isProblem = createPortfolioProblem(matrix, spec, { dayStart: window.inSample.start, dayEnd: window.inSample.end });
    const chosen = await choose(isProblem, window);
    const oosProblem = createPortfolioProblem(matrix, spec, { dayStart: window.outOfSample.start, dayEnd: window.outOfSample.end });
    const inSample = createPortfolioEvaluator(isProblem).metrics(chosen);
    const outOfSample = createPortfolioEvaluator(oosProblem).metrics(chosen);
    folds.push({ window, chosen, inSample, outOfSample });
    isProfit += inSample.netProfit;
    isDays += window.inSample.end - window.inSample.start;
    oosProfit += outOfSample.netProfit;
    oosDays += window.outOfSample.end - window.outOfSample.start;
    for (let d = Math.max(covered, window.outOfSample.start); d < window.outOfSample.end; d++) {
      let s = 0;
      chosen.indices.forEach((idx, j) => { s += (chosen.weights ? chosen.weights[j]! : 1) * matrix.pnl[idx * matrix.nDays + d]!; });
      stitched.push(s);
    }
    covered = Math.max(covered, window.outOfSample.end);
  }
  const series = Float64Array.from(stitched);
  const one = createPortfolioMatrix({ nStrategies: 1, nDays: series.length, pnl: series });
  const seriesSpec: PortfolioSpec = {
    objectives: ['netProfit'], kMin: 1, kMax: 1,
    ...(spec.capital !== undefined ? { capital: spec.capital } : {}),
    ...(spec.floor !== undefined ? { floor: spec.floor } : {}),
    ...(spec.periodsPerYear !== undefined ? { periodsPerYear: spec.periodsPerYear } : {}),
  };
  const outOfSample = createPortfolioEvaluator(createPortfolioProblem(one, seriesSpec)).metrics({ indices: [0] });
  const isRate = isDays > 0 ? isProfit / isDays : 0;
  return { folds, outOfSampleSeries: series, outOfSample, efficiency: isRate > 0 ? oosProfit / oosDays / isRate : 0 };
}
