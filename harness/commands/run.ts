/**
 * `zkcheck run`: start an ensemble, drive a workload at it while a nemesis works, record and check
 * the history, store the run. `zkcheck analyze [RUN]`: check a stored run again (default: the
 * latest), e.g. one whose harness was killed midway, from the claims its test.json declares.
 * Flags come from the declarations: the run's own (harness/config.ts) and each workload's and
 * fault family's (the registries), grouped under their names in `--help`; `--config FILE` gives
 * a base that flags override.
 */
import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import {
  ConfigError,
  SETTINGS,
  coerceSetting,
  loadConfigFile,
  longFlag,
  configNotes,
  mergeConfig,
  pluginSettings,
  type Catalog,
  type Setting,
  type TestConfig,
} from '../config.js';
import { findZooKeeperInstall } from '../cluster/local.js';
import { EnsembleError } from '../cluster/types.js';
import { runTest } from '../runner/run.js';
import { NemesisError, WorkloadError, type RunChecks } from '../runner/spec.js';
import { buildTestSpec, CATALOG } from '../test-spec.js';
import { analyzeHistoryFile, type RunResults } from '../../results/analyze.js';
import { formatRunReport } from '../../results/claims-report.js';
import { writeCounterexamples } from '../../results/counterexamples.js';
import { writeRunReport } from '../../results/report.js';
import { writeCiOutputs } from '../../results/ci-outputs.js';
import { exitStatusFor } from '../../results/verdict.js';
import {
  DEFAULT_STORE,
  checkStore,
  StoreError,
  readJson,
  resolveRun,
  runPaths,
  writeJsonAtomic,
} from '../../results/store.js';
import { ClaimSpecError } from '../../checker/claims/types.js';
import { consistencyClaims, validateClaimSpecs } from '../../checker/claims/evaluate.js';
import type { ModelSpec } from '../../checker/linearizable/types.js';
import { HistoryError } from '../../checker/history/types.js';
import { EXIT, UsageError } from './exit.js';
import { scenarioConfig, scenarioHelp } from '../../nemesis/scenarios.js';

export function registerRunCommands(program: Command, catalog: Catalog = CATALOG): void {
  const run = program
    .command('run')
    .description('run a test: a real ensemble, a workload, faults, and a verdict per claim')
    .option('--config <file>', 'settings file (.json, .js, .mjs or .ts) that flags override')
    .option('--scenario <name>', 'a known-bug scenario as the base config (--config and flags override it)');
  for (const setting of SETTINGS) {
    const option = settingOption(setting);
    if (setting.key === 'workload') option.choices(catalog.workloads.map((entry) => entry.name));
    run.addOption(option);
  }
  addPluginOptions(run, catalog);
  addCiOptions(run);
  run.addHelpText('after', runHelp(catalog));
  run.action(async (flags: Record<string, unknown>) => {
    process.exitCode = await runCommand(flags, catalog);
  });

  const analyze = program
    .command('analyze')
    .description('check a stored run again (default: the latest) and rewrite its results.json')
    .argument('[run]', 'a run dir, a test name (its latest run) or "latest"')
    .option('--store <dir>', 'where runs are stored', DEFAULT_STORE)
    .option('--check-time-limit <seconds>', 'budget of the whole check')
    .option('--json', 'print results.json instead of the claims report');
  addCiOptions(analyze);
  analyze
    .addHelpText(
      'after',
      `
Works on any run that left a history, also one whose harness crashed or was killed: the history
is appended as the run goes (a crash loses at most its last 10 ms). The claims checked are the
ones the run declared in its test.json.

Exit status: 0 valid, 1 invalid, 2 unknown, 254 no such run or an unreadable history.`,
    )
    .action(async (ref: string | undefined, flags: AnalyzeFlags) => {
      process.exitCode = await analyzeCommand(ref, flags);
    });

  program
    .command('report')
    .description("write a stored run's report.html and charts again, without re-checking it")
    .argument('[run]', 'a run dir, a test name (its latest run) or "latest"')
    .option('--store <dir>', 'where runs are stored', DEFAULT_STORE)
    .addHelpText(
      'after',
      `
report.html is one self-contained page (it opens from disk, offline): the verdict per claim,
the parameters and the command that reruns the run, charts with the fault windows, a timeline
per process, op counts and latencies, links to the run's files. run and analyze write it too.

Exit status: 0 written, 254 no such run, 255 the report could not be written.`,
    )
    .action(async (ref: string | undefined, flags: { store: string }) => {
      process.exitCode = await reportCommand(ref, flags);
    });
}

