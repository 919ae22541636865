// `strata bench [scenario…] [--quick] [--out DIR] [--threads 1,2,4] [--only PREFIX,…] [--compare old.jsonl new.jsonl]`: the benchmark
// harness of bench/run.ts behind the CLI (the same as `npm run bench -- …`), plus --report, --readme and --list.
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  compareFiles, defaultOutDir, listAreas, parseOnly, parseThreads, parseTimeout, readmeFile, reportFile, runBench, type BenchIo,
} from '../../../bench/run.ts';
import { AREA_NAMES } from '../../../bench/scenario.ts';

export interface BenchCliIo extends BenchIo {
  setExitCode(code: number): void;
  /** a usage error (exit 2) or help (exit 0): process.exit by default; tests throw */
  exit(error: CommanderError): never;
}

const EXIT_USAGE = 2;

export function processBenchIo(): BenchCliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    setExitCode: (code) => { process.exitCode = code; },
    exit: (e) => process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE),
  };
}

function optionParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try { return parse(text); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
  };
}

function minNoise(text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`wants a fraction in [0, 1), got "${text}"`);
  return n;
}

interface BenchFlags {
  quick?: boolean;
  out?: string;
  threads?: number[];
  timeoutS?: number;
  only?: string[];
  compare?: string[];
  minNoise?: number;
  report?: string;
  readme?: string;
  readmeFile?: string;
  list?: boolean;
}

export function register(program: Command, io: BenchCliIo = processBenchIo()): void {
  const cmd = program.command('bench')
    .description('run benchmark scenarios (JSON lines on stdout, report in --out), or compare two runs')
    .argument('[scenario...]', `areas to run, all when none: ${AREA_NAMES.join(', ')}`)
    .option('--quick', 'the short profile (CI smoke; all areas in about two minutes on 2 cores)')
    .option('--out <dir>', 'folder for results.jsonl, report.md, report.html and plots/ (default: a new temp folder)')
    .option('--threads <list>', 'thread counts for scaling curves, e.g. 1,2,4,8,16', optionParser(parseThreads))
    .option('--timeout-s <seconds>', 'kill an area that runs longer (default 300 quick, 3600 full)', optionParser(parseTimeout))
    .option('--only <prefixes>', 'just the figures whose scenario name starts with one of these comma-separated prefixes; with no area named, only the areas they name (e.g. ingest.rss)', optionParser(parseOnly))
    .option('--compare <files...>', 'two result files, old then new: ratios and regressions beyond noise (exit 1 on a regression)')
    .option('--min-noise <fraction>', 'with --compare: the smallest change that counts (default 0.05)', minNoise)
    .option('--report <results>', 'write the report of an earlier run (into --out, default beside the file)')
    .option('--readme <results>', "rewrite README.md's performance section (between its bench markers) from a run")
    .option('--readme-file <path>', 'with --readme: the file to rewrite', 'README.md')
    .option('--list', 'list the areas, whether each is available, and its baseline');
  cmd.exitOverride((e) => io.exit(e.exitCode === 0 ? e : new CommanderError(EXIT_USAGE, e.code, e.message)));
  cmd.action(async (areas: string[], flags: BenchFlags) => {
    try {
      if (flags.list) {
        for (const a of listAreas()) io.out(`${a.area.padEnd(9)} ${a.available ? 'available    ' : 'not available'}  baseline: ${a.baseline}\n`);
        io.setExitCode(0);
        return;
      }
      if (flags.compare) {
        if (flags.compare.length !== 2) {
          io.exit(new CommanderError(EXIT_USAGE, 'strata.bench.compare', `--compare takes two result files (old, new), got ${flags.compare.length}`));
        }
        io.setExitCode(compareFiles(flags.compare[0]!, flags.compare[1]!, io, flags.minNoise));
        return;
      }
      if (flags.report) {
        io.setExitCode(reportFile(flags.report, flags.out ?? dirname(resolve(flags.report)), io));
        return;
      }
      if (flags.readme) {
        io.setExitCode(readmeFile(flags.readme, flags.readmeFile ?? 'README.md', io));
        return;
      }
      const outcome = await runBench({
        areas,
        quick: flags.quick === true,
        outDir: flags.out ?? defaultOutDir(),
        ...(flags.threads ? { threads: flags.threads } : {}),
        ...(flags.timeoutS ? { timeoutS: flags.timeoutS } : {}),
        ...(flags.only ? { only: flags.only } : {}),
        command: `strata bench ${[...areas, flags.quick ? '--quick' : '', flags.only ? `--only ${flags.only.join(',')}` : ''].filter(Boolean).join(' ')}`,
      }, io);
      io.setExitCode(outcome.exitCode);
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err instanceof CommanderError) throw err;
      io.err(`${err.code ? `${err.code}: ` : ''}${err.message}\n`);
      io.setExitCode(err.code === 'STRATA_BENCH_UNKNOWN_AREA' || err.code === 'STRATA_BENCH_BAD_OPTION' ? EXIT_USAGE : 1);
    }
  });
}
