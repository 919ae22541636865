// Which nodes hold each partition: `replicationFactor` distinct nodes per partition, every node holding
// floor or ceil of its fair share, and a rebalance after nodes join or leave that keeps every replica it can
// and moves only what balance requires. Ties are broken by rendezvous (HRW) scores, so the result depends only
// on the inputs, never on node order or history beyond the previous placement.
import { storeError } from './errors.ts';
import { fmix32 } from './fmix32.ts';

export interface Placement {
  readonly partitionCount: number;
  readonly replicationFactor: number;
  /** node names, sorted */
  readonly nodes: readonly string[];
  /** replicas[p]: the nodes holding partition p, highest rendezvous score first (the preferred replica) */
  readonly replicas: readonly (readonly string[])[];
}

export interface PlacementMove {
  readonly partition: number;
  /** nodes that must receive a copy of the partition (catch-up source: any node in `keep`) */
  readonly add: readonly string[];
  /** nodes that may drop the partition once the added copies are complete */
  readonly remove: readonly string[];
  readonly keep: readonly string[];
}

export const DEFAULT_REPLICATION_FACTOR = 2;

/** Rendezvous score of a node for a partition: a 32-bit mix of both, highest wins. */
export function rendezvousScore(node: string, partition: number): number {
  let h = 0x811c9dc5 ^ Math.imul(partition + 1, 0x9e3779b1);
  for (let i = 0; i < node.length; i++) h = Math.imul(h ^ node.charCodeAt(i), 0x01000193);
  return fmix32(h ^ partition);
}

const byScore = (p: number) => (a: string, b: string): number => rendezvousScore(b, p) - rendezvousScore(a, p) || (a < b ? -1 : a > b ? 1 : 0);

function validate(nodes: readonly string[], partitionCount: number, replicationFactor: number): void {
  if (nodes.length === 0) throw storeError('STRATA_STORE_INVALID_PLACEMENT', 'a placement needs at least one node', {});
  if (new Set(nodes).size !== nodes.length) throw storeError('STRATA_STORE_INVALID_PLACEMENT', `duplicate node names in ${JSON.stringify(nodes)}`, { nodes: [...nodes] });
  if (!Number.isInteger(partitionCount) || partitionCount < 1) throw storeError('STRATA_STORE_INVALID_PLACEMENT', `partitionCount ${partitionCount} is not a positive integer`, { partitionCount });
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) throw storeError('STRATA_STORE_INVALID_PLACEMENT', `replicationFactor ${replicationFactor} is not a positive integer`, { replicationFactor });
}

/** A balanced placement from scratch. With fewer nodes than the replication factor, every node holds all. */
export function placePartitions(nodes: readonly string[], partitionCount: number, replicationFactor = DEFAULT_REPLICATION_FACTOR): Placement {
  return rebalance(null, nodes, partitionCount, replicationFactor);
}

/**
 * The placement for `nodes` that keeps as many replicas of `previous` as balance allows. Each node ends with
 * floor(P·r/N) or ceil(P·r/N) replicas (r = min(RF, N)); when a node joins it receives exactly its share and
 * nothing else moves; when a node leaves, its replicas go to the least loaded survivors.
 */
