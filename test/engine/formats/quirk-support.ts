// Test support: the formats surface the quirk tests use, plus the Excel serial of an ISO day and time.
import { isoToExcelSerial } from '../../../engine/formats/calendar.ts';

export { detectFormat, inspectFiles, writeXlsx } from '../../../engine/formats/index.ts';
export type { WriteCell } from '../../../engine/formats/index.ts';

export function isoToExcelSerialForTests(iso: string, seconds: number): number {
  return isoToExcelSerial(iso, seconds);
}
