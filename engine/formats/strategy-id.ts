// Content hashes and stable strategy ids: a strategy_id is sha256(file content hash + sub-key), hex-truncated,
// so the same bytes always give the same ids whatever the file is called or where it was dropped.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { formatError } from './errors.ts';

const CHUNK_BYTES = 1 << 20;

export interface FileHash {
  /** sha256 of the file bytes, lowercase hex (64 chars). */
  readonly contentHash: string;
  readonly sizeBytes: number;
}

export async function hashFile(path: string): Promise<FileHash> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let fh;
  try { fh = await open(path, 'r'); } catch (e) { throw readFailed(path, e); }
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      sizeBytes += bytesRead;
    }
  } catch (e) {
    throw readFailed(path, e);
  } finally {
    await fh.close();
  }
  return { contentHash: hash.digest('hex'), sizeBytes };
}

export function readFailed(path: string, e: unknown): Error {
  const code = (e as { code?: string }).code ?? 'unknown';
  // Node's own messages already start with the code ("ENOENT: no such file or directory, open …")
  const message = (e as Error).message ?? '';
  const text = message.startsWith(`${code}:`) ? message : `${code} ${message}`.trim();
  return formatError('STRATA_FORMAT_READ_FAILED', `cannot read ${JSON.stringify(path)}: ${text}`, { file: path, cause: code });
}

/** 24 hex chars (96 bits): collisions are out of reach for any realistic number of strategies. */
export function strategyId(contentHash: string, subKey: string): string {
  return createHash('sha256').update(contentHash).update('\u0000').update(subKey).digest('hex').slice(0, 24);
}
