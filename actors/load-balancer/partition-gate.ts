// Per-partition read/write gate of the load-balancer: writes to a partition share it, a copy of the partition
// (catch-up, rebalance) holds it alone, so a copy never races a write to the same partition and writes to
// other partitions go on meanwhile. A waiting copy holds back new writes to its partitions (no starvation).
// Partitions are taken in ascending order, so two multi-partition acquisitions never deadlock.

interface Slot {
  shared: number;
  exclusive: boolean;
  queue: { readonly exclusive: boolean; readonly grant: () => void }[];
}

export class PartitionGate {
  readonly #slots = new Map<number, Slot>();

  #slot(p: number): Slot {
    let s = this.#slots.get(p);
    if (!s) { s = { shared: 0, exclusive: false, queue: [] }; this.#slots.set(p, s); }
    return s;
  }

  #acquireOne(p: number, exclusive: boolean): Promise<void> | null {
    const s = this.#slot(p);
    const free = exclusive ? !s.exclusive && s.shared === 0 && s.queue.length === 0 : !s.exclusive && s.queue.length === 0;
    if (free) {
      if (exclusive) s.exclusive = true; else s.shared++;
      return null;
    }
    return new Promise<void>((resolve) => s.queue.push({ exclusive, grant: resolve }));
  }

  #releaseOne(p: number, exclusive: boolean): void {
    const s = this.#slots.get(p);
    if (!s) return;
    if (exclusive) s.exclusive = false; else s.shared--;
    // Grant from the head: one exclusive waiter when nothing is held, or every leading shared waiter.
    while (s.queue.length > 0 && !s.exclusive) {
      const head = s.queue[0]!;
      if (head.exclusive) {
        if (s.shared > 0) break;
        s.queue.shift();
        s.exclusive = true;
        head.grant();
        break;
      }
      s.queue.shift();
      s.shared++;
      head.grant();
    }
    if (!s.exclusive && s.shared === 0 && s.queue.length === 0) this.#slots.delete(p);
  }

  async #acquire(partitions: Iterable<number>, exclusive: boolean): Promise<() => void> {
    const sorted = [...new Set(partitions)].sort((a, b) => a - b);
    for (const p of sorted) {
      const wait = this.#acquireOne(p, exclusive);
      if (wait) await wait;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const p of sorted) this.#releaseOne(p, exclusive);
    };
  }

  /** For a write: resolves with a release function once no copy holds any of the partitions. */
  shared(partitions: Iterable<number>): Promise<() => void> {
    return this.#acquire(partitions, false);
  }

  /** For a copy: resolves once no write or other copy holds any of the partitions. */
  exclusive(partitions: Iterable<number>): Promise<() => void> {
    return this.#acquire(partitions, true);
  }
}

/** The gate key of the kv table (fully replicated, not partitioned). */
export const KV_GATE = -1;
