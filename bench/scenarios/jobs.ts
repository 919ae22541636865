// Job benchmarks: scheduler throughput of small jobs (accepted, journaled with fsync, dispatched, run and
// completed) against the same jobs run directly on the same CPU pool with no scheduler; the time from a
// kill -9 to the job running again (a runner's member in a 3-member cluster with default settings, and the
// whole service process restarted on its journal); and the checkpoint overhead on a long job against the
// same job without checkpoints. This module doubles as the child process of the recovery figures.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createClusterMember } from '../../cluster/remote/index.ts';
import {
  buildJobResult, buildProblem, createGeneratedMatrixSource, matrixDigest, matrixQueryOf, parseJobSpec, runJobLoop, type MatrixSource,
} from '../../engine/jobs/index.ts';
import { algorithmRunnerBehaviour, createRunnerPool, type RunnerCommand, type RunnerPool } from '../../actors/algorithm-runner/index.ts';
import { createJobService, DEFAULT_SCHEDULER_SETTINGS, type JobEvent, type JobService } from '../../actors/job-scheduler/index.ts';
import { createSystem } from '../../runtime/index.ts';
import { compared, summarise } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';

const SECRET = 'bench-jobs-secret-0123456789';
const UNIVERSE = { nStrategies: 60, nDays: 500, seed: 8 } as const;
const silent = () => pino({ level: 'silent' });

const smallSpec = (seed: number) => ({
  dateRange: { from: '2020-01-01', to: '2021-12-31' }, problem: { objectives: ['ratio'], kMin: 5, kMax: 5 },
  algorithm: { id: 'random-search' }, budget: { evaluations: 400 }, seed,
  validation: { walkForwardFolds: 0, bootstrapResamples: 0 },
});
const longSpec = (evaluations: number) => ({
  dateRange: { from: '2020-01-01', to: '2021-12-31' }, problem: { objectives: ['ratio'], kMin: 8, kMax: 8 },
  algorithm: { id: 'genetic-algorithm' }, budget: { evaluations }, seed: 77,
  validation: { walkForwardFolds: 0, bootstrapResamples: 0 },
});

// ---- child processes -------------------------------------------------------------------------------------

const out = (m: Record<string, unknown>): void => { process.send?.(m); };

if (process.argv[2] === '--jobs-bench-child') {
  const role = process.argv[3];
  const config = JSON.parse(process.argv[4] ?? '{}') as { seeds?: string[]; dir?: string; evaluations?: number };
  if (role === 'runner-member') {
    const member = await createClusterMember({ cluster: 'bench-jobs', secret: SECRET, port: 0, seeds: config.seeds ?? [], logger: silent(), behaviours: {} });
    const pool = createRunnerPool({ threads: 1 });
    const name = `runner-${member.transport.port}`;
    member.system.spawn(algorithmRunnerBehaviour({ matrixSource: createGeneratedMatrixSource(UNIVERSE), pool }), { name });
    out({ ready: true, id: member.id, port: member.transport.port, path: `/user/${name}` });
  } else if (role === 'service') {
    const system = createSystem({ name: 'bench-jobs', logger: silent() });
    const service = await createJobService({
      system, dir: config.dir!, matrixSource: createGeneratedMatrixSource(UNIVERSE), poolThreads: 1,
      onEvent: (e) => { if (e.type === 'job.started') out({ started: true, at: Date.now() }); },
    });
    await service.submit(longSpec(config.evaluations ?? 5_000_000), { idempotencyKey: 'bench-long' });
    out({ ready: true });
  }
}

interface Child { readonly proc: ChildProcess; readonly msgs: Record<string, unknown>[] }

function spawnChild(role: string, config: Record<string, unknown>): Promise<Child & { first: Record<string, unknown> }> {
  const proc = fork(import.meta.filename, ['--jobs-bench-child', role, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
  const msgs: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    proc.on('message', (m) => {
      msgs.push(m as Record<string, unknown>);
      if ((m as { ready?: boolean }).ready) resolve({ proc, msgs, first: m as Record<string, unknown> });
    });
    proc.once('exit', (code) => reject(new Error(`jobs bench child ${role} exited with ${code}`)));
  });
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGKILL');
  await gone;
}