function settingOption(setting: Setting): Option {
  const shown =
    setting.default === undefined || setting.kind === 'boolean'
      ? ''
      : ` (default: ${String(setting.default)})`;
  const option = new Option(setting.flag, `${setting.help}${shown}`);
  if (setting.choices) option.choices(setting.choices);
  return option;
}

/** Each plug-in's flags, once each, under the heading of the first plug-in that takes it. */
function addPluginOptions(run: Command, catalog: Catalog): void {
  for (const { setting, owners } of pluginSettings(catalog).values()) {
    const option = settingOption(setting);
    const also = owners.length > 1 ? ` [also: ${owners.slice(1).join(', ')}]` : '';
    option.description += also;
    run.addOption(option.helpGroup(`${heading(owners[0], catalog)}:`));
  }
}

function heading(owner: string, catalog: Catalog): string {
  const [kind, name] = owner.split(' ');
  const entries = kind === 'workload' ? catalog.workloads : catalog.nemeses;
  const help = entries.find((e) => e.name === name)?.help;
  return kind === 'workload'
    ? `Workload ${name} (--workload ${name}): ${help}`
    : `Fault family ${name} (--nemesis ${name}): ${help}`;
}

function runHelp(catalog: Catalog): string {
  const list = (entries: ReadonlyArray<{ name: string; help: string; settings: readonly Setting[] }>) =>
    entries
      .map(
        (e) =>
          `  ${e.name.padEnd(20)} ${e.help}${e.settings.length > 0 ? ` (${e.settings.map(longFlag).join(', ')})` : ''}`,
      )
      .join('\n');
  return `
What happens: an ensemble of --nodes ZooKeeper servers starts (docker or local JVMs, every client
and peer link behind a fault proxy); --concurrency clients, each with its own session on one
server, run the workload at --rate ops/s for --time-limit seconds while the nemesis injects
faults; then every fault is healed, the workload's final ops run, the history is checked claim
by claim and the run is stored.

Workloads (--workload; each checks its own claims, one line each):
${list(catalog.workloads)}

Fault families (--nemesis none, or a comma-separated list; \`zkcheck nemesis list\` shows each
family's settings, defaults and an example):
${list(catalog.nemeses)}

How faults are scheduled:
  --nemesis-mode serial  (default) one fault at a time: --nemesis-interval s quiet, then a fault
                         from one of the families, drawn with the seed, held --nemesis-duration s
  --nemesis-mode storm   every family's faults at once, overlapping, each on its own seeded clock
  a config file's nemesisSchedule: a script instead, a list of steps, e.g.
    {"nemesisSchedule": [{"at": 5, "fault": "partition", "targets": "leader", "for": 10},
                         {"on": "newleader", "node": 2, "fault": "kill", "for": 5}]}
    at/for in seconds; on: a sync phase a node logs (the fault starts when the line appears).
    Leave --nemesis at none: the families are the ones the steps name.

A workload's or family's settings are refused with a run that does not use it.

The register workload is checked per ZooKeeper claim: writes linearizable, reads sequentially
consistent, ZooKeeper's ordered sequential consistency, sync+read linearizable, whole history
linearizable, and acknowledged writes durable (final sync reads on every node). Stale plain reads
break whole-history linearizability; ZooKeeper allows that, so it is reported but does not fail
the run.

Stored in <store>/<name>/<time>/: test.json, history.jsonl (written as the run goes), results.json,
report.html and charts/ (open it from disk), zkcheck.log, nemesis.log, nodes/n<i>.log, and per
broken claim counterexamples/<claim>.html (a
timeline of the ops it rests on, and a shrunk history that still breaks it); <store>/latest
points at the newest run.

Known-bug scenarios (--scenario NAME: its workload, ensemble, version and fault schedule;
--zookeeper and other flags still override it):
${scenarioHelp()}

Exit status: 0 valid, 1 invalid, 2 unknown (undecided, or the self-check says the run proves
nothing), 254 bad flags or config, 255 harness error.

Examples:
  zkcheck run --time-limit 30
  zkcheck run --nemesis partition --read-mode plain --time-limit 60 --seed 42
  zkcheck run --nemesis partition,kill,pause --kill-targets minority --nodes 5 --concurrency 20
  zkcheck run --nemesis partition,kill,pause --nemesis-mode storm --time-limit 120
  zkcheck run --workload set --nemesis kill --time-limit 30
  zkcheck run --config nightly.json --provider local
  zkcheck run --scenario zk-4643 --zookeeper 3.9.6`;
}

