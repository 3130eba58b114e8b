/**
 * `zkcheck test-all`: a matrix of workloads × nemeses × node counts × ZooKeeper versions from
 * flags and/or a matrix file (docs/smoke.json, docs/qualify.json), one ordinary run per cell, one
 * after another; each run is stored as usual and a failed or crashed one does not stop the
 * matrix. It prints and writes a verdict table (harness/matrix.ts plans and runs the cells,
 * results/matrix-table.ts lays out the table) and, with --junit / --summary, CI outputs for the
 * whole matrix. Ctrl-C stops the run in progress (its history is still checked) and then the
 * matrix, keeping the table so far. With --scenarios it runs the known-bug scenarios instead
 * (known-bugs.ts): a table of bugs reproduced or absent per version.
 */
import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ConfigError,
  SETTINGS,
  coerceSetting,
  defaultConfig,
  pluginSettings,
  type Catalog,
  type Setting,
  type TestConfig,
} from '../config.js';
import {
  cellVerdict,
  loadMatrixFile,
  MatrixError,
  matrixExitStatus,
  planMatrix,
  runMatrix,
  type MatrixCell,
  type MatrixCellOutcome,
  type MatrixInput,
  type MatrixPlan,
  type CellResult,
} from '../matrix.js';
import { runTest } from '../runner/run.js';
import { buildTestSpec, CATALOG } from '../test-spec.js';
import { writeCiOutputs } from '../../results/ci-outputs.js';
import {
  MATRIX_FILE,
  matrixTable,
  tableMarkdown,
  tableText,
  type MatrixRecord,
} from '../../results/matrix-table.js';
import { readJson, runTimestamp, StoreError, writeJsonAtomic } from '../../results/store.js';
import { knownBugsCommand } from './known-bugs.js';
import { UsageError } from './exit.js';

/** Settings that are axes of the matrix: given as lists, not as one value. */
const AXES = new Set(['name', 'workload', 'nemesis', 'nodes', 'zookeeper']);

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerTestAllCommand(program: Command, catalog: Catalog = CATALOG): void {
  const command = program
    .command('test-all')
    .description('run a matrix of workloads × nemeses × ZooKeeper versions; a verdict table per release')
    .option('--matrix <file>', 'matrix file (JSON): versions, workloads, nemeses, nodes, settings')
    .option('-w, --workload <names>', 'workloads, comma-separated (repeatable)', collect)
    .option(
      '-n, --nemesis <names>',
      "one cell's faults: none, or a comma-separated composition (repeat for more rows)",
      collect,
    )
    .option(
      '--zookeeper <versions>',
      'ZooKeeper versions, comma-separated (repeatable): the columns',
      collect,
    )
    .option('--nodes <counts>', 'ensemble sizes, comma-separated (repeatable)', collect)
    .option(
      '--scenarios <names>',
      'known-bug scenarios instead of a matrix: known-bugs (all) or names, comma-separated',
    )
    .option('--tries <n>', 'with --scenarios: runs per scenario and version, seeds 1..n (default 3)')
    .option('--name <name>', 'prefix of every run name (default: the matrix file\'s "name", or matrix)')
    .option(
      '--out <dir>',
      'where the table, matrix.json and outputs go (default: <store>/test-all-<time>; with --scenarios, known-bugs-<time>)',
    )
    .option('--junit <file>', 'JUnit XML for the whole matrix: a suite per run, a case per claim')
    .option(
      '--summary <file>',
      'markdown summary appended (e.g. $GITHUB_STEP_SUMMARY): the table, then each run',
    );
  for (const setting of SETTINGS) {
    if (AXES.has(setting.key)) continue;
    command.addOption(new Option(setting.flag, setting.help).helpGroup('Run settings (every cell):'));
  }
  for (const { setting, owners } of pluginSettings(catalog).values()) {
    command.addOption(
      new Option(setting.flag, `${setting.help} [${owners.join(', ')}]`).helpGroup(
        'Workload and fault settings (the cells that use them):',
      ),
    );
  }
  command.addHelpText(
    'after',
    `
Every cell is one \`zkcheck run\` (its own ensemble, stored in <store>/<name>-<workload>-<nemesis>-
<N>n-zk<version>/), run one after another. Flags name the axes (each overrides the matrix file's
axis of the same name); settings flags override the file's "settings".

Matrix file: {"name": "smoke", "versions": ["3.8.0", "3.9.6"], "workloads": ["register", "set"],
  "nemeses": ["none", "partition", "kill,pause"], "nodes": [3], "settings": {"timeLimit": 30}}
Shipped: docs/smoke.json (under 10 minutes), docs/qualify.json (a release candidate: 168 runs, about three hours).

The table has a column per version and, per workload × nemesis × nodes, the run's verdict and
each claim's; a row whose versions disagree is marked <<. Written to <out>/table.txt, table.md
and matrix.json (\`zkcheck compare\` reads it).

Exit status (Jepsen's test-all): 255 if any run crashed, else 2 if any is unknown (or not run),
else 1 if any is invalid, else 0; 254 bad flags or matrix file.

Known bugs: --scenarios known-bugs runs every known-bug scenario (\`zkcheck run --help\` lists
them) --tries times (seeds 1..n) on each version given (default: the versions the scenario declares
an outcome for) and prints, per scenario and version, in how many tries acknowledged writes were
lost, in how many the run was clean, and whether that is expected (reproduced at least once where
the bug is, never where it is fixed). Exit status then: 0 all as expected, 1 one is not, 2 cannot tell.

Examples:
  zkcheck test-all --scenarios known-bugs --zookeeper 3.8.0,3.9.3,3.9.6 --tries 10
  zkcheck test-all --matrix docs/smoke.json
  zkcheck test-all -w register,set -n none -n partition --zookeeper 3.8.0,3.9.6 --time-limit 30
  zkcheck test-all --matrix docs/qualify.json --junit junit.xml --summary "$GITHUB_STEP_SUMMARY"`,
  );
  command.action(async (flags: Record<string, unknown>) => {
    process.exitCode =
      typeof flags.scenarios === 'string'
        ? await scenariosCommand(flags, catalog)
        : await testAllCommand(flags, catalog);
  });
}

