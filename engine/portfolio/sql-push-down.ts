// The SQL push-down path: a batch of candidates becomes one statement per store node that returns, per trading
// day, each candidate's partial daily P&L sum over the strategies that node serves; the caller merges the
// partials (adds them) and the metrics come from the merged series through the same fused kernel.
// The SQL stays inside the subset DuckDB and HeavyDB both parse: no VALUES tables or joins, only CASE, SUM,
// IN, GROUP BY, with every value a ? placeholder (HeavyDB's driver inlines them as quoted literals).
import type { Evaluation, SubsetCandidate } from '../algorithms/types.ts';
import { packCandidates } from './candidate-batch.ts';
import type { CandidateBatch } from './candidate-batch.ts';
import { portfolioError } from './errors.ts';
import type { PortfolioEvaluator } from './evaluator.ts';
import { readEvaluations } from './evaluator.ts';

export type SqlParam = string | number;

export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

export interface PartialSumsOptions {
  /** the `zone` to read; default 'ALL' (zone mode off). */
  readonly zone?: string;
  /** ISO trading days, inclusive; omitted bounds are open. */
  readonly firstDay?: string;
  readonly lastDay?: string;
  /** restrict to these partition ids (the ones this node serves for the read), so replicas are not summed twice. */
  readonly partitions?: readonly number[] | null;
}

/** What a node returns: `trading_day` (ISO text) and one column c0 … c{m−1} per candidate of the statement. */
export interface PartialSumsResult {
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, ArrayLike<unknown>>>;
}

/**
 * The statement for candidates [from, to) of a batch: SELECT trading_day, SUM(CASE WHEN strategy_id = ? THEN
 * pnl … END) AS c0, … FROM daily_pnl WHERE zone = ? … AND strategy_id IN (…) GROUP BY trading_day.
 * strategyIds[i] is the store id of matrix row i.
 */
export function partialSumsSql(
  batch: CandidateBatch, from: number, to: number, strategyIds: readonly string[], options: PartialSumsOptions = {},
): SqlStatement {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > batch.count || from >= to) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `candidate range [${from}, ${to}) must be non-empty and inside the batch of ${batch.count}`, { from, to, count: batch.count });
  }
  const params: SqlParam[] = [];
  const sums: string[] = [];
  const used = new Set<number>();
  for (let c = from; c < to; c++) {
    const a = batch.starts[c]!;
    const b = batch.starts[c + 1]!;
    if (a === b) {
      sums.push(`SUM(CAST(0 AS DOUBLE)) AS c${c - from}`);
      continue;
    }
    const branches: string[] = [];
    for (let j = a; j < b; j++) {
      const s = batch.indices[j]!;
      const id = strategyIds[s];
      if (id === undefined) {
        throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `no store id for strategy row ${s} (${strategyIds.length} ids given)`, { strategy: s });
      }
      used.add(s);
      params.push(id);
      if (batch.weights) {
        branches.push('WHEN strategy_id = ? THEN CAST(? AS DOUBLE) * pnl');
        params.push(batch.weights[j]!);
      } else {
        branches.push('WHEN strategy_id = ? THEN pnl');
      }
    }
    sums.push(`SUM(CASE ${branches.join(' ')} ELSE CAST(0 AS DOUBLE) END) AS c${c - from}`);
  }
  const where: string[] = ['zone = ?'];
  params.push(options.zone ?? 'ALL');
  if (options.firstDay !== undefined) {
    where.push('trading_day >= ?');
    params.push(options.firstDay);
  }
  if (options.lastDay !== undefined) {
    where.push('trading_day <= ?');
    params.push(options.lastDay);
  }
  const ids = [...used].sort((x, y) => x - y);
  if (ids.length > 0) {
    where.push(`strategy_id IN (${ids.map(() => '?').join(', ')})`);
    for (const s of ids) params.push(strategyIds[s]!);
  }
  const partitions = options.partitions;
  if (partitions) {
    if (partitions.length === 0) where.push('1 = 0');
    else {
      where.push(`partition_id IN (${partitions.map(() => '?').join(', ')})`);
      for (const p of partitions) params.push(p);
    }
  }
  const sql = `SELECT trading_day, ${sums.join(', ')} FROM daily_pnl WHERE ${where.join(' AND ')} GROUP BY trading_day`;
  return { sql, params };
}

