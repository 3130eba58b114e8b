/**
 * A test matrix (`zkcheck test-all`): workloads × nemeses × node counts × ZooKeeper versions, each
 * cell one ordinary run (its own ensemble, stored as usual), one after another. This module has no
 * CLI and starts nothing itself: `planMatrix` turns a matrix (a config file and/or flags) into
 * validated run configs, refusing bad input before any cell runs; `runMatrix` drives the cells
 * through a `runCell` it is given (runTest in the CLI, a fake in tests) and never stops on a
 * failed cell; `matrixExitStatus` is Jepsen's test-all rule.
 *
 * A matrix file (JSON):
 *   { "name": "smoke", "versions": ["3.8.0", "3.9.6"], "workloads": ["register", "set"],
 *     "nemeses": ["none", "partition", "kill,pause"], "nodes": [3, 5],
 *     "settings": { "timeLimit": 30, "killTargets": "minority" } }
 * Each nemeses entry is one cell's --nemesis (a comma-separated composition). "settings" are run
 * settings as in `zkcheck run --config`; a workload's or family's setting applies to the cells
 * that use that plug-in (and is refused if no cell does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { KNOWN_ZOOKEEPER_VERSIONS } from './cluster/versions.js';
import {
  ConfigError,
  mergeConfig,
  parseNemesisNames,
  validateSettings,
  type Catalog,
  type TestConfig,
} from './config.js';
import { NemesisError, WorkloadError } from './runner/spec.js';
import { buildTestSpec } from './test-spec.js';

/** Bad matrix input: one line naming what is wrong (CLI exit 254). */
export class MatrixError extends Error {
  override name = 'MatrixError';
}

/** The axes of a matrix and the settings every cell shares. */
export interface MatrixInput {
  name?: string;
  workloads?: string[];
  nemeses?: string[];
  /** ZooKeeper versions; absent: one column, the default image. */
  versions?: string[];
  nodes?: number[];
  /** Run settings (validated as a `run --config` file) shared by every cell. */
  settings?: Partial<TestConfig>;
}

/** One cell: its coordinates and the full config its run gets. */
export interface MatrixCell {
  index: number;
  workload: string;
  /** As given (`none`, `partition`, `partition,kill`). */
  nemesis: string;
  nodes: number;
  /** The ZooKeeper version asked for; undefined: the default image. */
  version?: string;
  config: TestConfig;
}

export interface MatrixPlan {
  name: string;
  workloads: string[];
  nemeses: string[];
  nodes: number[];
  /** Column keys: versions, or `default` when none was named. */
  versions: string[];
  cells: MatrixCell[];
}

/** The column of a cell run on the default image. */
export const DEFAULT_COLUMN = 'default';

const FILE_KEYS = ['name', 'workloads', 'nemeses', 'versions', 'nodes', 'settings'] as const;
/** What a mistyped key most likely meant. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  workload: 'workloads',
  nemesis: 'nemeses',
  nemesises: 'nemeses',
  version: 'versions',
  zookeeper: 'versions',
  node: 'nodes',
  setting: 'settings',
  config: 'settings',
};
const NAME = /^[A-Za-z0-9._-]+$/;

/** Reads and checks a matrix file's shape; settings are validated as a run config. */
export function loadMatrixFile(path: string, catalog: Catalog): MatrixInput {
  if (!existsSync(path)) throw new MatrixError(`matrix file ${path} does not exist`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new MatrixError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseMatrixInput(parsed, path, catalog);
}

/** Checks a matrix object (a parsed file): known keys, lists of the right kind, valid settings. */
export function parseMatrixInput(value: unknown, from: string, catalog: Catalog): MatrixInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MatrixError(`${from}: a matrix must be an object with ${FILE_KEYS.join(', ')}`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      const close = KEY_ALIASES[key.toLowerCase()] ?? FILE_KEYS.find((k) => k === key.toLowerCase());
      throw new MatrixError(
        `${from}: unknown key "${key}"${close ? ` (did you mean "${close}"?)` : ` (keys: ${FILE_KEYS.join(', ')})`}`,
      );
    }
  }
  const input: MatrixInput = {};
  if (record.name !== undefined) {
    if (typeof record.name !== 'string' || !NAME.test(record.name))
      throw new MatrixError(`${from}: "name" may only contain letters, digits, '.', '_' and '-'`);
    input.name = record.name;
  }
  const strings = (key: string): string[] | undefined => {
    const list = record[key];
    if (list === undefined) return undefined;
    if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v === ''))
      throw new MatrixError(`${from}: "${key}" must be a non-empty list of strings`);
    return list as string[];
  };
  input.workloads = strings('workloads');
  input.nemeses = strings('nemeses');
  input.versions = strings('versions');
  if (record.nodes !== undefined) {
    const list = record.nodes;
    if (!Array.isArray(list) || list.length === 0 || list.some((v) => !Number.isInteger(v)))
      throw new MatrixError(`${from}: "nodes" must be a non-empty list of whole numbers`);
    input.nodes = list as number[];
  }
  if (record.settings !== undefined) {
    try {
      input.settings = validateSettings(record.settings, `${from} settings`, catalog);
    } catch (error) {
      if (error instanceof ConfigError) throw new MatrixError(error.message);
      throw error;
    }
  }
  return input;
}

