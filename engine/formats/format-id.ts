// The eight format identifiers and their families (FORMATS.md), and the lookup that turns a user's
// `--format` value (full id or the short `FORMAT_n`) into one of them.
import { formatError } from './errors.ts';

export const FORMAT_IDS = [
  'FORMAT_1_BACKINZO_CSV',
  'FORMAT_2_PYTHON_XLSX',
  'FORMAT_3_TRADING_VIEW_CSV',
  'FORMAT_4_CONSOLIDATED_XLSX',
  'FORMAT_5_BACKINZO_Multi_CSV',
  'FORMAT_6_PYTHON_MULTI_XLSX',
  'FORMAT_7_TradingView_Zone',
  'FORMAT_8_PYTHON_MULTI_ZONE_XLSX',
] as const;

export type FormatId = (typeof FORMAT_IDS)[number];

export type FormatFamily = 'tradingview' | 'python' | 'backinzo' | 'consolidated';

export const FAMILY_OF: Readonly<Record<FormatId, FormatFamily>> = {
  FORMAT_1_BACKINZO_CSV: 'backinzo',
  FORMAT_2_PYTHON_XLSX: 'python',
  FORMAT_3_TRADING_VIEW_CSV: 'tradingview',
  FORMAT_4_CONSOLIDATED_XLSX: 'consolidated',
  FORMAT_5_BACKINZO_Multi_CSV: 'backinzo',
  FORMAT_6_PYTHON_MULTI_XLSX: 'python',
  FORMAT_7_TradingView_Zone: 'tradingview',
  FORMAT_8_PYTHON_MULTI_ZONE_XLSX: 'python',
};

/** Accepts `FORMAT_3`, `format_3`, `3` or the full id; anything else is STRATA_FORMAT_INVALID_OPTION. */
export function resolveFormatId(value: string): FormatId {
  const v = value.trim().toUpperCase();
  const m = /^(?:FORMAT_)?([1-8])(?:_.*)?$/.exec(v);
  const found = m ? FORMAT_IDS[Number(m[1]) - 1] : undefined;
  if (!found || (v.length > 8 && v !== found.toUpperCase())) {
    throw formatError('STRATA_FORMAT_INVALID_OPTION', `unknown format ${JSON.stringify(value)}; expected one of ${FORMAT_IDS.join(', ')}`, { value });
  }
  return found;
}
