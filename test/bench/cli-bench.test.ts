import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register, type BenchCliIo } from '../../cluster/cli/commands/bench.ts';
import { jsonl, line } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function strata(args: string[]): Promise<{ out: string; err: string; code: number | null }> {
  const r = { out: '', err: '', code: null as number | null };
  const io: BenchCliIo = {
    out: (t) => { r.out += t; },
    err: (t) => { r.err += t; },
    setExitCode: (c) => { r.code = c; },
    exit: (e) => { throw e; },
  };
  const program = new Command('strata').exitOverride();
  register(program, io);
  try {
    await program.parseAsync(['node', 'strata', 'bench', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    r.err += e.message;
    r.code = e.exitCode;
  }
  return r;
}

describe('strata bench', () => {
  it('lists the areas with their availability and baseline', async () => {
    const r = await strata(['--list']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^runtime +available +baseline: a raw ring-queue/m);
    expect(r.out.trim().split('\n')).toHaveLength(10);
  });

  it('compares two runs and exits 1 on a regression', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    writeFileSync(a, jsonl([line({ scenario: 'engine.kernel', value: 100, min: 99, max: 101 })]));
    writeFileSync(b, jsonl([line({ scenario: 'engine.kernel', value: 40, min: 39, max: 41 })]));
    const r = await strata(['--compare', a, b]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/REGRESSION engine\.kernel throughput/);
    expect((await strata(['--compare', b, a])).code).toBe(0);
  });

  it('is a usage error (exit 2) to give --compare one file, a bad --threads or --only, or an unknown area', async () => {
    expect((await strata(['--compare', join(dir, 'a.jsonl')])).code).toBe(2);
    const threads = await strata(['scaling', '--threads', '0,2']);
    expect(threads.code).toBe(2);
    expect(threads.err).toMatch(/--threads wants positive integers/);
    const only = await strata(['--only', 'ingest rss']);
    expect(only.code).toBe(2);
    expect(only.err).toMatch(/--only wants scenario-name prefixes/);
    const nowhere = await strata(['--only', 'warp.speed', '--out', join(dir, 'nowhere')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toMatch(/STRATA_BENCH_BAD_OPTION: --only warp.speed matches no bench area/);
    const unknown = await strata(['warp']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/STRATA_BENCH_UNKNOWN_AREA/);
  });

  it('reports a results file that is not BENCH.md with its code and exit 1', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"scenario":"runtime.tell"}\n');
    const r = await strata(['--report', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/STRATA_BENCH_BAD_RESULT: .*bad\.jsonl:1/);
  });
});
