/**
 * The verdict table of a test matrix (`zkcheck test-all`) and of `zkcheck compare`: a group of
 * rows per workload × nemesis × node count (the run's verdict, then each claim's), a column per
 * ZooKeeper version (or per side compared). A row whose columns disagree (valid on one, INVALID
 * on another) is marked `<<` (text) or **bold** (markdown): that is where versions differ.
 *
 * Verdict words: valid, INVALID, unknown, crashed, `not run`, and `-` for a claim the cell did
 * not check. A claim ZooKeeper does not promise is shown with a `*` (its INVALID is allowed and
 * does not fail the run). matrix.json (MatrixRecord) is what `test-all` stores and `compare` reads.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nemesisLabel, runVerdict, workloadLabel, type CiRun } from './ci-run.js';
import { readJson, StoreError } from './store.js';

export interface MatrixRecordClaim {
  claim: string;
  valid: boolean | 'unknown';
  promised: boolean;
}

export interface MatrixRecordCell {
  workload: string;
  nemesis: string;
  nodes: number;
  /** The column: the version asked for, or `default`. */
  version: string;
  /** valid, INVALID, unknown, crashed, not run. */
  verdict: string;
  runDir?: string;
  /** The version the servers reported. */
  reported?: string;
  crashed?: string;
  seconds?: number;
  claims: MatrixRecordClaim[];
}

export interface MatrixRecord {
  kind: 'zkcheck-matrix';
  name: string;
  status: 'running' | 'done' | 'stopped';
  startedAt: string;
  endedAt?: string;
  /** Column order. */
  versions: string[];
  cells: MatrixRecordCell[];
  exitStatus?: number;
}

export const MATRIX_FILE = 'matrix.json';

/** The table's content, before it is laid out as text or markdown. */
export interface VerdictTable {
  columns: string[];
  groups: Array<{ title: string; rows: Array<{ label: string; cells: string[]; differs: boolean }> }>;
}

/** A claim's word in a cell; `*` marks a claim ZooKeeper does not promise. */
export function claimWord(claim: MatrixRecordClaim | undefined): string {
  if (!claim) return '-';
  const word = claim.valid === true ? 'valid' : claim.valid === false ? 'INVALID' : 'unknown';
  return claim.promised ? word : `${word}*`;
}

const said = (word: string): boolean => word !== '-' && word !== 'not run';

/**
 * Whether columns disagree: two of them (of `pairs`, by index; default every two) say different
 * words. A column with nothing to say (`-`, not run) agrees with everything.
 */
function differs(words: readonly string[], pairs?: ReadonlyArray<readonly [number, number]>): boolean {
  if (!pairs) return new Set(words.filter(said)).size > 1;
  return pairs.some(([i, j]) => said(words[i]) && said(words[j]) && words[i] !== words[j]);
}

/**
 * The table of cells laid out by `columnOf` (a cell's column label) and `groupOf` (its row
 * group). Groups and claims keep the order cells first name them.
 */
export function verdictTable(
  cells: readonly MatrixRecordCell[],
  columns: readonly string[],
  columnOf: (cell: MatrixRecordCell) => string,
  groupOf: (cell: MatrixRecordCell) => string = groupTitle,
  pairs?: ReadonlyArray<readonly [number, number]>,
): VerdictTable {
  const groups = new Map<string, Map<string, MatrixRecordCell>>();
  for (const cell of cells) {
    const title = groupOf(cell);
    if (!groups.has(title)) groups.set(title, new Map());
    groups.get(title)!.set(columnOf(cell), cell);
  }
  return {
    columns: [...columns],
    groups: [...groups].map(([title, byColumn]) => {
      const at = columns.map((column) => byColumn.get(column));
      const claimNames = [...new Set(at.flatMap((cell) => cell?.claims.map((c) => c.claim) ?? []))];
      const runWords = at.map((cell) => cell?.verdict ?? 'not run');
      const rows = [{ label: 'run', cells: runWords, differs: differs(runWords, pairs) }];
      for (const name of claimNames) {
        const words = at.map((cell) =>
          cell === undefined || cell.verdict === 'not run'
            ? 'not run'
            : claimWord(cell.claims.find((c) => c.claim === name)),
        );
        rows.push({ label: name, cells: words, differs: differs(words, pairs) });
      }
      return { title, rows };
    }),
  };
}

export function groupTitle(cell: Pick<MatrixRecordCell, 'workload' | 'nemesis' | 'nodes'>): string {
  return `${cell.workload} × ${cell.nemesis} × ${cell.nodes} nodes`;
}

/** A matrix's own table: its versions as columns. */
export function matrixTable(record: MatrixRecord): VerdictTable {
  return verdictTable(record.cells, record.versions, (cell) => cell.version);
}

/** Plain text, columns padded; `<<` ends a row whose columns differ. */
export function tableText(table: VerdictTable): string {
  const labelWidth = Math.max(
    6,
    ...table.groups.flatMap((g) => [g.title.length, ...g.rows.map((r) => r.label.length + 2)]),
  );
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.groups.flatMap((g) => g.rows.map((r) => r.cells[i].length))),
  );
  const line = (label: string, cells: readonly string[], mark = '') =>
    `${label.padEnd(labelWidth)}  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}${mark}`.trimEnd();
  const lines = [line('', table.columns)];
  for (const group of table.groups) {
    lines.push(group.title);
    for (const row of group.rows) lines.push(line(`  ${row.label}`, row.cells, row.differs ? '  <<' : ''));
  }
  lines.push(
    '* not promised by ZooKeeper: INVALID* is allowed and does not fail the run; << versions differ',
  );
  return `${lines.join('\n')}\n`;
}

