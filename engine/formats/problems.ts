// What goes wrong in one file: row-level problems (file · sheet · row · column · value · reason, each with its
// code) up to a limit, and coded warnings. All-or-nothing by default; lenient mode keeps the valid rows.
import type { EngineError } from '../engine-error.ts';
import { formatError, type FormatErrorCode } from './errors.ts';

export interface Problem {
  readonly code: FormatErrorCode;
  readonly file: string;
  readonly sheet: string | null;
  /** 1-based line (CSV) or row number (XLSX) in the file, null for file-level problems. */
  readonly row: number | null;
  readonly column: string | null;
  readonly value: string | null;
  readonly reason: string;
}

export interface Warning {
  readonly code: FormatErrorCode;
  readonly file: string;
  readonly sheet: string | null;
  readonly row: number | null;
  readonly message: string;
}

export const DEFAULT_MAX_PROBLEMS = 100;

export class ProblemLog {
  readonly file: string;
  readonly maxProblems: number;
  readonly problems: Problem[] = [];
  readonly warnings: Warning[] = [];
  /** every problem found, including those past the limit. */
  total = 0;
  /** set when all-or-nothing reading stopped at the limit: `total` is then a lower bound. */
  stoppedEarly = false;

  constructor(file: string, maxProblems = DEFAULT_MAX_PROBLEMS) {
    this.file = file;
    this.maxProblems = maxProblems;
  }

  add(code: FormatErrorCode, sheet: string | null, row: number | null, column: string | null, value: string | null, reason: string): void {
    this.total++;
    if (this.problems.length < this.maxProblems) this.problems.push({ code, file: this.file, sheet, row, column, value, reason });
  }

  warn(code: FormatErrorCode, sheet: string | null, row: number | null, message: string): void {
    if (this.warnings.length < this.maxProblems) this.warnings.push({ code, file: this.file, sheet, row, message });
  }

  /** The error that rejects the file: coded after its first problem, carrying all of them as data. */
  rejection(): EngineError {
    const first = this.problems[0]!;
    const more = this.total > 1 ? ` (and ${this.total - 1}${this.stoppedEarly ? ' or' : ''} more problem${this.total > 2 ? 's' : ''})` : '';
    return formatError(first.code, `${describeProblem(first)}${more}`, {
      file: this.file, problems: this.problems, total: this.total, stoppedEarly: this.stoppedEarly,
    });
  }
}

export function describeProblem(p: Problem): string {
  const where = [p.file, p.sheet === null ? null : `sheet ${JSON.stringify(p.sheet)}`, p.row === null ? null : `row ${p.row}`,
    p.column === null ? null : `column ${JSON.stringify(p.column)}`].filter((x) => x !== null).join(' · ');
  return `${where}${p.value === null ? '' : ` · value ${JSON.stringify(p.value)}`} · ${p.reason}`;
}