/**
 * Adds node partials for candidates [0, count) into series[c * nWindow + (day − dayStart)]; a day absent from
 * every partial stays 0 (no strategy of the candidate traded). dayIndex maps ISO day → matrix day index.
 */
export function mergePartialSums(
  partials: readonly PartialSumsResult[], count: number, dayIndex: ReadonlyMap<string, number>,
  dayStart: number, dayEnd: number, series: Float64Array,
): void {
  const nWindow = dayEnd - dayStart;
  for (const part of partials) {
    if (part.rowCount === 0) continue;
    const days = part.columns['trading_day'];
    if (days === undefined) invalid('a partial result has no trading_day column', {});
    for (let c = 0; c < count; c++) {
      const col = part.columns[`c${c}`];
      if (col === undefined) invalid(`a partial result has no column c${c} for candidate ${c}`, { candidate: c });
      for (let r = 0; r < part.rowCount; r++) {
        const day = days[r];
        const d = typeof day === 'string' ? dayIndex.get(day) : undefined;
        if (d === undefined || d < dayStart || d >= dayEnd) invalid(`partial row ${r} has trading_day ${JSON.stringify(day)}, outside the calendar window`, { row: r, day: String(day) });
        const v = col[r];
        if (v === null || v === undefined) continue;
        if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`partial sum c${c} on ${String(day)} is ${String(v)}, not a finite number`, { candidate: c, day: String(day) });
        const at = c * nWindow + (d - dayStart);
        series[at] = series[at]! + v;
      }
    }
  }
}

export interface SqlEvaluationOptions extends Omit<PartialSumsOptions, 'partitions' | 'firstDay' | 'lastDay'> {
  /** store id of each matrix row */
  readonly strategyIds: readonly string[];
  /** ISO trading day of each matrix column */
  readonly days: readonly string[];
  /** candidates per statement; default 16 (one SUM column each: more amortise the scan, but every row then
   *  runs through more CASE branches). */
  readonly candidatesPerStatement?: number;
  /** Runs the statement on every node that serves part of the strategies and returns their partials. The
   *  caller chooses the nodes and passes each node's partitions to `statementFor` (null: no partition filter). */
  readonly run: (statementFor: (partitions: readonly number[] | null) => SqlStatement) => Promise<readonly PartialSumsResult[]>;
}

/** Evaluates candidates by pushing the daily sums down to the store and computing metrics from the merge. */
export async function evaluateBySql(
  evaluator: PortfolioEvaluator, candidates: readonly SubsetCandidate[], options: SqlEvaluationOptions,
): Promise<Evaluation[]> {
  const { matrix, dayStart, dayEnd } = evaluator.problem;
  if (options.strategyIds.length !== matrix.nStrategies || options.days.length !== matrix.nDays) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `SQL evaluation needs ${matrix.nStrategies} strategy ids and ${matrix.nDays} days, got ${options.strategyIds.length} and ${options.days.length}`, {});
  }
  const per = options.candidatesPerStatement ?? 16;
  if (!Number.isInteger(per) || per < 1) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_OPTION', `candidatesPerStatement must be a positive integer, got ${String(per)}`, { per });
  }
  const batch = packCandidates(candidates, matrix.nStrategies, evaluator.spec.weighted);
  const dayIndex = new Map(options.days.map((d, i) => [d, i]));
  const nWindow = dayEnd - dayStart;
  const nObjectives = evaluator.nObjectives;
  const out = new Float64Array(batch.count * (nObjectives + 1));
  const base = { zone: options.zone ?? 'ALL', firstDay: options.days[dayStart]!, lastDay: options.days[dayEnd - 1]! };
  for (let from = 0; from < batch.count; from += per) {
    const to = Math.min(batch.count, from + per);
    const partials = await options.run((partitions) => partialSumsSql(batch, from, to, options.strategyIds, { ...base, partitions }));
    const series = new Float64Array((to - from) * nWindow);
    mergePartialSums(partials, to - from, dayIndex, dayStart, dayEnd, series);
    evaluator.evaluateSeries(batch, from, to, series, out.subarray(from * (nObjectives + 1)));
  }
  return readEvaluations(out, batch.count, nObjectives);
}

function invalid(message: string, data: Readonly<Record<string, unknown>>): never {
  throw portfolioError('STRATA_PORTFOLIO_SQL_RESULT_INVALID', message, data);
}
