// Pre-consolidated daily P&L (FORMAT_4): the real sheet `2.1` (Date, Profit; one strategy named after the
// file) and our wide layout (Date, Day, then one numeric column per strategy, named by its header), which
// is also what Strata exports; the wide layout is read from a sheet or from a CSV.
import { addDailyRow, type DailyColumn } from './daily-columns.ts';
import { formatError } from './errors.ts';
import type { NormaliserOutput, ParseContext } from './parse-context.ts';
import { headerKeys, isEmptyRow, type RowBlock } from './row-view.ts';

export const SHEET_2_1 = '2.1';

export function isWideHeader(cells: readonly string[]): boolean {
  return cells.length >= 3 && cells[0]!.trim().toLowerCase() === 'date' && cells[1]!.trim().toLowerCase() === 'day';
}

export async function* parseConsolidated(ctx: ParseContext, blocks: AsyncIterable<RowBlock>, sheet: string | null, date1904: boolean): AsyncGenerator<NormaliserOutput> {
  let dateCol = -1;
  let columns: DailyColumn[] | null = null;
  const log = ctx.problems;
  const twoOne = sheet !== null && sheet.trim() === SHEET_2_1;
  for await (const block of blocks) {
    for (let k = 0; k < block.size; k++) {
      const row = block.at(k);
      const line = row.line;
      if (columns === null) {
        const header = headerKeys(row);
        dateCol = header.indexOf('date');
        if (dateCol < 0) throw formatError('STRATA_FORMAT_MISSING_COLUMN', `${ctx.path}: ${sheet === null ? 'the header' : `sheet ${JSON.stringify(sheet)}`} has no "Date" column`, { file: ctx.path, sheet, column: 'Date' });
        if (twoOne) {
          const p = header.indexOf('profit');
          if (p < 0) throw formatError('STRATA_FORMAT_MISSING_COLUMN', `${ctx.path}: sheet "2.1" has no "Profit" column`, { file: ctx.path, sheet, column: 'Profit' });
          columns = [{ index: p, name: 'Profit', draft: ctx.addStrategy(`sheet:${sheet}`, ctx.stem, sheet, 'Profit', 'EXTERNAL') }];
        } else {
          columns = [];
          for (let i = 2; i < row.width; i++) {
            const name = row.text(i);
            if (name === '') continue;
            columns.push({ index: i, name, draft: ctx.addStrategy(`column:${i}:${name}`, name, sheet, name, 'EXTERNAL') });
          }
        }
        continue;
      }
      if (isEmptyRow(row)) continue;
      const when = row.date(dateCol, date1904);
      if (when === null) { log.add('STRATA_FORMAT_INVALID_DATE', sheet, line, 'Date', row.text(dateCol), 'not a date (DD-MM-YYYY, an accepted format or an Excel date), or a day that does not exist'); continue; }
      if (addDailyRow(row, columns, when.date, log, sheet, line)) ctx.dataRows++;
    }
    ctx.progress.rows = ctx.dataRows;
    ctx.progress.bytes = block.bytesRead;
    yield null;
    if (ctx.shouldStop) return;
  }
}
