/**
 * `zkcheck run`: start an ensemble, drive a workload at it while a nemesis works, record and check
 * the history, store the run. `zkcheck analyze [RUN]`: check a stored run again (default: the
 * latest), e.g. one whose harness was killed midway. Flags come from the settings table in
 * harness/config.ts; `--config FILE` gives a base that flags override.
 */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import {
  ConfigError,
  SETTINGS,
  coerceSetting,
  loadConfigFile,
  mergeConfig,
  type TestConfig,
} from '../config.js';
import { analyzeHistoryFile, formatClaims, type RunResults } from '../runner/analyze.js';
import { runTest, throughputFloor, workloadFor, writeCounterexamples } from '../runner/run.js';
import { NemesisError } from '../../nemesis/types.js';
import { WorkloadError } from '../../workloads/types.js';
import {
  DEFAULT_STORE,
  StoreError,
  readJson,
  resolveRun,
  runPaths,
  writeJsonAtomic,
} from '../../results/store.js';
import { HistoryError } from '../../checker/history/types.js';
import { EXIT, UsageError } from './exit.js';

export function registerRunCommands(program: Command): void {
  const run = program
    .command('run')
    .description('run a test: a real ensemble, a workload, faults, and a verdict per ZooKeeper claim')
    .option('--config <file>', 'settings file (.json, .js, .mjs or .ts) that flags override');
  for (const setting of SETTINGS) {
    const shown =
      setting.default === undefined || setting.kind === 'boolean'
        ? ''
        : ` (default: ${String(setting.default)})`;
    const option = new Option(setting.flag, `${setting.help}${shown}`);
    if (setting.choices) option.choices(setting.choices);
    run.addOption(option);
  }
  run.addHelpText(
    'after',
    `
What happens: an ensemble of --nodes ZooKeeper servers starts (docker or local JVMs, every client
and peer link behind a fault proxy); --concurrency clients, each with its own session on one
server, run the workload at --rate ops/s for --time-limit seconds while the nemesis injects
faults; then every fault is healed, the history is checked and the run is stored.

The register workload reads, writes and compare-and-sets many independent registers (one znode
each) and is checked per claim: writes linearizable, reads sequentially consistent, ZooKeeper's
ordered sequential consistency, sync+read linearizable, whole history linearizable. Stale plain
reads break the last one; ZooKeeper allows that, so it is reported but does not fail the run.

Stored in <store>/<name>/<time>/: test.json, history.jsonl (written as the run goes), results.json,
zkcheck.log, nemesis.log, nodes/n<i>.log, and per broken claim counterexamples/<claim>.html (a
timeline of the ops it rests on); <store>/latest points at the newest run.

Exit status: 0 valid, 1 invalid, 2 unknown (undecided, or the self-check says the run proves
nothing), 254 bad flags or config, 255 harness error.

Examples:
  zkcheck run --time-limit 30
  zkcheck run --nemesis partition --read-mode plain --time-limit 60 --seed 42
  zkcheck run --nemesis partition,kill,pause --nodes 5 --concurrency 20 --rate 400
  zkcheck run --config nightly.json --provider local`,
  );
  run.action(async (flags: Record<string, unknown>) => {
    process.exitCode = await runCommand(flags);
  });

  program
    .command('analyze')
    .description('check a stored run again (default: the latest) and rewrite its results.json')
    .argument('[run]', 'a run dir, a test name (its latest run) or "latest"')
    .option('--store <dir>', 'where runs are stored', DEFAULT_STORE)
    .option('--check-time-limit <seconds>', 'budget of each checker', '120')
    .option('--json', 'print results.json instead of the claims report')
    .addHelpText(
      'after',
      `
Works on any run that left a history, also one whose harness crashed or was killed: the history
is appended as the run goes (a crash loses at most its last 10 ms).

Exit status: 0 valid, 1 invalid, 2 unknown, 254 no such run or an unreadable history.`,
    )
    .action(
      async (ref: string | undefined, flags: { store: string; checkTimeLimit: string; json?: boolean }) => {
        process.exitCode = await analyzeCommand(ref, flags);
      },
    );
}

function flagsToConfig(flags: Record<string, unknown>): Partial<TestConfig> {
  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const raw = flags[setting.key];
    if (raw === undefined) continue;
    config[setting.key] = coerceSetting(setting, raw, 'flag');
  }
  return config as Partial<TestConfig>;
}

