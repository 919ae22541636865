// One strategy while its file is being read: identity, descriptive fields and the running daily P&L per
// (trading day, zone), summed with Neumaier compensation so long files stay exact to the cent.
import type { FormatId } from './format-id.ts';
import type { DailyPnlRow, StrategyRow, StrategyType } from './canonical.ts';

interface DayCell {
  sum: number;
  comp: number;
  /** null for pre-aggregated inputs. */
  trades: number | null;
}

/** A draft's daily cells as columns (trades -1 for pre-aggregated cells). */
export interface DraftCells {
  readonly zone: readonly string[];
  readonly day: readonly string[];
  readonly sum: Float64Array;
  readonly comp: Float64Array;
  readonly trades: Float64Array;
}

export interface StrategySummary {
  readonly strategyId: string;
  readonly name: string;
  readonly format: FormatId;
  readonly sourceSheet: string | null;
  readonly sourceColumn: string | null;
  readonly currency: string;
  /** trades counted into daily_pnl (null for pre-aggregated inputs). */
  readonly trades: number | null;
  readonly tradingDays: number;
  readonly winningDays: number;
  readonly totalPnl: number;
  readonly firstDay: string | null;
  readonly lastDay: string | null;
  readonly zones: readonly string[];
}

export class StrategyDraft {
  readonly strategyId: string;
  readonly subKey: string;
  readonly baseName: string;
  name: string;
  readonly sourceSheet: string | null;
  readonly sourceColumn: string | null;
  underlying: string | null = null;
  strategyType: StrategyType;
  currency = 'INR';
  marginRequired: number | null = null;
  // zone → trading day → cell: two lookups with the parser's own (shared) strings instead of one with a key
  // string built per call, whose hash had to be computed every time (a wide workbook changes day and strategy
  // on every cell)
  readonly #zones = new Map<string, Map<string, DayCell>>();
  #cells = 0;
  #lastDay = '';
  #lastZone = '';
  #lastCell: DayCell | null = null;
  // the sorted daily rows, made once the strategy is complete (row, dailyRows and summary all read them)
  #sorted: DailyPnlRow[] | null = null;

  constructor(init: { strategyId: string; subKey: string; name: string; sheet: string | null; column: string | null; type: StrategyType }) {
    this.strategyId = init.strategyId;
    this.subKey = init.subKey;
    this.baseName = init.name;
    this.name = init.name;
    this.sourceSheet = init.sheet;
    this.sourceColumn = init.column;
    this.strategyType = init.type;
  }

  /** Adds P&L to (day, zone); `trades` is how many trades this adds, null for pre-aggregated rows. */
  add(day: string, zone: string, pnl: number, trades: number | null): void {
    // Rows of one day usually come together: the last cell is remembered to skip building a key.
    let cell: DayCell | undefined;
    this.#sorted = null;
    if (day === this.#lastDay && zone === this.#lastZone) cell = this.#lastCell!;
    else {
      let days = this.#zones.get(zone);
      if (!days) { days = new Map(); this.#zones.set(zone, days); }
      cell = days.get(day);
      if (!cell) { cell = { sum: 0, comp: 0, trades: trades === null ? null : 0 }; days.set(day, cell); this.#cells++; }
      this.#lastDay = day; this.#lastZone = zone; this.#lastCell = cell;
    }
    const t = cell.sum + pnl;
    cell.comp += Math.abs(cell.sum) >= Math.abs(pnl) ? cell.sum - t + pnl : pnl - t + cell.sum;
    cell.sum = t;
    if (trades !== null) cell.trades = (cell.trades ?? 0) + trades;
  }

  get hasDays(): boolean { return this.#cells > 0; }

  /** Every (zone, day) cell as it stands, compensation included: what a chunk read on a worker hands back. */
  cells(): DraftCells {
    const zone: string[] = [], day: string[] = [];
    const sum = new Float64Array(this.#cells), comp = new Float64Array(this.#cells), trades = new Float64Array(this.#cells);
    let i = 0;
    for (const [z, days] of this.#zones) {
      for (const [d, cell] of days) {
        zone.push(z); day.push(d);
        sum[i] = cell.sum; comp[i] = cell.comp; trades[i] = cell.trades ?? -1;
        i++;
      }
    }
    return { zone, day, sum, comp, trades };
  }

  /** Adds another draft's cells (a later chunk of the same file): each sum with its compensation, so the total
   *  is the one a single pass would have made (to well below a cent; daily rows are rounded to 1e-8). */
  merge(other: DraftCells): void {
    for (let i = 0; i < other.day.length; i++) {
      const trades = other.trades[i]!;
      this.add(other.day[i]!, other.zone[i]!, other.sum[i]!, trades < 0 ? null : trades);
      this.#lastCell!.comp += other.comp[i]!;
    }
  }

  /** The daily rows by trading day, then zone. Made once and shared: callers do not change them. */
  dailyRows(): readonly DailyPnlRow[] {
    if (this.#sorted) return this.#sorted;
    const rows: DailyPnlRow[] = [];
    for (const [zone, days] of this.#zones) {
      for (const [day, cell] of days) rows.push({ strategy_id: this.strategyId, trading_day: day, zone, pnl: roundMoney(cell.sum + cell.comp), n_trades: cell.trades });
    }
    rows.sort((a, b) => (a.trading_day < b.trading_day ? -1 : a.trading_day > b.trading_day ? 1 : a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
    this.#sorted = rows;
    return rows;
  }

  row(format: FormatId, sourceFile: string): StrategyRow {
    const days = this.dailyRows();
    return {
      strategy_id: this.strategyId, strategy_name: this.name, source_format: format, source_file: sourceFile,
      source_sheet: this.sourceSheet, source_column: this.sourceColumn, underlying: this.underlying,
      strategy_type: this.strategyType, currency: this.currency, margin_required: this.marginRequired,
      first_trading_day: days[0]?.trading_day ?? null, last_trading_day: days.at(-1)?.trading_day ?? null,
    };
  }

  summary(format: FormatId): StrategySummary {
    const rows = this.dailyRows();
    let trades: number | null = null;
    let total = 0;
    // the rows are sorted by day: a day's zones are consecutive, so each day's sum is a running one
    let tradingDays = 0, winning = 0;
    let day: string | null = null, daySum = 0;
    for (const r of rows) {
      if (r.trading_day !== day) {
        if (day !== null && roundMoney(daySum) > 0) winning++;
        day = r.trading_day;
        daySum = 0;
        tradingDays++;
      }
      daySum += r.pnl;
      if (r.n_trades !== null) trades = (trades ?? 0) + r.n_trades;
      total += r.pnl;
    }
    if (day !== null && roundMoney(daySum) > 0) winning++;
    return {
      strategyId: this.strategyId, name: this.name, format, sourceSheet: this.sourceSheet, sourceColumn: this.sourceColumn,
      currency: this.currency, trades, tradingDays, winningDays: winning, totalPnl: roundMoney(total),
      firstDay: rows[0]?.trading_day ?? null, lastDay: rows.at(-1)?.trading_day ?? null, zones: [...this.#zones.keys()].sort(),
    };
  }
}

/** Money to 1e-8: removes binary noise (0.1 + 0.2) without touching any real cent or sub-cent value. */
export function roundMoney(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
