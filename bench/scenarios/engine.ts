// Portfolio evaluation benchmarks (k = 10 of N = 500 strategies, 2,000 days): candidate evaluations per second
// through the single-thread fused kernel, incremental one-strategy swaps, the piscina pool (a scaling curve by
// thread count) and SQL push-down on an in-memory DuckDB, each next to a raw typed-array loop that sums the
// same rows and computes the same one-pass statistics inline, measured in the same run.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  createEvaluationPool, createIncrementalEvaluator, createPortfolioEvaluator, createPortfolioProblem, createSeededRandom, evaluateBySql,
} from '../../engine/portfolio/index.ts';
import type { PortfolioMatrix, PortfolioProblem } from '../../engine/portfolio/index.ts';
import type { SubsetCandidate } from '../../engine/algorithms/types.ts';
import { compared, repeat } from '../scenario.ts';
import { DAYS, K, N, SPEC, benchPortfolioMatrix } from '../portfolio-instance.ts';
import type { BenchContext, Scenario, Summary } from '../scenario.ts';

const benchMatrix = (): PortfolioMatrix => benchPortfolioMatrix(2026);

function randomCandidates(count: number, seed: number): SubsetCandidate[] {
  const rng = createSeededRandom(seed);
  return Array.from({ length: count }, () => {
    const set = new Set<number>();
    while (set.size < K) set.add(rng.int(N));
    return { indices: [...set].sort((a, b) => a - b) };
  });
}

/** The raw baseline: per candidate, sum the k rows day by day and keep the same running statistics as the
 *  fused kernel (sum, squares, downside squares, wins, losses, gross gain/loss, drawdown in money and %). */
function rawLoop(pnl: Float64Array, candidates: readonly SubsetCandidate[]): number {
  const offsets = new Int32Array(K);
  let check = 0;
  const t = performance.now();
  for (const c of candidates) {
    for (let j = 0; j < K; j++) offsets[j] = c.indices[j]! * DAYS;
    let equity = 0, peak = 0, dd = 0, ddPct = 0, sum = 0, sq = 0, down = 0, wins = 0, losses = 0, gains = 0, lossSum = 0;
    for (let d = 0; d < DAYS; d++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += pnl[offsets[j]! + d]!;
      sum += s;
      sq += s * s;
      if (s > 0) { wins++; gains += s; } else if (s < 0) { losses++; lossSum -= s; down += s * s; }
      equity += s;
      if (equity > peak) peak = equity;
      else { const x = peak - equity; if (x > dd) dd = x; const p = x / (1_000_000 + peak); if (p > ddPct) ddPct = p; }
    }
    check += sum / dd + sq + down + wins - losses + gains - lossSum + ddPct;
  }
  const rate = candidates.length / ((performance.now() - t) / 1000);
  if (Number.isNaN(check)) throw new Error('raw loop produced NaN');
  return rate;
}

// This module doubles as the worker of the parallel raw baseline: the same raw loop on plain worker threads,
// which shows how much parallelism the machine really gives (shared VMs often give less than their cores).
if (!isMainThread && (workerData as { engineRawLoop?: boolean } | null)?.engineRawLoop) {
  parentPort!.on('message', (msg: { pnl: Float64Array; candidates: SubsetCandidate[] }) => {
    parentPort!.postMessage(rawLoop(msg.pnl, msg.candidates));
  });
}

