/**
 * The zkcheck command line. Each command family registers itself from harness/commands/; this
 * file owns only what they share: exit codes, and turning bad flags into one clear line and 254.
 */
import { Command, CommanderError } from 'commander';
import { ZKCHECK_VERSION } from './version.js';
import { registerCheckCommand } from './commands/check.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerRunCommands } from './commands/run.js';
import { EXIT, UsageError } from './commands/exit.js';

export function buildProgram(): Command {
  const program = new Command('zkcheck')
    .description('Jepsen-style consistency testing for Apache ZooKeeper')
    .version(ZKCHECK_VERSION)
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(text.trim().split('\n')[0] + '\n') })
    .addHelpText(
      'after',
      `
Exit status: 0 valid, 1 invalid, 2 unknown, 254 bad input or flags, 255 harness error.
Examples:
  zkcheck run --time-limit 30     a 3-node ensemble, register workload, verdict per claim
  zkcheck run --nemesis partition --seed 42
  zkcheck analyze                 check the latest stored run again
  zkcheck check history.jsonl --model zk-versioned-register
  zkcheck check etcd_000.log --model cas-register --init nil
  zkcheck doctor                  which ensemble provider would run here, and what is missing
  zkcheck image build             build the local ZooKeeper image (no registry needed)`,
    );
  registerRunCommands(program);
  registerCheckCommand(program);
  registerClusterCommands(program);
  program.commands.forEach((command) => command.exitOverride());
  program.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit status (the bin sets process.exitCode from it). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.valid;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0 by design.
      return error.exitCode === 0 ? EXIT.valid : EXIT.badInput;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`zkcheck: ${error.message}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`zkcheck: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.harnessError;
  }
}
