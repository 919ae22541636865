// The scaling curves: candidate evaluations per second of a CPU-bound batch (the portfolio kernel, k = 10 of 500
// strategies over 2,000 days) through engine/portfolio's piscina pool at 1, 2, 4, … threads up to the core count
// (or `--threads 1,2,4,8,16`), and spread over 1, 2, … cluster members on loopback (one process each, batches of
// 256 candidates asked of an evaluator actor), each next to the same kernel on one thread in this process: the
// ratio is the speedup. This file is also the member process (`node scaling.ts --scaling-member <seed>`).
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { pino } from 'pino';
import { createClusterMember, type ClusterMember } from '../../cluster/remote/index.ts';
import type { ActorRef } from '../../runtime/index.ts';
import {
  createEvaluationPool, createPortfolioEvaluator, createPortfolioProblem, createSeededRandom,
} from '../../engine/portfolio/index.ts';
import type { PortfolioProblem } from '../../engine/portfolio/index.ts';
import type { SubsetCandidate } from '../../engine/algorithms/types.ts';
import { compared, repeat, type Scenario, type Summary } from '../scenario.ts';
import { DAYS, K, N, SPEC, benchPortfolioMatrix } from '../portfolio-instance.ts';

const problem = (): PortfolioProblem => createPortfolioProblem(benchPortfolioMatrix(7), SPEC);

function candidates(count: number, seed: number): SubsetCandidate[] {
  const rng = createSeededRandom(seed);
  return Array.from({ length: count }, () => {
    const set = new Set<number>();
    while (set.size < K) set.add(rng.int(N));
    return { indices: [...set].sort((a, b) => a - b) };
  });
}

/** 1, 2, 4, … up to the core count, plus the core count itself when it is not a power of two. */
export function defaultThreadCounts(cores: number): number[] {
  const out: number[] = [];
  for (let t = 1; t <= cores; t *= 2) out.push(t);
  if (out[out.length - 1] !== cores) out.push(cores);
  return out;
}

// ---- members on loopback ----------------------------------------------------------------------------------------

const SECRET = 'bench-scaling-secret-0123456789';
const CHUNK = 256;
type EvalReply = { type: 'eval.ok'; count: number; checksum: number };
type EvalMsg = { type: 'eval'; indices: number[]; count: number; replyTo: ActorRef<EvalReply> };

function checksumOf(p: PortfolioProblem, cs: readonly SubsetCandidate[]): number {
  let sum = 0;
  for (const e of createPortfolioEvaluator(p).evaluate(cs)) sum += e.objectives[0]!;
  return sum;
}

async function memberProcess(seed: string): Promise<void> {
  const p = problem();
  const evaluator = createPortfolioEvaluator(p);
  const member = await createClusterMember({ cluster: 'bench-scaling', secret: SECRET, seeds: [seed], seedTimeoutMs: 100, logger: pino({ level: 'silent' }), behaviours: {} });
  member.system.spawn<EvalMsg>(() => ({
    receive: (m) => {
      const cs: SubsetCandidate[] = [];
      for (let c = 0; c < m.count; c++) cs.push({ indices: m.indices.slice(c * K, (c + 1) * K) });
      let checksum = 0;
      for (const e of evaluator.evaluate(cs)) checksum += e.objectives[0]!;
      m.replyTo.tell({ type: 'eval.ok', count: m.count, checksum });
    },
  }), { name: 'evaluator' });
  process.send!({ ready: true, id: member.id });
}

if (process.argv[2] === '--scaling-member') await memberProcess(process.argv[3]!);

function startMember(seed: string): Promise<{ proc: ChildProcess; id: string }> {
  const proc = fork(new URL(import.meta.url), ['--scaling-member', seed], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ proc, id: (m as { id: string }).id }));
    proc.once('exit', (code) => reject(new Error(`scaling member exited with ${code} before it was ready`)));
  });
}

