// The optimisation job spec: what a user submits, validated with zod before the scheduler accepts anything.
// Every problem is reported at once as `{ path, message }` (STRATA_JOB_INVALID_SPEC, data.issues), so a
// client can mark each offending field. The parsed spec is plain msgpack-safe data (optional keys absent).
import { z } from 'zod';
import { algorithms, getAlgorithm } from '../algorithms/index.ts';
import { METRIC_NAMES } from '../portfolio/index.ts';
import type { PortfolioSpec } from '../portfolio/index.ts';
import { jobError } from './errors.ts';

/** Priority levels, highest first. */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The evaluation cap used for jobs whose only budget is wall time (the algorithms need a finite count). */
export const WALL_TIME_ONLY_EVALUATIONS = 1_000_000_000;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const isoDay = z.string().regex(ISO_DAY, 'must be an ISO date YYYY-MM-DD').refine((s) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}, 'is not a calendar date');
const name = z.string().min(1).max(200);
const names = z.array(name).min(1).max(100_000);
const paramValue = z.union([z.number().finite(), z.string().max(200), z.boolean()]);

const universeSchema = z.strictObject({
  strategyIds: names.optional(),
  underlyings: names.optional(),
  strategyTypes: names.optional(),
  sourceFormats: names.optional(),
  currencies: names.optional(),
  /** keep at most this many strategies (the first by strategy id), to bound a broad filter */
  maxStrategies: z.number().int().min(1).max(1_000_000).optional(),
});

const problemSchema = z.strictObject({
  objectives: z.array(z.enum(METRIC_NAMES)).min(1).max(METRIC_NAMES.length),
  kMin: z.number().int().min(1).max(10_000),
  kMax: z.number().int().min(1).max(10_000),
  weights: z.strictObject({ min: z.number().finite().min(0), max: z.number().finite().positive() }).optional(),
  maxPairwiseCorrelation: z.number().min(-1).max(1).optional(),
  minTrades: z.number().int().min(0).optional(),
  capital: z.number().finite().positive().optional(),
  floor: z.number().finite().positive().optional(),
  periodsPerYear: z.number().finite().positive().optional(),
});

const validationSchema = z.strictObject({
  /** walk-forward folds (anchored, out-of-sample windows tile the last part of the range); 0: none */
  walkForwardFolds: z.number().int().min(0).max(20).optional(),
  /** evaluations of each fold's in-sample optimisation (default min(1,000, budget / 10), at least 50) */
  walkForwardEvaluations: z.number().int().min(10).max(10_000_000).optional(),
  bootstrapResamples: z.number().int().min(0).max(100_000).optional(),
});

export const jobSpecSchema = z.strictObject({
  /** a duplicate submission with the same key returns the first job, never a second one */
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** who the job is for: fair share within a priority level is per owner */
  owner: z.string().min(1).max(100).optional(),
  universe: universeSchema.optional(),
  dateRange: z.strictObject({ from: isoDay, to: isoDay }),
  /** daily_pnl zone: 'ALL' when zone mode was off at ingest, else 'Zone 1' … */
  zone: z.string().min(1).max(100).optional(),
  problem: problemSchema,
  algorithm: z.strictObject({
    id: z.string().min(1).max(100),
    params: z.record(z.string(), paramValue).optional(),
  }),
  budget: z.strictObject({
    evaluations: z.number().int().min(1).max(WALL_TIME_ONLY_EVALUATIONS).optional(),
    wallTimeMs: z.number().int().min(1).max(30 * 24 * 3600_000).optional(),
  }),
  seed: z.number().int().min(0).max(0xffff_ffff),
  priority: z.enum(PRIORITIES).optional(),
  /** epoch ms by which the job should have finished (SLA) */
  deadline: z.number().int().min(0).optional(),
  validation: validationSchema.optional(),
});

export type JobSpec = z.infer<typeof jobSpecSchema>;

export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

