// An upload the disk has no room for gets a coded error that says so (STRATA_DAEMON_NO_SPACE, HTTP 507) instead of
// an internal error: a real ENOSPC, from writing to /dev/full, mapped by the function the upload path uses.
import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { noSpaceError } from '../../cluster/daemon/ingest-service.ts';
import { httpStatusOf } from '../../cluster/api/errors.ts';

describe('an upload the disk has no room for', () => {
  it.runIf(existsSync('/dev/full'))('is STRATA_DAEMON_NO_SPACE (507, retryable) naming the folder and the bytes free there', async () => {
    const failure = await pipeline(Readable.from([Buffer.alloc(64 * 1024, 1)]), createWriteStream('/dev/full')).then(() => null, (e: unknown) => e);
    expect(failure).toMatchObject({ code: 'ENOSPC' });
    const err = await noSpaceError(failure, tmpdir(), 'big.csv', 6_356_462);
    expect(err).toMatchObject({ code: 'STRATA_DAEMON_NO_SPACE', retryable: true, data: { name: 'big.csv', receivedBytes: 6_356_462, cause: 'ENOSPC' } });
    expect(err!.message).toContain(`in ${tmpdir()} (ENOSPC) after 6356462 bytes received`);
    expect((err!.data as { freeBytes: number }).freeBytes).toBeGreaterThan(0);
    expect(httpStatusOf(err!.code, err!.retryable)).toBe(507);
  });

  it('leaves any other failure as it is', async () => {
    expect(await noSpaceError(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }), tmpdir(), 'x.csv', 1)).toBeNull();
    expect(await noSpaceError(new Error('no code'), tmpdir(), 'x.csv', 1)).toBeNull();
    expect(await noSpaceError(null, tmpdir(), 'x.csv', 1)).toBeNull();
  });
});
