// The token `strata up` uses when no API token is configured: generated once (32 random bytes, base64url) into
// <dataDir>/api-token with mode 0600, reused on every later start, and shown only in the console URL.
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TOKEN_FILE = 'api-token';

export async function localOperatorToken(dataDir: string): Promise<{ token: string; file: string; created: boolean }> {
  const file = join(dataDir, TOKEN_FILE);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length >= 16) return { token, file, created: false };
  } catch {
    // none yet
  }
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, file, created: true };
}