/** The hyperparameters checked by the algorithm itself on a small space of the job's shape. */
function paramsProblem(id: string, params: Readonly<Record<string, number | string | boolean>>, problem: z.infer<typeof problemSchema>): string | null {
  const kMax = Math.max(problem.kMin, problem.kMax);
  try {
    getAlgorithm(id).create(
      { kind: 'subset', nStrategies: kMax + 2, kMin: Math.min(problem.kMin, kMax), kMax, weighted: problem.weights !== undefined,
        weightMin: problem.weights?.min ?? 1, weightMax: problem.weights?.max ?? 1, nObjectives: problem.objectives.length },
      { seed: 1, budget: { maxEvaluations: 100 }, params },
    );
    return null;
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    if (err.code === 'STRATA_ALGORITHM_INVALID_PARAMS' || err.code === 'STRATA_ALGORITHM_UNSUPPORTED_SPACE') return String(err.message);
    return null; // other shape problems (space size) are judged on the real matrix at run time
  }
}

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Loose : null);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The checks that relate fields to each other, run on the raw input so they are reported together with the
 * schema's own issues (a zod refinement would only run once every field parsed). Each check looks only at
 * fields of the right type; a field of the wrong type is the schema's issue.
 */
function crossFieldIssues(input: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const spec = obj(input);
  if (!spec) return issues;
  const add = (path: string, message: string): void => { issues.push({ path, message }); };
  const range = obj(spec['dateRange']);
  if (range && typeof range['from'] === 'string' && typeof range['to'] === 'string' && ISO_DAY.test(range['from']) && ISO_DAY.test(range['to']) && range['from'] > range['to']) {
    add('dateRange.to', `must not be before from (${range['from']})`);
  }
  const problem = obj(spec['problem']);
  const objectives = problem && Array.isArray(problem['objectives']) ? problem['objectives'].filter((o): o is string => typeof o === 'string') : [];
  if (problem) {
    if (isNum(problem['kMin']) && isNum(problem['kMax']) && problem['kMin'] > problem['kMax']) add('problem.kMax', `must be at least kMin (${problem['kMin']})`);
    const w = obj(problem['weights']);
    if (w && isNum(w['min']) && isNum(w['max']) && w['min'] > w['max']) add('problem.weights.max', 'must be at least weights.min');
    if (objectives.some((o) => o === 'maxDrawdownPct' || o === 'calmar') && problem['capital'] === undefined) add('problem.capital', 'is required by maxDrawdownPct and calmar');
    if (new Set(objectives).size !== objectives.length) add('problem.objectives', 'names a metric twice');
  }
  const budget = obj(spec['budget']);
  if (budget && budget['evaluations'] === undefined && budget['wallTimeMs'] === undefined) add('budget', 'needs evaluations, wallTimeMs or both');
  const algorithm = obj(spec['algorithm']);
  const id = algorithm?.['id'];
  if (algorithm && typeof id === 'string' && id.length > 0) {
    const params = algorithm['params'];
    if (id === 'recommend') {
      if (params !== undefined) add('algorithm.params', 'cannot be given with "recommend" (the recommender chooses them)');
    } else if (!algorithms.some((a) => a.id === id)) {
      add('algorithm.id', `unknown algorithm ${JSON.stringify(id)}; known: recommend, ${algorithms.map((a) => a.id).join(', ')}`);
    } else {
      const p = obj(params ?? {});
      const parsedProblem = problemSchema.safeParse(problem);
      if (p && parsedProblem.success && Object.values(p).every((v) => ['number', 'string', 'boolean'].includes(typeof v))) {
        const message = paramsProblem(id, p as Record<string, number | string | boolean>, parsedProblem.data);
        if (message) add('algorithm.params', message);
      }
    }
  }
  return issues;
}

/** Validates a submitted spec; throws STRATA_JOB_INVALID_SPEC with every issue, or returns the plain spec. */
export function parseJobSpec(input: unknown): JobSpec {
  const parsed = jobSpecSchema.safeParse(input);
  const issues: SpecIssue[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(spec)', message: i.message }));
  for (const issue of crossFieldIssues(input)) if (!issues.some((i) => i.path === issue.path && i.message === issue.message)) issues.push(issue);
  if (parsed.success && issues.length === 0) return stripUndefined(parsed.data);
  throw jobError('STRATA_JOB_INVALID_SPEC', `invalid job spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** The spec's portfolio problem in engine/portfolio's terms. */
export function portfolioSpecOf(spec: JobSpec): PortfolioSpec {
  return stripUndefined(spec.problem) as PortfolioSpec;
}

export function priorityOf(spec: JobSpec): Priority {
  return spec.priority ?? 'normal';
}

/** The evaluation budget the algorithm is created with. */
export function evaluationBudget(spec: JobSpec): number {
  return spec.budget.evaluations ?? WALL_TIME_ONLY_EVALUATIONS;
}

function stripUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripUndefined) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
    return out as T;
  }
  return value;
}
