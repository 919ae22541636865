// Dates, times and numbers as the formats write them: every accepted spelling, impossible days refused,
// Excel serials both ways (1900 and 1904 systems), thousands separators and percent signs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { excelSerialToDateTime, isoToExcelSerial, parseDateText, parseTimeText } from '../../../engine/formats/calendar.ts';
import { parseNumberText } from '../../../engine/formats/number-text.ts';

describe('parseDateText', () => {
  it('reads every accepted date spelling to the same ISO day', () => {
    for (const t of ['03-Jan-2023', '3-jan-2023', '2023-01-03', '03/01/2023', '2023/01/03', '03-01-2023', '2023-1-3']) {
      expect(parseDateText(t), t).toEqual({ date: '2023-01-03', seconds: null });
    }
  });

  it('keeps the time of day when one follows the date', () => {
    expect(parseDateText('03-Jan-2023 09:15:30')).toEqual({ date: '2023-01-03', seconds: 33330 });
    expect(parseDateText('2023-01-03 15:29')).toEqual({ date: '2023-01-03', seconds: 55740 });
    expect(parseDateText('2023-01-03T09:15:00')).toEqual({ date: '2023-01-03', seconds: 33300 });
  });

  it('refuses days that do not exist and text that is not a date', () => {
    for (const t of ['31-Apr-2023', '29-Feb-2023', '2023-13-01', '00/01/2023', '32-Jan-2023', 'Open', '', '2023-01-03 25:00', '03-Foo-2023']) {
      expect(parseDateText(t), t).toBeNull();
    }
    expect(parseDateText('29-Feb-2024')).toEqual({ date: '2024-02-29', seconds: null });
  });

  it('reads times and refuses out-of-range ones', () => {
    expect(parseTimeText('09:15:00')).toBe(33300);
    expect(parseTimeText('9:15')).toBe(33300);
    expect(parseTimeText('24:00:00')).toBeNull();
    expect(parseTimeText('10:60')).toBeNull();
  });
});

describe('Excel serial dates', () => {
  it('maps known serials to their days, fractions to times', () => {
    expect(excelSerialToDateTime(44928)).toEqual({ date: '2023-01-02', seconds: 0 });
    expect(excelSerialToDateTime(44928.385416666664)).toEqual({ date: '2023-01-02', seconds: 33300 });
    expect(excelSerialToDateTime(61)).toEqual({ date: '1900-03-01', seconds: 0 });
    expect(excelSerialToDateTime(43465, true)).toEqual({ date: '2023-01-01', seconds: 0 }); // 1904 system: 1462 days less
  });

  it('round-trips any day and second through a serial', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 60000 }), fc.integer({ min: 0, max: 86399 }), (days, seconds) => {
      const base = excelSerialToDateTime(20000 + days)!;
      const back = excelSerialToDateTime(isoToExcelSerial(base.date, seconds))!;
      return back.date === base.date && back.seconds === seconds;
    }));
  });
});

describe('parseNumberText', () => {
  it('reads thousands separators, signs, the Unicode minus and a percent sign', () => {
    expect(parseNumberText('21,711.15')).toBe(21711.15);
    expect(parseNumberText('-1,000')).toBe(-1000);
    expect(parseNumberText('+12.5')).toBe(12.5);
    expect(parseNumberText('\u221245.5')).toBe(-45.5);
    expect(parseNumberText('1.25%')).toBe(1.25);
    expect(parseNumberText(' 7 ')).toBe(7);
    expect(parseNumberText('1e3')).toBe(1000);
  });

  it('refuses text, blanks, decimal commas and misplaced separators', () => {
    for (const t of ['abc', '', ' ', '-', '.', '1,2', '12,34.5', '1.2.3', 'NaN', 'Infinity', '0x10', '12abc']) {
      expect(parseNumberText(t), t).toBeNaN();
    }
  });

  it('agrees with Number for plain decimal text', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), (x) => {
      const t = x.toFixed(2);
      return parseNumberText(t) === Number(t);
    }));
  });
});
