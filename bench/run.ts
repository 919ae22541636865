// `npm run bench -- [area…] [--quick] [--out DIR] [--threads 1,2,4] [--only PREFIX,…]`: runs each area of the area list (AREAS) in its own
// child process (a fresh heap and no threads left over from the area before), prints one JSON object per line on
// stdout (../shared/BENCH.md), and writes results.jsonl, report.md, report.html and plots/ into DIR. Also
// `--compare old.jsonl new.jsonl`, `--report results.jsonl [--out DIR]`, `--readme results.jsonl`, `--list`.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compareResults, formatComparison } from './compare.ts';
import { gitCommit, gitDirty, machineFacts } from './machine.ts';
import { benchError } from './report/errors.ts';
import { checkResultLine, parseResults, type ResultLine } from './report/result-line.ts';
import { rewriteReadme } from './report/readme-section.ts';
import { writeReport } from './report/render.ts';
import type { AreaOutcome, RunInfo } from './report/run-info.ts';
import { AREAS, isReported, isWanted, type BenchResult, type Scenario } from './scenario.ts';
import { enableCompileCache } from '../runtime/compile-cache.ts';

// as the strata executable does: each area's child process, its threads and the daemons it starts inherit it
enableCompileCache();

const root = join(import.meta.dirname, '..');
const runScript = join(import.meta.dirname, 'run.ts');
export const SCENARIO_DIR = join(import.meta.dirname, 'scenarios');

export interface BenchIo {
  /** result lines and command output (stdout) */
  out(text: string): void;
  /** progress and diagnostics (stderr) */
  err(text: string): void;
}

export const processIo: BenchIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

export interface AreaAvailability {
  readonly area: string;
  readonly baseline: string;
  readonly available: boolean;
}

/** The listed areas in run order, each with whether its scenario file exists yet. */
export function listAreas(scenarioDir = SCENARIO_DIR): AreaAvailability[] {
  return AREAS.map((a) => ({ area: a.area, baseline: a.baseline, available: existsSync(join(scenarioDir, `${a.area}.ts`)) }));
}

export interface RunOptions {
  /** areas to run, in list order; empty: all */
  readonly areas: readonly string[];
  readonly quick: boolean;
  /** where results.jsonl and the report go; null: no files */
  readonly outDir: string | null;
  readonly threads?: readonly number[];
  /** scenario-name prefixes of `--only` (see isWanted in scenario.ts); absent: everything */
  readonly only?: readonly string[];
  /** per-area limit; the child is killed past it */
  readonly timeoutS?: number;
  readonly scenarioDir?: string;
  /** the command line, for the report */
  readonly command?: string;
}

export interface RunOutcome {
  readonly results: ResultLine[];
  readonly info: RunInfo;
  /** 0 every available area ran; 1 some failed or timed out */
  readonly exitCode: number;
}

/** Checks the areas asked for against AREAS; unknown names are a usage error. */
export function selectAreas(asked: readonly string[], scenarioDir = SCENARIO_DIR): AreaAvailability[] {
  const all = listAreas(scenarioDir);
  const unknown = asked.filter((a) => !all.some((x) => x.area === a));
  if (unknown.length) {
    throw benchError('STRATA_BENCH_UNKNOWN_AREA', `unknown bench area(s): ${unknown.join(', ')}; areas: ${all.map((a) => a.area).join(', ')}`, { unknown });
  }
  return asked.length ? all.filter((a) => asked.includes(a.area)) : all;
}

