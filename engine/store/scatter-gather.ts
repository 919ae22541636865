// Merging the partial results of a query sent to several nodes (one per group of partitions): concatenation,
// an ordered k-way merge, and the strategies × days P&L matrix assembled strategy-major into one Float64Array.
import { storeError } from './errors.ts';
import { ColumnBuilder, resultColumn } from './result-set.ts';
import type { ResultColumn, ResultSet } from './result-set.ts';

function sameColumns(partials: readonly ResultSet[]): readonly ResultColumn[] {
  const shaped = partials.find((p) => p.columns.length > 0);
  if (!shaped) return [];
  const sig = shaped.columns.map((c) => `${c.name}:${c.type}`).join(',');
  for (const p of partials) {
    if (p.columns.length === 0 && p.rowCount === 0) continue;
    const other = p.columns.map((c) => `${c.name}:${c.type}`).join(',');
    if (other !== sig) throw storeError('STRATA_STORE_MERGE_CONFLICT', `partial results differ in columns: [${sig}] vs [${other}]`, {});
  }
  return shaped.columns;
}

function pushCell(b: ColumnBuilder, c: ResultColumn, r: number): void {
  if (c.type === 'text') { const v = c.values[r]; if (v === null || v === undefined) b.pushNull(); else b.pushText(v); return; }
  if (c.nulls && c.nulls[r]) { b.pushNull(); return; }
  b.pushNumber(c.values[r]!);
}

/** Partials one after the other, in the order given. */
export function concatResults(partials: readonly ResultSet[]): ResultSet {
  return mergeSortedResults(partials, []);
}

/**
 * A k-way merge of partials that are each sorted by `keys` (ascending; the same ORDER BY sent to every node)
 * into one sorted result; with no keys, a concatenation. Ties keep partial order, so the merge is stable.
 */
export function mergeSortedResults(partials: readonly ResultSet[], keys: readonly string[]): ResultSet {
  const shape = sameColumns(partials);
  const live = partials.filter((p) => p.rowCount > 0);
  const total = live.reduce((n, p) => n + p.rowCount, 0);
  const builders = shape.map((c) => new ColumnBuilder(c.name, c.type, total));
  const colsOf = live.map((p) => shape.map((c) => resultColumn(p, c.name)));
  const keyCols = live.map((p) => keys.map((k) => resultColumn(p, k)));
  const cursor = new Array<number>(live.length).fill(0);
  const emit = (i: number): void => {
    const r = cursor[i]!++;
    colsOf[i]!.forEach((c, j) => pushCell(builders[j]!, c, r));
  };
  if (keys.length === 0) {
    live.forEach((p, i) => { for (let r = 0; r < p.rowCount; r++) emit(i); });
  } else {
    const cmp = (a: number, b: number): number => {
      for (let k = 0; k < keys.length; k++) {
        const ca = keyCols[a]![k]!;
        const cb = keyCols[b]![k]!;
        const va = ca.type === 'text' ? ca.values[cursor[a]!] : ca.nulls?.[cursor[a]!] ? null : ca.values[cursor[a]!];
        const vb = cb.type === 'text' ? cb.values[cursor[b]!] : cb.nulls?.[cursor[b]!] ? null : cb.values[cursor[b]!];
        if (va === vb) continue;
        // NULLs last, as both engines sort them by default in ascending order.
        if (va === null || va === undefined) return 1;
        if (vb === null || vb === undefined) return -1;
        return va < vb ? -1 : 1;
      }
      return a - b;
    };
    // Few partials (one per node): a linear scan for the minimum beats a heap.
    for (let emitted = 0; emitted < total; emitted++) {
      let best = -1;
      for (let i = 0; i < live.length; i++) {
        if (cursor[i]! >= live[i]!.rowCount) continue;
        if (best < 0 || cmp(i, best) < 0) best = i;
      }
      emit(best);
    }
  }
  return { rowCount: total, columns: builders.map((b) => b.build()) };
}

export interface PnlMatrix {
  readonly strategyIds: readonly string[];
  readonly days: readonly string[];
  /** values[s * days.length + d]: strategy-major */
  readonly values: Float64Array;
  /**
   * per strategy, the sum of n_trades over the rows read (a null count adds 0): present when every non-empty
   * partial has an n_trades column, so a caller that wants trade counts needs no second statement
   */
  readonly trades?: Float64Array;
}

export interface MatrixOptions {
  /** each strategy's first..last trading day; missing days inside it are 0 (default: its first..last row seen) */
  readonly activeRange?: ReadonlyMap<string, { readonly first: string; readonly last: string }>;
  /** value for days outside a strategy's active range (default NaN: "no data", never a fake 0) */
  readonly outside?: number;
}

