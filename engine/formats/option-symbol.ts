// NSE-style option symbols (`NIFTY05JAN2320000CE`): underlying, expiry, strike and CE/PE, so a trade row
// whose only instrument column is the symbol still gets its option fields.
import type { OptionType } from './canonical.ts';

export interface OptionSymbol {
  readonly underlying: string;
  readonly expiry: string | null;
  readonly strike: number | null;
  readonly optionType: OptionType | null;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const SYMBOL = /^([A-Z&-]+?)(\d{2})([A-Z]{3})(\d{2})(\d+(?:\.\d+)?)(CE|PE)$/;

/** Parses an option symbol; anything else is taken as a plain underlying (`NIFTY`, `BANKNIFTY`). */
export function parseOptionSymbol(text: string): OptionSymbol | null {
  const s = text.trim().toUpperCase();
  const m = SYMBOL.exec(s);
  if (!m) return /^[A-Z&-]+$/.test(s) ? { underlying: s, expiry: null, strike: null, optionType: null } : null;
  const month = MONTHS.indexOf(m[3]!) + 1;
  const expiry = month > 0 ? `20${m[4]}-${month < 10 ? '0' : ''}${month}-${m[2]}` : null;
  return { underlying: m[1]!, expiry, strike: Number(m[5]), optionType: m[6] as OptionType };
}
