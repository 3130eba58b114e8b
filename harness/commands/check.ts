/**
 * `zkcheck check FILE... --model NAME`: reads each history, checks that it is well formed, checks
 * it for linearizability against the model and prints one verdict line per file (or one JSON
 * object per line with --json). Bad input is one line on stderr and exit 254.
 */
import { Command, Option } from 'commander';
import { basename } from 'node:path';
import { FORMATS, readHistoryFile } from '../../checker/history/read.js';
import { checkWellFormed } from '../../checker/history/wellformed.js';
import { toOperations } from '../../checker/history/operations.js';
import { parseEdnValue } from '../../checker/history/edn.js';
import { HistoryError } from '../../checker/history/types.js';
import { MODELS } from '../../checker/models/index.js';
import { checkLinearizable, resolveModel, validateOperations } from '../../checker/linearizable/check.js';
import { ModelError } from '../../checker/models/index.js';
import { mergeValidity, type CheckResult, type Validity } from '../../checker/linearizable/types.js';
import { describeCounterexample } from '../../checker/linearizable/describe.js';
import { EXIT, UsageError } from './exit.js';

interface CheckFlags {
  model: string;
  format?: (typeof FORMATS)[number];
  independent?: boolean;
  init?: string;
  timeLimit?: number;
  json?: boolean;
}

export interface FileVerdict {
  file: string;
  valid: Validity;
  ops: number;
  ms: number;
  cause?: string;
  partitions?: number;
  counterexample?: CheckResult['counterexample'];
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('check recorded histories for linearizability against a model')
    .argument('<files...>', 'history files (zkcheck JSONL, Jepsen EDN, Porcupine logs)')
    .addOption(
      new Option('-m, --model <name>', 'sequential model to check against')
        .choices(Object.keys(MODELS))
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('-f, --format <format>', 'input format (default: detected per file)').choices(FORMATS),
    )
    .option('--independent', "values are [key value] tuples from Jepsen's independent checker")
    .option('--init <value>', 'initial model value, EDN or JSON: 0, nil, null, {:x 0 :y 0}')
    .option(
      '-t, --time-limit <seconds>',
      'give up with "unknown" after this long per file',
      parsePositiveNumber,
    )
    .option('--json', 'print one JSON object per file instead of a line of text')
    .addHelpText(
      'after',
      `
Each file gets one line: its verdict (valid, INVALID or unknown with the cause), the number of
operations and the time taken. An invalid history also gets the operation that cannot be
linearized and the last one linearized before it.

Exit status: 0 every file valid, 1 any invalid, 2 any unknown (none invalid), 254 bad input.

Examples:
  zkcheck check run/history.jsonl --model zk-versioned-register
  zkcheck check etcd_*.log --model cas-register --init nil
  zkcheck check knossos/multi-register.edn --model multi-register --init '{:x 0 :y 0}'`,
    )
    .action(async (files: string[], flags: CheckFlags) => {
      process.exitCode = await runCheck(files, flags);
    });
}

function parsePositiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--time-limit: expected a positive number of seconds, got "${text}"`);
  return value;
}

function parseInit(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    try {
      return parseEdnValue(text);
    } catch (error) {
      throw new UsageError(`--init: "${text}" is neither JSON nor EDN (${(error as Error).message})`);
    }
  }
}

async function runCheck(files: string[], flags: CheckFlags): Promise<number> {
  const init = parseInit(flags.init);
  const modelOptions = init === undefined ? {} : { init };
  let status: Validity = true;
  for (const file of files) {
    const verdict = await checkFile(file, flags, modelOptions);
    if (verdict === undefined) return EXIT.badInput;
    status = mergeValidity(status, verdict.valid);
    process.stdout.write(flags.json ? JSON.stringify(verdict) + '\n' : formatVerdict(verdict));
  }
  return status === true ? EXIT.valid : status === false ? EXIT.invalid : EXIT.unknown;
}

async function checkFile(
  file: string,
  flags: CheckFlags,
  modelOptions: { init?: unknown },
): Promise<FileVerdict | undefined> {
  let operations;
  try {
    const history = await readHistoryFile(file, {
      format: flags.format,
      independent: flags.independent,
      onWarning: (message) => process.stderr.write(`zkcheck: warning: ${message}\n`),
    });
    checkWellFormed(history, file);
    operations = toOperations(history);
    validateOperations(operations, resolveModel({ name: flags.model, options: modelOptions }));
  } catch (error) {
    if (error instanceof ModelError) {
      process.stderr.write(`zkcheck: ${file}: ${error.message}\n`);
      return undefined;
    }
    if (error instanceof HistoryError) {
      process.stderr.write(`zkcheck: ${error.message}\n`);
      return undefined;
    }
    if ((error as NodeJS.ErrnoException).code !== undefined) {
      process.stderr.write(`zkcheck: ${file}: ${(error as Error).message}\n`);
      return undefined;
    }
    throw error;
  }
  const result = await checkLinearizable(
    operations,
    { name: flags.model, options: modelOptions },
    { timeLimitMs: flags.timeLimit === undefined ? undefined : flags.timeLimit * 1000 },
  );
  return {
    file,
    valid: result.valid,
    ops: result.operations,
    ms: Math.round(result.ms * 10) / 10,
    partitions: result.partitions,
    ...(result.cause ? { cause: result.cause } : {}),
    ...(result.counterexample ? { counterexample: result.counterexample } : {}),
  };
}

function formatVerdict(verdict: FileVerdict): string {
  const label =
    verdict.valid === true ? 'valid' : verdict.valid === false ? 'INVALID' : `unknown (${verdict.cause})`;
  const line = `${basename(verdict.file)}: ${label}  ${verdict.ops} ops  ${verdict.ms} ms\n`;
  if (!verdict.counterexample) return line;
  return (
    line +
    describeCounterexample(verdict.counterexample)
      .map((text) => `  ${text}\n`)
      .join('')
  );
}
