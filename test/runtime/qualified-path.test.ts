// Thread addresses and qualified paths: the hand-written address check agrees with the documented pattern.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { THREAD_ADDRESS, isThreadAddress, parseQualifiedPath, qualifyPath } from '../../runtime/qualified-path.ts';

describe('qualified paths', () => {
  it('isThreadAddress accepts main and t<n>.<m>, and nothing else', () => {
    for (const yes of ['main', 't1.1', 't0.0', 't12.345', 't2.10']) expect(isThreadAddress(yes), yes).toBe(true);
    for (const no of ['', 'mai', 'mainx', 'Main', 't', 't1', 't1.', 't.1', 'tt1.1', 't1.1.1', 't1.1x', 'x1.1', 't1,1', 't-1.1', '127.0.0.1:7101', 'bench@127.0.0.1:7101#3']) {
      expect(isThreadAddress(no), no).toBe(false);
    }
  });

  it('isThreadAddress agrees with THREAD_ADDRESS on random strings', () => {
    const pieces = fc.constantFrom('t', 'm', 'a', 'i', 'n', '.', '0', '1', '9', ':', '@', '/', 'x');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 8 }).map((a) => a.join(''))), (s) => {
        expect(isThreadAddress(s)).toBe(THREAD_ADDRESS.test(s));
      }),
      { numRuns: 5_000 },
    );
  });

  it('parses what qualifyPath writes, and leaves plain paths alone', () => {
    expect(parseQualifiedPath(qualifyPath('t2.1', '/user/runner'))).toEqual({ address: 't2.1', path: '/user/runner' });
    expect(parseQualifiedPath('/user/runner')).toBeNull();
    expect(parseQualifiedPath('@node1/user/runner')).toBeNull();
  });
});
