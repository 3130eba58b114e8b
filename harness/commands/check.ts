/**
 * `zkcheck check FILE... --model NAME`: reads each history, checks that it is well formed, checks
 * it for linearizability against the model and prints one verdict line per file (or one JSON
 * object per line with --json). With `--consistency sequential|zookeeper|all` it checks
 * ZooKeeper's claims instead, one line per claim, through the same declaration path as a run
 * (results/analyze.ts), and only the claims ZooKeeper promises decide the exit status. With
 * `--claims queue` (no model) it checks a queue history, zkcheck's or Jepsen's (`:enqueue` /
 * `:dequeue`), for the queue claims, the same declaration as a queue run. Models with
 * the version-graph capability are decided exactly wherever the graph method can (`--method`
 * picks the graph or the search for plain linearizability). With `--model mutex`, a lock or
 * election workload's history is first converted to Knossos's mutex ops (checker/history/mutex.ts).
 * A history in which nothing was checked (no op, none succeeded) is unknown. Bad input is one
 * line on stderr and exit 254.
 */
import { Command, Option } from 'commander';
import { basename } from 'node:path';
// Loaded for every check (and --help). What only some flags need (claims, shrinking, the graph
// method, lock histories) is imported where it is used: a plain check does not pay for it.
import { FORMATS, readHistoryFile } from '../../checker/history/read.js';
import { checkWellFormed } from '../../checker/history/wellformed.js';
import { toOperations } from '../../checker/history/operations.js';
import { MAX_EDN_DEPTH, parseEdnValue } from '../../checker/history/edn.js';
import { parseExactJson, stringifyExactJson } from '../../checker/history/exact-json.js';
import { HistoryError } from '../../checker/history/types.js';
import { MODELS, ModelError } from '../../checker/models/index.js';
import type { Model } from '../../checker/models/model.js';
import { checkLinearizable, resolveModel, validateOperations } from '../../checker/linearizable/check.js';
import { mergeValidity, type CheckResult, type Validity } from '../../checker/linearizable/types.js';
import { describeCounterexample } from '../../checker/linearizable/describe.js';
import type { ClaimName, ClaimResult } from '../../checker/consistency/types.js';
import type { ClaimSpec } from '../../checker/claims/types.js';
import type { History, Operation } from '../../checker/history/types.js';
import { exitStatusFor, verdictLabel } from '../../results/verdict.js';
import { EXIT, UsageError } from './exit.js';

/** What `--consistency` checks: the old linearizability verdict, or a list of claims (all: every one). */
const CONSISTENCY = Object.freeze({
  linearizable: undefined,
  sequential: ['sequential'],
  zookeeper: ['zookeeper'],
  all: 'all',
} satisfies Record<string, readonly ClaimName[] | 'all' | undefined>);
type Consistency = keyof typeof CONSISTENCY;

/** What `--claims` checks instead of a model: a workload's claims, by name. */
const CLAIM_SETS = ['queue'] as const;

/**
 * How `--method` decides plain linearizability: auto (the version graph where the model reports
 * versions and the graph can decide, else the search), graph (the graph alone: where it cannot
 * decide, unknown) or search (the search alone, even where the graph could decide).
 */
const METHODS = ['auto', 'graph', 'search'] as const;
type Method = (typeof METHODS)[number];

/**
 * Ops only zkcheck's lock and election workloads record (workloads/lock.ts, election.ts): with
 * `--model mutex`, a history with one of them, or an acquire/release naming its node, is such a
 * workload's history and is converted to mutex ops first.
 */
const LOCK_WORKLOAD_FS = new Set(['elect', 'resign', 'lead', 'incr-fenced', 'incr-unfenced']);

interface CheckFlags {
  model?: string;
  claims?: (typeof CLAIM_SETS)[number];
  drained?: boolean;
  format?: (typeof FORMATS)[number];
  independent?: boolean;
  init?: string;
  timeLimit?: number;
  json?: boolean;
  consistency: Consistency;
  method: Method;
  shrink?: boolean;
}