const waitFor = (fn: () => boolean, ms: number, what: string) => new Promise<void>((resolve, reject) => {
  const t = Date.now();
  const poll = (): void => { if (fn()) resolve(); else if (Date.now() - t > ms) reject(new Error(`jobs bench: ${what} not met`)); else setTimeout(poll, 5); };
  poll();
});

// ---- figures ---------------------------------------------------------------------------------------------

async function withService<T>(options: { runners: number; threads: number; runner?: Record<string, number> }, fn: (s: JobService) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-jobs-'));
  const system = createSystem({ name: 'bench-jobs', logger: silent() });
  const service = await createJobService({
    system, dir, matrixSource: createGeneratedMatrixSource(UNIVERSE), runners: options.runners, poolThreads: options.threads,
    ...(options.runner ? { runner: options.runner } : {}),
    scheduler: { limits: { ...DEFAULT_SCHEDULER_SETTINGS.limits } },
  });
  try { return await fn(service); } finally {
    await service.close();
    await system.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** n small jobs through the service: submitted at once, jobs/s until the last has completed. */
async function serviceThroughput(n: number): Promise<number> {
  return withService({ runners: 2, threads: 2 }, async (service) => {
    let completed = 0;
    service.onEvent((e) => { if (e.type === 'job.completed') completed++; });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => service.submit(smallSpec(i + 1))));
    await waitFor(() => completed === n, 120_000, 'all small jobs completed');
    return n / ((performance.now() - t0) / 1000);
  });
}

/** The baseline: the same jobs run directly (same loop, pool and result), two at a time, nothing journaled. */
async function directThroughput(n: number, pool: RunnerPool, source: MatrixSource): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const spec = parseJobSpec(smallSpec(++next));
      const loaded = await source.load(matrixQueryOf(spec));
      const problem = buildProblem(loaded, spec);
      const digest = matrixDigest(loaded);
      const r = await runJobLoop(spec, problem, digest, null, {
        evaluate: (batch) => pool.evaluate(`direct-${next}`, problem, batch), checkpointGenerations: 0, checkpointMs: 0,
        onCheckpoint: async () => {}, progressMs: 500, onProgress: () => {}, stopRequested: () => null, now: () => Date.now(),
      });
      if (r.kind === 'finished') await buildJobResult(spec, problem, loaded, r.algorithm, r.checkpoint);
    }
  };
  await Promise.all([worker(), worker()]);
  return n / ((performance.now() - t0) / 1000);
}

/** One long job's run time (started → completed) with the given runner checkpoint settings. */
async function longJobSeconds(evaluations: number, runner: { checkpointGenerations: number; checkpointMs: number }): Promise<{ seconds: number; checkpoints: number }> {
  return withService({ runners: 1, threads: 2, runner }, async (service) => {
    let startedAt = 0;
    let doneAt = 0;
    let checkpoints = 0;
    service.onEvent((e: JobEvent) => {
      if (e.type === 'job.started') startedAt = performance.now();
      if (e.type === 'job.checkpointed') checkpoints++;
      if (e.type === 'job.completed') doneAt = performance.now();
    });
    await service.submit(longSpec(evaluations));
    await waitFor(() => doneAt > 0, 300_000, 'long job completed');
    return { seconds: (doneAt - startedAt) / 1000, checkpoints };
  });
}

