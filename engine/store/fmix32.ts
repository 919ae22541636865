// MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. The store's hashes end with it (a
// strategy's partition, rendezvous placement, partition checksums); partition ids are persisted and checksums
// compared across nodes and engines, so it must never change.
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