export interface FileVerdict {
  file: string;
  valid: Validity;
  ops: number;
  ms: number;
  cause?: string;
  /** Plain linearizability: how it was decided, graph or search. */
  method?: 'graph' | 'search';
  partitions?: number;
  counterexample?: CheckResult['counterexample'];
  /** With --consistency other than linearizable: every claim checked, in order. */
  claims?: ClaimResult[];
  /** Text explanations of the broken claims, by claim (not in JSON). */
  explanations?: Map<string, string[]>;
  /** Text explanation of a broken linearizability verdict decided by the graph method. */
  explanation?: string[];
  /** With --shrink: the smallest history found that still fails, per broken claim ('' for plain linearizability). */
  shrunk?: Array<{ claim: string; ops: Operation[]; complete: boolean }>;
  /** Set when the file's history was converted before checking: what it was read as. */
  converted?: 'lock workload → mutex' | 'election workload → mutex';
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description("check recorded histories for linearizability against a model, or for a workload's claims")
    .argument('<files...>', 'history files (zkcheck JSONL, Jepsen EDN, Porcupine logs)')
    .addOption(
      new Option('-m, --model <name>', 'sequential model to check against').choices(Object.keys(MODELS)),
    )
    .addOption(
      new Option('--claims <which>', "check a workload's claims instead of a model: queue")
        .choices(CLAIM_SETS)
        .conflicts(['model', 'init', 'consistency', 'method', 'shrink']),
    )
    .option(
      '--drained',
      "with --claims queue: the history ends with every queue drained (Jepsen's total-queue assumes so)",
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
    .addOption(
      new Option(
        '--method <method>',
        'how linearizability is decided: the version graph, the search, or auto (graph where it can decide)',
      )
        .choices(METHODS)
        .default('auto'),
    )
    .option('--json', 'print one JSON object per file instead of a line of text')
    .option('--shrink', 'for a failing history, also print the smallest sub-history found that still fails')
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
versions are checked exactly by cycle detection (also for plain --consistency linearizable);
others by search. --time-limit is the budget of each file, all its claims together. A history
with no operation, or in which none succeeded, proves nothing: unknown.

--method picks how plain linearizability (--consistency linearizable) is decided: auto (the
default) uses the version graph where the model reports versions (zk-versioned-register) and
the graph can decide, else the search; graph uses the graph alone (unknown where an
unknown-outcome update leaves the versions ambiguous); search uses the search alone, for any
model. Both are exact where they decide, so they give the same verdict; search may run out of
--time-limit where the graph would not.

--model mutex also takes the history of a zkcheck lock or election run (zkcheck run --workload
lock|election; recognized by its incr-fenced, elect, lead or resign ops, or grants naming their
node): it is first converted to Knossos's mutex ops, per lock: each grant an acquire, each
confirmed release a release, and a session that ended holding (or an acquire of unknown outcome)
a release at an unknown time. Op positions in the verdict are the converted history's.

--claims queue checks a queue history instead (no --model): enqueue ops whose value is the
element, dequeue ops whose ok value is the element taken (nil: the queue was empty), as zkcheck's
queue workload and Jepsen's queue tests record them ({:type :ok, :f :dequeue, :value 3}). Claims:
total queue (every acknowledged enqueue dequeued exactly once, nothing else; a dequeue of unknown
outcome may have taken any one element), FIFO by sequence (only for histories whose dequeues
report sequence numbers, as zkcheck's do) and linearizable FIFO queue (search, at most 200 queue
ops; not promised). An
acknowledged element nobody dequeued is judged lost only when a later dequeue found the queue
empty, or with --drained, when the history ends drained; otherwise total queue is unknown. In
histories without sync marks (Jepsen's), every "empty" dequeue counts as an observation.

--shrink: for each failing file, the smallest sub-history found (within a few seconds) that
still fails, op by op, as delta debugging leaves it.

Exit status: 0 every file valid, 1 any invalid, 2 any unknown (none invalid), 254 bad input.

Examples:
  zkcheck check run/history.jsonl --model zk-versioned-register
  zkcheck check run/history.jsonl --model zk-versioned-register --consistency all --shrink
  zkcheck check runs/register/latest/history.jsonl --model zk-versioned-register --method search
  zkcheck check runs/lock/latest/history.jsonl --model mutex
  zkcheck check etcd_*.log --model cas-register --init nil
  zkcheck check knossos/multi-register.edn --model multi-register --init '{:x 0 :y 0}'
  zkcheck check jepsen/queue/history.edn --claims queue --drained`,
    )
    .action(async (files: string[], flags: CheckFlags) => {
      process.exitCode = await runCheck(files, flags);
    });
}

function toJson(verdict: FileVerdict): string {
  const { explanations, ...rest } = verdict;
  if (!rest.claims) return stringifyExactJson(rest)!;
  const claims = rest.claims.map((result) => ({
    ...result,
    ...(explanations?.has(result.claim) ? { explanation: explanations.get(result.claim) } : {}),
  }));
  return stringifyExactJson({ ...rest, claims })!;
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
    return parseExactJson(text, MAX_EDN_DEPTH);
  } catch {
    try {
      return parseEdnValue(text);
    } catch (error) {
      throw new UsageError(`--init: "${text}" is neither JSON nor EDN (${(error as Error).message})`);
    }
  }
}

async function runCheck(files: string[], flags: CheckFlags): Promise<number> {
  if (flags.model === undefined && flags.claims === undefined)
    throw new UsageError(
      "required option '-m, --model <name>' not specified (or --claims queue, for a queue history)",
    );
  if (flags.drained && flags.claims !== 'queue') throw new UsageError('--drained goes with --claims queue');
  if (flags.method !== 'auto' && flags.consistency !== 'linearizable')
    throw new UsageError(
      `--method ${flags.method} goes with plain linearizability (--consistency linearizable); --consistency ${flags.consistency} picks the method claim by claim`,
    );
  if (flags.method === 'graph' && flags.model !== undefined) {
    const graphable = graphModels();
    if (!graphable.includes(flags.model))
      throw new UsageError(
        `--method graph: model ${flags.model} reports no versions to order a graph by (models that do: ${graphable.join(', ')}); use --method search`,
      );
  }
  const init = parseInit(flags.init);
  const modelOptions = init === undefined ? {} : { init };
  let status: Validity = true;
  for (const file of files) {
    const verdict = await checkFile(file, flags, modelOptions);
    if (verdict === undefined) return EXIT.badInput;
    status = mergeValidity(status, verdict.valid);
    process.stdout.write(flags.json ? toJson(verdict) + '\n' : await formatVerdict(verdict));
  }
  return exitStatusFor(status);
}

async function checkFile(
  file: string,
  flags: CheckFlags,
  modelOptions: { init?: unknown },
): Promise<FileVerdict | undefined> {
  let operations: Operation[];
  let history: History;
  let converted: FileVerdict['converted'];
  try {
    history = await readHistoryFile(file, {
      format: flags.format,
      independent: flags.independent,
      onWarning: (message) => process.stderr.write(`zkcheck: warning: ${message}\n`),
    });
    checkWellFormed(history, file);
    if (flags.model === 'mutex' && isLockWorkloadHistory(history)) {
      converted = history.some((op) => op.f === 'elect')
        ? 'election workload → mutex'
        : 'lock workload → mutex';
      history = (await import('../../checker/history/mutex.js')).lockHistoryToMutex(history);
    }
    operations = toOperations(history);
    if (flags.model !== undefined)
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
  const timeLimitMs = flags.timeLimit === undefined ? undefined : flags.timeLimit * 1000;
  if (flags.model === undefined) {
    const started = performance.now();
    const specs = await queueDeclaration(operations, flags);
    const verdict = await checkFileClaims(file, history, specs, timeLimitMs);
    verdict.ms = roundMs(performance.now() - started);
    return verdict;
  }
  const spec = { name: flags.model, options: modelOptions };
  const claims = CONSISTENCY[flags.consistency];
  const started = performance.now();
  const verdict =
    claims !== undefined
      ? await checkFileClaims(file, history, await consistencyDeclaration(spec, claims), timeLimitMs)
      : await checkPlain(file, history, operations, spec, flags.method, timeLimitMs);
  if (verdict.valid === true) {
    const { nothingChecked } = await import('../../checker/claims/evaluate.js');
    const nothing = nothingChecked(operations);
    if (nothing !== undefined) Object.assign(verdict, { valid: 'unknown', cause: nothing });
  }
  if (flags.shrink && verdict.valid === false)
    verdict.shrunk = await shrinkFile(operations, verdict, spec, claims);
  if (converted) verdict.converted = converted;
  verdict.ms = roundMs(performance.now() - started);
  return verdict;
}

/** Whether a history was recorded by zkcheck's lock or election workload (see LOCK_WORKLOAD_FS). */
function isLockWorkloadHistory(history: History): boolean {
  return history.some((op) => {
    if (op.process === 'nemesis') return false;
    if (LOCK_WORKLOAD_FS.has(op.f)) return true;
    const value = op.value as { node?: unknown } | null;
    return (op.f === 'acquire' || op.f === 'release') && typeof value?.node === 'string';
  });
}

/** The models the graph method can decide (for the error that names them). */
function graphModels(): string[] {
  return Object.keys(MODELS).filter((name) => {
    try {
      return resolveModel({ name }).versionGraph !== undefined;
    } catch {
      return false;
    }
  });
}

type Spec = { name: string; options: { init?: unknown } };

/** Plain linearizability by the method --method names (auto: the graph where the model has one). */
async function checkPlain(
  file: string,
  history: History,
  operations: Operation[],
  spec: Spec,
  method: Method,
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  if (method === 'search') return checkBySearch(file, operations, spec, timeLimitMs);
  const model = resolveModel(spec);
  if (method === 'graph') return checkByGraphOnly(file, history, operations, model);
  return model.versionGraph
    ? checkByGraph(file, history, operations, spec, timeLimitMs)
    : checkBySearch(file, operations, spec, timeLimitMs);
}

async function checkBySearch(
  file: string,
  operations: Operation[],
  spec: Spec,
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  const result = await checkLinearizable(operations, spec, { timeLimitMs });
  return {
    file,
    valid: result.valid,
    ops: result.operations,
    ms: Math.round(result.ms * 10) / 10,
    method: 'search',
    partitions: result.partitions,
    ...(result.cause ? { cause: result.cause } : {}),
    ...(result.counterexample ? { counterexample: result.counterexample } : {}),
  };
}

/** The history's clock for explanations: the time of the op at a position. */
const clockOf = (history: History) => (index: number) => history[index]?.time;

/** Plain linearizability for a model the version graph decides: the graph method first, as `all` does. */
async function checkByGraph(
  file: string,
  history: History,
  operations: Operation[],
  spec: Spec,
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  const [{ consistencyClaims, evaluateClaims }, { explainClaim }] = await Promise.all([
    import('../../checker/claims/evaluate.js'),
    import('../../checker/explain/text.js'),
  ]);
  const [result] = await evaluateClaims(operations, consistencyClaims(spec, ['linearizable']), {
    timeLimitMs,
  });
  return {
    file,
    valid: result.valid,
    ops: operations.length,
    ms: roundMs(result.ms),
    method: result.method === 'graph' ? 'graph' : 'search',
    ...(result.cause ? { cause: result.cause } : {}),
    ...(result.counterexample ? { counterexample: result.counterexample } : {}),
    ...(result.valid === false && !result.counterexample
      ? { explanation: explainClaim(result, { clock: clockOf(history) }) }
      : {}),
  };
}

/**
 * Plain linearizability by the version graph alone (--method graph): the versions the replies
 * report order the updates, and a cycle of process, version and real-time order is a violation.
 * Where an unknown-outcome update leaves the versions ambiguous the graph cannot decide: unknown
 * (auto would ask the search). Near-linear in the history: no time limit needed.
 */
async function checkByGraphOnly(
  file: string,
  history: History,
  operations: Operation[],
  model: Model<unknown>,
): Promise<FileVerdict> {
  const [{ analyseVersions }, { checkGraph }, { explainConflict, explainCycle }] = await Promise.all([
    import('../../checker/consistency/versions.js'),
    import('../../checker/consistency/graph.js'),
    import('../../checker/explain/text.js'),
  ]);
  const started = performance.now();
  const done = ({ valid, ...why }: Pick<FileVerdict, 'valid' | 'cause' | 'explanation'>): FileVerdict => ({
    file,
    valid,
    ops: operations.length,
    ms: roundMs(performance.now() - started),
    method: 'graph',
    ...why,
  });
  const clock = clockOf(history);
  const analysis = analyseVersions(operations, model.versionGraph!.init);
  if (analysis.kind === 'conflict')
    return done({ valid: false, explanation: explainConflict(analysis.conflict, { clock }) });
  if (analysis.kind === 'undecided')
    return done({ valid: 'unknown', cause: `the graph method cannot decide: ${analysis.reason}` });
  const graph = checkGraph(analysis, () => true);
  if (graph.valid === 'unknown')
    return done({
      valid: 'unknown',
      cause:
        'the graph method cannot decide: the only cycle found depends on which unknown-outcome update filled a version gap',
    });
  return done({
    valid: graph.valid,
    ...(graph.cycle ? { explanation: explainCycle(graph.cycle, { clock }) } : {}),
  });
}

/** --consistency's claims over the model, as a declaration (all: every consistency claim). */
async function consistencyDeclaration(
  spec: Spec,
  claims: readonly ClaimName[] | 'all',
): Promise<ClaimSpec[]> {
  const { consistencyClaims } = await import('../../checker/claims/evaluate.js');
  return claims === 'all' ? consistencyClaims(spec) : consistencyClaims(spec, claims);
}

/** The smallest failing sub-history for each broken claim (or the plain linearizability failure). */
async function shrinkFile(
  operations: Operation[],
  verdict: FileVerdict,
  spec: Spec,
  claims: readonly ClaimName[] | 'all' | undefined,
): Promise<FileVerdict['shrunk']> {
  if (claims === undefined) {
    const [{ notLinearizableWitness }, { shrinkHistory }] = await Promise.all([
      import('../../checker/explain/witness.js'),
      import('../../checker/explain/shrink.js'),
    ]);
    const stillFails = await notLinearizableWitness(operations, spec);
    const shrunk = await shrinkHistory(operations, stillFails, { budgetMs: 5_000 });
    return [{ claim: '', ops: shrunk.ops, complete: shrunk.complete }];
  }
  const [{ consistencyClaims }, { shrinkClaim }] = await Promise.all([
    import('../../checker/claims/evaluate.js'),
    import('../../results/counterexamples.js'),
  ]);
  const broken = (verdict.claims ?? []).filter((claim) => claim.valid === false);
  const results = [];
  for (const claim of broken) {
    const [declared] = consistencyClaims(spec, [claim.claim as ClaimName]);
    const shrunk = await shrinkClaim(operations, declared, 5_000);
    if (shrunk) results.push({ claim: claim.claim, ops: shrunk.ops, complete: shrunk.complete });
  }
  return results;
}

/**
 * The queue claims for a file. A history without sync marks (Jepsen's) counts every "empty"
 * dequeue as an observation; --drained makes its end one. FIFO by sequence only where dequeues
 * report the sequence numbers they took (zkcheck's queue workload).
 */
async function queueDeclaration(operations: readonly Operation[], flags: CheckFlags): Promise<ClaimSpec[]> {
  const { queueClaimSpecs, taken } = await import('../../checker/claims/queue-ops.js');
  const unsyncedEmpty = !operations.some((op) => op.sync === true);
  const withSeq = operations.some((op) => op.status === 'ok' && taken(op).seq !== undefined);
  return queueClaimSpecs({
    fifoBySequence: withSeq,
    total: { ...(unsyncedEmpty ? { unsyncedEmpty } : {}), ...(flags.drained ? { drained: true } : {}) },
  });
}

async function checkFileClaims(
  file: string,
  history: History,
  claims: readonly ClaimSpec[],
  timeLimitMs: number | undefined,
): Promise<FileVerdict> {
  const { analyzeHistory } = await import('../../results/analyze.js');
  const analyzed = await analyzeHistory(history, file, {
    claims,
    timeLimitMs,
    shrinkBudgetMs: 0,
  });
  const explanations = new Map<string, string[]>();
  for (const result of analyzed.claims)
    if (result.explanation) explanations.set(result.claim, result.explanation);
  return {
    file,
    valid: analyzed.valid,
    ...(analyzed.valid === 'unknown' && analyzed.cause ? { cause: analyzed.cause } : {}),
    ops: toOperations(history).length,
    ms: analyzed.checkMs,
    claims: analyzed.claims.map(({ explanation: _explanation, ...result }) => ({
      ...result,
      ms: roundMs(result.ms),
    })),
    explanations,
  };
}

const roundMs = (ms: number) => Math.round(ms * 10) / 10;

async function formatVerdict(verdict: FileVerdict): Promise<string> {
  const name = basename(verdict.file);
  const opLabel = verdict.shrunk?.length
    ? (await import('../../checker/explain/text.js')).opLabel
    : undefined;
  const shrunk = (verdict.shrunk ?? []).map(({ claim, ops, complete }) =>
    [
      `${name}: shrunk${claim ? ` (${claim})` : ''} to ${ops.length} ops that still fail${complete ? '' : ' (out of time before a minimum)'}:\n`,
      ...ops.map((op) => `  ${opLabel!(op)}\n`),
    ].join(''),
  );
  const converted = verdict.converted
    ? `  checked as the mutex ops of ${verdict.converted.startsWith('lock') ? 'a lock' : 'an election'} workload history (${verdict.ops} ops; positions are the converted history's)\n`
    : '';
  if (verdict.claims) {
    const { formatClaimLines } = await import('../../results/claims-report.js');
    const claims = verdict.claims.map((claim) => ({
      ...claim,
      explanation: verdict.explanations?.get(claim.claim),
    }));
    const nothing =
      verdict.valid === 'unknown' && !claims.some((c) => c.valid === 'unknown')
        ? `${name}: unknown (${verdict.cause})\n`
        : '';
    return converted + formatClaimLines(claims, { style: 'file', file: name }) + nothing + shrunk.join('');
  }
  const line = `${name}: ${verdictLabel(verdict.valid, verdict.cause)}  ${verdict.ops} ops  ${verdict.ms} ms\n`;
  const evidence = verdict.counterexample
    ? describeCounterexample(verdict.counterexample)
    : (verdict.explanation ?? []);
  return line + converted + evidence.map((text) => `  ${text}\n`).join('') + shrunk.join('');
}
