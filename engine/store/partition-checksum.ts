// Order-independent checksums of a partition's rows, computed in JavaScript from the rows each engine returns so
// that a DuckDB node and a HeavyDB node holding the same data agree (engine hash functions differ, and SUM of
// doubles depends on row order). Two 32-bit lanes summed modulo 2^32: duplicates add up, they never cancel.
import { fmix32 } from './fmix32.ts';
import type { ResultColumn, ResultSet } from './result-set.ts';

export interface PartitionChecksum {
  readonly partition: number;
  readonly rows: number;
  /** 16 hex digits; '0000000000000000' for an empty partition. */
  readonly checksum: string;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hashes row `r` of `columns` into two lanes. Numbers hash by their float64 bits, so int32 5 and 5.0 agree. */
function rowHash(columns: readonly ResultColumn[], r: number, out: [number, number]): void {
  let a = 0x9747b28c | 0;
  let b = 0x5bd1e995 | 0;
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c]!;
    const isNull = col.type === 'text' ? col.values[r] === null : col.nulls !== null && col.nulls[r] === 1;
    const tag = (c << 2) | (isNull ? 1 : col.type === 'text' ? 2 : 3);
    a = mix(a, tag);
    b = mix(b, tag ^ 0x5f3759df);
    if (isNull) continue;
    if (col.type === 'text') {
      const s = col.values[r]!;
      a = mix(a, s.length);
      b = mix(b, ~s.length);
      for (let i = 0; i < s.length; i++) {
        const ch = s.charCodeAt(i);
        a = mix(a, ch);
        b = mix(b, ch * 0x10001);
      }
    } else {
      const v = col.values[r]!;
      f64[0] = v === 0 ? 0 : v;
      a = mix(mix(a, u32[0]!), u32[1]!);
      b = mix(mix(b, u32[1]!), u32[0]!);
    }
  }
  out[0] = fmix32(a);
  out[1] = fmix32(b);
}

/**
 * Checksums per partition of `result`, whose column `partitionColumn` holds the partition of each row; the other
 * columns are hashed in the order given. Every partition in `expected` appears in the output, empty or not.
 */
export function checksumPartitions(result: ResultSet, partitionColumn: string, expected: readonly number[] = []): PartitionChecksum[] {
  const pcol = result.columns.find((c) => c.name === partitionColumn);
  const hashed = result.columns.filter((c) => c.name !== partitionColumn);
  const acc = new Map<number, { rows: number; a: number; b: number }>();
  for (const p of expected) acc.set(p, { rows: 0, a: 0, b: 0 });
  const h: [number, number] = [0, 0];
  for (let r = 0; r < result.rowCount; r++) {
    const p = pcol && pcol.type !== 'text' ? pcol.values[r]! : 0;
    rowHash(hashed, r, h);
    let e = acc.get(p);
    if (!e) { e = { rows: 0, a: 0, b: 0 }; acc.set(p, e); }
    e.rows++;
    e.a = (e.a + h[0]) >>> 0;
    e.b = (e.b + h[1]) >>> 0;
  }
  return [...acc.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([partition, e]) => ({ partition, rows: e.rows, checksum: e.a.toString(16).padStart(8, '0') + e.b.toString(16).padStart(8, '0') }));
}

/** Partitions whose checksum on `target` differs from `source` (missing on either side counts as different). */
export function partitionsToCopy(source: readonly PartitionChecksum[], target: readonly PartitionChecksum[]): number[] {
  const t = new Map(target.map((c) => [c.partition, c]));
  const s = new Map(source.map((c) => [c.partition, c]));
  const out = new Set<number>();
  for (const c of source) {
    const other = t.get(c.partition);
    if (!other ? c.rows > 0 : other.rows !== c.rows || other.checksum !== c.checksum) out.add(c.partition);
  }
  for (const c of target) if (!s.has(c.partition) && c.rows > 0) out.add(c.partition);
  return [...out].sort((a, b) => a - b);
}
