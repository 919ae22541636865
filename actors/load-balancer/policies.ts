// Replica choice for reads: round-robin, least-outstanding (fewest calls in flight from this load-balancer),
// latency-EWMA power-of-two-choices (two random candidates, lower EWMA × (outstanding + 1) wins), and smooth
// weighted round-robin (nginx's: each pick adds every weight, takes the largest, subtracts the total).
// Pure: the random draw and the per-policy counters are passed in.

export type BalancingPolicy = 'round-robin' | 'least-outstanding' | 'ewma-p2c' | 'weighted';

export const POLICIES: readonly BalancingPolicy[] = ['round-robin', 'least-outstanding', 'ewma-p2c', 'weighted'];

export interface ReplicaLoad {
  readonly name: string;
  /** calls in flight from this load-balancer */
  readonly outstanding: number;
  /** EWMA of call latency, ms (0 before the first call) */
  readonly ewmaMs: number;
  /** > 0 */
  readonly weight: number;
}

export interface PolicyState {
  roundRobin: number;
  /** smooth weighted round-robin: current weight per node */
  readonly current: Map<string, number>;
}

export function createPolicyState(): PolicyState {
  return { roundRobin: 0, current: new Map() };
}

/** One of `candidates` (non-empty, in preference order). */
export function pickReplica(policy: BalancingPolicy, candidates: readonly ReplicaLoad[], state: PolicyState, random: () => number): ReplicaLoad {
  const n = candidates.length;
  if (n === 1) return candidates[0]!;
  switch (policy) {
    case 'round-robin':
      return candidates[state.roundRobin++ % n]!;
    case 'least-outstanding': {
      // Ties rotate, so an idle cluster still spreads its reads.
      const start = state.roundRobin++ % n;
      let best = candidates[start]!;
      for (let k = 1; k < n; k++) {
        const c = candidates[(start + k) % n]!;
        if (c.outstanding < best.outstanding) best = c;
      }
      return best;
    }
    case 'ewma-p2c': {
      const i = Math.min(n - 1, Math.floor(random() * n));
      let j = Math.min(n - 2, Math.floor(random() * (n - 1)));
      if (j >= i) j++;
      const a = candidates[i]!;
      const b = candidates[j]!;
      const cost = (r: ReplicaLoad): number => (r.ewmaMs || 0.001) * (r.outstanding + 1);
      return cost(b) < cost(a) ? b : a;
    }
    case 'weighted': {
      let total = 0;
      let best: ReplicaLoad | null = null;
      let bestWeight = -Infinity;
      for (const c of candidates) {
        const w = (state.current.get(c.name) ?? 0) + c.weight;
        state.current.set(c.name, w);
        total += c.weight;
        if (w > bestWeight) { bestWeight = w; best = c; }
      }
      state.current.set(best!.name, bestWeight - total);
      return best!;
    }
  }
}

/** Next EWMA of latency (α = 0.3): recent calls dominate within a few samples. */
export function nextEwma(previous: number, sampleMs: number): number {
  return previous === 0 ? sampleMs : 0.3 * sampleMs + 0.7 * previous;
}