/**
 * The cells of a matrix: the file's axes unless flags name them (`flags` wins axis by axis), the
 * file's settings under the flags' settings. Every cell's config is built and its spec checked
 * here, so bad input (an unknown version, workload or family, a setting no cell uses) fails before
 * anything runs.
 */
export function planMatrix(file: MatrixInput, flags: MatrixInput, catalog: Catalog): MatrixPlan {
  const name = flags.name ?? file.name ?? 'matrix';
  const workloads = unique(flags.workloads ?? file.workloads ?? ['register']);
  const nemeses = unique((flags.nemeses ?? file.nemeses ?? ['none']).map(normalNemesis));
  const nodes = unique(flags.nodes ?? file.nodes ?? [3]);
  const versions = flags.versions ?? file.versions;
  for (const workload of workloads) {
    if (!catalog.workloads.some((entry) => entry.name === workload))
      throw new MatrixError(
        `unknown workload "${workload}" (workloads: ${catalog.workloads.map((e) => e.name).join(', ')})`,
      );
  }
  for (const nemesis of nemeses) {
    try {
      parseNemesisNames(nemesis, catalog);
    } catch (error) {
      if (error instanceof ConfigError)
        throw new MatrixError(error.message.replace(/^--nemesis: /, `nemesis "${nemesis}": `));
      throw error;
    }
  }
  for (const version of versions ?? []) {
    if (!KNOWN_ZOOKEEPER_VERSIONS.includes(version))
      throw new MatrixError(
        `unknown ZooKeeper version "${version}" (zkcheck runs ${KNOWN_ZOOKEEPER_VERSIONS.join(', ')})`,
      );
  }
  for (const n of nodes) {
    if (!Number.isInteger(n) || n < 1 || n > 15)
      throw new MatrixError(`nodes: expected whole numbers from 1 to 15, got ${n}`);
  }
  const base = { ...file.settings, ...flags.settings };
  for (const axis of ['workload', 'nemesis', 'zookeeper', 'nodes', 'name'] as const) {
    if (flags.settings?.[axis] !== undefined || file.settings?.[axis] !== undefined)
      throw new MatrixError(
        `"${axis}" is an axis of the matrix, not a setting: list it in the matrix instead`,
      );
  }
  const pluginKeys = Object.keys(base.settings ?? {});
  const used = new Set<string>();
  const cells: MatrixCell[] = [];
  const columns = versions ? unique(versions) : [undefined];
  for (const workload of workloads)
    for (const nemesis of nemeses)
      for (const n of nodes)
        for (const version of columns) {
          const own = pluginsOf(workload, nemesis, catalog);
          const settings = Object.fromEntries(
            Object.entries(base.settings ?? {}).filter(([key]) => own.has(key)),
          );
          for (const key of Object.keys(settings)) used.add(key);
          const cellName = [name, workload, slug(nemesis), `${n}n`, version ? `zk${version}` : undefined]
            .filter(Boolean)
            .join('-');
          let config: TestConfig;
          try {
            config = mergeConfig(
              { ...base, settings },
              {
                name: cellName,
                workload,
                nemesis,
                nodes: n,
                ...(version === undefined ? {} : { zookeeper: version }),
              },
              catalog,
            );
            buildTestSpec(config, catalog);
          } catch (error) {
            if (
              error instanceof ConfigError ||
              error instanceof WorkloadError ||
              error instanceof NemesisError
            )
              throw new MatrixError(`${cellName}: ${error.message}`);
            throw error;
          }
          cells.push({ index: cells.length, workload, nemesis, nodes: n, version, config });
        }
  const unused = pluginKeys.filter((key) => !used.has(key));
  if (unused.length > 0)
    throw new MatrixError(
      `setting "${unused[0]}" belongs to no workload or fault family of this matrix (workloads ${workloads.join(', ')}; nemeses ${nemeses.join(' | ')})`,
    );
  return {
    name,
    workloads,
    nemeses,
    nodes,
    versions: versions ? unique(versions) : [DEFAULT_COLUMN],
    cells,
  };
}

