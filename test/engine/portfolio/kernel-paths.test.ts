// Every evaluation path gives the same numbers: the fused single-thread kernel, incremental one-strategy swaps,
// the piscina pool over the shared matrix (real worker threads), and SQL push-down on real DuckDB databases
// whose per-node partial sums are merged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  createEvaluationPool, createIncrementalEvaluator, createPortfolioEvaluator, createPortfolioMatrix,
  createPortfolioProblem, createSeededRandom, evaluateBySql, packCandidates, partialSumsSql,
} from '../../../engine/portfolio/index.ts';
import type { PartialSumsResult, PortfolioProblem, PortfolioSpec } from '../../../engine/portfolio/index.ts';
import type { Evaluation, SubsetCandidate } from '../../../engine/algorithms/types.ts';

const N = 16;
const DAYS = 250;
const rng = createSeededRandom(42);
// strategies start and stop on different days (NaN outside), as the store's matrix does
const raw = Array.from({ length: N * DAYS }, (_, i) => {
  const s = Math.floor(i / DAYS);
  const d = i % DAYS;
  return d < s * 3 || d > DAYS - 1 - s ? NaN : Math.round((rng.normal() * 800 + 25) * 100) / 100;
});
const matrix = createPortfolioMatrix({ nStrategies: N, nDays: DAYS, pnl: raw, trades: Array.from({ length: N }, (_, i) => 10 + i) });
// ids with quotes and SQL metacharacters are data, never code
const strategyIds = Array.from({ length: N }, (_, i) => (i % 4 === 0 ? `it's "${i}"; DROP TABLE daily_pnl; --` : `strategy-${i}`));
const days = Array.from({ length: DAYS }, (_, d) => new Date(Date.UTC(2021, 0, 4) + d * 86_400_000).toISOString().slice(0, 10));
const spec: PortfolioSpec = {
  objectives: ['ratio', 'netProfit', 'maxDrawdown', 'maxDrawdownPct', 'sharpe', 'sortino', 'calmar', 'winRate', 'profitFactor', 'expectancy', 'cvar95', 'correlation'],
  kMin: 2, kMax: 6, capital: 100_000, maxPairwiseCorrelation: 0.05, minTrades: 12,
};

function randomCandidates(count: number, seed: number): SubsetCandidate[] {
  const r = createSeededRandom(seed);
  return Array.from({ length: count }, () => {
    const k = 1 + r.int(7);
    const set = new Set<number>();
    while (set.size < k) set.add(r.int(N));
    return { indices: [...set].sort((a, b) => a - b) };
  });
}

function expectSame(a: readonly Evaluation[], b: readonly Evaluation[], what: string): void {
  expect(a.length).toBe(b.length);
  a.forEach((e, c) => {
    expect(Math.abs(e.violation - b[c]!.violation), `${what} violation of candidate ${c}`).toBeLessThan(1e-9);
    e.objectives.forEach((x, i) => {
      const y = b[c]!.objectives[i]!;
      expect(Math.abs(x - y) / Math.max(1, Math.abs(y)), `${what}: objective ${spec.objectives[i]} of candidate ${c}: ${x} vs ${y}`).toBeLessThan(1e-9);
    });
  });
}

