// A full disk or quota under a DuckDB file, told plainly: DuckDB reports it as an IO or commit error with the OS
// error text inside ("Could not write file ...: No space left on device"), which reached the operator as a
// statement failure with the SQL echoed, and an ingest took it for rows the store refuses for good.
import { statfsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { EngineError } from '../engine-error.ts';
import { storeError } from './errors.ts';

/**
 * DuckDB's error for a full disk or quota (the OS error text inside an IO or commit error) as STRATA_STORE_NO_SPACE,
 * naming the file it could not write, its folder and the bytes free there; null for any other error. `label` is the
 * node's file path (or its label), the file named when DuckDB's message names none.
 */
export function noSpaceError(label: string, operation: string, message: string): EngineError | null {
  if (!/No space left on device|Disk quota exceeded/i.test(message)) return null;
  const file = /Could not write file "([^"]+)"/i.exec(message)?.[1] ?? /(?:open|write|create) file "([^"]+)"/i.exec(message)?.[1] ?? label;
  const folder = dirname(file);
  let freeBytes: number | null = null;
  try {
    const s = statfsSync(folder);
    freeBytes = Number(s.bavail) * Number(s.bsize);
  } catch { /* the folder is gone or not ours to stat: the message says so without a figure */ }
  const quota = /Disk quota exceeded/i.test(message);
  return storeError('STRATA_STORE_NO_SPACE',
    `${label}: the ${quota ? 'disk quota' : 'disk'} holding ${folder} is full${freeBytes === null ? '' : ` (${freeBytes.toLocaleString('en-US')} bytes free)`}: DuckDB could not write ${basename(file)} during ${operation}, which was rolled back. Free space there and retry`,
    { node: label, file, folder, ...(freeBytes === null ? {} : { freeBytes }), quota, operation, cause: message.slice(0, 500) });
}
