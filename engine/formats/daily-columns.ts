// Wide daily layouts (FORMAT_5's strategy columns, FORMAT_4's wide sheet): one row per day, one column per
// strategy. How one such row becomes daily P&L, shared so both formats report a bad cell the same way.
import { ZONE_ALL } from './canonical.ts';
import type { ProblemLog } from './problems.ts';
import type { RowView } from './row-view.ts';
import type { StrategyDraft } from './strategy-draft.ts';

/** A strategy's column in a wide daily layout. */
export interface DailyColumn {
  readonly index: number;
  readonly name: string;
  readonly draft: StrategyDraft;
}

/**
 * Adds the P&L of every non-empty strategy cell of `row` to its strategy on `day`; a cell that is not a number is
 * reported and skipped. True when at least one cell counted.
 */
export function addDailyRow(row: RowView, columns: readonly DailyColumn[], day: string, log: ProblemLog, sheet: string | null, line: number): boolean {
  let counted = false;
  for (const c of columns) {
    if (row.isEmpty(c.index)) continue;
    const v = row.number(c.index);
    if (Number.isNaN(v)) { log.add('STRATA_FORMAT_NON_NUMERIC', sheet, line, c.name, row.text(c.index), 'daily P&L is not a number'); continue; }
    c.draft.add(day, ZONE_ALL, v, null);
    counted = true;
  }
  return counted;
}
