/**
 * The zkcheck command line. Each command family lives in harness/commands/ and is loaded only
 * when its command runs: `zkcheck check` never loads Testcontainers, the proxy or the client, and
 * `--version` and `--help` load no command at all. This file owns what they share: the list of
 * commands, exit codes, and turning bad flags into one clear line and 254.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { oneLine } from './text.js';
import { ZKCHECK_VERSION } from './version.js';
import { EXIT, UsageError } from './commands/exit.js';

/** Every command: its one-line description (for the top-level help) and how to load it. */
const COMMANDS: ReadonlyArray<{ names: string[]; load: (program: Command) => Promise<void> }> = [
  {
    names: ['run', 'analyze', 'report'],
    load: async (program) => (await import('./commands/run.js')).registerRunCommands(program),
  },
  {
    names: ['check'],
    load: async (program) => (await import('./commands/check.js')).registerCheckCommand(program),
  },
  {
    names: ['serve'],
    load: async (program) => (await import('./commands/serve.js')).registerServeCommand(program),
  },
  {
    names: ['test-all'],
    load: async (program) => (await import('./commands/test-all.js')).registerTestAllCommand(program),
  },
  {
    names: ['compare'],
    load: async (program) => (await import('./commands/compare.js')).registerCompareCommand(program),
  },
  {
    names: ['hunt'],
    load: async (program) => (await import('./commands/hunt.js')).registerHuntCommand(program),
  },
  {
    names: ['nemesis'],
    load: async (program) => (await import('./commands/nemesis.js')).registerNemesisCommand(program),
  },
  {
    names: ['doctor', 'image', 'clean'],
    load: async (program) => (await import('./commands/cluster.js')).registerClusterCommands(program),
  },
];

/** What the top-level help lists, without loading any command. */
const SUMMARIES: Readonly<Record<string, string>> = Object.freeze({
  run: 'run a test: a real ensemble, a workload, faults, and a verdict per claim',
  analyze: 'check a stored run again (default: the latest) and rewrite its results.json',
  report: "write a stored run's report.html and charts again, without re-checking it",
  check:
    'check recorded histories (JSONL, Jepsen EDN, Porcupine logs): linearizability against a model, ZooKeeper consistency claims, queue claims',
  compare: 'two stored runs or two test-all matrices side by side, claim by claim',
  'test-all': 'run a matrix of workloads × nemeses × ZooKeeper versions: a verdict table per release',
  hunt: 'many short seeded runs with faults aimed at ZooKeeper sync phases, until a promise breaks or the budget ends',
  nemesis: 'list the fault families, their settings (flag, default, choices) and an example of each',
  serve: 'browse and compare stored runs in a web page (read-only, 127.0.0.1)',
  doctor: 'say which ensemble provider would run and why, and what is missing with the fix',
  image: 'build and list local ZooKeeper images',
  clean: 'remove what dead runs left: containers, JVMs, proxy servers, dirs, port locks',
});

/** The program with `command` fully loaded (every command with no name: the full CLI, for tests). */
export async function buildProgram(command?: string): Promise<Command> {
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
  zkcheck run --workload set --nemesis kill
  zkcheck analyze                 check the latest stored run again
  zkcheck check history.jsonl --model zk-versioned-register
  zkcheck check etcd_000.log --model cas-register --init nil
  zkcheck serve                   browse and compare stored runs at http://127.0.0.1:8080
  zkcheck doctor                  which ensemble provider would run here, and what is missing
  zkcheck image build             build the local ZooKeeper image (no registry needed)`,
    );
  for (const entry of COMMANDS) {
    if (command === undefined || entry.names.includes(command)) await entry.load(program);
    else for (const name of entry.names) program.command(name).description(SUMMARIES[name] ?? '');
  }
  // Every level (`image build`, `nemesis list` too): commander's errors come back to main() as
  // CommanderError instead of exiting the process, and print one line.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

const ALL_COMMANDS = Object.keys(SUMMARIES);

/** The command a command line names: its first word that is not an option. */
function commandOf(argv: readonly string[]): string | undefined {
  const word = argv.slice(2).find((arg) => !arg.startsWith('-'));
  // `zkcheck help run` is commander's help for `run`: load that one.
  return word === 'help' ? argv.slice(2).find((arg, i, rest) => rest[i - 1] === 'help') : word;
}

/** Runs the CLI and returns the exit status (the bin sets process.exitCode from it). */
export async function main(argv: string[]): Promise<number> {
  try {
    const named = commandOf(argv);
    // `zkcheck help nosuch`: commander would print the whole usage; one line is the answer.
    if (
      argv.slice(2).includes('help') &&
      named !== undefined &&
      named !== 'help' &&
      !ALL_COMMANDS.includes(named)
    )
      throw new UsageError(
        `help: unknown command ${JSON.stringify(oneLineArg(named))} (commands: ${ALL_COMMANDS.join(', ')})`,
      );
    const program = await buildProgram(named ?? '');
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.valid;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0 by design.
      return error.exitCode === 0 ? EXIT.valid : EXIT.badInput;
    }
    if (error instanceof UsageError) {
      // One line, whatever the input held (a path with a newline in it is still one line).
      process.stderr.write(`zkcheck: ${oneLine(error.message, 1000)}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`zkcheck: internal error: ${internalError(error)}\n`);
    return EXIT.harnessError;
  }
}

function oneLineArg(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * A bug of zkcheck's: one line for the terminal, the full trace in a file for the bug report
 * (the trace itself would bury the line, and a user cannot act on it).
 */
function internalError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const trace = error instanceof Error ? (error.stack ?? message) : message;
  try {
    const file = join(tmpdir(), `zkcheck-internal-error-${process.pid}-${Date.now()}.log`);
    writeFileSync(file, `zkcheck ${ZKCHECK_VERSION}\nargv: ${JSON.stringify(process.argv)}\n${trace}\n`);
    return `${message} (full trace: ${file}; please report it)`;
  } catch {
    return `${message} (the trace could not be written: ${trace.split('\n')[1]?.trim() ?? 'no frame'})`;
  }
}