export function parseThreads(text: string): number[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) {
    throw benchError('STRATA_BENCH_BAD_OPTION', `--threads wants positive integers separated by commas (1,2,4,8), got "${text}"`, { threads: text });
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

/** `--only ingest.rss,ingest.e2e`: scenario-name prefixes, kept to the characters scenario names use. */
export function parseOnly(text: string): string[] {
  const list = text.split(',');
  if (list.some((p) => !/^[A-Za-z0-9._-]+$/.test(p))) {
    throw benchError('STRATA_BENCH_BAD_OPTION', `--only wants scenario-name prefixes of letters, digits, '.', '_' and '-' separated by commas (ingest.rss,api.status), got "${text}"`, { only: text });
  }
  return [...new Set(list)];
}

/**
 * The areas to run: as asked, or with none asked and `--only` given, those whose scenarios some prefix can
 * match (`--only ingest.rss` runs ingest alone). A prefix that matches no area is a usage error then.
 */
export function areasForOnly(areas: readonly AreaAvailability[], asked: readonly string[], only: readonly string[] | undefined): AreaAvailability[] {
  if (!only || asked.length) return [...areas];
  const chosen = areas.filter((a) => isWanted(only, `${a.area}.`));
  if (chosen.length === 0) {
    throw benchError('STRATA_BENCH_BAD_OPTION', `--only ${only.join(',')} matches no bench area; areas: ${areas.map((a) => a.area).join(', ')}`, { only });
  }
  return chosen;
}

export function parseTimeout(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw benchError('STRATA_BENCH_BAD_OPTION', `--timeout-s wants a positive number of seconds, got "${text}"`, { timeoutS: text });
  return n;
}

export function defaultOutDir(): string {
  return join(tmpdir(), `strata-bench-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}

interface ChildRun {
  status: AreaOutcome['status'];
  lines: number;
  message?: string;
}

/** One area in a child process: its valid result lines go to `onResult`, its progress through io.err. */
function runAreaProcess(area: string, options: RunOptions, commit: string, io: BenchIo, onResult: (line: string, r: ResultLine) => void): Promise<ChildRun> {
  const args = ['--expose-gc', runScript, '--child', area];
  if (options.quick) args.push('--quick');
  if (options.threads) args.push('--threads', options.threads.join(','));
  if (options.only) args.push('--only', options.only.join(','));
  if (options.scenarioDir) args.push('--scenario-dir', options.scenarioDir);
  // Its own process group, so whatever the scenario forked and left behind (a member process that still holds
  // our stderr pipe open) is ended with it and cannot stall the run.
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STRATA_BENCH_COMMIT: commit },
    detached: true,
  });
  const killGroup = () => {
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* the group is already gone */ }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lines = 0;
  let invalid = 0;
  let pending = '';
  let lastErr = '';
  const take = (line: string) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try { parsed = JSON.parse(line); } catch { parsed = undefined; }
    const problems = parsed === undefined ? ['not JSON'] : checkResultLine(parsed);
    if (problems.length) {
      invalid++;
      io.err(`   ${area}: dropped a line that is not a BENCH.md result (${problems.join('; ')}): ${line.slice(0, 120)}\n`);
      return;
    }
    lines++;
    onResult(line, parsed as ResultLine);
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      take(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    io.err(chunk);
    const last = chunk.trim().split('\n').filter(Boolean).pop();
    if (last) lastErr = last.trim();
  });
  const limitMs = (options.timeoutS ?? (options.quick ? 300 : 3600)) * 1000;
  return new Promise((resolvePromise) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // anything of the group still alive is a leftover of the scenario; what the child wrote is still in the pipe
      killGroup();
      let finished = false;
      let grace: NodeJS.Timeout | undefined;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(grace);
        take(pending);
        pending = '';
        const dropped = invalid ? `${invalid} invalid line(s) dropped` : '';
        if (timedOut) resolvePromise({ status: 'timed out', lines, message: `killed after ${limitMs / 1000} s${dropped ? `; ${dropped}` : ''}` });
        else if (code !== 0) resolvePromise({ status: 'failed', lines, message: `exit ${code ?? signal}: ${lastErr.slice(0, 200)}${dropped ? `; ${dropped}` : ''}` });
        else resolvePromise({ status: 'ok', lines, ...(dropped ? { message: dropped } : {}) });
      };
      if (child.stdout.readableEnded) finish();
      else {
        grace = setTimeout(finish, 2_000);
        child.stdout.once('end', finish);
      }
    });
  });
}

/** Runs the chosen areas one after the other; an area without a scenario file is reported "not available". */
export async function runBench(options: RunOptions, io: BenchIo = processIo): Promise<RunOutcome> {
  const areas = areasForOnly(selectAreas(options.areas, options.scenarioDir), options.areas, options.only);
  const commit = process.env['STRATA_BENCH_COMMIT'] ?? gitCommit(root);
  const dirty = gitDirty(root);
  const resultsPath = options.outDir ? join(options.outDir, 'results.jsonl') : null;
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(resultsPath!, '');
  }
  const results: ResultLine[] = [];
  const outcomes: AreaOutcome[] = [];
  let exitCode = 0;
  for (const a of areas) {
    if (!a.available) {
      io.err(`== ${a.area}: not available (no bench/scenarios/${a.area}.ts yet)\n`);
      outcomes.push({ area: a.area, status: 'not available', seconds: 0, baseline: a.baseline, lines: 0 });
      continue;
    }
    io.err(`== ${a.area}${options.quick ? ' (quick)' : ''}${options.only ? `; only ${options.only.join(',')}` : ''}; baseline: ${a.baseline}\n`);
    if (options.only && !isWanted(options.only, `${a.area}.`)) io.err(`   --only names none of ${a.area}'s figures: it runs, and reports nothing\n`);
    const t0 = performance.now();
    const run = await runAreaProcess(a.area, options, commit, io, (line, r) => {
      results.push(r);
      io.out(`${line}\n`);
      if (resultsPath) appendFileSync(resultsPath, `${line}\n`);
    });
    const seconds = (performance.now() - t0) / 1000;
    if (run.status !== 'ok') {
      exitCode = 1;
      io.err(`== ${a.area}: ${run.status}${run.message ? ` (${run.message})` : ''}\n`);
    }
    outcomes.push({ area: a.area, status: run.status, seconds, baseline: a.baseline, lines: run.lines, ...(run.message ? { message: run.message } : {}) });
  }
  const info: RunInfo = {
    profile: options.quick ? 'quick' : 'full', areas: outcomes, dirty, command: options.command ?? 'npm run bench',
    ...(options.only ? { only: options.only } : {}),
  };
  if (options.outDir) {
    writeFileSync(join(options.outDir, 'run.json'), `${JSON.stringify(info, null, 2)}\n`);
    writeReport(options.outDir, results, info);
    io.err(`results: ${resultsPath}\nreport:  ${join(options.outDir, 'report.html')} and report.md\n`);
  }
  const total = outcomes.reduce((s, o) => s + o.seconds, 0);
  io.err(`${outcomes.map((o) => `${o.area} ${o.status === 'ok' ? `${o.seconds.toFixed(0)} s` : o.status}`).join(', ')}; total ${total.toFixed(0)} s\n`);
  return { results, info, exitCode };
}

/**
 * Inside the child process: runs one area in this process, stamping each result with machine, commit and time.
 * With `only`, lines outside it are dropped here, so an area that never asks `wants` still reports only those.
 */
export async function runAreaInProcess(area: string, quick: boolean, threads: readonly number[] | null, scenarioDir = SCENARIO_DIR, only: readonly string[] | null = null): Promise<void> {
  const machine = machineFacts();
  const commit = process.env['STRATA_BENCH_COMMIT'] ?? gitCommit(root);
  const mod = (await import(pathToFileURL(join(scenarioDir, `${area}.ts`)).href)) as { scenario?: Scenario };
  if (!mod.scenario) throw new Error(`bench/scenarios/${area}.ts exports no \`scenario\``);
  process.stderr.write(`   ${mod.scenario.description}${mod.scenario.baseline ? `; baseline: ${mod.scenario.baseline}` : ''}\n`);
  // each progress line carries the seconds since the area began, so the slow steps of a profile show at a glance
  const began = performance.now();
  await mod.scenario.run({
    quick,
    ...(threads ? { threads } : {}),
    wants: (section) => isWanted(only, section),
    log: (line) => void process.stderr.write(`   [${((performance.now() - began) / 1000).toFixed(1).padStart(5)} s] ${line}\n`),
    emit: (r: BenchResult) => {
      if (isReported(only, r.scenario)) process.stdout.write(`${JSON.stringify({ ...r, machine, commit, at: new Date().toISOString() })}\n`);
    },
  });
}

function readResults(path: string): ResultLine[] {
  return parseResults(readFileSync(path, 'utf8'), path);
}

/** Prints the comparison table; exit status 1 when some figure regressed beyond noise. */
export function compareFiles(oldPath: string, newPath: string, io: BenchIo = processIo, minNoise?: number): number {
  const before = readResults(oldPath);
  const after = readResults(newPath);
  const rows = compareResults(before, after, minNoise === undefined ? {} : { minNoise });
  io.out(formatComparison(rows, before, after));
  return rows.some((r) => r.verdict === 'regression') ? 1 : 0;
}

/** Writes the report of an earlier run (results.jsonl) into `outDir`. */
export function reportFile(resultsPath: string, outDir: string, io: BenchIo = processIo): number {
  const results = readResults(resultsPath);
  const runJson = join(dirname(resolve(resultsPath)), 'run.json');
  const info = existsSync(runJson) ? (JSON.parse(readFileSync(runJson, 'utf8')) as RunInfo) : null;
  writeReport(outDir, results, info);
  io.err(`report: ${join(outDir, 'report.html')} and report.md (${results.length} figures)\n`);
  return 0;
}

export function readmeFile(resultsPath: string, readmePath: string, io: BenchIo = processIo): number {
  const r = rewriteReadme(readmePath, resultsPath);
  io.err(`${readmePath}: performance section ${r.changed ? 'rewritten' : 'already up to date'} from ${r.figures} figures\n`);
  return 0;
}

const USAGE = `usage: npm run bench -- [area…] [--quick] [--out DIR] [--threads 1,2,4] [--timeout-s S] [--only PREFIX,…]
       (--only: just the figures whose scenario name starts with a prefix; with no area named, only the
        areas those prefixes name: npm run bench -- --only ingest.rss)
       npm run bench -- --compare old.jsonl new.jsonl [--min-noise 0.05]
       npm run bench -- --report results.jsonl --out DIR
       npm run bench -- --readme results.jsonl [--readme-file README.md]
       npm run bench -- --list
`;

/** The command line of `npm run bench`; returns the exit status (2 for usage errors). */
export async function main(argv: readonly string[], io: BenchIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        quick: { type: 'boolean' }, out: { type: 'string' }, threads: { type: 'string' }, 'timeout-s': { type: 'string' }, only: { type: 'string' },
        compare: { type: 'boolean' }, 'min-noise': { type: 'string' }, report: { type: 'string' }, readme: { type: 'string' },
        'readme-file': { type: 'string' }, list: { type: 'boolean' }, child: { type: 'string' }, 'scenario-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  try {
    if (v.help) { io.out(USAGE); return 0; }
    const scenarioDir = v['scenario-dir'] ?? SCENARIO_DIR;
    if (v.child !== undefined) {
      await runAreaInProcess(v.child, v.quick === true, v.threads ? parseThreads(v.threads) : null, scenarioDir, v.only !== undefined ? parseOnly(v.only) : null);
      return 0;
    }
    if (v.list) {
      for (const a of listAreas(scenarioDir)) io.out(`${a.area.padEnd(9)} ${a.available ? 'available    ' : 'not available'}  baseline: ${a.baseline}\n`);
      return 0;
    }
    if (v.compare) {
      if (positionals.length !== 2) { io.err(`--compare takes two result files\n${USAGE}`); return 2; }
      const minNoise = v['min-noise'] === undefined ? undefined : Number(v['min-noise']);
      if (minNoise !== undefined && !(minNoise >= 0 && minNoise < 1)) throw benchError('STRATA_BENCH_BAD_OPTION', `--min-noise wants a fraction in [0, 1), got "${v['min-noise']}"`, {});
      return compareFiles(positionals[0]!, positionals[1]!, io, minNoise);
    }
    if (v.report !== undefined) return reportFile(v.report, v.out ?? dirname(resolve(v.report)), io);
    if (v.readme !== undefined) return readmeFile(v.readme, v['readme-file'] ?? join(root, 'README.md'), io);
    const outcome = await runBench({
      areas: positionals,
      quick: v.quick === true,
      outDir: v.out ?? defaultOutDir(),
      ...(v.threads ? { threads: parseThreads(v.threads) } : {}),
      ...(v['timeout-s'] ? { timeoutS: parseTimeout(v['timeout-s']) } : {}),
      ...(v.only !== undefined ? { only: parseOnly(v.only) } : {}),
      scenarioDir,
      command: `npm run bench -- ${argv.join(' ')}`.trim(),
    }, io);
    return outcome.exitCode;
  } catch (e) {
    const err = e as Error & { code?: string };
    // in a child the stack helps whoever debugs the scenario; its last line is what the parent reports
    if (v.child !== undefined) io.err(`${err.stack ?? ''}\n`);
    io.err(`${err.code ? `${err.code}: ` : ''}${v.child !== undefined ? `area ${v.child} failed: ` : ''}${err.message}\n`);
    return err.code === 'STRATA_BENCH_UNKNOWN_AREA' || err.code === 'STRATA_BENCH_BAD_OPTION' ? 2 : 1;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // A child ends here even if its scenario left a pool or socket open; stdout to a pipe is synchronous on POSIX.
  process.exit(code);
}
