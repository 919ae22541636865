// The singleton's fencing: a receiver admits the newest epoch it has seen and refuses older ones with a code.
import { describe, it, expect } from 'vitest';
import { Fence } from '../../cluster/remote/index.ts';

describe('singleton fence', () => {
  it('admits equal or newer epochs and refuses a stale instance with STRATA_CLUSTER_SINGLETON_FENCED', () => {
    const f = new Fence();
    expect(f.admit(1)).toBeNull();
    expect(f.admit(1)).toBeNull();
    expect(f.admit(3)).toBeNull();
    const refused = f.admit(1);
    expect(refused?.code).toBe('STRATA_CLUSTER_SINGLETON_FENCED');
    expect(refused?.message).toContain('epoch 1 is older than epoch 3');
    expect(f.highest).toBe(3);
  });
});
