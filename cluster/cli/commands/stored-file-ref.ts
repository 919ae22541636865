// A stored file (the ingest journal's committed record) as the CLI names and prints it: `strata files` and
// `strata ingest --replace` take a content-hash prefix or a file name.
import { basename, resolve } from 'node:path';
import { ingestError, type StoredFile } from '../../../actors/ingest/index.ts';
import { apiGet, type Connection } from '../../api/client.ts';

/** A daemon's stored files (GET /api/v1/consolidator/files), oldest first. */
export async function daemonStoredFiles(conn: Connection): Promise<StoredFile[]> {
  return (await apiGet<{ files: StoredFile[] }>(conn, '/api/v1/consolidator/files')).files;
}

const time = (ms: number | null): string => (ms === null ? '-' : `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`);
export const count = (n: number): string => n.toLocaleString('en-US');

export function fileLine(f: StoredFile): string {
  const rows = f.rows ? `${count(f.rows.trades)} trades, ${count(f.rows.daily_pnl)} days` : '-';
  // the name only: the path it was read from is often gone (inbox files and uploads move to processed/); --json has it
  return [f.contentHash.slice(0, 12), (f.format ?? '-').padEnd(31), time(f.committedAt), `${count(f.strategyIds.length)} strateg${f.strategyIds.length === 1 ? 'y' : 'ies'}`.padEnd(14), rows.padEnd(28), basename(f.file)].join('  ');
}

/**
 * The stored file `ref` names: a content-hash prefix of 6+ hex digits, or a file name (the last part of the path
 * it was read from, or the whole path). Throws a coded error naming the candidates when none or several fit.
 */
export function resolveFileRef(files: readonly StoredFile[], ref: string): StoredFile {
  const byHash = /^[0-9a-f]{6,64}$/.test(ref) ? files.filter((f) => f.contentHash.startsWith(ref)) : [];
  const byName = files.filter((f) => f.file === ref || f.file === resolve(ref) || basename(f.file) === ref);
  const hits = [...new Set([...byHash, ...byName])];
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw ingestError('STRATA_INGEST_UNKNOWN_FILE', `no stored file has a content hash starting ${JSON.stringify(ref)} or the name ${JSON.stringify(ref)} (strata files list shows them)`, { ref });
  throw ingestError('STRATA_INGEST_AMBIGUOUS_FILE', `${JSON.stringify(ref)} names ${hits.length} stored files; give more of the content hash:\n${hits.map((f) => `  ${fileLine(f)}`).join('\n')}`, { ref, candidates: hits.map((f) => f.contentHash) });
}
