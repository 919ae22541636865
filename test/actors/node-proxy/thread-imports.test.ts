// A store thread loads only what a DuckDB node needs: every module it imports costs each of the daemon's store
// threads heap (the HeavyDB client and engine/store's index cost about 2 MiB of old space per thread, measured
// 2026-12-05). This walks the static imports of the thread's entry, as Node would load them.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function loaded(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string): void => {
    const rel = relative(root, file);
    if (seen.has(rel)) return;
    seen.add(rel);
    const src = readFileSync(file, 'utf8');
    // value imports and re-exports (`import type` / `export type` are erased and load nothing)
    for (const m of src.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) walk(join(dirname(file), spec));
      else seen.add(`package:${spec}`);
    }
  };
  walk(join(root, entry));
  return seen;
}

describe('what a store thread loads', () => {
  for (const entry of ['actors/node-proxy/thread-host.ts', 'actors/node-proxy/process-host.ts']) {
    it(`${entry}: the DuckDB backend, not the HeavyDB client or engine/store's index`, () => {
      const mods = loaded(entry);
      expect(mods.has('engine/store/duckdb-node.ts')).toBe(true);
      expect(mods.has('package:@duckdb/node-api')).toBe(true);
      expect([...mods].filter((m) => /heavydb|heavyai|thrift/i.test(m))).toEqual([]);
      expect(mods.has('engine/store/index.ts')).toBe(false);
    });
  }
});
