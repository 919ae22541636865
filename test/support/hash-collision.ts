// Strings whose DuckDB hash lands in the same bucket as a given id's: what textCandidateFilter's hash filter lets
// through besides the ids asked for (engine/store/id-filter.ts), for tests that check the reader drops them.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * A string `other-N` whose hash(…) % `bits` in DuckDB equals `id`'s and that `accept` takes (say, one in the same
 * partition as `id`). Searched with DuckDB itself, on `con` or on an in-memory instance of its own.
 */
export async function collidingWith(id: string, bits: number, accept: (candidate: string) => boolean = () => true, con?: DuckDBConnection): Promise<string> {
  const own = con ? null : await DuckDBInstance.create(':memory:');
  const c = con ?? await own!.connect();
  try {
    // 2^18 buckets: about 76 hits in 20 M candidates, enough for an `accept` that takes one in 64
    const r = await c.runAndReadAll(`SELECT 'other-' || i AS s FROM range(20000000) r(i) WHERE hash('other-' || i) % ${bits} = hash(?::VARCHAR) % ${bits} ORDER BY i LIMIT 1000`, [id]);
    const found = r.getRowObjects().map((o) => String(o['s'])).find(accept);
    if (!found) throw new Error(`no string colliding with ${id} in ${bits} buckets found`);
    return found;
  } finally {
    if (own) { c.closeSync(); own.closeSync(); }
  }
}
