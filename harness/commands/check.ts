/**
 * `zkcheck check FILE... --model NAME`: reads each history, checks that it is well formed, checks
 * it for linearizability against the model and prints one verdict line per file (or one JSON
 * object per line with --json). With `--consistency sequential|zookeeper|all` it checks
 * ZooKeeper's claims instead, one line per claim, and only the claims ZooKeeper promises decide
 * the exit status. Bad input is one line on stderr and exit 254.
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
import { checkClaims, claimsVerdict, ALL_CLAIMS } from '../../checker/consistency/claims.js';
import type { ClaimName, ClaimResult } from '../../checker/consistency/types.js';
import { explainClaim } from '../../checker/explain/text.js';
import type { History, Operation } from '../../checker/history/types.js';
import { EXIT, UsageError } from './exit.js';

/** What `--consistency` checks: the old linearizability verdict, or a list of claims. */
const CONSISTENCY = Object.freeze({
  linearizable: undefined,
  sequential: ['sequential'],
  zookeeper: ['zookeeper'],
  all: ALL_CLAIMS,
} satisfies Record<string, readonly ClaimName[] | undefined>);
type Consistency = keyof typeof CONSISTENCY;

interface CheckFlags {
  model: string;
  format?: (typeof FORMATS)[number];
  independent?: boolean;
  init?: string;
  timeLimit?: number;
  json?: boolean;
  consistency: Consistency;
}

export interface FileVerdict {
  file: string;
  valid: Validity;
  ops: number;
  ms: number;
  cause?: string;
  partitions?: number;
  counterexample?: CheckResult['counterexample'];
  /** With --consistency other than linearizable: every claim checked, in order. */
  claims?: ClaimResult[];
  /** Text explanations of the broken claims, by claim (not in JSON). */
  explanations?: Map<ClaimName, string[]>;
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
    .addOption(
      new Option('-c, --consistency <which>', "what to check: linearizability, or ZooKeeper's claims")
        .choices(Object.keys(CONSISTENCY))
        .default('linearizable'),
    )
    .option('--json', 'print one JSON object per file instead of a line of text')
    .addHelpText(
      'after',
      `
Each file gets one line: its verdict (valid, INVALID or unknown with the cause), the number of
operations and the time taken. An invalid history also gets the operation that cannot be
linearized and the last one linearized before it.

--consistency checks ZooKeeper's claims one by one: sequential (reads sequentially consistent),
zookeeper (ordered sequential consistency: sessions in order, updates in real time) or all (also
"writes linearizable", "sync+read linearizable" and "whole history linearizable"). Each claim gets
a line: valid, INVALID or unknown, a note, and the time. A broken claim that ZooKeeper does not
promise (stale plain reads, ZOOKEEPER-1675) is marked "allowed by ZooKeeper's documented
guarantees" and does not fail the run. zk-versioned-register histories whose replies carry
versions are checked exactly by cycle detection; others by search.

Exit status: 0 every file valid, 1 any invalid, 2 any unknown (none invalid), 254 bad input.

Examples:
  zkcheck check run/history.jsonl --model zk-versioned-register
  zkcheck check run/history.jsonl --model zk-versioned-register --consistency all
  zkcheck check etcd_*.log --model cas-register --init nil
  zkcheck check knossos/multi-register.edn --model multi-register --init '{:x 0 :y 0}'`,
    )
    .action(async (files: string[], flags: CheckFlags) => {
      process.exitCode = await runCheck(files, flags);
    });
}

function toJson(verdict: FileVerdict): string {
  const { explanations, ...rest } = verdict;
  if (!rest.claims) return JSON.stringify(rest);
  const claims = rest.claims.map((result) => ({
    ...result,
    ...(explanations?.has(result.claim) ? { explanation: explanations.get(result.claim) } : {}),
  }));
  return JSON.stringify({ ...rest, claims });
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
    process.stdout.write(flags.json ? toJson(verdict) + '\n' : formatVerdict(verdict));
  }
  return status === true ? EXIT.valid : status === false ? EXIT.invalid : EXIT.unknown;
}

async function checkFile(
  file: string,
  flags: CheckFlags,
  modelOptions: { init?: unknown },
): Promise<FileVerdict | undefined> {
  let operations: Operation[];
  let history: History;
  try {
    history = await readHistoryFile(file, {
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
  const spec = { name: flags.model, options: modelOptions };
  const timeLimitMs = flags.timeLimit === undefined ? undefined : flags.timeLimit * 1000;
  const claims = CONSISTENCY[flags.consistency];
  if (claims !== undefined) return checkFileClaims(file, history, operations, claims, { spec, timeLimitMs });
  const result = await checkLinearizable(operations, spec, { timeLimitMs });
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

async function checkFileClaims(
  file: string,
  history: History,
  operations: Operation[],
  claims: readonly ClaimName[],
  options: { spec: { name: string; options: { init?: unknown } }; timeLimitMs?: number },
): Promise<FileVerdict> {
  const started = performance.now();
  const results = await checkClaims(operations, options.spec, { claims, timeLimitMs: options.timeLimitMs });
  const clock = (index: number) => history[index]?.time;
  const explanations = new Map<ClaimName, string[]>();
  for (const result of results)
    if (result.valid === false) explanations.set(result.claim, explainClaim(result, { clock }));
  return {
    file,
    valid: claimsVerdict(results),
    ops: operations.length,
    ms: roundMs(performance.now() - started),
    claims: results.map((result) => ({ ...result, ms: roundMs(result.ms) })),
    explanations,
  };
}

const roundMs = (ms: number) => Math.round(ms * 10) / 10;

function formatClaims(verdict: FileVerdict): string {
  const name = basename(verdict.file);
  const width = Math.max(...verdict.claims!.map((result) => result.title.length));
  const shown = new Set<string>();
  return verdict
    .claims!.map((result) => {
      const label =
        result.valid === true ? 'valid' : result.valid === false ? 'INVALID' : `unknown (${result.cause})`;
      const note = result.note ? `  (${result.note})` : '';
      const line = `${name}: ${result.title.padEnd(width)}  ${label}${note}  ${result.ms} ms  ${result.method}\n`;
      // Allowed violations get their evidence too: people ask why, but it does not fail the run.
      const evidence = verdict.explanations?.get(result.claim) ?? [];
      const text = evidence.map((line) => `  ${line}\n`).join('');
      if (text === '' || !shown.has(text)) {
        shown.add(text);
        return line + text;
      }
      return line + '  (the same evidence as above)\n';
    })
    .join('');
}

function formatVerdict(verdict: FileVerdict): string {
  if (verdict.claims) return formatClaims(verdict);
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
