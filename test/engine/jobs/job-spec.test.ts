// Job specs: a valid spec parses to plain data; a malformed one is refused with every offending field at once.
import { describe, expect, it } from 'vitest';
import { evaluationBudget, parseJobSpec, priorityOf } from '../../../engine/jobs/index.ts';

const valid = {
  dateRange: { from: '2020-01-01', to: '2020-12-31' },
  problem: { objectives: ['ratio'], kMin: 5, kMax: 5 },
  algorithm: { id: 'genetic-algorithm' },
  budget: { evaluations: 1_000 },
  seed: 1,
};

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseJobSpec(input);
  } catch (e) {
    const err = e as { code: string; data: { issues: { path: string; message: string }[] } };
    expect(err.code).toBe('STRATA_JOB_INVALID_SPEC');
    return err.data.issues;
  }
  throw new Error('the spec was accepted');
}

describe('job spec', () => {
  it('parses a valid spec to plain data with defaults applied by the helpers', () => {
    const spec = parseJobSpec({ ...valid, universe: { underlyings: ['NIFTY'] } });
    expect(spec.universe).toEqual({ underlyings: ['NIFTY'] });
    expect(priorityOf(spec)).toBe('normal');
    expect(evaluationBudget(spec)).toBe(1_000);
    expect(Object.values(spec).includes(undefined)).toBe(false);
  });

  it('reports every offending field at once, cross-field checks included', () => {
    const issues = issuesOf({
      ...valid, dateRange: { from: '2020-02-30', to: '2019-01-01' }, problem: { objectives: ['calmar', 'calmar'], kMin: 6, kMax: 3 },
      algorithm: { id: 'magic' }, budget: {}, seed: -1, priority: 'urgent', surprise: true,
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining([
      'dateRange.from', 'problem.kMax', 'problem.capital', 'problem.objectives', 'algorithm.id', 'budget', 'seed', 'priority', '(spec)',
    ]));
    expect(issues.find((i) => i.path === 'algorithm.id')!.message).toContain('known: recommend, ');
    expect(issues.find((i) => i.path === '(spec)')!.message).toContain('surprise');
  });

  it('checks hyperparameters with the algorithm itself', () => {
    const issues = issuesOf({ ...valid, algorithm: { id: 'genetic-algorithm', params: { populationSize: -3 } } });
    expect(issues.map((i) => i.path)).toEqual(['algorithm.params']);
    expect(issuesOf({ ...valid, algorithm: { id: 'recommend', params: { a: 1 } } }).map((i) => i.path)).toEqual(['algorithm.params']);
  });

  it('refuses a date range that ends before it starts and a weight range upside down', () => {
    const issues = issuesOf({ ...valid, dateRange: { from: '2021-01-01', to: '2020-01-01' }, problem: { ...valid.problem, weights: { min: 2, max: 1 } } });
    expect(issues.map((i) => i.path).sort()).toEqual(['dateRange.to', 'problem.weights.max']);
  });
});