async function runCommand(flags: Record<string, unknown>): Promise<number> {
  let config: TestConfig;
  try {
    const file = typeof flags.config === 'string' ? await loadConfigFile(flags.config) : {};
    config = mergeConfig(file, flagsToConfig(flags));
    workloadFor(config); // settings errors surface before anything starts
  } catch (error) {
    if (error instanceof ConfigError || error instanceof WorkloadError || error instanceof NemesisError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  let outcome;
  try {
    outcome = await runTest(config, { tty: process.stdout.isTTY === true });
  } catch (error) {
    if (error instanceof NemesisError || error instanceof StoreError || error instanceof WorkloadError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  if (outcome.error)
    process.stderr.write(
      `zkcheck: harness error: ${outcome.error}\n  log: ${runPaths(outcome.paths.dir).log}\n`,
    );
  if (!outcome.results) return EXIT.harnessError;
  report(outcome.results, outcome.paths.dir);
  if (outcome.error && outcome.results.valid !== false) return EXIT.harnessError;
  if (outcome.aborted && outcome.results.valid === true) {
    // What ran is valid, but the test did not run as configured: that proves less than a verdict.
    process.stdout.write(
      '  interrupted before the end: the part that ran is valid; exit status 2 (unknown)\n',
    );
    return EXIT.unknown;
  }
  return exitFor(outcome.results);
}

async function analyzeCommand(
  ref: string | undefined,
  flags: { store: string; checkTimeLimit: string; json?: boolean },
): Promise<number> {
  const limit = Number(flags.checkTimeLimit);
  if (!Number.isFinite(limit) || limit <= 0)
    throw new UsageError(`--check-time-limit: expected a positive number, got "${flags.checkTimeLimit}"`);
  let dir: string;
  let config: TestConfig;
  try {
    dir = resolveRun(ref, flags.store);
    const stored = readJson<{ config?: Partial<TestConfig> }>(runPaths(dir).test);
    config = mergeConfig({}, stored.config ?? {});
  } catch (error) {
    if (error instanceof StoreError || error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const workload = workloadFor(config);
  let results: RunResults;
  try {
    const { counterexamples, ...checked } = await analyzeHistoryFile(runPaths(dir).history, {
      model: workload.model,
      requiredFs: workload.requiredFs,
      minOpsPerSecond: throughputFloor(config),
      timeLimitMs: limit * 1000,
    });
    results = checked;
    writeCounterexamples(dir, counterexamples);
  } catch (error) {
    if (error instanceof HistoryError) throw new UsageError(error.message);
    throw error;
  }
  // What only the run itself knew (it was interrupted, the harness failed) stays on record.
  const before = previousResults(runPaths(dir).results);
  const kept = { aborted: before.aborted, harnessError: before.harnessError };
  writeJsonAtomic(runPaths(dir).results, { ...results, ...kept, reanalyzed: true });
  if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else report(results, dir);
  return exitFor(results);
}

/** The flags a stored results.json carries; none when it is missing or unreadable (it is replaced). */
function previousResults(file: string): { aborted?: boolean; harnessError?: string } {
  if (!existsSync(file)) return {};
  try {
    return readJson<{ aborted?: boolean; harnessError?: string }>(file);
  } catch {
    return {};
  }
}

function report(results: RunResults, dir: string): void {
  const { stats } = results;
  process.stdout.write(
    `\n${stats.ops} ops in ${stats.durationSeconds.toFixed(1)} s (${stats.throughput.all.toFixed(0)} ops/s): ` +
      `ok ${stats.byType.ok}, fail ${stats.byType.fail}, info ${stats.byType.info}; checked in ${results.checkMs} ms\n`,
  );
  process.stdout.write(formatClaims(results));
  const verdict =
    results.valid === true
      ? 'valid'
      : results.valid === false
        ? 'INVALID'
        : `unknown: ${results.cause ?? ''}`;
  process.stdout.write(`verdict: ${verdict}\n  ${dir}\n`);
}

function exitFor(results: RunResults): number {
  return results.valid === true ? EXIT.valid : results.valid === false ? EXIT.invalid : EXIT.unknown;
}