/** Index of each dictionary entry in `index`, -1 where absent. */
function mapDictionary(dictionary: readonly string[], index: ReadonlyMap<string, number>): Int32Array {
  return Int32Array.from(dictionary, (v) => index.get(v) ?? -1);
}

const at = (map: Int32Array, code: number): number | undefined => {
  const v = map[code];
  return v === undefined || v < 0 ? undefined : v;
};

/**
 * The strategies × days P&L matrix from partial results with columns strategy_id, trading_day, pnl (one zone,
 * at most one row per cell: a second row for a cell is a routing or query error and is refused), and each
 * strategy's trade count when the partials carry n_trades too.
 */
export function assemblePnlMatrix(strategyIds: readonly string[], days: readonly string[], partials: readonly ResultSet[], options: MatrixOptions = {}): PnlMatrix {
  const nDays = days.length;
  const sIndex = new Map(strategyIds.map((s, i) => [s, i]));
  const dIndex = new Map(days.map((d, i) => [d, i]));
  const values = new Float64Array(strategyIds.length * nDays).fill(Number.NaN);
  const seen = new Uint8Array(values.length);
  const firstSeen = new Int32Array(strategyIds.length).fill(nDays);
  const lastSeen = new Int32Array(strategyIds.length).fill(-1);
  const nonEmpty = partials.filter((p) => p.rowCount > 0);
  const counted = nonEmpty.every((p) => p.columns.some((c) => c.name === 'n_trades'));
  const trades = counted ? new Float64Array(strategyIds.length) : null;
  for (const part of nonEmpty) {
    const sCol = resultColumn(part, 'strategy_id');
    const dCol = resultColumn(part, 'trading_day');
    const pCol = resultColumn(part, 'pnl');
    const tCol = trades ? resultColumn(part, 'n_trades') : null;
    if (tCol && tCol.type !== 'int32' && tCol.type !== 'int64' && tCol.type !== 'float64') {
      throw storeError('STRATA_STORE_MERGE_CONFLICT', `matrix partials need a numeric n_trades; got ${tCol.type}`, {});
    }
    if (sCol.type !== 'text' || dCol.type !== 'text' || pCol.type !== 'float64') {
      throw storeError('STRATA_STORE_MERGE_CONFLICT', `matrix partials need strategy_id text, trading_day text, pnl float64; got ${sCol.type}, ${dCol.type}, ${pCol.type}`, {});
    }
    // With dictionaries (DuckDB results), ids and days are looked up once per distinct value, not per row.
    const sCodes = sCol.dictionary ? mapDictionary(sCol.dictionary.values, sIndex) : null;
    const dCodes = dCol.dictionary ? mapDictionary(dCol.dictionary.values, dIndex) : null;
    const sc = sCol.dictionary?.codes;
    const dc = dCol.dictionary?.codes;
    for (let r = 0; r < part.rowCount; r++) {
      const s = sCodes ? (sc![r]! < 0 ? undefined : at(sCodes, sc![r]!)) : sIndex.get(sCol.values[r] ?? '');
      const d = dCodes ? (dc![r]! < 0 ? undefined : at(dCodes, dc![r]!)) : dIndex.get(dCol.values[r] ?? '');
      if (s === undefined || d === undefined) continue;
      const cell = s * nDays + d;
      if (seen[cell]) {
        throw storeError('STRATA_STORE_MERGE_CONFLICT', `P&L cell (${JSON.stringify(strategyIds[s])}, ${days[d]}) arrived twice; partials overlap or the query lacks a zone filter`, { strategyId: strategyIds[s], day: days[d] });
      }
      seen[cell] = 1;
      values[cell] = pCol.nulls && pCol.nulls[r] ? Number.NaN : pCol.values[r]!;
      if (tCol && !(tCol.nulls && tCol.nulls[r])) trades![s]! += Number(tCol.values[r]);
      if (d < firstSeen[s]!) firstSeen[s] = d;
      if (d > lastSeen[s]!) lastSeen[s] = d;
    }
  }
  const outside = options.outside ?? Number.NaN;
  strategyIds.forEach((id, s) => {
    let first = firstSeen[s]!;
    let last = lastSeen[s]!;
    const range = options.activeRange?.get(id);
    if (range) {
      first = days.findIndex((d) => d >= range.first);
      if (first < 0) first = nDays;
      last = nDays - 1;
      while (last >= 0 && days[last]! > range.last) last--;
    }
    const row = s * nDays;
    for (let d = 0; d < nDays; d++) {
      if (seen[row + d]) continue;
      values[row + d] = d >= first && d <= last ? 0 : outside;
    }
  });
  return trades ? { strategyIds, days, values, trades } : { strategyIds, days, values };
}
