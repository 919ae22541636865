// The `strata optimize` and `strata jobs` commands, run in this process with captured output over a temp
// store folder and a generated universe: a job runs to its result, a detached job is queued and run later,
// jobs are listed, shown, paused, resumed, reprioritised and cancelled, and bad input gets a coded error.
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register as registerJobs } from '../../../cluster/cli/commands/jobs.ts';
import { register as registerOptimize } from '../../../cluster/cli/commands/optimize.ts';
import type { CliIo } from '../../../cluster/cli/commands/inspect.ts';
import { createTempDirs } from './support.ts';

const temp = createTempDirs();
afterAll(() => temp.cleanup());

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = 0;
  const io: CliIo = {
    out: (t) => { out += t; }, err: (t) => { err += t; }, setExitCode: (c) => { code = c; },
    exit: (e: CommanderError) => { throw e; }, interactive: false,
  };
  const program = new Command('strata').exitOverride();
  registerOptimize(program, io);
  registerJobs(program, io);
  try {
    await program.parseAsync(['node', 'strata', ...args]);
  } catch (e) {
    if (e instanceof CommanderError) return { out, err: err + e.message, code: e.exitCode };
    throw e;
  }
  return { out, err, code };
}

const job = ['--generated', '30x260:4', '--algorithm', 'genetic-algorithm', '--k', '5', '--evaluations', '2000', '--walk-forward', '2', '--bootstrap', '50', '--threads', '1'];

describe('strata optimize and strata jobs', () => {
  it('runs a job to its result and finds it again by its key', async () => {
    const store = temp.make();
    const first = await run(['optimize', '--store', store, ...job, '--key', 'k1']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('job-000001: completed · genetic-algorithm · 2,000 evaluations · 30 strategies × 260 days');
    expect(first.out).toMatch(/best portfolio \(5\): gen-/);
    expect(first.out).toContain('walk-forward (2 folds)');
    const again = await run(['optimize', '--store', store, ...job, '--key', 'k1', '--json']);
    const parsed = JSON.parse(again.out) as { job: { id: string }; result: { evaluations: number } };
    expect(parsed.job.id).toBe('job-000001');
    const result = await run(['jobs', 'result', 'job-000001', '--store', store, '--json']);
    expect((JSON.parse(result.out) as { evaluations: number }).evaluations).toBe(2000);
    const list = await run(['jobs', 'list', '--store', store]);
    expect(list.out).toMatch(/^job-000001\s+completed\s+normal/);
  });

  it('queues detached jobs, controls them, and runs the rest', async () => {
    const store = temp.make();
    const a = await run(['optimize', '--store', store, ...job, '--detach']);
    expect(a.out).toMatch(/^job-000001 queued/);
    await run(['optimize', '--store', store, ...job, '--seed', '2', '--detach']);
    await run(['optimize', '--store', store, ...job, '--seed', '3', '--detach']);
    expect((await run(['jobs', 'pause', 'job-000002', '--store', store])).out).toMatch(/job-000002\s+paused/);
    expect((await run(['jobs', 'reprioritise', 'job-000003', 'high', '--store', store])).out).toMatch(/job-000003\s+queued\s+high/);
    expect((await run(['jobs', 'cancel', 'job-000001', '--store', store])).out).toMatch(/job-000001\s+cancelled/);
    const show = await run(['jobs', 'show', 'job-000002', '--store', store, '--json']);
    expect((JSON.parse(show.out) as { status: string }).status).toBe('paused');
    // as text, the journal's job reads as a daemon's does
    const text = await run(['jobs', 'show', 'job-000002', '--store', store]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^job-000002 · paused · genetic-algorithm · priority normal · owner default\n/);
    expect(text.out).toMatch(/\n {2}runs +0 attempts, 0 failures, 0 interruptions; 0 checkpoints\n/);
    expect(text.out).not.toContain('result');
    const ran = await run(['jobs', 'run', '--store', store, '--generated', '30x260:4', '--threads', '1']);
    expect(ran.code).toBe(0);
    expect(ran.out).toMatch(/job-000003\s+completed\s+high/);
    // a finished job shown on its own: what its result took, from the journal
    const done = await run(['jobs', 'show', 'job-000003', '--store', store]);
    expect(done.out).toMatch(/\n {2}progress +2,000 evaluations\n/);
    expect(done.out).toMatch(/\n {2}runs +1 attempt, 0 failures, 0 interruptions; /);
    expect(done.out).toMatch(/\n {2}result +strata jobs result job-000003\n/);
    await run(['jobs', 'resume', 'job-000002', '--store', store]);
    const list = await run(['jobs', 'list', '--store', store, '--status', 'queued,cancelled', '--json']);
    expect((JSON.parse(list.out) as { id: string; status: string }[]).map((j) => [j.id, j.status])).toEqual([['job-000001', 'cancelled'], ['job-000002', 'queued']]);
  });

  it('refuses a malformed job, an unknown job and a bad flag with clear errors', async () => {
    const store = temp.make();
    const bad = await run(['optimize', '--store', store, '--generated', '30x260', '--algorithm', 'magic', '--from', '2021-01-01', '--to', '2020-01-01', '--detach']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('STRATA_JOB_INVALID_SPEC');
    expect(bad.err).toContain('- algorithm.id: unknown algorithm "magic"');
    expect(bad.err).toContain('- dateRange.to: must not be before from (2021-01-01)');
    const unknown = await run(['jobs', 'show', 'job-000042', '--store', store]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('STRATA_JOB_UNKNOWN');
    const flag = await run(['jobs', 'reprioritise', 'job-000001', 'urgent', '--store', store]);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('unknown priority "urgent"');
    const algorithms = await run(['jobs', 'algorithms']);
    expect(algorithms.out).toContain('nsga2');
  });
});