/** The flags given, coerced: the run's own at the top, plug-in settings under `settings`. */
function flagsToConfig(flags: Record<string, unknown>, catalog: Catalog): Partial<TestConfig> {
  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const raw = flags[setting.key];
    if (raw !== undefined) config[setting.key] = coerceSetting(setting, raw, 'flag');
  }
  const settings: Record<string, string | number | boolean> = {};
  for (const [key, { setting }] of pluginSettings(catalog)) {
    const raw = flags[key];
    if (raw !== undefined) settings[key] = coerceSetting(setting, raw, 'flag');
  }
  if (Object.keys(settings).length > 0) config.settings = settings;
  return config as Partial<TestConfig>;
}

async function runCommand(flags: Record<string, unknown>, catalog: Catalog): Promise<number> {
  let spec;
  try {
    const own = typeof flags.config === 'string' ? await loadConfigFile(flags.config, catalog) : {};
    // A scenario sits between the defaults and the config file (which may replace its schedule).
    const file = typeof flags.scenario === 'string' ? scenarioConfig(flags.scenario, own) : own;
    const config = mergeConfig(file, flagsToConfig(flags, catalog), catalog);
    spec = buildTestSpec(config, catalog); // settings errors surface before anything starts
    // A store or --zk-home a run cannot use is the user's to fix: say so before a run dir exists.
    checkStore(config.store, config.name);
    if (config.zkHome !== undefined && config.provider !== 'docker') findZooKeeperInstall(config.zkHome);
    for (const note of configNotes(config)) process.stdout.write(`${note}\n`);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof WorkloadError ||
      error instanceof NemesisError ||
      error instanceof EnsembleError ||
      error instanceof StoreError
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  let outcome;
  try {
    outcome = await runTest(spec, { tty: process.stdout.isTTY === true });
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
  process.stdout.write(formatRunReport(outcome.results, outcome.paths.dir));
  if (outcome.report) process.stdout.write(`  report: ${outcome.report}\n`);
  writeCiFiles(flags as CiFlags, outcome.paths.dir);
  if (outcome.error && outcome.results.valid !== false) return EXIT.harnessError;
  if (outcome.aborted && outcome.results.valid === true) {
    // What ran is valid, but the test did not run as configured: that proves less than a verdict.
    process.stdout.write(
      '  interrupted before the end: the part that ran is valid; exit status 2 (unknown)\n',
    );
    return EXIT.unknown;
  }
  return exitStatusFor(outcome.results.valid);
}

interface CiFlags {
  junit?: string;
  summary?: string;
}

interface AnalyzeFlags extends CiFlags {
  store: string;
  checkTimeLimit?: string;
  json?: boolean;
}

/** Output files for CI: not settings of the test (they change no run), so not in SETTINGS. */
function addCiOptions(command: Command): void {
  command
    .option('--junit <file>', 'also write a JUnit XML file: one suite for the run, one case per claim')
    .option(
      '--summary <file>',
      'also append a Markdown summary (verdict table, report link) to this file, e.g. "$GITHUB_STEP_SUMMARY"',
    );
}

/** Writes the CI files of a checked run; they are extra copies, so a failure is a warning. */
function writeCiFiles(flags: CiFlags, dir: string, opts: { quiet?: boolean } = {}): void {
  try {
    const written = writeCiOutputs({ junit: flags.junit, summary: flags.summary }, [dir]);
    // With --json, stdout is results.json and nothing else.
    if (!opts.quiet) for (const path of written) process.stdout.write(`  wrote ${path}\n`);
  } catch (error) {
    process.stderr.write(`zkcheck: warning: CI outputs not written: ${(error as Error).message}\n`);
  }
}

async function analyzeCommand(ref: string | undefined, flags: AnalyzeFlags): Promise<number> {
  const limit = flags.checkTimeLimit === undefined ? undefined : Number(flags.checkTimeLimit);
  if (limit !== undefined && (!Number.isFinite(limit) || limit <= 0))
    throw new UsageError(`--check-time-limit: expected a positive number, got "${flags.checkTimeLimit}"`);
  let dir: string;
  let test: StoredTest;
  let checks: RunChecks;
  try {
    dir = resolveRun(ref, flags.store);
    test = readJson<StoredTest>(runPaths(dir).test);
    checks = storedChecks(test, runPaths(dir).test);
  } catch (error) {
    if (error instanceof StoreError || error instanceof ClaimSpecError) throw new UsageError(error.message);
    throw error;
  }
  let results: RunResults;
  try {
    const { counterexamples, ...checked } = await analyzeHistoryFile(runPaths(dir).history, {
      ...checks,
      ...(limit === undefined ? {} : { timeLimitMs: limit * 1000 }),
      // Only a run that writes the end marker can be judged cut short by its absence.
      ...(test.endMarker === true ? { run: { plannedSeconds: test.config?.timeLimit } } : {}),
    });
    results = checked;
    try {
      writeCounterexamples(dir, counterexamples);
    } catch (error) {
      // Extra pages beside results.json: a run dir that cannot take them still gets its verdict.
      process.stderr.write(`zkcheck: warning: counterexamples not written: ${(error as Error).message}\n`);
    }
  } catch (error) {
    if (error instanceof HistoryError || error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
  // What only the run itself knew (it was interrupted, the harness failed) stays on record.
  const before = previousResults(runPaths(dir).results);
  const kept = { aborted: before.aborted, harnessError: before.harnessError };
  try {
    writeJsonAtomic(runPaths(dir).results, { ...results, ...kept, reanalyzed: true });
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
  const report = await writeReportOf(dir);
  if (flags.json) process.stdout.write(`${readFileSync(runPaths(dir).results, 'utf8')}`);
  else process.stdout.write(formatRunReport(results, dir) + (report ? `  report: ${report}\n` : ''));
  writeCiFiles(flags, dir, { quiet: flags.json === true });
  return exitStatusFor(results.valid);
}

/** report.html for a stored run, with every setting declaration for its reproduce command. */
async function writeReportOf(dir: string): Promise<string | undefined> {
  try {
    const report = await writeRunReport(dir, { settings: allSettings(CATALOG) });
    for (const problem of report.problems) process.stderr.write(`zkcheck: warning: report: ${problem}\n`);
    return report.report;
  } catch (error) {
    process.stderr.write(`zkcheck: warning: no report.html: ${(error as Error).message}\n`);
    return undefined;
  }
}

function allSettings(catalog: Catalog): Setting[] {
  return [...SETTINGS, ...[...pluginSettings(catalog).values()].map((p) => p.setting)];
}

async function reportCommand(ref: string | undefined, flags: { store: string }): Promise<number> {
  let dir: string;
  try {
    dir = resolveRun(ref, flags.store);
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
  let report;
  try {
    report = await writeRunReport(dir, { settings: allSettings(CATALOG) });
  } catch (error) {
    // A damaged run dir (test.json not an object, report.html a directory, a bad history line).
    if (error instanceof StoreError || error instanceof HistoryError) throw new UsageError(error.message);
    throw error;
  }
  for (const problem of report.problems) process.stderr.write(`zkcheck: warning: ${problem}\n`);
  process.stdout.write(`${report.report}\n`);
  return EXIT.valid;
}

interface StoredTest {
  checks?: Partial<RunChecks>;
  endMarker?: boolean;
  workload?: { model?: ModelSpec };
  config?: { checkTimeLimit?: number; timeLimit?: number };
}

/**
 * The checks a stored run declared. Runs recorded before declarations were stored name only
 * their model: they are checked for ZooKeeper's consistency claims over it.
 */
function storedChecks(test: StoredTest, file: string): RunChecks {
  // test.json is written by zkcheck, but may have been edited or damaged since.
  if (typeof test !== 'object' || test === null || Array.isArray(test))
    throw new ClaimSpecError(
      `${file}: expected a JSON object (the run's test record), got ${test === null ? 'null' : Array.isArray(test) ? 'a list' : typeof test}`,
    );
  const declared = test.checks;
  const claims =
    declared?.claims ?? (test.workload?.model ? consistencyClaims(test.workload.model) : undefined);
  if (claims === undefined) throw new ClaimSpecError(`${file}: declares no claims to check`);
  try {
    validateClaimSpecs(claims);
  } catch (error) {
    throw new ClaimSpecError(`${file}: ${(error as Error).message}`);
  }
  return {
    claims,
    requiredFs: declared?.requiredFs ?? [],
    minOpsPerSecond: declared?.minOpsPerSecond ?? 0,
    timeLimitMs: declared?.timeLimitMs ?? (test.config?.checkTimeLimit ?? 120) * 1000,
  };
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
