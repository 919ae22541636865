// `strata generate --out DIR [--strategies N --days D --seed S]`: writes realistic files in all eight formats
// plus expected.json with the exact canonical daily rows (the test, demo and benchmark data source).
import type { Command } from 'commander';
import { generateDataset } from '../../../engine/formats/index.ts';
import { EXIT_OK, positiveInt, processIo, usageExits, type CliIo } from './inspect.ts';

function seedOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) return positiveInt(value); // throws the usage error with the value
  return n;
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('generate')
    .description('write synthetic backtest files in all eight formats plus expected.json (exact daily P&L)')
    .requiredOption('--out <dir>', 'folder to write into (created if missing)')
    .option('--strategies <n>', 'strategies per multi-strategy file', positiveInt, 3)
    .option('--days <n>', 'trading days per strategy', positiveInt, 20)
    .option('--seed <n>', 'random seed: the same seed writes the same bytes', seedOption, 1);
  usageExits(cmd, io);
  cmd.action(async (flags: { out: string; strategies: number; days: number; seed: number }) => {
    const ds = await generateDataset({ outDir: flags.out, strategies: flags.strategies, days: flags.days, seed: flags.seed });
    for (const f of ds.files) {
      io.out(`${f.file.padEnd(28)} ${f.format.padEnd(32)} ${f.strategies.length} strateg${f.strategies.length === 1 ? 'y' : 'ies'}${f.zoneMode ? '  (zone mode: equal:4)' : ''}\n`);
    }
    io.out(`expected.json                ${ds.files.length} files, seed ${ds.seed}, written to ${ds.outDir}\n`);
    io.setExitCode(EXIT_OK);
  });
}
