// The public surface of engine/stats: validation built into results — walk-forward windows and runs, the
// deflated Sharpe ratio, stationary block-bootstrap confidence intervals — and the normal distribution they use.
export { normalCdf, normalQuantile } from './normal-distribution.ts';
export {
  deflatedSharpeOfSeries, deflatedSharpeRatio, expectedMaxSharpe, probabilisticSharpeRatio, seriesMoments, trialSharpeVariance,
} from './deflated-sharpe.ts';
export type { DeflatedSharpe, DeflatedSharpeInput, SeriesMoments } from './deflated-sharpe.ts';
export { portfolioConfidenceIntervals, stationaryBootstrap } from './block-bootstrap.ts';
export type { BootstrapOptions, ConfidenceInterval, PortfolioIntervals } from './block-bootstrap.ts';
export { walkForward, walkForwardWindows } from './walk-forward.ts';
export type { ChoosePortfolio, DayRange, WalkForwardFold, WalkForwardMode, WalkForwardOptions, WalkForwardResult, WalkForwardWindow } from './walk-forward.ts';