function list(values: unknown): string[] | undefined {
  if (!Array.isArray(values)) return undefined;
  return (values as string[]).flatMap((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
}

/** The axes and settings the flags give (settings coerced against their declarations). */
function flagsToInput(flags: Record<string, unknown>, catalog: Catalog): MatrixInput {
  const input: MatrixInput = {};
  if (typeof flags.name === 'string') {
    if (!/^[A-Za-z0-9._-]+$/.test(flags.name))
      throw new UsageError(`--name: may only contain letters, digits, '.', '_' and '-', got "${flags.name}"`);
    input.name = flags.name;
  }
  input.workloads = list(flags.workload);
  // Each --nemesis is one cell's composition: not split on commas.
  if (Array.isArray(flags.nemesis)) input.nemeses = flags.nemesis as string[];
  input.versions = list(flags.zookeeper);
  const nodes = list(flags.nodes);
  if (nodes) {
    input.nodes = nodes.map((n) => {
      const value = Number(n);
      if (!Number.isInteger(value) || value < 1 || value > 15)
        throw new UsageError(`--nodes: expected whole numbers from 1 to 15, got "${n}"`);
      return value;
    });
  }
  const settings: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    if (AXES.has(setting.key) || flags[setting.key] === undefined) continue;
    settings[setting.key] = coerce(setting, flags[setting.key]);
  }
  const own: Record<string, string | number | boolean> = {};
  for (const [key, { setting }] of pluginSettings(catalog)) {
    if (flags[key] !== undefined) own[key] = coerce(setting, flags[key]);
  }
  if (Object.keys(own).length > 0) settings.settings = own;
  input.settings = settings as Partial<TestConfig>;
  return input;
}

function coerce(setting: Setting, raw: unknown): string | number | boolean {
  try {
    return coerceSetting(setting, raw, 'flag');
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** `--scenarios`: the known-bug table (known-bugs.ts) instead of a matrix. */
function scenariosCommand(flags: Record<string, unknown>, catalog: Catalog): Promise<number> {
  // A scenario fixes its workload, faults and size; its tries are seeds 1..n; no JUnit or summary.
  for (const flag of ['matrix', 'workload', 'nemesis', 'nodes', 'seed', 'name', 'junit', 'summary'])
    if (flags[flag] !== undefined)
      throw new UsageError(`--scenarios: runs each scenario as written; --${flag} does not apply`);
  const raw = flags.tries ?? '3';
  const tries = Number(raw);
  if (!/^\d+$/.test(String(raw)) || tries < 1 || tries > 100)
    throw new UsageError(`--tries: expected a whole number from 1 to 100, got ${JSON.stringify(raw)}`);
  return knownBugsCommand({
    scenarios: list([flags.scenarios]) ?? [],
    versions: list(flags.zookeeper),
    tries,
    settings: flagsToInput(flags, catalog).settings ?? {},
    ...(typeof flags.out === 'string' ? { out: flags.out } : {}),
  });
}

async function testAllCommand(flags: Record<string, unknown>, catalog: Catalog): Promise<number> {
  if (flags.tries !== undefined) throw new UsageError('--tries: only with --scenarios');
  let plan: MatrixPlan;
  try {
    const file = typeof flags.matrix === 'string' ? loadMatrixFile(flags.matrix, catalog) : {};
    plan = planMatrix(file, flagsToInput(flags, catalog), catalog);
  } catch (error) {
    if (error instanceof MatrixError) throw new UsageError(error.message);
    throw error;
  }
  const store = plan.cells[0]?.config.store ?? defaultConfig().store;
  const outDir = resolve(
    typeof flags.out === 'string' ? flags.out : join(store, `test-all-${runTimestamp(new Date())}`),
  );
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `--out: cannot create ${outDir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const out = (text: string) => process.stdout.write(text);
  out(
    `zkcheck test-all ${plan.name}: ${plan.cells.length} runs (${plan.workloads.length} workloads × ${plan.nemeses.length} nemeses × ${plan.nodes.length} sizes × ${plan.versions.length} versions), one after another\n  table in ${outDir}\n`,
  );

  // Ctrl-C: the run in progress stops (runTest handles that) and no further run starts.
  let stopped = false;
  const onSignal = () => {
    if (!stopped) out('\ntest-all: interrupted: no further runs; the table so far is kept\n');
    stopped = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const startedAt = new Date().toISOString();
  const save = (
    outcomes: readonly MatrixCellOutcome[],
    status: MatrixRecord['status'],
    exitStatus?: number,
  ) => writeMatrix(outDir, plan, outcomes, startedAt, status, exitStatus);
  let outcomes: MatrixCellOutcome[];
  try {
    save(
      plan.cells.map((cell) => ({ cell })),
      'running',
    );
    outcomes = await runMatrix(plan, {
      runCell: (cell) => runCell(cell, catalog),
      out,
      stopped: () => stopped,
      onCell: (sofar) => save(sofar, 'running'),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const status = matrixExitStatus(outcomes);
  const record = save(outcomes, stopped ? 'stopped' : 'done', status);
  const text = tableText(matrixTable(record));
  out(`\n${text}`);

  const runDirs = outcomes.flatMap((o) => (o.result?.runDir ? [o.result.runDir] : []));
  try {
    if (typeof flags.summary === 'string') {
      mkdirSync(resolve(flags.summary, '..'), { recursive: true });
      writeFileSync(
        resolve(flags.summary),
        tableMarkdown(matrixTable(record), `zkcheck test-all ${plan.name}`),
        {
          flag: 'a',
        },
      );
    }
    const written = writeCiOutputs(
      {
        ...(typeof flags.junit === 'string' ? { junit: flags.junit } : {}),
        ...(typeof flags.summary === 'string' ? { summary: flags.summary } : {}),
      },
      runDirs,
    );
    for (const file of written) out(`  wrote ${file}\n`);
  } catch (error) {
    if (error instanceof StoreError) throw new UsageError(error.message);
    throw error;
  }
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(cellVerdict(o.result), (counts.get(cellVerdict(o.result)) ?? 0) + 1);
  out(
    `test-all ${plan.name}: ${[...counts].map(([v, n]) => `${n} ${v}`).join(', ')}; exit status ${status}\n  table: ${join(outDir, 'table.txt')}\n`,
  );
  return status;
}

/** One cell: an ordinary run; a harness error or a run without a verdict is a crash. */
async function runCell(cell: MatrixCell, catalog: Catalog): Promise<Omit<CellResult, 'seconds'>> {
  const spec = buildTestSpec(cell.config, catalog);
  const outcome = await runTest(spec, { tty: false });
  const claims = (outcome.results?.claims ?? []).map((c) => ({
    claim: c.claim,
    valid: c.valid,
    promised: c.promised,
  }));
  const crashed = outcome.error ?? (outcome.results ? undefined : 'the run has no results');
  if (crashed) process.stderr.write(`zkcheck: run crashed: ${crashed}\n`);
  return {
    runDir: outcome.paths.dir,
    valid: outcome.results?.valid,
    ...(crashed === undefined ? {} : { crashed }),
    aborted: outcome.aborted,
    claims,
    reported: reportedVersion(outcome.paths.test),
  };
}

function reportedVersion(testFile: string): string | undefined {
  try {
    const version = readJson<{ zookeeper?: { version?: string } }>(testFile).zookeeper?.version;
    return version === 'unknown' ? undefined : version;
  } catch {
    return undefined;
  }
}

/** matrix.json, table.txt and table.md as they stand; the record. */
function writeMatrix(
  dir: string,
  plan: MatrixPlan,
  outcomes: readonly MatrixCellOutcome[],
  startedAt: string,
  status: MatrixRecord['status'],
  exitStatus?: number,
): MatrixRecord {
  const record: MatrixRecord = {
    kind: 'zkcheck-matrix',
    name: plan.name,
    status,
    startedAt,
    ...(status === 'running' ? {} : { endedAt: new Date().toISOString() }),
    versions: plan.versions,
    cells: outcomes.map(({ cell, result }) => ({
      workload: cell.workload,
      nemesis: cell.nemesis,
      nodes: cell.nodes,
      version: cell.version ?? plan.versions[0],
      verdict: cellVerdict(result),
      ...(result?.runDir ? { runDir: result.runDir } : {}),
      ...(result?.reported ? { reported: result.reported } : {}),
      ...(result?.crashed !== undefined ? { crashed: result.crashed } : {}),
      ...(result ? { seconds: Number(result.seconds.toFixed(1)) } : {}),
      claims: result?.claims ?? [],
    })),
    ...(exitStatus === undefined ? {} : { exitStatus }),
  };
  writeJsonAtomic(join(dir, MATRIX_FILE), record);
  const table = matrixTable(record);
  writeFileSync(join(dir, 'table.txt'), tableText(table));
  writeFileSync(join(dir, 'table.md'), tableMarkdown(table, `zkcheck test-all ${plan.name}`));
  return record;
}
