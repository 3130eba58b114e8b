/**
 * The matrix without ensembles: planning from a file and flags (bad input named in one line before
 * anything runs), running cells through a fake runner (a crash does not stop the matrix, Ctrl-C
 * does), Jepsen's exit rule, and the verdict table (versions as columns, differing rows marked).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadMatrixFile,
  MatrixError,
  matrixExitStatus,
  parseMatrixInput,
  planMatrix,
  runMatrix,
  type CellResult,
  type MatrixCellOutcome,
} from './matrix.js';
import { CATALOG } from './test-spec.js';
import {
  compareTable,
  matrixSide,
  matrixTable,
  runSide,
  tableMarkdown,
  tableText,
  type MatrixRecord,
} from '../results/matrix-table.js';

const dir = mkdtempSync(join(tmpdir(), 'zkcheck-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, value: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('planMatrix', () => {
  it('crosses workloads × nemeses × nodes × versions, rows first, each cell a full run config', () => {
    const plan = planMatrix(
      {
        name: 'q',
        workloads: ['register', 'set'],
        nemeses: ['none', 'kill, pause'],
        versions: ['3.8.0', '3.9.6'],
        settings: { timeLimit: 7, settings: { killTargets: 'minority' } },
      },
      {},
      CATALOG,
    );
    expect(plan.cells).toHaveLength(8);
    expect(plan.nemeses).toEqual(['none', 'kill,pause']);
    expect(plan.cells.map((c) => c.config.name).slice(0, 4)).toEqual([
      'q-register-none-3n-zk3.8.0',
      'q-register-none-3n-zk3.9.6',
      'q-register-kill_pause-3n-zk3.8.0',
      'q-register-kill_pause-3n-zk3.9.6',
    ]);
    const killCell = plan.cells[2].config;
    expect(killCell).toMatchObject({ timeLimit: 7, zookeeper: '3.8.0', nemesis: 'kill,pause', nodes: 3 });
    // A family's setting goes to the cells that use that family only.
    expect(killCell.settings.killTargets).toBe('minority');
    expect(plan.cells[0].config.settings.killTargets).toBeUndefined();
  });

  it('flags replace the file axis by axis and override its settings', () => {
    const plan = planMatrix(
      { workloads: ['register'], nemeses: ['partition'], versions: ['3.8.0'], settings: { timeLimit: 30 } },
      { versions: ['3.9.6'], nodes: [3, 5], settings: { timeLimit: 5 } },
      CATALOG,
    );
    expect(plan.cells.map((c) => [c.nemesis, c.nodes, c.version, c.config.timeLimit])).toEqual([
      ['partition', 3, '3.9.6', 5],
      ['partition', 5, '3.9.6', 5],
    ]);
    expect(planMatrix({}, {}, CATALOG).versions).toEqual(['default']);
  });

  it.each([
    [{ versions: ['3.7.1'] }, 'unknown ZooKeeper version "3.7.1" (zkcheck runs 3.8.0, 3.9.3, 3.9.6)'],
    [{ workloads: ['regster'] }, 'unknown workload "regster"'],
    [{ nemeses: ['partition,kil'] }, 'nemesis "partition,kil": unknown fault family "kil"'],
    [{ nodes: [0] }, 'nodes: expected whole numbers from 1 to 15, got 0'],
    [{ settings: { settings: { killTargets: 'one' } } }, 'setting "killTargets" belongs to no workload'],
    [{ settings: { workload: 'set' } }, '"workload" is an axis of the matrix'],
  ])('refuses %j in one line naming it', (input, message) => {
    expect(() => planMatrix(input, {}, CATALOG)).toThrow(MatrixError);
    expect(() => planMatrix(input, {}, CATALOG)).toThrow(message);
  });

  it('refuses a cell whose settings its plug-ins refuse, naming the cell', () => {
    expect(() => planMatrix({ nemeses: ['partition-grudge'] }, {}, CATALOG)).toThrow(
      /matrix-register-partition-grudge-3n: .*needs --partition-grudge/,
    );
  });
});

describe('matrix files', () => {
  it('name a typo, with the key it means', () => {
    const path = file('typo.json', { versions: ['3.8.0'], nemesis: ['kill'] });
    expect(() => loadMatrixFile(path, CATALOG)).toThrow(
      `${path}: unknown key "nemesis" (did you mean "nemeses"?)`,
    );
    expect(() => parseMatrixInput({ workloads: 'register' }, 'm.json', CATALOG)).toThrow(
      'm.json: "workloads" must be a non-empty list of strings',
    );
    expect(() => parseMatrixInput({ settings: { timeLimt: 5 } }, 'm.json', CATALOG)).toThrow(
      'm.json settings: unknown setting "timeLimt"',
    );
    expect(() => loadMatrixFile(file('bad.json', '{'), CATALOG)).toThrow('not valid JSON');
    expect(() => loadMatrixFile(join(dir, 'none.json'), CATALOG)).toThrow('does not exist');
  });

  it('the shipped smoke and qualification matrices plan', () => {
    const root = join(import.meta.dirname, '..');
    const smoke = planMatrix(loadMatrixFile(join(root, 'docs/smoke.json'), CATALOG), {}, CATALOG);
    const qualify = planMatrix(loadMatrixFile(join(root, 'docs/qualify.json'), CATALOG), {}, CATALOG);
    expect(smoke.cells.length).toBe(8);
    // Every workload and every fault family (but upgrade, which changes the version), 3 and 5 nodes.
    expect([...qualify.workloads].sort()).toEqual(CATALOG.workloads.map((w) => w.name).sort());
    const families = new Set(qualify.nemeses.flatMap((n) => n.split(',')));
    for (const family of CATALOG.nemeses)
      if (family.name !== 'upgrade') expect(families).toContain(family.name);
    expect(qualify.nodes).toEqual([3, 5]);
  });
});

const result = (over: Partial<CellResult>): Omit<CellResult, 'seconds'> => ({ claims: [], ...over });

describe('runMatrix and the exit status', () => {
  const plan = planMatrix(
    { workloads: ['register'], nemeses: ['none', 'kill'], versions: ['3.8.0', '3.9.6'] },
    {},
    CATALOG,
  );

  it('a cell that throws is a crash and the matrix goes on: 255', async () => {
    const lines: string[] = [];
    const outcomes = await runMatrix(plan, {
      out: (text) => lines.push(text),
      runCell: async (cell) => {
        if (cell.index === 1) throw new Error('ensemble gone');
        return result({ valid: true });
      },
    });
    expect(outcomes.map((o) => o.result?.crashed)).toEqual([
      undefined,
      'ensemble gone',
      undefined,
      undefined,
    ]);
    expect(lines.join('')).toContain('[2/4] register × none × 3 nodes × ZooKeeper 3.9.6: crashed');
    expect(matrixExitStatus(outcomes)).toBe(255);
  });

  it('a stop (Ctrl-C) leaves the rest not run: unknown', async () => {
    let ran = 0;
    const outcomes = await runMatrix(plan, {
      runCell: async () => (ran++, result({ valid: true })),
      stopped: () => ran >= 2,
    });
    expect(outcomes.map((o) => o.result === undefined)).toEqual([false, false, true, true]);
    expect(matrixExitStatus(outcomes)).toBe(2);
  });

  const statuses = (...verdicts: Array<Partial<CellResult> | undefined>): number =>
    matrixExitStatus(
      verdicts.map((v, i) => ({
        cell: plan.cells[i],
        result: v === undefined ? undefined : { claims: [], seconds: 1, ...v },
      })) as MatrixCellOutcome[],
    );

  it('follows Jepsen: crashed 255 > unknown 2 > invalid 1 > valid 0', () => {
    expect(statuses({ valid: true }, { valid: true })).toBe(0);
    expect(statuses({ valid: true }, { valid: false })).toBe(1);
    expect(statuses({ valid: false }, { valid: 'unknown' })).toBe(2);
    expect(statuses({ valid: true, aborted: true }, { valid: true })).toBe(2);
    expect(statuses({ valid: false }, { valid: 'unknown' }, { crashed: 'x', valid: true })).toBe(255);
  });
});

describe('the verdict table', () => {
  const claims = (wl: boolean | 'unknown', lin: boolean) => [
    { claim: 'writes-linearizable', valid: wl, promised: true },
    { claim: 'linearizable', valid: lin, promised: false },
  ];
  const record: MatrixRecord = {
    kind: 'zkcheck-matrix',
    name: 't',
    status: 'done',
    startedAt: '',
    versions: ['3.8.0', '3.9.6'],
    cells: [
      {
        workload: 'register',
        nemesis: 'kill',
        nodes: 3,
        version: '3.8.0',
        verdict: 'INVALID',
        claims: claims(false, false),
      },
      {
        workload: 'register',
        nemesis: 'kill',
        nodes: 3,
        version: '3.9.6',
        verdict: 'valid',
        claims: claims(true, false),
      },
      { workload: 'set', nemesis: 'none', nodes: 3, version: '3.8.0', verdict: 'crashed', claims: [] },
      { workload: 'set', nemesis: 'none', nodes: 3, version: '3.9.6', verdict: 'not run', claims: [] },
    ],
  };

  it('has versions as columns, a group per workload × nemesis, and marks where versions differ', () => {
    const text = tableText(matrixTable(record));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\s+3\.8\.0\s+3\.9\.6$/);
    expect(lines[1]).toBe('register × kill × 3 nodes');
    expect(lines[2]).toMatch(/^ {2}run\s+INVALID\s+valid\s+<<$/);
    expect(lines[3]).toMatch(/^ {2}writes-linearizable\s+INVALID\s+valid\s+<<$/);
    // Not promised, broken on both: allowed, the same, not marked.
    expect(lines[4]).toMatch(/^ {2}linearizable\s+INVALID\*\s+INVALID\*$/);
    expect(lines[5]).toBe('set × none × 3 nodes');
    expect(lines[6]).toMatch(/^ {2}run\s+crashed\s+not run$/);
    const md = tableMarkdown(matrixTable(record), 'test-all t');
    expect(md).toContain('| ⚠️ writes-linearizable | **INVALID** | **valid** |');
    expect(md).toContain('| linearizable | INVALID\\* | INVALID\\* |');
  });

  it('compare: two matrices side by side, a column per side and version', () => {
    const other: MatrixRecord = {
      ...record,
      versions: ['3.9.6'],
      cells: [{ ...record.cells[1], verdict: 'INVALID', claims: claims(false, false) }],
    };
    const table = compareTable(matrixSide(record, 'a'), matrixSide(other, 'b'));
    expect(table.columns).toEqual(['A 3.8.0', 'A 3.9.6', 'B 3.9.6']);
    const register = table.groups[0];
    expect(register.rows[1]).toEqual({
      label: 'writes-linearizable',
      cells: ['INVALID', 'valid', 'INVALID'],
      differs: true,
    });
    // A matrix against itself: versions differ inside a side, but no side differs from the other.
    const self = compareTable(matrixSide(record, 'a'), matrixSide(record, 'a'));
    expect(self.groups.flatMap((g) => g.rows).filter((r) => r.differs)).toEqual([]);
    // A group only one side ran: the other side's column says not run, which differs from nothing.
    expect(table.groups[1].rows[0]).toEqual({
      label: 'run',
      cells: ['crashed', 'not run', 'not run'],
      differs: false,
    });
  });

  it('compare: two runs in one group, their claims row by row', () => {
    const run = (version: string, valid: boolean) => ({
      // As Debian's builds report it.
      dir: `/runs/${version}`,
      test: {
        name: 'r',
        workload: { name: 'register' },
        nemesis: ['kill'],
        nodes: 3,
        zookeeper: { version: `${version}-\${mvngit.commit.id}` },
      },
      results: {
        valid,
        claims: [{ claim: 'writes-linearizable', valid, promised: true }],
      },
    });
    const table = compareTable(runSide(run('3.8.0', false), 'x'), runSide(run('3.9.6', true), 'y'));
    expect(table.columns).toEqual(['A 3.8.0', 'B 3.9.6']);
    expect(table.groups).toHaveLength(1);
    expect(table.groups[0].title).toBe('register × kill × 3 nodes');
    expect(tableText(table)).toMatch(/^ {2}writes-linearizable\s+INVALID\s+valid\s+<<$/m);
    const same = compareTable(runSide(run('3.9.6', true), 'x'), runSide(run('3.9.6', true), 'y'));
    expect(same.groups[0].rows.some((r) => r.differs)).toBe(false);
  });
});
