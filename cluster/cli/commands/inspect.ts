// `strata inspect PATH… [--format] [--zones …] [--json]`: detect and parse files (a folder: its files) without writing, and print
// per strategy: format, name, trades, trading days, winning days, total P&L, first and last day, with every
// warning and error. Also the terminal plumbing the ingest commands share (CliIo, file-option parsing).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { listFiles } from '../../../actors/ingest/index.ts';
import { createZoning, formatInspection, inspectFiles, ParsePool, parseZoneSpec, resolveFormatId, type ZoneOptions } from '../../../engine/formats/index.ts';
import { defaultParseThreads } from '../../config/index.ts';
import type { IngestFileOptions } from '../../daemon/services.ts';

/** Where a command writes and how it ends: the process by default, captured in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** the command's exit status: 0 ok, 1 some files rejected (process.exitCode by default) */
  setExitCode(code: number): void;
  /** a usage error (exit 2) or help/version (exit 0): process.exit by default; tests throw */
  exit(error: CommanderError): never;
  /** whether progress bars may draw (a TTY on stderr by default) */
  readonly interactive: boolean;
}

export const EXIT_OK = 0;
export const EXIT_REJECTED = 1;
export const EXIT_USAGE = 2;

export function processIo(): CliIo {
  return {
    out: (t) => { process.stdout.write(t); },
    err: (t) => { process.stderr.write(t); },
    setExitCode: (code) => { process.exitCode = code; },
    exit: (e) => process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE),
    interactive: process.stderr.isTTY === true,
  };
}

/** Usage errors end with exit status 2 (commander's own are 1); help and version keep 0. */
export function usageExits(cmd: Command, io: CliIo): Command {
  return cmd.exitOverride((e) => io.exit(e.exitCode === 0 ? e : new CommanderError(EXIT_USAGE, e.code, e.message)));
}

export function formatOption(value: string): string {
  try { return resolveFormatId(value); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
}

export function zonesOption(value: string): string {
  try { createZoning(parseZoneSpec(value)); return value; } catch (e) { throw new InvalidArgumentError((e as Error).message); }
}

export function sessionOption(value: string): string {
  try { createZoning({ method: 'equal', session: value }); return value; } catch (e) { throw new InvalidArgumentError((e as Error).message); }
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** The file options shared by inspect and ingest, from commander's parsed options: the daemon's own file
 *  options (what `strata ingest` sends a daemon) and the parse threads of this process. */
export interface FileFlags extends IngestFileOptions {
  readonly parseThreads?: number;
}

/** --parse-threads: whole number 0..256 (0: one thread parses every file). */
export function parseThreadsOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new InvalidArgumentError(`expected a whole number from 0 to 256, got ${JSON.stringify(value)}`);
  return n;
}

/** The parse pool of a command's --parse-threads (default as a daemon on this machine), or null for none. */
export function parsePoolOf(flags: FileFlags): ParsePool | null {
  const threads = flags.parseThreads ?? defaultParseThreads(availableParallelism());
  return threads > 0 ? new ParsePool({ threads }) : null;
}

export function fileOptions(flags: FileFlags): { format?: string; zones?: ZoneOptions; lenient?: boolean; maxProblems?: number; tz?: string; replaces?: string } {
  return {
    ...(flags.format !== undefined ? { format: flags.format } : {}),
    ...(flags.zones !== undefined || flags.session !== undefined ? { zones: parseZoneSpec(flags.zones ?? 'equal:4', flags.session) } : {}),
    ...(flags.lenient ? { lenient: true } : {}),
    ...(flags.maxProblems !== undefined ? { maxProblems: flags.maxProblems } : {}),
    ...(flags.tz !== undefined ? { tz: flags.tz } : {}),
    ...(flags.replaces !== undefined ? { replaces: flags.replaces } : {}),
  };
}

export function addFileFlags(cmd: Command): Command {
  return cmd
    .option('--format <id>', 'force a format (FORMAT_1 … FORMAT_8 or the full id); still checked against the content', formatOption)
    .option('--zones <spec>', 'zone mode: equal[:n] | freeform:HH:MM,… | custom:HH:MM-HH:MM,…', zonesOption)
    .option('--session <HH:MM-HH:MM>', 'trading session for zones (default 09:15-15:30)', sessionOption)
    .option('--tz <zone>', 'exchange time zone of the files\' local times (default Asia/Kolkata)')
    .option('--lenient', 'import the valid rows and report the rest instead of rejecting the file')
    .option('--max-problems <n>', 'problems listed per file (all are counted; default 100)', positiveInt)
    .option('--parse-threads <n>', 'threads that parse a FORMAT_1 file of 8 MiB or more in chunks (default as ingest.parseThreads: 2 from 8 cores on, none below)', parseThreadsOption);
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('inspect')
    .description('detect and parse files (or the files of folders) without writing; summarise each strategy with every warning and error')
    .argument('<paths...>', 'files or folders to inspect (a folder: the files the ingest actor would take from it, sorted)')
    .option('--json', 'print the inspection as JSON');
  addFileFlags(cmd);
  usageExits(cmd, io);
  cmd.action(async (paths: string[], flags: FileFlags & { json?: boolean }) => {
    const files: string[] = [];
    for (const p of paths) {
      // a path that is no folder goes through as it is: one that cannot be read is reported as that file's error
      const isFolder = await stat(p).then((st) => st.isDirectory(), () => false);
      if (!isFolder) { files.push(p); continue; }
      const inFolder = await listFiles(p);
      if (inFolder.length === 0) io.err(`inspect: ${p} holds no file to read (hidden files, *.tmp, *.part, *.crdownload, *.swp and reports are skipped)\n`);
      files.push(...inFolder);
    }
    if (files.length === 0) { io.setExitCode(EXIT_REJECTED); return; }
    const parsePool = parsePoolOf(flags);
    const result = await inspectFiles(files, { ...fileOptions(flags), ...(parsePool ? { parsePool } : {}) }).finally(() => parsePool?.close());
    io.out(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatInspection(result));
    io.setExitCode(result.files.every((f) => f.ok) ? EXIT_OK : EXIT_REJECTED);
  });
}