async function untilUp(coordinator: ClusterMember, ids: readonly string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ids.every((id) => coordinator.membership.members().find((m) => m.id === id)?.state === 'up')) {
    if (Date.now() > deadline) throw new Error('scaling members did not come up within 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every chunk asked of the members, two in flight per member; returns candidates/s and the summed checksum. */
async function spread(coordinator: ClusterMember, evaluators: readonly ActorRef<EvalMsg>[], chunks: readonly { indices: number[]; count: number }[]): Promise<{ rate: number; checksum: number }> {
  let next = 0, done = 0, checksum = 0;
  const t = performance.now();
  const lane = async (ref: ActorRef<EvalMsg>) => {
    while (next < chunks.length) {
      const c = chunks[next++]!;
      const r = await coordinator.system.ask<EvalMsg, EvalReply>(ref, (replyTo) => ({ type: 'eval', indices: c.indices, count: c.count, replyTo }), { timeoutMs: 60_000 });
      done += r.count;
      checksum += r.checksum;
    }
  };
  await Promise.all(evaluators.flatMap((ref) => [lane(ref), lane(ref)]));
  return { rate: done / ((performance.now() - t) / 1000), checksum };
}

async function scaleMembers(ctx: Parameters<Scenario['run']>[0], p: PortfolioProblem, oneThread: Summary, counts: readonly number[], runs: number): Promise<void> {
  const coordinator = await createClusterMember({ cluster: 'bench-scaling', secret: SECRET, seeds: [], seedTimeoutMs: 100, logger: pino({ level: 'silent' }), behaviours: {} });
  const members: { proc: ChildProcess; id: string }[] = [];
  try {
    const seed = `127.0.0.1:${coordinator.transport.port}`;
    for (let i = 0; i < Math.max(...counts); i++) members.push(await startMember(seed));
    await untilUp(coordinator, members.map((m) => m.id));
    const refs = members.map((m) => coordinator.refFor<EvalMsg>(m.id, '/user/evaluator'));
    for (const n of counts) {
      const batch = candidates(Math.max(ctx.quick ? 3_000 : 8_000, n * CHUNK * 4), 100 + n);
      const expected = checksumOf(p, batch);
      const chunks: { indices: number[]; count: number }[] = [];
      for (let i = 0; i < batch.length; i += CHUNK) {
        const part = batch.slice(i, i + CHUNK);
        chunks.push({ indices: part.flatMap((c) => [...c.indices]), count: part.length });
      }
      const rate = await repeat(runs, async () => {
        const r = await spread(coordinator, refs.slice(0, n), chunks);
        if (Math.abs(r.checksum - expected) > 1e-6 * Math.max(1, Math.abs(expected))) throw new Error(`members returned checksum ${r.checksum}, expected ${expected}`);
        return r.rate;
      });
      ctx.log(`${n} member(s): ${rate.median.toFixed(0)} candidates/s (×${(rate.median / oneThread.median).toFixed(2)})`);
      ctx.emit({
        ...compared(`scaling.members-${n}`, 'throughput', 'candidates/s', rate, { name: 'the same kernel on one thread in the same process', summary: oneThread }),
        note: `${n} member process(es) on loopback (authenticated ws links), batches of ${CHUNK} candidates asked of an evaluator actor, 2 in flight per member, `
          + `${batch.length} candidates per run, results checked; the coordinator shares the ${availableParallelism()} cores`,
      });
    }
  } finally {
    for (const m of members) {
      if (m.proc.exitCode === null && m.proc.signalCode === null) {
        const gone = new Promise<void>((r) => m.proc.once('exit', () => r()));
        m.proc.kill('SIGKILL');
        await gone;
      }
    }
    await coordinator.shutdown();
  }
}

export const scenario: Scenario = {
  area: 'scaling',
  description: 'portfolio batch evaluation over 1, 2, 4, … pool threads and cluster members on loopback vs the kernel on one thread',
  baseline: 'the fused kernel on one thread in the same process',
  async run(ctx) {
    const cores = availableParallelism();
    const counts = ctx.threads ?? defaultThreadCounts(cores);
    const runs = ctx.quick ? 3 : 5;
    // both curves divide by the one-thread figure, so it is measured whenever either runs
    const curves = { threads: ctx.wants('scaling.threads'), members: ctx.wants('scaling.members') };
    if (!curves.threads && !curves.members) return;
    const p = problem();
    const evaluator = createPortfolioEvaluator(p);
    const single = candidates(ctx.quick ? 3_000 : 8_000, 1);
    const oneThread = await repeat(runs, () => {
      const t = performance.now();
      evaluator.evaluate(single);
      return single.length / ((performance.now() - t) / 1000);
    });
    ctx.log(`one thread in process: ${oneThread.median.toFixed(0)} candidates/s`);
    // each thread count has its own pool: a count not asked for (--only scaling.threads-16) is simply left out
    for (const threads of curves.threads ? counts : []) {
      if (!ctx.wants(`scaling.threads-${threads}`)) continue;
      // enough work that every thread gets several tasks of 256 candidates per batch
      const batch = candidates(Math.max(ctx.quick ? 3_000 : 8_000, threads * 256 * 4), 2 + threads);
      const pool = createEvaluationPool(p, { threads, taskSize: 256 });
      try {
        const rate = await repeat(runs, async () => {
          const t = performance.now();
          await pool.evaluate(batch);
          return batch.length / ((performance.now() - t) / 1000);
        });
        ctx.log(`${threads} thread(s): ${rate.median.toFixed(0)} candidates/s (×${(rate.median / oneThread.median).toFixed(2)})`);
        ctx.emit({
          ...compared(`scaling.threads-${threads}`, 'throughput', 'candidates/s', rate,
            { name: 'the same kernel on one thread in the same process', summary: oneThread },
            { ratio: `>=${(0.8 * threads).toFixed(1)}` }),
          note: `piscina pool of ${threads} thread(s) on ${cores} cores, tasks of 256, ${batch.length} candidates per batch, k ${K} of ${N}, ${DAYS} days; `
            + `ratio = speedup over one thread; target 0.8 × threads (issue 7's pool target)${threads > cores ? '; more threads than cores' : ''}`,
        });
      } finally {
        await pool.close();
      }
    }
    // the members are started once for every count: that curve runs whole or not at all
    if (curves.members) await scaleMembers(ctx, p, oneThread, defaultThreadCounts(cores), runs);
  },
};
