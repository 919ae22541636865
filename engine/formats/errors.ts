// The formats area's error catalogue: every expected failure (and every coded warning) of detection, the CSV
// and XLSX readers and the per-format normalisers, with its retryable flag decided once, here.
import type { ErrorCatalogue } from '../engine-error.ts';
import { errorFactory } from '../engine-error.ts';

export const catalogue = {
  STRATA_FORMAT_EMPTY_FILE: { retryable: false, summary: 'The file is empty (zero bytes, or only a byte-order mark and blank lines).' },
  STRATA_FORMAT_HEADER_ONLY: { retryable: false, summary: 'The file (or the sheet that holds the data) has a header but no data rows.' },
  STRATA_FORMAT_TRUNCATED_XLSX: { retryable: false, summary: 'The XLSX zip archive is truncated or damaged (no central directory, or a part ends early while inflating).' },
  STRATA_FORMAT_XLSX_CORRUPT: { retryable: false, summary: 'The zip archive opens but is not a usable workbook: xl/workbook.xml, a sheet part or its relationships are missing or malformed.' },
  STRATA_FORMAT_ENCODING: { retryable: false, summary: 'The text is not valid UTF-8 (for example UTF-16 or Windows-1252 bytes); the message gives the byte offset.' },
  STRATA_FORMAT_NON_NUMERIC: { retryable: false, summary: 'A P&L, price, quantity or strike cell holds text that is not a number.' },
  STRATA_FORMAT_INVALID_DATE: { retryable: false, summary: 'A date cell is not one of the accepted date formats, or names a day that does not exist (31-Apr-2023, 2023-02-29).' },
  STRATA_FORMAT_INVALID_TIME: { retryable: false, summary: 'A time cell is not HH:MM[:SS] within 00:00:00–23:59:59.' },
  STRATA_FORMAT_DUPLICATE_TRADE: { retryable: false, summary: 'A trade number (Backinzo Sr No, TradingView Trade #) occurs twice where it must be unique.' },
  STRATA_FORMAT_UNPAIRED_TRADE: { retryable: false, summary: 'A TradingView exit row has no entry row with the same trade number, or a row type is neither entry nor exit.' },
  STRATA_FORMAT_MISSING_COLUMN: { retryable: false, summary: 'A column the format requires (Date, P/L, Net PNL, Trade #, …) is not in the header.' },
  STRATA_FORMAT_AMBIGUOUS: { retryable: false, summary: 'The content matches more than one family or format; the message lists the candidates and why each matched.' },
  STRATA_FORMAT_UNKNOWN: { retryable: false, summary: 'The content matches none of the eight formats; the message says what was looked for.' },
  STRATA_FORMAT_PREAMBLE_LENGTH: { retryable: false, summary: 'A Backinzo header was found on a line other than 8: the preamble is not the 7 lines Backinzo writes.' },
  STRATA_FORMAT_MISMATCH: { retryable: false, summary: 'An explicit --format does not fit the content (for example FORMAT_1 given for a workbook).' },
  STRATA_FORMAT_INVALID_OPTION: { retryable: false, summary: 'A parse option is invalid: an unknown format name, a zone specification, a session or a problem limit out of range.' },
  STRATA_FORMAT_READ_FAILED: { retryable: false, summary: 'The file could not be read (missing, a directory, permission denied).' },
  STRATA_FORMAT_OPEN_TRADE_SKIPPED: { retryable: false, summary: 'Warning: a TradingView trade is still open (exit date `Open` or no exit row); it is skipped and never counted.' },
  STRATA_FORMAT_OUTSIDE_MARKET: { retryable: false, summary: 'Warning: trades whose entry time lies outside every zone were kept under zone `Outside Market`, never moved into a zone.' },
  STRATA_FORMAT_METRICS_MISMATCH: { retryable: false, summary: 'Warning: a Python workbook\'s recomputed total P&L disagrees with its Metrics sheet Total PnL beyond rounding.' },
  STRATA_FORMAT_NAME_SUFFIXED: { retryable: false, summary: 'Warning: a strategy name was already taken by another file, so this one got a numeric suffix instead of being summed.' },
} as const satisfies ErrorCatalogue;

export type FormatErrorCode = keyof typeof catalogue;

export const formatError = errorFactory(catalogue);