export function rebalance(previous: Placement | null, nodes: readonly string[], partitionCount: number, replicationFactor = DEFAULT_REPLICATION_FACTOR): Placement {
  validate(nodes, partitionCount, replicationFactor);
  const sorted = [...nodes].sort();
  const r = Math.min(replicationFactor, sorted.length);
  const total = partitionCount * r;
  const min = Math.floor(total / sorted.length);
  const max = Math.ceil(total / sorted.length);
  const alive = new Set(sorted);
  const sets: Set<string>[] = [];
  const load = new Map(sorted.map((n) => [n, 0]));
  for (let p = 0; p < partitionCount; p++) {
    const kept = (previous && previous.partitionCount === partitionCount ? previous.replicas[p] ?? [] : []).filter((n) => alive.has(n));
    // Keep the best-scored survivors when the replication factor shrank.
    const s = new Set([...new Set(kept)].sort(byScore(p)).slice(0, r));
    for (const n of s) load.set(n, load.get(n)! + 1);
    sets.push(s);
  }
  // 1. Trim nodes above the ceiling, dropping their lowest-scored replicas, and never two replicas of one
  //    partition while another partition can give one: each hole must be fillable by the same joining node.
  for (const n of sorted) {
    while (load.get(n)! > max) {
      let best = -1;
      for (let p = 0; p < partitionCount; p++) {
        if (!sets[p]!.has(n)) continue;
        if (best < 0) { best = p; continue; }
        const holes = r - sets[p]!.size;
        const bestHoles = r - sets[best]!.size;
        if (holes < bestHoles || (holes === bestHoles && rendezvousScore(n, p) < rendezvousScore(n, best))) best = p;
      }
      sets[best]!.delete(n);
      load.set(n, load.get(n)! - 1);
    }
  }
  // 2. Fill missing replicas on the least loaded node below the ceiling; a swap frees room when every such
  //    node already holds the partition.
  const survivors = sets.map((s) => new Set(s));
  for (let p = 0; p < partitionCount; p++) {
    const s = sets[p]!;
    while (s.size < r) {
      const candidates = sorted.filter((n) => !s.has(n) && load.get(n)! < max).sort((a, b) => load.get(a)! - load.get(b)! || byScore(p)(a, b));
      const pick = candidates[0];
      if (pick !== undefined) { s.add(pick); load.set(pick, load.get(pick)! + 1); continue; }
      const spare = sorted.find((n) => s.has(n) && load.get(n)! < max)!;
      const full = sorted.filter((n) => !s.has(n)).sort(byScore(p))[0]!;
      // the partition giving up `full` loses one of its surviving replicas: prefer one that has lost none yet,
      // so no partition sees two of its replicas move at once while another could have given one
      const canGive = (other: Set<string>, i: number): boolean => i !== p && other.has(full) && !other.has(spare);
      const whole = sets.findIndex((other, i) => canGive(other, i) && [...survivors[i]!].every((n) => other.has(n)));
      const q = whole >= 0 ? whole : sets.findIndex(canGive);
      sets[q]!.delete(full);
      sets[q]!.add(spare);
      load.set(spare, load.get(spare)! + 1);
      s.add(full);
    }
  }
  // 3. Raise nodes below the floor (a node that just joined) by taking replicas from nodes above it, from a
  //    partition none of whose surviving replicas moved yet when there is one.
  const intact = (p: number): boolean => [...survivors[p]!].every((n) => sets[p]!.has(n));
  for (const u of sorted) {
    while (load.get(u)! < min) {
      let best: { p: number; from: string; score: number; intact: boolean } | null = null;
      for (let p = 0; p < partitionCount; p++) {
        const s = sets[p]!;
        if (s.has(u)) continue;
        const whole = intact(p);
        if (best && best.intact && !whole) continue;
        for (const from of s) {
          if (load.get(from)! <= min) continue;
          const score = rendezvousScore(u, p);
          if (!best || (whole && !best.intact) || score > best.score || (score === best.score && p < best.p)) best = { p, from, score, intact: whole };
        }
      }
      if (!best) break;
      sets[best.p]!.delete(best.from);
      sets[best.p]!.add(u);
      load.set(best.from, load.get(best.from)! - 1);
      load.set(u, load.get(u)! + 1);
    }
  }
  return { partitionCount, replicationFactor: r, nodes: sorted, replicas: sets.map((s, p) => [...s].sort(byScore(p))) };
}

export function partitionsOfNode(placement: Placement, node: string): number[] {
  const out: number[] = [];
  placement.replicas.forEach((nodes, p) => { if (nodes.includes(node)) out.push(p); });
  return out;
}

export function nodeLoads(placement: Placement): Map<string, number> {
  const load = new Map(placement.nodes.map((n) => [n, 0]));
  for (const nodes of placement.replicas) for (const n of nodes) load.set(n, (load.get(n) ?? 0) + 1);
  return load;
}

/** What changes between two placements of the same partitions: copies to make, copies to drop. */
export function placementMoves(before: Placement, after: Placement): PlacementMove[] {
  const moves: PlacementMove[] = [];
  for (let p = 0; p < after.partitionCount; p++) {
    const was = new Set(before.replicas[p] ?? []);
    const now = after.replicas[p]!;
    const add = now.filter((n) => !was.has(n));
    const remove = [...was].filter((n) => !now.includes(n));
    if (add.length || remove.length) moves.push({ partition: p, add, remove, keep: now.filter((n) => was.has(n)) });
  }
  return moves;
}

/**
 * One replica per partition for a read, among the nodes `available` says may serve, spreading partitions
 * evenly over those nodes (preferred replica first on ties). A partition with no available replica is listed
 * in `unavailable` rather than silently skipped.
 */
export function planReads(placement: Placement, partitions: readonly number[], available: (node: string) => boolean = () => true): { byNode: Map<string, number[]>; unavailable: number[] } {
  const byNode = new Map<string, number[]>();
  const unavailable: number[] = [];
  for (const p of partitions) {
    const candidates = (placement.replicas[p] ?? []).filter(available);
    if (candidates.length === 0) { unavailable.push(p); continue; }
    let pick = candidates[0]!;
    for (const n of candidates) if ((byNode.get(n)?.length ?? 0) < (byNode.get(pick)?.length ?? 0)) pick = n;
    let list = byNode.get(pick);
    if (!list) { list = []; byNode.set(pick, list); }
    list.push(p);
  }
  return { byNode, unavailable };
}