/** GitHub-flavoured markdown; a row whose columns differ is in bold. */
export function tableMarkdown(table: VerdictTable, heading?: string): string {
  const esc = (text: string) => text.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);
  const lines = heading ? [`## ${esc(heading)}`, ''] : [];
  lines.push(
    `| | ${table.columns.map(esc).join(' | ')} |`,
    `| --- |${' --- |'.repeat(table.columns.length)}`,
  );
  for (const group of table.groups) {
    lines.push(`| **${esc(group.title)}** |${' |'.repeat(table.columns.length)}`);
    for (const row of group.rows) {
      const cells = row.cells.map((c) => (row.differs ? `**${esc(c)}**` : esc(c)));
      lines.push(`| ${row.differs ? '⚠️ ' : ''}${esc(row.label)} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('', '\\* not promised by ZooKeeper (INVALID\\* is allowed); ⚠️ the columns differ', '');
  return lines.join('\n');
}

/** Reads a matrix dir's (or a matrix.json file's) record; anything else is a StoreError. */
export function readMatrix(path: string): MatrixRecord {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, MATRIX_FILE) : path;
  if (!existsSync(file)) throw new StoreError(`no test-all matrix at ${path}: it has no ${MATRIX_FILE}`);
  const record = readJson<MatrixRecord>(file);
  if (record?.kind !== 'zkcheck-matrix' || !Array.isArray(record.cells) || !Array.isArray(record.versions))
    throw new StoreError(`${file} is not a zkcheck test-all matrix`);
  return record;
}

/** Whether `path` holds a test-all matrix (and not a run). */
export function isMatrix(path: string): boolean {
  return (
    existsSync(path) &&
    (statSync(path).isDirectory() ? existsSync(join(path, MATRIX_FILE)) : path.endsWith('.json'))
  );
}

// --- compare ---------------------------------------------------------------------------------------

/** One side of `zkcheck compare`: a stored run, or a test-all matrix. */
export interface CompareSide {
  /** What the user named (shown in the legend). */
  label: string;
  kind: 'run' | 'matrix';
  cells: MatrixRecordCell[];
  /** The side's columns: its versions (a run: the version its servers reported). */
  versions: string[];
}

/** A stored run as a one-cell side: its verdict, claims and the version the servers reported. */
export function runSide(run: CiRun, label: string): CompareSide {
  const config = run.test.config ?? {};
  // Debian's builds report "3.9.6-${mvngit.commit.id}": the unexpanded placeholder says nothing.
  const reported = run.test.zookeeper?.version?.replace(/-\$\{[^}]*\}$/, '');
  const version =
    reported && reported !== 'unknown'
      ? reported
      : typeof config.zookeeper === 'string'
        ? config.zookeeper
        : DEFAULT_VERSION;
  const verdict =
    run.results?.harnessError || run.test.status === 'harness-error' ? 'crashed' : runVerdict(run);
  const cell: MatrixRecordCell = {
    workload: workloadLabel(run.test),
    nemesis: nemesisLabel(run.test),
    nodes: run.test.nodes ?? (typeof config.nodes === 'number' ? config.nodes : 0),
    version,
    verdict,
    runDir: run.dir,
    claims: (run.results?.claims ?? []).map((c) => ({
      claim: c.claim,
      valid: c.valid === true || c.valid === false ? c.valid : 'unknown',
      promised: c.promised !== false,
    })),
  };
  return { label, kind: 'run', cells: [cell], versions: [version] };
}

export function matrixSide(record: MatrixRecord, label: string): CompareSide {
  return { label, kind: 'matrix', cells: record.cells, versions: record.versions };
}

const DEFAULT_VERSION = 'unknown version';

/**
 * Two sides in one table: a column per side and version (`A 3.8.0`, `B 3.9.6`), a group per
 * workload × nemesis × nodes (two runs: one group, whatever they ran), a row per claim.
 */
export function compareTable(a: CompareSide, b: CompareSide): VerdictTable {
  const tagged = [
    ...a.cells.map((cell) => ({ ...cell, side: 'A' })),
    ...b.cells.map((cell) => ({ ...cell, side: 'B' })),
  ];
  const columns = [...a.versions.map((v) => `A ${v}`), ...b.versions.map((v) => `B ${v}`)];
  const bothRuns = a.kind === 'run' && b.kind === 'run';
  // Side against side: the same version on both when they share one, else every A with every B.
  const shared = a.versions.some((v) => b.versions.includes(v));
  const pairs = a.versions.flatMap((va, i) =>
    b.versions.flatMap((vb, j) => (!shared || va === vb ? [[i, a.versions.length + j] as const] : [])),
  );
  return verdictTable(
    tagged,
    columns,
    (cell) => `${(cell as (typeof tagged)[number]).side} ${cell.version}`,
    bothRuns ? () => [...new Set(tagged.map((cell) => groupTitle(cell)))].join(' | ') : groupTitle,
    pairs,
  );
}
