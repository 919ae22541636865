// The portfolio problem spec: plain msgpack-safe data naming the objectives, the portfolio size, the weights
// and the constraints; validated here with coded errors, and turned into the algorithms' SubsetSpace.
import type { SubsetSpace } from '../algorithms/types.ts';
import { portfolioError } from './errors.ts';

/** Every metric the kernels compute, in the order of a metric vector (METRIC_INDEX). */
export const METRIC_NAMES = [
  'netProfit', 'maxDrawdown', 'maxDrawdownPct', 'ratio', 'sharpe', 'sortino', 'calmar',
  'winRate', 'profitFactor', 'expectancy', 'cvar95', 'correlation',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

export const METRIC_COUNT = METRIC_NAMES.length;

export const METRIC_INDEX: Readonly<Record<MetricName, number>> = Object.fromEntries(
  METRIC_NAMES.map((name, i) => [name, i]),
) as Record<MetricName, number>;

/** The direction a user wants each metric to go; objectives of 'maximise' metrics are negated. */
export const METRIC_SENSE: Readonly<Record<MetricName, 'maximise' | 'minimise'>> = {
  netProfit: 'maximise', maxDrawdown: 'minimise', maxDrawdownPct: 'minimise', ratio: 'maximise',
  sharpe: 'maximise', sortino: 'maximise', calmar: 'maximise', winRate: 'maximise', profitFactor: 'maximise',
  expectancy: 'maximise', cvar95: 'minimise', correlation: 'minimise',
};

export interface WeightBounds {
  readonly min: number;
  readonly max: number;
}

export interface PortfolioSpec {
  /** one metric: single-objective; several: a Pareto front over them. */
  readonly objectives: readonly MetricName[];
  /** portfolio size bounds; kMin === kMax for a fixed k. */
  readonly kMin: number;
  readonly kMax: number;
  /** absent: equal weights (every chosen strategy at weight 1, i.e. at its backtested size). */
  readonly weights?: WeightBounds;
  /** constraint: no pair of chosen strategies may correlate above this (Pearson, in [-1, 1]). */
  readonly maxPairwiseCorrelation?: number;
  /** constraint: every chosen strategy has at least this many trades over the matrix's days. */
  readonly minTrades?: number;
  /** money the portfolio starts with: the base of maxDrawdownPct and calmar (required by those two). */
  readonly capital?: number;
  /** every ratio divides by max(denominator, floor); default DEFAULT_FLOOR. */
  readonly floor?: number;
  /** trading days per year for annualising sharpe, sortino and calmar; default 252. */
  readonly periodsPerYear?: number;
}

export const DEFAULT_FLOOR = 1e-6;
export const DEFAULT_PERIODS_PER_YEAR = 252;

/** A spec with every default filled in, validated against a matrix size. */
export interface ResolvedSpec {
  readonly objectives: readonly MetricName[];
  readonly objectiveIndex: Int32Array;
  /** -1 for each maximised objective, +1 for each minimised one. */
  readonly objectiveSign: Float64Array;
  readonly kMin: number;
  readonly kMax: number;
  readonly weighted: boolean;
  readonly weightMin: number;
  readonly weightMax: number;
  readonly maxPairwiseCorrelation: number | null;
  readonly minTrades: number;
  /** NaN when not given: maxDrawdownPct and calmar are then NaN in metric vectors. */
  readonly capital: number;
  readonly floor: number;
  readonly periodsPerYear: number;
  /** true when a correlation matrix is needed (correlation objective or pairwise cap). */
  readonly needsCorrelation: boolean;
  /** true when the tail (cvar95) must be computed. */
  readonly needsTail: boolean;
}

const SPEC_KEYS = new Set(['objectives', 'kMin', 'kMax', 'weights', 'maxPairwiseCorrelation', 'minTrades', 'capital', 'floor', 'periodsPerYear']);

function invalid(message: string, data: Readonly<Record<string, unknown>>): never {
  throw portfolioError('STRATA_PORTFOLIO_INVALID_SPEC', message, data);
}

function isMetricName(x: unknown): x is MetricName {
  return typeof x === 'string' && (METRIC_NAMES as readonly string[]).includes(x);
}

/** Checks a spec against the number of strategies and fills in the defaults. */
export function resolveSpec(spec: PortfolioSpec, nStrategies: number): ResolvedSpec {
  if (spec === null || typeof spec !== 'object') invalid(`a portfolio spec must be an object, got ${String(spec)}`, {});
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) invalid(`unknown portfolio spec key ${JSON.stringify(key)}; keys are ${[...SPEC_KEYS].join(', ')}`, { key });
  }
  const objectives: readonly MetricName[] = spec.objectives;
  if (!Array.isArray(objectives as unknown) || objectives.length === 0) {
    invalid(`objectives must be a non-empty array of metric names, got ${JSON.stringify(spec.objectives)}`, {});
  }
  const seen = new Set<string>();
  for (const m of objectives) {
    if (!isMetricName(m)) invalid(`unknown metric ${JSON.stringify(m)}; metrics are ${METRIC_NAMES.join(', ')}`, { metric: String(m) });
    if (seen.has(m)) invalid(`metric ${m} is named twice in objectives`, { metric: m });
    seen.add(m);
  }
  const { kMin, kMax } = spec;
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 1 || kMin > kMax || kMax > nStrategies) {
    invalid(`portfolio size bounds must satisfy 1 <= kMin <= kMax <= ${nStrategies} (strategies), got kMin ${kMin}, kMax ${kMax}`, { kMin, kMax, nStrategies });
  }
  let weighted = false;
  let weightMin = 1;
  let weightMax = 1;
  if (spec.weights !== undefined) {
    const w = spec.weights;
    if (w === null || typeof w !== 'object' || !Number.isFinite(w.min) || !Number.isFinite(w.max) || w.min < 0 || w.min > w.max || w.max <= 0) {
      invalid(`weights must be { min, max } with 0 <= min <= max and max > 0, got ${JSON.stringify(w)}`, { weights: JSON.stringify(w) });
    }
    weighted = true;
    weightMin = w.min;
    weightMax = w.max;
  }
  const cap = spec.maxPairwiseCorrelation;
  if (cap !== undefined && !(Number.isFinite(cap) && cap >= -1 && cap <= 1)) {
    invalid(`maxPairwiseCorrelation must be in [-1, 1], got ${String(cap)}`, { maxPairwiseCorrelation: String(cap) });
  }
  const minTrades = spec.minTrades ?? 0;
  if (!Number.isInteger(minTrades) || minTrades < 0) invalid(`minTrades must be a non-negative integer, got ${String(minTrades)}`, { minTrades: String(minTrades) });
  const capital = spec.capital ?? Number.NaN;
  if (spec.capital !== undefined && !(Number.isFinite(spec.capital) && spec.capital > 0)) {
    invalid(`capital must be a positive amount of money, got ${String(spec.capital)}`, { capital: String(spec.capital) });
  }
  for (const m of ['maxDrawdownPct', 'calmar'] as const) {
    if (seen.has(m) && spec.capital === undefined) invalid(`objective ${m} is relative to capital; the spec must give capital`, { metric: m });
  }
  const floor = spec.floor ?? DEFAULT_FLOOR;
  if (!(Number.isFinite(floor) && floor > 0)) invalid(`floor must be a positive number, got ${String(spec.floor)}`, { floor: String(spec.floor) });
  const periodsPerYear = spec.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  if (!(Number.isFinite(periodsPerYear) && periodsPerYear > 0)) {
    invalid(`periodsPerYear must be a positive number, got ${String(spec.periodsPerYear)}`, { periodsPerYear: String(spec.periodsPerYear) });
  }
  return {
    objectives: [...objectives],
    objectiveIndex: Int32Array.from(objectives.map((m) => METRIC_INDEX[m])),
    objectiveSign: Float64Array.from(objectives.map((m) => (METRIC_SENSE[m] === 'maximise' ? -1 : 1))),
    kMin, kMax, weighted, weightMin, weightMax,
    maxPairwiseCorrelation: cap ?? null,
    minTrades, capital, floor, periodsPerYear,
    needsCorrelation: seen.has('correlation') || cap !== undefined,
    needsTail: seen.has('cvar95'),
  };
}

/** The search space the algorithms see for this spec. */
export function toSubsetSpace(spec: PortfolioSpec, nStrategies: number): SubsetSpace {
  const r = resolveSpec(spec, nStrategies);
  return {
    kind: 'subset', nStrategies, kMin: r.kMin, kMax: r.kMax,
    weighted: r.weighted, weightMin: r.weightMin, weightMax: r.weightMax,
    nObjectives: r.objectives.length,
  };
}
