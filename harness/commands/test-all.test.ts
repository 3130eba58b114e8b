/**
 * `zkcheck test-all` through the built CLI. Bad input (an unknown version, a matrix file with a
 * typo) is one line naming it and exit 254, before anything starts. On real 3-node docker
 * ensembles: 2 workloads × 2 nemeses × 2 ZooKeeper versions (local images 3.8.0 and 3.9.6),
 * short runs, while the test kills the first run's containers (found by the run's labels) as they
 * start: that run crashes, the matrix goes on, and it writes the table, matrix.json, a JUnit file
 * (valid against junit-10.xsd) with a suite per run, the summary, and exits 255. The known-bug
 * table (--scenarios) for zk-4643 on 3.9.6, one try: clean, as expected, exit 0.
 * Under CI=true nothing skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAnswers, LABEL_OWNER, LABEL_RUN } from '../cluster/docker.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'zkcheck.js');
const CI = process.env.CI === 'true';
const store = mkdtempSync(join(tmpdir(), 'zkcheck-test-all-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

function zkcheck(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('zkcheck test-all: bad input', () => {
  it('an unknown version is one line naming it, exit 254', () => {
    const { status, stdout, stderr } = zkcheck(['test-all', '--zookeeper', '3.8.0,3.7.1', '--store', store]);
    expect(status).toBe(254);
    expect(stdout).toBe('');
    expect(stderr).toBe('zkcheck: unknown ZooKeeper version "3.7.1" (zkcheck runs 3.8.0, 3.9.3, 3.9.6)\n');
  });

  it('compare of a run or matrix that does not exist is one line naming it, exit 254', () => {
    const { status, stderr } = zkcheck(['compare', 'no-such-run', join(store, 'nope'), '--store', store]);
    expect(status).toBe(254);
    expect(stderr).toMatch(/^zkcheck: no run at no-such-run: .*\n$/);
  });

  it('a matrix file with a typo is one line naming it, exit 254', () => {
    const file = join(store, 'typo.json');
    writeFileSync(file, JSON.stringify({ versions: ['3.8.0'], workloads: ['register'], nemesis: ['kill'] }));
    const typo = zkcheck(['test-all', '--matrix', file, '--store', store]);
    expect(typo.status).toBe(254);
    expect(typo.stderr).toBe(`zkcheck: ${file}: unknown key "nemesis" (did you mean "nemeses"?)\n`);
    writeFileSync(file, JSON.stringify({ workloads: ['register'], settings: { timeLimt: 5 } }));
    const setting = zkcheck(['test-all', '--matrix', file, '--store', store]);
    expect(setting.status).toBe(254);
    expect(setting.stderr).toMatch(/^zkcheck: \S+typo\.json settings: unknown setting "timeLimt".*\n$/);
    const family = zkcheck(['test-all', '-n', 'kill,pase', '--store', store]);
    expect(family.status).toBe(254);
    expect(family.stderr.split('\n')[0]).toMatch(/nemesis "kill,pase": unknown fault family "pase"/);
  });
});

const missing = dockerAnswers() ? undefined : 'no Docker engine answers (npm run setup)';
const skip = !CI && missing !== undefined;

interface MatrixJson {
  exitStatus: number;
  versions: string[];
  cells: Array<{
    workload: string;
    nemesis: string;
    version: string;
    verdict: string;
    runDir?: string;
    reported?: string;
    crashed?: string;
    claims: Array<{ claim: string; valid: unknown }>;
  }>;
}

/** Container ids and run ids of the containers the process `pid` owns. */
function containersOf(pid: number): Array<{ id: string; run: string }> {
  const listed = spawnSync(
    'docker',
    [
      'ps',
      '--filter',
      `label=${LABEL_RUN}`,
      '--format',
      `{{.ID}} {{.Label "${LABEL_RUN}"}} {{.Label "${LABEL_OWNER}"}}`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([id, , owner]) => id && owner?.startsWith(`${pid}:`))
    .map(([id, run]) => ({ id, run }));
}

describe.skipIf(skip)(`zkcheck test-all on docker ensembles${skip ? ` (SKIPPED: ${missing})` : ''}`, () => {
  it('2 workloads × 2 nemeses × 2 versions: a killed run crashes, the matrix goes on, table, JUnit and summary written, exit 255', async () => {
    const out = join(store, 'matrix');
    const junit = join(store, 'junit.xml');
    const summary = join(store, 'summary.md');
    const args = [
      CLI,
      'test-all',
      ...['--name', 'm', '-w', 'register,set', '-n', 'none', '-n', 'kill'],
      ...['--zookeeper', '3.8.0,3.9.6', '--provider', 'docker', '--store', store, '--out', out],
      ...['--time-limit', '5', '--recovery', '1', '--nemesis-interval', '1', '--nemesis-duration', '2'],
      ...['--concurrency', '5', '--rate', '100', '--junit', junit, '--summary', summary],
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // The first run's containers, killed as they appear while it is the run in progress (for
    // 20 s: all three, before they reach quorum).
    let victim: string | undefined;
    let firstSeen = 0;
    let killed = 0;
    while (child.exitCode === null && !stdout.includes('test-all [2/8]')) {
      const mine = stdout.includes('test-all [1/8]') ? containersOf(child.pid!) : [];
      victim ??= mine[0]?.run;
      if (victim !== undefined) firstSeen ||= Date.now();
      const targets = mine.filter((c) => c.run === victim).map((c) => c.id);
      if (targets.length > 0) {
        spawnSync('docker', ['kill', ...targets], { stdio: 'ignore', timeout: 20_000 });
        killed += targets.length;
      }
      if (firstSeen > 0 && Date.now() - firstSeen > 20_000) break;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const status = await exited;
    expect(killed, stdout).toBeGreaterThanOrEqual(3);
    expect(status, `${stdout}\n${stderr}`).toBe(255);

    const matrix = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')) as MatrixJson;
    expect(matrix.exitStatus).toBe(255);
    expect(matrix.versions).toEqual(['3.8.0', '3.9.6']);
    expect(matrix.cells.map((c) => `${c.workload} ${c.nemesis} ${c.version}`)).toEqual([
      'register none 3.8.0',
      'register none 3.9.6',
      'register kill 3.8.0',
      'register kill 3.9.6',
      'set none 3.8.0',
      'set none 3.9.6',
      'set kill 3.8.0',
      'set kill 3.9.6',
    ]);
    // The killed run crashed; every other ran to a verdict per claim on the version asked for.
    expect(matrix.cells[0].verdict).toBe('crashed');
    expect(matrix.cells[0].crashed).toMatch(/quorum|container|exited/i);
    for (const cell of matrix.cells.slice(1)) {
      expect(['valid', 'INVALID', 'unknown'], `${JSON.stringify(cell)}\n${stdout}`).toContain(cell.verdict);
      // What the servers report: Debian's builds say "3.9.6-${mvngit.commit.id}".
      expect(cell.reported?.split('-')[0]).toBe(cell.version);
      expect(cell.claims.length).toBeGreaterThan(0);
      expect(existsSync(join(cell.runDir!, 'results.json'))).toBe(true);
    }
    expect(stdout).toMatch(/test-all \[1\/8\] register × none × 3 nodes × ZooKeeper 3\.8\.0: crashed/);
    expect(stdout).toMatch(/test-all \[8\/8\] set × kill × 3 nodes × ZooKeeper 3\.9\.6: \w+/);

    // The table: versions as columns, a group per workload × nemesis, a row per claim.
    const table = readFileSync(join(out, 'table.txt'), 'utf8');
    expect(stdout).toContain(table);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^\s+3\.8\.0\s+3\.9\.6$/);
    for (const group of ['register × none', 'register × kill', 'set × none', 'set × kill'])
      expect(lines).toContain(`${group} × 3 nodes`);
    expect(lines[2]).toMatch(/^ {2}run\s+crashed\s+(valid|INVALID|unknown)\s+<<$/);
    expect(table).toMatch(/^ {2}writes-linearizable\s+/m);
    expect(table).toMatch(/^ {2}adds-survive\s+/m);

    // JUnit: a suite per run, valid against the schema CI readers use.
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testsuite /g)).toHaveLength(8);
    const xsd = join(ROOT, 'results', 'testdata', 'junit-10.xsd');
    const lint = spawnSync('xmllint', ['--noout', '--schema', xsd, junit], { encoding: 'utf8' });
    if (lint.error === undefined || CI) expect(lint.status, lint.stderr).toBe(0);
    // The crashed run's suite is an error (it has no results.json, or one with the harness error).
    const crashedSuite = xml.split('<testsuite ')[1];
    expect(crashedSuite).toMatch(/^name="m-register-none-3n-zk3\.8\.0"/);
    expect(crashedSuite).toMatch(/<error type="(not-checked|harness-error)"/);

    // compare: the matrix against itself differs nowhere; the crashed 3.8.0 run against the
    // valid 3.9.6 one differs on the run row.
    const self = zkcheck(['compare', out, join(out, 'matrix.json')]);
    expect(self.status, self.stderr).toBe(0);
    expect(self.stdout).toMatch(/^ {2}run\s+crashed\s+(valid|INVALID|unknown)\s+crashed\s+\1$/m);
    expect(self.stdout).toContain('no row differs');
    const runs = zkcheck(['compare', matrix.cells[0].runDir!, matrix.cells[1].runDir!, '--store', store]);
    expect(runs.status, runs.stderr).toBe(0);
    expect(runs.stdout).toMatch(/^\s+A 3\.8\.0\s+B 3\.9\.6$/m);
    expect(runs.stdout).toMatch(/^ {2}run\s+crashed\s+(valid|INVALID|unknown)\s+<<$/m);

    // The summary: the matrix table, then each run.
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('## zkcheck test-all m');
    expect(md).toMatch(/\| \| 3\.8\.0 \| 3\.9\.6 \|/);
    expect(md).toContain('## zkcheck: 8 runs');
  }, 600_000);

  it('--scenarios zk-4643 on 3.9.6 (fixed), one try: a clean run, the table says as expected, exit 0', async () => {
    const out = join(store, 'known-bugs');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'test-all',
        '--scenarios',
        'zk-4643',
        '--zookeeper',
        '3.9.6',
        '--tries',
        '1',
        '--store',
        store,
        '--out',
        out,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((done) => child.on('close', done));
    expect(status, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/^ {2}zk-4643 on 3\.9\.6, try 1\/1: clean {2}\S+$/m);
    const table = readFileSync(join(out, 'table.txt'), 'utf8').split('\n');
    expect(table[1].split(/\s{2,}/)).toEqual([
      'zk-4643',
      '3.9.6',
      'clean',
      '0 of 1',
      '1 of 1',
      '0 of 1',
      'yes',
    ]);
    const record = JSON.parse(readFileSync(join(out, 'known-bugs.json'), 'utf8')) as {
      rows: Array<{ version: string; tries: Array<{ outcome: string; runDir: string }> }>;
    };
    const run = record.rows[0].tries[0].runDir;
    // The try is an ordinary stored run of the scenario on the asked version: valid, 3.9.6.
    const results = JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')) as { valid: unknown };
    expect(results.valid).toBe(true);
    expect(readFileSync(join(run, 'test.json'), 'utf8')).toMatch(/"version": "3\.9\.6/);
  }, 300_000);
});
