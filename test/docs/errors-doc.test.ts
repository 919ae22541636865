// Keeps docs/errors.md and the code catalogues in step, in both directions: every `errors.ts` under the
// layers exports `catalogue`; every code there has a row in the doc with the same retryable flag, and
// every row in the doc names a code that exists. Codes are unique across the whole project.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
const layers = ['runtime', 'engine', 'actors', 'cluster', 'bench'];

function findCatalogueFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findCatalogueFiles(full));
    else if (name === 'errors.ts') out.push(full);
  }
  return out;
}

interface Spec { retryable: boolean; summary: string }

async function loadCatalogues(): Promise<Map<string, { file: string; spec: Spec }>> {
  const codes = new Map<string, { file: string; spec: Spec }>();
  for (const layer of layers) {
    const dir = join(root, layer);
    let files: string[] = [];
    try { files = findCatalogueFiles(dir); } catch { continue; }
    for (const file of files) {
      const mod = (await import(pathToFileURL(file).href)) as { catalogue?: Record<string, Spec> };
      if (!mod.catalogue) continue; // a re-export module such as engine/errors.ts
      for (const [code, spec] of Object.entries(mod.catalogue)) {
        const seen = codes.get(code);
        if (seen) throw new Error(`${code} is declared twice: ${seen.file} and ${relative(root, file)}`);
        codes.set(code, { file: relative(root, file), spec });
      }
    }
  }
  return codes;
}

function docRows(): Map<string, { retryable: boolean; line: number }> {
  const text = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, { retryable: boolean; line: number }>();
  text.split('\n').forEach((line, i) => {
    const m = /^\|\s*`?(STRATA_[A-Z0-9_]+)`?\s*\|\s*(yes|no)\s*\|/.exec(line);
    if (!m) return;
    if (rows.has(m[1]!)) throw new Error(`docs/errors.md lists ${m[1]} twice (line ${i + 1})`);
    rows.set(m[1]!, { retryable: m[2] === 'yes', line: i + 1 });
  });
  return rows;
}

describe('docs/errors.md', () => {
  it('lists every code of every catalogue with its retryable flag', async () => {
    const codes = await loadCatalogues();
    const rows = docRows();
    const missing = [...codes.keys()].filter((c) => !rows.has(c));
    expect(missing, 'codes with no row in docs/errors.md').toEqual([]);
    const wrongFlag = [...codes].filter(([c, { spec }]) => rows.get(c)!.retryable !== spec.retryable).map(([c]) => c);
    expect(wrongFlag, 'codes whose retryable flag differs from docs/errors.md').toEqual([]);
  });

  it('names no code that the catalogues do not declare', async () => {
    const codes = await loadCatalogues();
    const stale = [...docRows().keys()].filter((c) => !codes.has(c));
    expect(stale, 'rows in docs/errors.md for codes that no longer exist').toEqual([]);
  });

  it('uses only codes of the form STRATA_<WORDS>', async () => {
    const codes = await loadCatalogues();
    expect([...codes.keys()].filter((c) => !/^STRATA_[A-Z0-9]+(_[A-Z0-9]+)*$/.test(c))).toEqual([]);
  });
});