/** Run times of the same job without and with checkpoints, interleaved so drift hits both alike. */
async function checkpointPairs(runs: number, evaluations: number, checkpoints: { checkpointGenerations: number; checkpointMs: number }): Promise<{ none: number[]; withCheckpoints: number[]; checkpoints: number }> {
  const out = { none: [] as number[], withCheckpoints: [] as number[], checkpoints: 0 };
  for (let i = 0; i < runs; i++) {
    out.none.push((await longJobSeconds(evaluations, { checkpointGenerations: 0, checkpointMs: 0 })).seconds);
    const w = await longJobSeconds(evaluations, checkpoints);
    out.withCheckpoints.push(w.seconds);
    out.checkpoints = w.checkpoints;
  }
  return out;
}

/** kill -9 of the member whose runner runs the job (3 members, default settings) → the job started again. */
async function runnerMemberRecovery(): Promise<number> {
  const me = await createClusterMember({ cluster: 'bench-jobs', secret: SECRET, port: 0, seeds: [], logger: silent(), behaviours: {} });
  const seeds = [`127.0.0.1:${me.transport.port}`];
  const members = await Promise.all([spawnChild('runner-member', { seeds }), spawnChild('runner-member', { seeds })]);
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-jobs-'));
  try {
    await waitFor(() => me.membership.members().filter((m) => m.status === 'up').length === 3, 20_000, 'three members up');
    const service = await createJobService({
      system: me.system, dir, matrixSource: createGeneratedMatrixSource(UNIVERSE), runners: 0, poolThreads: 1,
      remoteRunners: members.map((m) => me.refFor<RunnerCommand>(m.first['id'] as string, m.first['path'] as string)),
    });
    const started: { at: number; runner: string }[] = [];
    service.onEvent((e) => { if (e.type === 'job.started') started.push({ at: performance.now(), runner: e.runner }); });
    await service.submit(longSpec(5_000_000));
    await waitFor(() => started.length === 1, 20_000, 'long job started');
    await new Promise((r) => setTimeout(r, 2_000)); // the detectors learn the heartbeat rhythm
    const victim = members.find((m) => m.first['path'] === started[0]!.runner)!;
    const t0 = performance.now();
    await kill(victim.proc);
    await waitFor(() => started.length === 2, 30_000, 'job running again');
    const ms = started[1]!.at - t0;
    await service.close();
    return ms;
  } finally {
    await me.shutdown();
    for (const m of members) await kill(m.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** kill -9 of the process running the whole service → a new process on the same journal runs the job again. */
async function serviceRestartRecovery(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-jobs-'));
  try {
    const first = await spawnChild('service', { dir });
    await waitFor(() => first.msgs.some((m) => m['started']), 20_000, 'long job started');
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    await kill(first.proc);
    const second = await spawnChild('service', { dir });
    await waitFor(() => second.msgs.some((m) => m['started']), 20_000, 'job running again');
    const at = second.msgs.find((m) => m['started'])!['at'] as number;
    await kill(second.proc);
    return at - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: Scenario = {
  area: 'jobs',
  description: 'small-job throughput through the scheduler vs the same jobs run directly; kill -9 to running again; checkpoint overhead',
  async run(ctx) {
    const quick = ctx.quick;
    const runs = quick ? 2 : 5;
    const n = quick ? 20 : 150;

    ctx.log(`throughput: ${n} small jobs (random search, 400 evaluations, k 5 of ${UNIVERSE.nStrategies}, ${UNIVERSE.nDays} days), ${runs} runs`);
    const pool = createRunnerPool({ threads: 2 });
    const source = createGeneratedMatrixSource(UNIVERSE);
    await directThroughput(8, pool, source);
    await serviceThroughput(8);
    const direct: number[] = [];
    const service: number[] = [];
    for (let i = 0; i < runs; i++) {
      direct.push(await directThroughput(n, pool, source));
      service.push(await serviceThroughput(n));
    }
    await pool.close();
    ctx.emit({
      ...compared('jobs.small-jobs', 'throughput', 'jobs/s', summarise(service), { name: 'the same jobs run directly on the same 2-thread pool, 2 at a time, no scheduler or journal', summary: summarise(direct) }),
      note: 'submitted at once; each acknowledged after fsync; 2 local runners sharing a 2-thread pool',
    });

    // The default-interval pair needs runs several checkpoint intervals long, so only the full profile has it;
    // the quick profile keeps the per-checkpoint cost and overhead, which come from the stress pairs below.
    await longJobSeconds(quick ? 20_000 : 50_000, { checkpointGenerations: 0, checkpointMs: 0 });
    if (quick) {
      ctx.log('jobs.checkpoint (a 1 M-evaluation job at the default 2 s interval vs none): full profile only');
    } else {
      const longEvaluations = 1_000_000;
      ctx.log(`checkpoint overhead: genetic algorithm, ${longEvaluations} evaluations, default settings (a checkpoint every 2 s) vs none, ${runs} runs`);
      const { none, withCheckpoints: dflt, checkpoints: dfltCheckpoints } = await checkpointPairs(runs, longEvaluations, { checkpointGenerations: 0, checkpointMs: 2_000 });
      ctx.emit({
        ...compared('jobs.checkpoint', 'run-time', 's', summarise(dflt), { name: 'the same job with checkpoints off', summary: summarise(none) }, { ratio: '<=1.05' }),
        note: `default settings: a durable (fsync'd) checkpoint every 2 s, ${dfltCheckpoints} in the run`,
      });
    }
    const shortEvaluations = quick ? 20_000 : 100_000;
    ctx.log(`checkpoint cost: genetic algorithm, ${shortEvaluations} evaluations, a checkpoint after every generation vs none, ${runs} runs`);
    const { none: noneShort, withCheckpoints: every, checkpoints: everyCheckpoints } = await checkpointPairs(runs, shortEvaluations, { checkpointGenerations: 1, checkpointMs: 0 });
    ctx.emit({
      ...compared('jobs.checkpoint-every-generation', 'run-time', 's', summarise(every), { name: 'the same job with checkpoints off', summary: summarise(noneShort) }),
      note: `stress, not a default: a durable checkpoint after every generation (${everyCheckpoints} in a ${shortEvaluations}-evaluation run)`,
    });
    // The cost of one checkpoint (state, msgpack, ask, journal fsync, acknowledgement) from the stress pairs,
    // as a share of run time at the default rate of one per 2 s: steadier than the difference of two long runs.
    const perCheckpointMs = every.map((e, i) => ((e - noneShort[i]!) * 1000) / Math.max(1, everyCheckpoints));
    ctx.emit({
      ...compared('jobs.checkpoint-cost', 'per-checkpoint', 'ms', summarise(perCheckpointMs), null),
      note: 'one durable checkpoint, from the every-generation runs minus the runs without checkpoints',
    });
    ctx.emit({
      ...compared('jobs.checkpoint-overhead', 'overhead', '%', summarise(perCheckpointMs.map((ms) => (ms / 2_000) * 100)), null, { value: '<=5' }),
      note: 'per-checkpoint cost over the default interval (2 s) between checkpoints',
    });

    const recoveryRuns = quick ? 1 : 3;
    ctx.log(`recovery: kill -9 of a runner's member (3 members, default settings), ${recoveryRuns} run(s); kill -9 of the service process, ${recoveryRuns} run(s)`);
    const memberMs: number[] = [];
    for (let i = 0; i < recoveryRuns; i++) memberMs.push(await runnerMemberRecovery());
    ctx.emit({ ...compared('jobs.recovery.runner-member', 'kill-to-running', 'ms', summarise(memberMs), null, { value: '<=5000' }), note: 'kill -9 of the member running the job → started on the other member from its checkpoint (φ detection + keep-majority downing + deathwatch)' });
    const restartMs: number[] = [];
    for (let i = 0; i < recoveryRuns; i++) restartMs.push(await serviceRestartRecovery());
    ctx.emit({ ...compared('jobs.recovery.service-restart', 'kill-to-running', 'ms', summarise(restartMs), null, { value: '<=5000' }), note: 'kill -9 of the whole service process, restarted at once on its journal (process start included)' });
  },
};