function pluginsOf(workload: string, nemesis: string, catalog: Catalog): Set<string> {
  const entries = [
    ...catalog.workloads.filter((e) => e.name === workload),
    ...parseNemesisNames(nemesis, catalog),
  ];
  return new Set(entries.flatMap((e) => e.settings.map((s) => s.key)));
}

/** `kill, pause` and `kill,pause` are one cell. */
function normalNemesis(text: string): string {
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length === 0 ? 'none' : names.join(',');
}

/** A nemesis list as a run-name part: `partition,kill` -> `partition_kill`. */
function slug(nemesis: string): string {
  return nemesis.replace(/,/g, '_');
}

function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}

// --- running --------------------------------------------------------------------------------------

export type Validity = true | false | 'unknown';

export interface CellClaim {
  claim: string;
  valid: Validity;
  promised: boolean;
}

/** What one cell's run gave. */
export interface CellResult {
  /** The run dir (absent when the run failed before it had one). */
  runDir?: string;
  /** The run's verdict; undefined when it has none (no results). */
  valid?: Validity;
  /** The harness failed (the run would exit 255): the message. */
  crashed?: string;
  /** Ctrl-C stopped it before the end. */
  aborted?: boolean;
  claims: CellClaim[];
  /** The version the servers reported (test.json), when known. */
  reported?: string;
  seconds: number;
}

export interface MatrixCellOutcome {
  cell: MatrixCell;
  /** Absent: not run (the matrix was stopped first). */
  result?: CellResult;
}

export interface RunMatrixOptions {
  runCell: (cell: MatrixCell) => Promise<Omit<CellResult, 'seconds'>>;
  /** A line per cell as it starts and ends. */
  out?: (text: string) => void;
  /** Checked before each cell: true stops the matrix (Ctrl-C), the cells left are not run. */
  stopped?: () => boolean;
  /** After each cell, with every outcome so far (write the table as the matrix goes). */
  onCell?: (outcomes: readonly MatrixCellOutcome[]) => void;
  now?: () => number;
}

/** Runs the cells one after another; a cell that throws is a crash, and the matrix goes on. */
export async function runMatrix(plan: MatrixPlan, opts: RunMatrixOptions): Promise<MatrixCellOutcome[]> {
  const out = opts.out ?? (() => undefined);
  const now = opts.now ?? Date.now;
  const outcomes: MatrixCellOutcome[] = plan.cells.map((cell) => ({ cell }));
  const total = plan.cells.length;
  for (const outcome of outcomes) {
    const { cell } = outcome;
    if (opts.stopped?.()) {
      out(`test-all: stopped; ${total - cell.index} of ${total} runs not run\n`);
      break;
    }
    out(`test-all [${cell.index + 1}/${total}] ${cellLabel(cell)}\n`);
    const started = now();
    let result: CellResult;
    try {
      result = { ...(await opts.runCell(cell)), seconds: (now() - started) / 1000 };
    } catch (error) {
      result = {
        crashed: (error as Error).message ?? String(error),
        claims: [],
        seconds: (now() - started) / 1000,
      };
    }
    outcome.result = result;
    out(
      `test-all [${cell.index + 1}/${total}] ${cellLabel(cell)}: ${cellVerdict(result)} (${result.seconds.toFixed(0)} s)\n`,
    );
    opts.onCell?.(outcomes);
  }
  return outcomes;
}

export function cellLabel(cell: MatrixCell): string {
  return `${cell.workload} × ${cell.nemesis} × ${cell.nodes} nodes × ZooKeeper ${cell.version ?? DEFAULT_COLUMN}`;
}

/** `valid`, `INVALID`, `unknown`, `crashed`, or `not run`. */
export function cellVerdict(result: CellResult | undefined): string {
  if (!result) return 'not run';
  if (result.crashed !== undefined) return 'crashed';
  if (result.valid === true && result.aborted) return 'unknown';
  return result.valid === true ? 'valid' : result.valid === false ? 'INVALID' : 'unknown';
}

/**
 * Jepsen's test-all rule: 255 if any run crashed, else 2 if any is unknown (a run not run, or
 * interrupted, counts as unknown), else 1 if any is invalid, else 0.
 */
export function matrixExitStatus(outcomes: readonly MatrixCellOutcome[]): 0 | 1 | 2 | 255 {
  const verdicts = outcomes.map((o) => cellVerdict(o.result));
  if (verdicts.includes('crashed')) return 255;
  if (verdicts.some((v) => v === 'unknown' || v === 'not run')) return 2;
  if (verdicts.includes('INVALID')) return 1;
  return 0;
}
