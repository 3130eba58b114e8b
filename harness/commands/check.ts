/**
 * `zkcheck check FILE... --model NAME`: reads each history, checks that it is well formed, checks
 * it for linearizability against the model and prints one verdict line per file (or one JSON
 * object per line with --json). With `--consistency sequential|zookeeper|all` it checks
 * ZooKeeper's claims instead, one line per claim, through the same declaration path as a run
 * (results/analyze.ts), and only the claims ZooKeeper promises decide the exit status. With
 * `--claims queue` (no model) it checks a queue history, zkcheck's or Jepsen's (`:enqueue` /
 * `:dequeue` / `:drain`), for the queue claims, the same declaration as a queue run. Models with
 * the version-graph capability are decided exactly wherever the graph method can (`--method`
 * picks the graph or the search for plain linearizability). With `--model mutex`, a lock or
 * election workload's history is first converted to Knossos's mutex ops (checker/history/mutex.ts).
 * `--write-edn OUT` also writes the (one) history as Jepsen EDN, a lock run's as those mutex ops.
 * With --model, a history in which no op succeeded is valid, vacuously, with a note saying so
 * (check-file.ts says why); an empty one is unknown. Bad input is one line on stderr and exit 254.
 */
import { Command, Option } from 'commander';
// Loaded for every check (and --help). What only some flags need (claims, shrinking, the graph
// method, lock histories) is imported where it is used (check-claims.ts, check-plain.ts,
// check-file.ts): a plain check does not pay for it.
import { FORMATS } from '../../checker/history/read.js';
import { MODELS } from '../../checker/models/index.js';
import { mergeValidity, type Validity } from '../../checker/linearizable/types.js';
import { exitStatusFor } from '../../results/verdict.js';
import { EXIT } from './exit.js';
import {
  CLAIM_SETS,
  CONSISTENCY,
  METHODS,
  checkFlagCombinations,
  parseInit,
  parsePositiveNumber,
  type CheckFlags,
} from './check-flags.js';
import { checkFile } from './check-file.js';
import { formatVerdict, toJson } from './check-verdict.js';

export type { FileVerdict } from './check-verdict.js';

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description("check recorded histories for linearizability against a model, or for a workload's claims")
    .argument('<files...>', 'history files (zkcheck JSONL, Jepsen EDN, Porcupine logs)')
    .addOption(
      new Option('-m, --model <name>', 'sequential model to check against').choices(Object.keys(MODELS)),
    )
    .addOption(
      new Option('--claims <workload>', "check a workload's claims instead of a model")
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
    .option(
      '--write-edn <file>',
      'also write the history as Jepsen EDN to <file> (one input; a lock or election run as Knossos mutex ops)',
    )
    .addHelpText(
      'after',
      `
Each file gets one line: its verdict (valid, INVALID or unknown with the cause), the number of
operations and the time taken. An invalid history also gets the operation that cannot be
linearized and the last one linearized before it. With --model, a history in which no operation
succeeded (all failed or of unknown outcome, or nemesis entries only) is linearizable, vacuously:
valid, with a note that says so (a run that tested nothing is unknown, but a file is judged as a
history). An empty file is unknown.

--consistency checks ZooKeeper's claims one by one: sequential (reads sequentially consistent),
zookeeper (ordered sequential consistency: sessions in order, updates in real time) or all (also
"writes linearizable", "sync+read linearizable" and "whole history linearizable"). Each claim gets
a line: valid, INVALID or unknown, a note, and the time. A broken claim that ZooKeeper does not
promise (stale plain reads, ZOOKEEPER-1675) is marked "allowed by ZooKeeper's documented
guarantees" and does not fail the run. zk-versioned-register histories whose replies carry
versions are checked exactly by cycle detection (also for plain --consistency linearizable);
others by search. --time-limit is the budget of each file, all its claims together.

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
histories without sync marks (Jepsen's), every "empty" dequeue counts as an observation. A drain
({:type :ok, :f :drain, :value [3 5 8]}, as Jepsen's queue tests end) counts as one dequeue per
element, over the drain's whole span, then an "empty" one; what only a drain of unknown outcome
could have taken makes total queue unknown, never lost.

--claims lock|election|ephemeral|ids|set checks a history that workload recorded for the claims
a run of it declares (with the workload's default settings; \`zkcheck analyze\` on the stored run
uses the run's own).

--write-edn <file> writes the one file's history as Jepsen EDN to <file> before checking it (the
EDN is written whatever the verdict; unreadable input writes nothing). A lock or election run's
history under --model mutex or --claims lock|election is written as Knossos's mutex ops, converted
as above (:acquire/:release, nil values); with more than one lock, as [key nil] tuples for Jepsen's
independent checker (read back with --model mutex --independent). Any other history is written as
read, in Jepsen's op maps ([key value] tuples again with --independent). <file> is replaced
atomically; a directory, a missing directory or the input file itself is refused.

--shrink: for each failing file, the smallest sub-history found (within a few seconds) that
still fails, op by op, as delta debugging leaves it.

Exit status: 0 every file valid, 1 any invalid, 2 any unknown (none invalid), 254 bad input.

Examples:
  zkcheck check run/history.jsonl --model zk-versioned-register
  zkcheck check run/history.jsonl --model zk-versioned-register --consistency all --shrink
  zkcheck check runs/register/latest/history.jsonl --model zk-versioned-register --method search
  zkcheck check runs/lock/latest/history.jsonl --model mutex
  zkcheck check runs/lock/latest/history.jsonl --model mutex --write-edn lock-mutex.edn
  zkcheck check etcd_*.log --model cas-register --init nil
  zkcheck check knossos/multi-register.edn --model multi-register --init '{:x 0 :y 0}'
  zkcheck check jepsen/queue/history.edn --claims queue --drained
  zkcheck check runs/ephemeral/latest/history.jsonl --claims ephemeral`,
    )
    .action(async (files: string[], flags: CheckFlags) => {
      process.exitCode = await runCheck(files, flags);
    });
}

async function runCheck(files: string[], flags: CheckFlags): Promise<number> {
  checkFlagCombinations(flags);
  if (flags.writeEdn !== undefined)
    (await import('./check-write-edn.js')).checkEdnTarget(flags.writeEdn, files);
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