async function rawParallel(threads: number, pnl: Float64Array, candidates: readonly SubsetCandidate[], runs: number): Promise<Summary> {
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { engineRawLoop: true } }));
  const share = Math.ceil(candidates.length / threads);
  const once = (): Promise<number> => {
    const t = performance.now();
    return Promise.all(workers.map((w, i) => new Promise<void>((resolve) => {
      w.once('message', () => resolve());
      w.postMessage({ pnl, candidates: candidates.slice(i * share, (i + 1) * share) });
    }))).then(() => candidates.length / ((performance.now() - t) / 1000));
  };
  try {
    return await repeat(runs, once);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function timed(count: number, fn: () => void): number {
  const t = performance.now();
  fn();
  return count / ((performance.now() - t) / 1000);
}

async function benchKernels(ctx: BenchContext, problem: PortfolioProblem, raw: Summary, runs: number): Promise<void> {
  const candidates = randomCandidates(ctx.quick ? 1500 : 4000, 1);
  const evaluator = createPortfolioEvaluator(problem);
  const single = await repeat(runs, () => timed(candidates.length, () => { evaluator.evaluate(candidates); }));
  ctx.log(`single-thread kernel ${single.median.toFixed(0)}/s, raw ${raw.median.toFixed(0)}/s`);
  ctx.emit({
    ...compared('engine.kernel', 'throughput', 'candidates/s', single, { name: 'raw typed-array loop, same statistics inline', summary: raw }, { ratio: '>=0.8' }),
    note: `fused one-pass kernel via evaluate(), objectives ${SPEC.objectives.join(', ')}; k ${K} of ${N}, ${DAYS} days; ${candidates.length} candidates per run`,
  });

  const inc = createIncrementalEvaluator(problem);
  const rng = createSeededRandom(3);
  const swaps = ctx.quick ? 3000 : 8000;
  const incremental = await repeat(runs, () => timed(swaps, () => {
    inc.load(candidates[0]!);
    for (let i = 0; i < swaps; i++) {
      const cur = inc.current().indices;
      const out = cur[rng.int(K)]!;
      let add = rng.int(N);
      while (cur.includes(add)) add = rng.int(N);
      inc.trySwap(out, add);
      if ((i & 3) === 0) inc.commit();
    }
  }));
  ctx.log(`incremental swaps ${incremental.median.toFixed(0)}/s`);
  ctx.emit({
    ...compared('engine.incremental', 'throughput', 'candidates/s', incremental, { name: 'raw typed-array loop, same statistics inline', summary: raw }, { ratio: '>=1' }),
    note: `trySwap of one strategy (two row passes + metrics pass instead of ${K} row passes), every 4th committed`,
  });
}

async function benchPool(ctx: BenchContext, problem: PortfolioProblem, raw: Summary, runs: number): Promise<void> {
  const candidates = randomCandidates(ctx.quick ? 4000 : 12000, 2);
  const cores = availableParallelism();
  const counts = [...new Set([1, 2, 4, 8, 16].filter((t) => t <= cores).concat(cores))].sort((a, b) => a - b);
  for (const threads of counts) {
    const pool = createEvaluationPool(problem, { threads, taskSize: 256 });
    try {
      const parallel = await rawParallel(threads, problem.matrix.pnl, candidates, runs);
      ctx.log(`raw loop on ${threads} plain threads ${parallel.median.toFixed(0)}/s`);
      ctx.emit({
        ...compared(`engine.raw-parallel.threads-${threads}`, 'throughput', 'candidates/s', parallel, { name: 'raw typed-array loop, one thread', summary: raw }),
        note: `the raw loop itself on ${threads} plain worker threads at once: the parallelism this machine actually gives; compare engine.pool${threads === 2 ? '' : `.threads-${threads}`} with it`,
      });
      const rate = await repeat(runs, async () => {
        const t = performance.now();
        await pool.evaluate(candidates);
        return candidates.length / ((performance.now() - t) / 1000);
      });
      ctx.log(`pool ${threads} threads ${rate.median.toFixed(0)}/s`);
      ctx.emit({
        ...compared(threads === 2 ? 'engine.pool' : `engine.pool.threads-${threads}`, 'throughput', 'candidates/s', rate, { name: 'raw typed-array loop, one thread', summary: raw }, { ratio: `>=${(0.8 * threads).toFixed(1)}` }),
        note: `${threads} worker threads on ${cores} cores, tasks of 256 candidates, ${candidates.length} candidates per batch; matrix shared (SharedArrayBuffer), not copied`,
      });
    } finally {
      await pool.close();
    }
  }
}

async function benchSql(ctx: BenchContext, matrix: PortfolioMatrix, problem: PortfolioProblem, raw: Summary, runs: number): Promise<void> {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  try {
    await con.run('CREATE TABLE daily_pnl (strategy_id TEXT NOT NULL, trading_day TEXT NOT NULL, zone TEXT NOT NULL, pnl DOUBLE NOT NULL, n_trades INTEGER, partition_id INTEGER NOT NULL)');
    const ids = Array.from({ length: N }, (_, i) => `strategy-${i}`);
    const days = Array.from({ length: DAYS }, (_, d) => new Date(Date.UTC(2015, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));
    const app = await con.createAppender('daily_pnl');
    for (let s = 0; s < N; s++) {
      for (let d = 0; d < DAYS; d++) {
        app.appendVarchar(ids[s]!);
        app.appendVarchar(days[d]!);
        app.appendVarchar('ALL');
        app.appendDouble(matrix.pnl[s * DAYS + d]!);
        app.appendInteger(1);
        app.appendInteger(0);
        app.endRow();
      }
    }
    app.flushSync();
    app.closeSync();
    const evaluator = createPortfolioEvaluator(problem);
    const candidates = randomCandidates(ctx.quick ? 32 : 256, 4);
    const rate = await repeat(runs, async () => {
      const t = performance.now();
      await evaluateBySql(evaluator, candidates, {
        strategyIds: ids, days,
        run: async (statementFor) => {
          const st = statementFor(null);
          const reader = await con.runAndReadAll(st.sql, [...st.params]);
          return [{ rowCount: reader.currentRowCount, columns: reader.getColumnsObjectJS() as Record<string, unknown[]> }];
        },
      });
      return candidates.length / ((performance.now() - t) / 1000);
    });
    ctx.log(`SQL push-down ${rate.median.toFixed(0)}/s`);
    ctx.emit({
      ...compared('engine.sql-push-down', 'throughput', 'candidates/s', rate, { name: 'raw typed-array loop, one thread', summary: raw }),
      note: `one in-memory DuckDB node holding the ${N} × ${DAYS} daily_pnl rows; 16 candidates per statement (CASE sums grouped by day), merged and measured in TS`,
    });
  } finally {
    con.disconnectSync();
    inst.closeSync();
  }
}

export const scenario: Scenario = {
  area: 'engine',
  description: 'portfolio candidate evaluations/s: fused kernel, incremental swaps, piscina pool, SQL push-down vs a raw loop',
  async run(ctx) {
    const runs = ctx.quick ? 3 : 5;
    const matrix = benchMatrix();
    const problem = createPortfolioProblem(matrix, SPEC);
    const rawCandidates = randomCandidates(ctx.quick ? 1500 : 4000, 1);
    const raw = await repeat(runs, () => rawLoop(matrix.pnl, rawCandidates));
    ctx.log(`raw loop ${raw.median.toFixed(0)} candidates/s`);
    await benchKernels(ctx, problem, raw, runs);
    await benchPool(ctx, problem, raw, runs);
    await benchSql(ctx, matrix, problem, raw, runs);
  },
};
