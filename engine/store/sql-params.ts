// SQL parameters: `?` placeholders, counted the same way for both engines, bound natively by DuckDB and
// rendered as quoted literals for HeavyDB (whose Thrift API has no bind parameters). Values are data, never SQL.
import { assertStorableText } from './column-batch.ts';
import { storeError } from './errors.ts';

export type SqlParam = string | number | bigint | boolean | null;

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Offsets of the `?` placeholders outside quoted strings, quoted identifiers and comments. The dialect subset
 * has no E'…' strings and no dollar quoting, so a single quote always opens a standard string.
 */
export function placeholderOffsets(sql: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      i++;
      while (i < sql.length) {
        if (sql[i] === ch) {
          if (sql[i + 1] === ch) { i += 2; continue; }
          break;
        }
        i++;
      }
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else {
      if (ch === '?') out.push(i);
      i++;
    }
  }
  return out;
}

/** Checks the parameter list against the placeholders and every value against what both engines store. */
export function checkParams(sql: string, params: readonly SqlParam[]): number[] {
  const offsets = placeholderOffsets(sql);
  if (offsets.length !== params.length) {
    throw storeError('STRATA_STORE_INVALID_PARAMETERS', `${params.length} parameters for ${offsets.length} placeholders in ${JSON.stringify(sql)}`, { sql, given: params.length, expected: offsets.length });
  }
  params.forEach((p, i) => checkParam(p, i));
  return offsets;
}

function checkParam(p: unknown, i: number): void {
  if (p === null || typeof p === 'boolean') return;
  if (typeof p === 'string') { assertStorableText(p, `parameter ${i + 1}`); return; }
  if (typeof p === 'number') {
    if (!Number.isFinite(p)) throw storeError('STRATA_STORE_INVALID_VALUE', `parameter ${i + 1} is ${p}; only finite numbers are passed`, { index: i });
    return;
  }
  if (typeof p === 'bigint') {
    if (p < INT64_MIN || p > INT64_MAX) throw storeError('STRATA_STORE_INVALID_VALUE', `parameter ${i + 1} is ${p}, outside the 64-bit integer range`, { index: i });
    return;
  }
  throw storeError('STRATA_STORE_INVALID_PARAMETERS', `parameter ${i + 1} has unsupported type ${typeof p}`, { index: i });
}

/** A value as a literal both engines parse back to exactly that value. */
export function sqlLiteral(p: SqlParam): string {
  if (p === null) return 'NULL';
  if (typeof p === 'boolean') return p ? 'TRUE' : 'FALSE';
  if (typeof p === 'string') return `'${p.replaceAll("'", "''")}'`;
  if (typeof p === 'bigint') return p < 0n ? `(${p})` : `${p}`;
  // Integers stay integers; other doubles use exponent form so both parsers read a DOUBLE (shortest round-trip
  // digits) rather than a DECIMAL that is rounded twice on the way to DOUBLE. Negatives are parenthesised so
  // `x-?` never becomes a `--` comment.
  const text = Number.isSafeInteger(p) ? String(p) : p.toExponential();
  return p < 0 || Object.is(p, -0) ? `(${text})` : text;
}

/** The statement with every placeholder replaced by its literal: for engines without bind parameters. */
export function inlineParams(sql: string, params: readonly SqlParam[]): string {
  const offsets = checkParams(sql, params);
  if (offsets.length === 0) return sql;
  let out = '';
  let last = 0;
  offsets.forEach((off, i) => {
    out += sql.slice(last, off) + sqlLiteral(params[i]!);
    last = off + 1;
  });
  return out + sql.slice(last);
}
