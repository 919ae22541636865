// The run loop's determinism: for several algorithms, a run stopped and resumed from each of its
// checkpoints (the state through msgpack, as the journal stores it) ends with the same result, bit for bit,
// as an uninterrupted run; a checkpoint from other data is refused.
import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import {
  buildJobResult, buildProblem, createGeneratedMatrixSource, matrixDigest, matrixQueryOf, parseJobSpec, runJobLoop,
  type JobSpec, type RunCheckpoint, type RunHooks,
} from '../../../engine/jobs/index.ts';
import { createPortfolioEvaluator } from '../../../engine/portfolio/index.ts';

const packr = new Packr({ useRecords: false, moreTypes: false });
const source = createGeneratedMatrixSource({ nStrategies: 24, nDays: 200, seed: 3 });

async function setup(algorithm: string, objectives: string[] = ['ratio']) {
  const spec = parseJobSpec({
    dateRange: { from: '2020-01-01', to: '2020-12-31' }, problem: { objectives, kMin: 4, kMax: 4 }, algorithm: { id: algorithm },
    budget: { evaluations: 600 }, seed: 5, validation: { walkForwardFolds: 0, bootstrapResamples: 50 },
  });
  const loaded = await source.load(matrixQueryOf(spec));
  const problem = buildProblem(loaded, spec);
  const evaluator = createPortfolioEvaluator(problem);
  return { spec, loaded, problem, digest: matrixDigest(loaded), evaluator };
}

function hooks(evaluator: ReturnType<typeof createPortfolioEvaluator>, checkpoints: RunCheckpoint[], stopAfter: number | null): RunHooks {
  let generations = 0;
  return {
    evaluate: async (batch) => { generations++; return evaluator.evaluate(batch); },
    checkpointGenerations: 1, checkpointMs: 0, progressMs: 1_000_000,
    onCheckpoint: async (cp) => { checkpoints.push(packr.unpack(packr.pack(cp)) as RunCheckpoint); },
    onProgress: () => {},
    stopRequested: () => (stopAfter !== null && generations >= stopAfter ? 'reassign' : null),
    now: () => 0,
  };
}

async function resultOf(spec: JobSpec, s: Awaited<ReturnType<typeof setup>>, start: RunCheckpoint | null): Promise<Buffer> {
  const out = await runJobLoop(spec, s.problem, s.digest, start, hooks(s.evaluator, [], null));
  if (out.kind !== 'finished') throw new Error('not finished');
  return packr.pack(await buildJobResult(spec, s.problem, s.loaded, out.algorithm, out.checkpoint));
}

describe('run loop', () => {
  for (const algorithm of ['genetic-algorithm', 'simulated-annealing', 'particle-swarm', 'nsga2', 'tpe']) {
    it(`resumes ${algorithm} from any checkpoint to the uninterrupted result`, async () => {
      const objectives = algorithm === 'nsga2' ? ['netProfit', 'maxDrawdown'] : ['ratio'];
      const s = await setup(algorithm, objectives);
      const checkpoints: RunCheckpoint[] = [];
      const first = await runJobLoop(s.spec, s.problem, s.digest, null, hooks(s.evaluator, checkpoints, null));
      expect(first.kind).toBe('finished');
      const reference = await resultOf(s.spec, s, null);
      expect(checkpoints.length).toBeGreaterThan(1);
      const picks = [0, Math.floor(checkpoints.length / 2), checkpoints.length - 1];
      for (const i of picks) expect((await resultOf(s.spec, s, checkpoints[i]!)).equals(reference), `${algorithm} from checkpoint ${i}`).toBe(true);
      // a run stopped by request hands back a checkpoint that resumes to the same result too
      const stopped = await runJobLoop(s.spec, s.problem, s.digest, null, hooks(s.evaluator, [], 2));
      expect(stopped.kind).toBe('stopped');
      expect((await resultOf(s.spec, s, packr.unpack(packr.pack(stopped.checkpoint)) as RunCheckpoint)).equals(reference)).toBe(true);
    });
  }

  it('refuses a checkpoint taken on different data', async () => {
    const s = await setup('random-search');
    const checkpoints: RunCheckpoint[] = [];
    await runJobLoop(s.spec, s.problem, s.digest, null, hooks(s.evaluator, checkpoints, 2));
    const foreign = { ...(checkpoints[0] ?? { algorithm: { id: 'random-search', params: {}, recommended: false, reasons: [] }, state: null, generation: 0, evaluations: 0, runMs: 0 }), matrixDigest: 'f'.repeat(64) } as RunCheckpoint;
    await expect(runJobLoop(s.spec, s.problem, s.digest, foreign, hooks(s.evaluator, [], null))).rejects.toMatchObject({ code: 'STRATA_JOB_MATRIX_CHANGED' });
  });

  it('estimates the ETA from the first report on, not from a first batch that also started the pool', async () => {
    const s = await setup('random-search');
    // a fake clock: the first batch takes 2,000 ms (threads starting, code warming), every later one 10 ms
    let clock = 0;
    let batches = 0;
    const reports: { evaluations: number; etaMs: number | null; evaluationsPerSec: number }[] = [];
    const out = await runJobLoop(s.spec, s.problem, s.digest, null, {
      evaluate: async (batch) => { clock += batches++ === 0 ? 2_000 : 10; return s.evaluator.evaluate(batch); },
      checkpointGenerations: 0, checkpointMs: 0, progressMs: 0,
      onCheckpoint: async () => {},
      onProgress: (p) => reports.push({ evaluations: p.evaluations, etaMs: p.etaMs, evaluationsPerSec: p.evaluationsPerSec }),
      stopRequested: () => null,
      now: () => clock,
    });
    expect(out.kind).toBe('finished');
    expect(reports.length).toBeGreaterThan(3);
    // the first report has nothing to go by yet; the second goes by the batches after the first
    expect(reports[0]!.etaMs).toBeNull();
    const second = reports[1]!;
    const perBatch = second.evaluations - reports[0]!.evaluations;
    expect(second.etaMs).toBeCloseTo(((600 - second.evaluations) / perBatch) * 10, 6);
    // the whole run's rate still counts from the start (what evaluationsPerSec reports)
    expect(second.evaluationsPerSec).toBeCloseTo((second.evaluations * 1000) / 2_010, 6);
    expect(reports.at(-1)!.etaMs).toBe(0);
  });
});
