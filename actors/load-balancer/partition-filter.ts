// The WHERE-clause filter a scattered statement gets on each node: the partitions that node answers for.
//
// On DuckDB nodes the set is a constant tested per row (a 64-bit mask up to 64 partitions, a BITSTRING beyond),
// not an IN list. DuckDB 1.5.6 plans an IN list of five or more entries as a hash join against the list (seen
// first, 2026-12-04, as "an IN list keeps 3–4 KiB"), and the `IN (SELECT unnest([...]))` form used after it as a
// hash semi-join; a hash table's blocks, once freed, stay referenced from the buffer pool's eviction queues until
// a queue grows past its purge threshold (engine/store/id-filter.ts, docs/daemon.md): glibc memory in use rose
// 35 MB over 15,000 small scattered queries on one node, 1.0–1.5 MB with either constant. Measured on the 2-vCPU VM (2026-12-05; 64 partitions,
// 43 wanted; medians of 25 scans of 2 M rows and of 15,000 queries of 5,000 rows): the mask 15 ms and 0.47 ms
// against 29 ms and 0.91 ms for the semi-join; the BITSTRING (100 partitions) 41 ms and 0.60 ms, slower on big
// scans than the semi-join, kept for its bounded memory. Other engines keep the plain list.
import { loadBalancerError } from './errors.ts';

/** Partition counts up to this use a 64-bit mask; beyond it a BITSTRING of one bit per partition. */
export const MASK_PARTITIONS = 64;

/** `partition_id IN (…)` for engines without the DuckDB quirks above (HeavyDB): ids sorted, no duplicates. */
export function partitionInList(partitions: readonly number[]): string {
  if (partitions.length === 0) return '1 = 0';
  return `partition_id IN (${[...new Set(partitions)].sort((a, b) => a - b).join(', ')})`;
}

/** A DuckDB predicate true exactly for rows whose partition_id is one of `partitions` (each in 0..count-1). */
export function duckDbPartitionFilter(partitions: readonly number[], partitionCount: number): string {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw loadBalancerError('STRATA_LB_UNSCOPED_QUERY', `partition count ${partitionCount} is not a positive integer`, { partitionCount });
  }
  for (const p of partitions) {
    if (!Number.isInteger(p) || p < 0 || p >= partitionCount) {
      throw loadBalancerError('STRATA_LB_UNSCOPED_QUERY', `partition ${p} is not in 0..${partitionCount - 1}`, { partition: p });
    }
  }
  if (partitions.length === 0) return 'FALSE';
  // Every part is defined for any INTEGER: a row whose partition_id lies outside 0..count-1 (a file written by
  // hand or under another scheme) is left out, as an IN list leaves it out, instead of failing the statement.
  const inRange = `partition_id BETWEEN 0 AND ${partitionCount - 1}`;
  if (partitionCount <= MASK_PARTITIONS) {
    let mask = 0n;
    for (const p of partitions) mask |= 1n << BigInt(p);
    return `(${inRange} AND ((${mask}::UBIGINT >> (partition_id & 63)::UTINYINT) & 1::UBIGINT) = 1)`;
  }
  // beyond 64: a BITSTRING, one bit per partition (get_bit counts from the leftmost bit, 0 first; the index is
  // clamped into range so that no row can fail the statement, whichever conjunct runs first)
  const bits = new Array<string>(partitionCount).fill('0');
  for (const p of partitions) bits[p] = '1';
  return `(${inRange} AND get_bit('${bits.join('')}'::BITSTRING, least(greatest(partition_id, 0), ${partitionCount - 1})) = 1)`;
}
