// Runs CLI command modules (each exports `register(program, io)`) on a fresh commander program in-process,
// capturing stdout, stderr and the exit status: what `strata <args>` would print and return.
import { Command, CommanderError } from 'commander';
import type { CliIo } from '../../cluster/cli/commands/inspect.ts';

export async function runCli(registrars: readonly ((program: Command, io: CliIo) => void)[], args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '', code = 0;
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, setExitCode: (c) => { code = c; }, exit: (e) => { throw e; }, interactive: false };
  const program = new Command('strata').exitOverride().configureOutput({ writeOut: (t) => { out += t; }, writeErr: (t) => { err += t; } });
  for (const register of registrars) register(program, io);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  }
  return { code, out, err };
}
