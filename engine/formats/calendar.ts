// Dates and times as text: every accepted input date format to an ISO `YYYY-MM-DD`, times to seconds since
// midnight, and Excel serial dates to both, with real-calendar validation and no JS Date anywhere (a Date
// at UTC midnight shifts the day in any zone west of UTC).

export interface DateTimeText {
  /** ISO calendar day, `YYYY-MM-DD`. */
  readonly date: string;
  /** seconds since midnight when the text carried a time, else null. */
  readonly seconds: number | null;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};

function isLeap(y: number): boolean { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

function iso(y: number, m: number, d: number): string | null {
  if (!(y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m))) return null;
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

const DATE_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => string | null][] = [
  [/^(\d{4})-(\d{1,2})-(\d{1,2})$/, (m) => iso(+m[1]!, +m[2]!, +m[3]!)],
  [/^(\d{1,2})-([A-Za-z]{3,4})-(\d{4})$/, (m) => { const mon = MONTHS[m[2]!.toLowerCase()]; return mon ? iso(+m[3]!, mon, +m[1]!) : null; }],
  [/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, (m) => iso(+m[3]!, +m[2]!, +m[1]!)],
  [/^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, (m) => iso(+m[1]!, +m[2]!, +m[3]!)],
  [/^(\d{1,2})-(\d{1,2})-(\d{4})$/, (m) => iso(+m[3]!, +m[2]!, +m[1]!)],
];

/** `HH:MM[:SS]` (also a fractional-second tail, dropped) to seconds since midnight; null when invalid. */
export function parseTimeText(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(text.trim());
  if (!m) return null;
  const h = +m[1]!, mi = +m[2]!, s = m[3] === undefined ? 0 : +m[3];
  if (h > 23 || mi > 59 || s > 59) return null;
  return h * 3600 + mi * 60 + s;
}

let lastIn = '';
let lastOut: DateTimeText | null = null;

/**
 * Accepts `DD-Mon-YYYY`, `YYYY-MM-DD`, `DD/MM/YYYY`, `YYYY/MM/DD`, `DD-MM-YYYY`, each optionally followed by
 * ` HH:MM[:SS]` (or `T` for ISO). Returns null for anything else, and for days that do not exist.
 */
export function parseDateText(text: string): DateTimeText | null {
  // Trade files repeat the same date on many consecutive rows; one remembered answer saves most of the work.
  if (text === lastIn) return lastOut;
  const out = parseDateTextUncached(text);
  lastIn = text;
  lastOut = out;
  return out;
}

function parseDateTextUncached(raw: string): DateTimeText | null {
  const text = raw.trim();
  let datePart = text;
  let seconds: number | null = null;
  const cut = text.search(/[ T]/);
  if (cut > 0) {
    datePart = text.slice(0, cut);
    seconds = parseTimeText(text.slice(cut + 1));
    if (seconds === null) return null;
  }
  for (const [re, build] of DATE_PATTERNS) {
    const m = re.exec(datePart);
    if (m) {
      const date = build(m);
      return date === null ? null : { date, seconds };
    }
  }
  return null;
}

/** Days from 1970-01-01 to a civil date (proleptic Gregorian), Howard Hinnant's algorithm. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

// Excel's 1900 system counts 1900-02-29 (which never existed), so from serial 61 on day 0 is 1899-12-30.
const EPOCH_1900 = daysFromCivil(1899, 12, 30);
const EPOCH_1904 = daysFromCivil(1904, 1, 1);

/** An Excel serial (days, fraction = time of day) to ISO date and seconds; null when out of range. */
export function excelSerialToDateTime(serial: number, date1904 = false): DateTimeText | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2958465) return null;
  // Round to the second first: 0.999999 of a day is midnight of the next day, not 23:59:59.9.
  const totalSeconds = Math.round(serial * 86400);
  const days = Math.floor(totalSeconds / 86400);
  const seconds = totalSeconds - days * 86400;
  const [y, m, d] = civilFromDays((date1904 ? EPOCH_1904 : EPOCH_1900) + days);
  const date = iso(y, m, d);
  return date === null ? null : { date, seconds };
}

export function isoToExcelSerial(isoDate: string, seconds = 0): number {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return daysFromCivil(y, m, d) - EPOCH_1900 + seconds / 86400;
}

const TIME_TEXT: (string | undefined)[] = new Array<string | undefined>(86400);

/** seconds since midnight to `HH:MM:SS`; each text is made once and reused (one per trade row otherwise). */
export function formatSeconds(seconds: number): string {
  return (TIME_TEXT[seconds] ??= makeTimeText(seconds));
}

function makeTimeText(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`;
}

/** ISO day plus n days (n may be negative). */
export function addDays(isoDate: string, n: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const [yy, mm, dd] = civilFromDays(daysFromCivil(y, m, d) + n);
  return iso(yy, mm, dd)!;
}

/** 0 = Monday … 6 = Sunday. */
export function weekday(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return (((daysFromCivil(y, m, d) + 3) % 7) + 7) % 7;
}