describe('evaluation paths', () => {
  const windows = [{ dayStart: 0, dayEnd: DAYS }, { dayStart: 30, dayEnd: 200 }];
  const candidates = randomCandidates(120, 9);

  it('incremental swaps give the numbers of a fresh evaluation', () => {
    for (const w of windows) {
      const problem = createPortfolioProblem(matrix, spec, w);
      const fresh = createPortfolioEvaluator(problem);
      const inc = createIncrementalEvaluator(problem);
      const r = createSeededRandom(5);
      expectSame([inc.load({ indices: [1, 4, 7, 10] })], fresh.evaluate([{ indices: [1, 4, 7, 10] }]), 'load');
      // 150 random swaps, two thirds committed: crosses the periodic rebuild of the series
      for (let step = 0; step < 150; step++) {
        const cur = inc.current().indices;
        const out = cur[r.int(cur.length)]!;
        let add = r.int(N);
        while (cur.includes(add)) add = r.int(N);
        const got = inc.trySwap(out, add);
        const next = cur.map((s) => (s === out ? add : s)).sort((a, b) => a - b);
        expectSame([got], fresh.evaluate([{ indices: next }]), `swap ${step}`);
        if (r.next() < 0.67) inc.commit();
      }
    }
  });

  it('incremental swaps of weighted portfolios give the numbers of a fresh evaluation', () => {
    const problem = createPortfolioProblem(matrix, { ...spec, weights: { min: 0.1, max: 3 } });
    const fresh = createPortfolioEvaluator(problem);
    const inc = createIncrementalEvaluator(problem);
    inc.load({ indices: [2, 5, 9], weights: [0.5, 1.5, 2] });
    const got = inc.trySwap(5, 12, 0.75);
    expectSame([got], fresh.evaluate([{ indices: [2, 9, 12], weights: [0.5, 2, 0.75] }]), 'weighted swap');
    inc.commit();
    expect(inc.current()).toEqual({ indices: [2, 9, 12], weights: [0.5, 2, 0.75] });
  });

  it('the pool gives the numbers of the single-thread kernel, bit for bit, whatever the thread count', async () => {
    const problem = createPortfolioProblem(matrix, spec, windows[1]);
    const single = createPortfolioEvaluator(problem).evaluate(candidates);
    for (const threads of [1, 2]) {
      const pool = createEvaluationPool(problem, { threads, taskSize: 32 });
      try {
        expect(await pool.evaluate(candidates)).toEqual(single);
      } finally {
        await pool.close();
      }
    }
  });

  describe('SQL push-down on DuckDB', () => {
    // two store nodes; strategies partitioned by index parity, node A also holds replicas of node B's rows
    const nodes: { inst: DuckDBInstance; con: DuckDBConnection; serves: number[] }[] = [];

    beforeAll(async () => {
      for (const serves of [[0], [1]]) {
        const inst = await DuckDBInstance.create(':memory:');
        const con = await inst.connect();
        await con.run('CREATE TABLE daily_pnl (strategy_id TEXT NOT NULL, trading_day TEXT NOT NULL, zone TEXT NOT NULL, pnl DOUBLE NOT NULL, n_trades INTEGER, partition_id INTEGER NOT NULL)');
        const app = await con.createAppender('daily_pnl');
        for (let s = 0; s < N; s++) {
          const partition = s % 2;
          if (!(serves[0] === 0 || partition === serves[0])) continue; // node 0 holds everything (replicas)
          for (let d = 0; d < DAYS; d++) {
            const v = raw[s * DAYS + d]!;
            if (Number.isNaN(v)) continue;
            for (const zone of ['ALL', 'OTHER']) {
              app.appendVarchar(strategyIds[s]!);
              app.appendVarchar(days[d]!);
              app.appendVarchar(zone);
              app.appendDouble(zone === 'ALL' ? v : v * 1000);
              app.appendInteger(1);
              app.appendInteger(partition);
              app.endRow();
            }
          }
        }
        app.flushSync();
        app.closeSync();
        nodes.push({ inst, con, serves });
      }
    });

    afterAll(() => {
      for (const n of nodes) {
        n.con.disconnectSync();
        n.inst.closeSync();
      }
    });

    async function runOnNodes(statementFor: (p: readonly number[] | null) => { sql: string; params: readonly (string | number)[] }): Promise<PartialSumsResult[]> {
      return Promise.all(nodes.map(async (n) => {
        const st = statementFor(n.serves);
        const reader = await n.con.runAndReadAll(st.sql, [...st.params]);
        return { rowCount: reader.currentRowCount, columns: reader.getColumnsObjectJS() as Record<string, unknown[]> };
      }));
    }

    for (const w of windows) {
      it(`merges per-node partial sums into the kernel's numbers (days ${w.dayStart}…${w.dayEnd})`, async () => {
        const problem: PortfolioProblem = createPortfolioProblem(matrix, spec, w);
        const ev = createPortfolioEvaluator(problem);
        const bySql = await evaluateBySql(ev, candidates, { strategyIds, days, candidatesPerStatement: 25, run: runOnNodes });
        expectSame(bySql, ev.evaluate(candidates), 'sql');
      });
    }

    it('merges weighted candidates too', async () => {
      const problem = createPortfolioProblem(matrix, { ...spec, weights: { min: 0, max: 2 } });
      const ev = createPortfolioEvaluator(problem);
      const r = createSeededRandom(77);
      const weighted = candidates.slice(0, 30).map((c) => ({ indices: c.indices, weights: c.indices.map(() => Math.round(r.next() * 300) / 100) }));
      expectSame(await evaluateBySql(ev, weighted, { strategyIds, days, run: runOnNodes }), ev.evaluate(weighted), 'weighted sql');
    });

    it('keeps every value out of the SQL text and filters by partition when asked', () => {
      const batch = packCandidates(candidates.slice(0, 3), N, false);
      const st = partialSumsSql(batch, 0, 3, strategyIds, { zone: "z'1", firstDay: days[0]!, lastDay: days[9]!, partitions: [1, 3] });
      for (const id of strategyIds) expect(st.sql).not.toContain(id);
      expect(st.sql).not.toContain("z'1");
      expect(st.sql).toContain('partition_id IN (?, ?)');
      expect(st.sql.split('?').length - 1).toBe(st.params.length);
      expect(st.params.slice(-2)).toEqual([1, 3]);
    });

    it('refuses a partial result whose day is not in the calendar', async () => {
      const ev = createPortfolioEvaluator(createPortfolioProblem(matrix, spec));
      const run = async (): Promise<PartialSumsResult[]> => [{ rowCount: 1, columns: { trading_day: ['1999-01-01'], c0: [1] } }];
      await expect(evaluateBySql(ev, candidates.slice(0, 1), { strategyIds, days, run })).rejects.toMatchObject({ code: 'STRATA_PORTFOLIO_SQL_RESULT_INVALID' });
    });
  });
});
