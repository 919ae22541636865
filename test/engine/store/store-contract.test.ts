// Runs the store node contract against every backend: DuckDB on a file in a temp folder, HeavyDB through the
// Thrift stand-in, and a real HeavyDB when STRATA_HEAVYDB_URL is set (heavydb://user:password@host:port/db).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDbNode, openHeavyDbNode } from '../../../engine/store/index.ts';
import { startHeavyDbStandIn } from '../../support/heavydb-server/heavydb-stand-in.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('DuckDB file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-store-'));
  const node = await openDuckDbNode({ path: join(dir, 'node.duckdb') });
  return { node, async cleanup() { await node.close(); rmSync(dir, { recursive: true, force: true }); } };
});

describeStoreContract('HeavyDB via the Thrift stand-in', async () => {
  const server = await startHeavyDbStandIn();
  const node = await openHeavyDbNode({ url: server.url, timeoutMs: 10_000 });
  return { node, async cleanup() { await node.close(); await server.close(); } };
});

const realUrl = process.env['STRATA_HEAVYDB_URL'];
if (realUrl) {
  describeStoreContract('real HeavyDB', async () => {
    const node = await openHeavyDbNode({ url: realUrl, timeoutMs: 30_000 });
    return { node, async cleanup() { await node.close(); } };
  });
}
