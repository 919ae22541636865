// The optimiser's input: the strategies × trading days P&L matrix (strategy-major, in a SharedArrayBuffer so
// worker threads read it without copies) and the per-strategy facts the constraints and metrics need.
import { portfolioError } from './errors.ts';

export interface PortfolioMatrix {
  readonly nStrategies: number;
  readonly nDays: number;
  /** pnl[s * nDays + d]: money, finite; 0 on days a strategy did not trade. */
  readonly pnl: Float64Array;
  /** trades of each strategy over the matrix's days (0 when the source had no trade rows). */
  readonly trades: Int32Array;
  /** index of each strategy's first and last active day; nDays and -1 for a strategy never active. */
  readonly firstDay: Int32Array;
  readonly lastDay: Int32Array;
}

export interface PortfolioMatrixInput {
  readonly nStrategies: number;
  readonly nDays: number;
  /** strategy-major values; NaN marks a day outside a strategy's active range (the store's convention) and
   *  becomes 0 here. ±Infinity is refused. */
  readonly pnl: Float64Array | readonly number[];
  readonly trades?: ArrayLike<number>;
  readonly firstDay?: ArrayLike<number>;
  readonly lastDay?: ArrayLike<number>;
}

/**
 * Validates and normalises a matrix. A Float64Array already in a SharedArrayBuffer and free of NaN is used
 * as is (no copy); anything else is copied into a new SharedArrayBuffer with NaN cells set to 0. Active days
 * default to the first/last non-NaN cell of each row.
 */
export function createPortfolioMatrix(input: PortfolioMatrixInput): PortfolioMatrix {
  const { nStrategies, nDays } = input;
  if (!Number.isInteger(nStrategies) || nStrategies < 1) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_MATRIX', `nStrategies must be a positive integer, got ${String(nStrategies)}`, { nStrategies });
  }
  if (!Number.isInteger(nDays) || nDays < 1) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_MATRIX', `nDays must be a positive integer, got ${String(nDays)}`, { nDays });
  }
  const size = nStrategies * nDays;
  if (input.pnl.length !== size) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_MATRIX', `pnl has ${input.pnl.length} values, expected nStrategies × nDays = ${size}`, { length: input.pnl.length, expected: size });
  }
  const src = input.pnl;
  const firstSeen = new Int32Array(nStrategies).fill(nDays);
  const lastSeen = new Int32Array(nStrategies).fill(-1);
  let hasNaN = false;
  for (let s = 0; s < nStrategies; s++) {
    const row = s * nDays;
    for (let d = 0; d < nDays; d++) {
      const v = src[row + d]!;
      if (v !== v) { hasNaN = true; continue; }
      if (v === Infinity || v === -Infinity) {
        throw portfolioError('STRATA_PORTFOLIO_INVALID_MATRIX', `pnl of strategy ${s} on day ${d} is ${v}; P&L must be finite`, { strategy: s, day: d, value: String(v) });
      }
      if (d < firstSeen[s]!) firstSeen[s] = d;
      lastSeen[s] = d;
    }
  }
  let pnl: Float64Array;
  if (src instanceof Float64Array && src.buffer instanceof SharedArrayBuffer && !hasNaN) {
    pnl = src;
  } else {
    pnl = new Float64Array(new SharedArrayBuffer(size * Float64Array.BYTES_PER_ELEMENT));
    for (let i = 0; i < size; i++) {
      const v = src[i]!;
      pnl[i] = v === v ? v : 0;
    }
  }
  return {
    nStrategies,
    nDays,
    pnl,
    trades: factColumn('trades', input.trades, nStrategies, 0, 0, 2 ** 31 - 1),
    firstDay: input.firstDay ? factColumn('firstDay', input.firstDay, nStrategies, 0, 0, nDays) : firstSeen,
    lastDay: input.lastDay ? factColumn('lastDay', input.lastDay, nStrategies, 0, -1, nDays - 1) : lastSeen,
  };
}

function factColumn(name: string, values: ArrayLike<number> | undefined, n: number, fill: number, min: number, max: number): Int32Array {
  const out = new Int32Array(n);
  if (values === undefined) return out.fill(fill);
  if (values.length !== n) {
    throw portfolioError('STRATA_PORTFOLIO_INVALID_MATRIX', `${name} has ${values.length} entries, expected one per strategy (${n})`, { fact: name, length: values.length, expected: n });
  }
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw portfolioError('STRATA_PORTFOLIO_INVALID_MATRIX', `${name}[${i}] is ${v}; expected an integer in [${min}, ${max}]`, { fact: name, index: i, value: v });
    }
    out[i] = v;
  }
  return out;
}

/** The row of one strategy, as a view on the shared matrix (no copy). */
export function strategyRow(matrix: PortfolioMatrix, strategy: number): Float64Array {
  return matrix.pnl.subarray(strategy * matrix.nDays, (strategy + 1) * matrix.nDays);
}
