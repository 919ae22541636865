// `npm run bench -- <area…> [--quick]`: runs the scenarios of each area and prints one JSON object per line
// on stdout (../shared/BENCH.md), with machine facts, commit and time added; progress goes to stderr.
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult, Scenario } from './scenario.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const scenarioDir = join(import.meta.dirname, 'scenarios');
const available = readdirSync(scenarioDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const areas = args.filter((a) => !a.startsWith('--'));
const chosen = areas.length ? areas : available;
const unknown = chosen.filter((a) => !available.includes(a));
if (unknown.length) {
  process.stderr.write(`unknown bench area(s): ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(2);
}

let commit = 'unknown';
try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};

for (const area of chosen) {
  const mod = (await import(pathToFileURL(join(scenarioDir, `${area}.ts`)).href)) as { scenario: Scenario };
  process.stderr.write(`== ${area}: ${mod.scenario.description}${quick ? ' (quick)' : ''}\n`);
  await mod.scenario.run({
    quick,
    log: (line) => process.stderr.write(`   ${line}\n`),
    emit: (r: BenchResult) => process.stdout.write(JSON.stringify({ ...r, machine, commit, at: new Date().toISOString() }) + '\n'),
  });
}
