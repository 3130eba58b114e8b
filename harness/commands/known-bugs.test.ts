/**
 * `zkcheck test-all --scenarios`: the table and its judgement on crafted rows (a bug reproduced
 * where it lives, absent where it is fixed, or tries that cannot tell), and bad flags through the
 * built CLI (one line, exit 254, before anything starts). The real runs are in test-all.test.ts
 * (`npm run test:long`) and BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  asExpected,
  knownBugsExitStatus,
  knownBugsTable,
  type KnownBugsRow,
  type TryOutcome,
} from './known-bugs.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'zkcheck.js');
const store = mkdtempSync(join(tmpdir(), 'zkcheck-known-bugs-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const row = (version: string, expected: KnownBugsRow['expected'], outcomes: TryOutcome[]): KnownBugsRow => ({
  scenario: 'zk-4643',
  jira: 'https://issues.apache.org/jira/browse/ZOOKEEPER-4643',
  version,
  expected,
  tries: outcomes.map((outcome, i) => ({ seed: i + 1, outcome })),
});

describe('known-bug table', () => {
  it('judges a row by what the scenario expects on that version', () => {
    // Reproduced once is enough where the bug lives; once is too many where it is fixed.
    expect(asExpected(row('3.8.0', 'lost-writes', ['clean', 'lost-writes', 'unknown']))).toBe(true);
    expect(asExpected(row('3.8.0', 'lost-writes', ['clean', 'clean']))).toBe(false);
    expect(asExpected(row('3.9.6', 'clean', ['clean', 'clean']))).toBe(true);
    expect(asExpected(row('3.9.6', 'clean', ['clean', 'lost-writes']))).toBe(false);
    // Another broken promise on a fixed version is not clean either.
    expect(asExpected(row('3.9.6', 'clean', ['clean', 'other-invalid']))).toBe(false);
    // Only unknown tries (or no outcome declared) cannot tell.
    expect(asExpected(row('3.8.0', 'lost-writes', ['unknown']))).toBeUndefined();
    expect(asExpected(row('3.9.6', 'clean', []))).toBeUndefined();
    expect(asExpected(row('3.9.3', 'not declared', ['clean']))).toBeUndefined();
  });

  it('prints one aligned row per scenario and version with counts of tries', () => {
    const rows = [
      row('3.8.0', 'lost-writes', ['lost-writes', 'lost-writes', 'clean']),
      row('3.9.6', 'clean', ['clean', 'clean', 'unknown']),
    ];
    expect(knownBugsTable(rows).split('\n')).toEqual([
      'scenario  version  expected     lost writes  clean   other   as expected',
      'zk-4643   3.8.0    lost-writes  2 of 3       1 of 3  0 of 3  yes',
      'zk-4643   3.9.6    clean        0 of 3       2 of 3  1 of 3  yes',
      '',
    ]);
    expect(knownBugsExitStatus(rows)).toBe(0);
    expect(knownBugsExitStatus([...rows, row('3.9.6', 'clean', ['lost-writes'])])).toBe(1);
    expect(knownBugsExitStatus([...rows, row('3.8.0', 'lost-writes', ['unknown'])])).toBe(2);
    // Nothing run proves nothing.
    expect(knownBugsExitStatus([])).toBe(2);
  });
});

describe('zkcheck test-all --scenarios: bad input', () => {
  const zkcheck = (args: string[]) =>
    spawnSync(process.execPath, [CLI, 'test-all', ...args, '--store', store], {
      encoding: 'utf8',
      timeout: 30_000,
    });

  it.each([
    [
      ['--scenarios', 'zk-9999'],
      /^zkcheck: --scenarios: unknown scenario "zk-9999" \(scenarios: zk-4643\), or known-bugs for all\n$/,
    ],
    [
      ['--scenarios', 'known-bugs', '-w', 'register'],
      /^zkcheck: --scenarios: runs each scenario as written; --workload does not apply\n$/,
    ],
    [
      ['--scenarios', 'known-bugs', '--tries', '0'],
      /^zkcheck: --tries: expected a whole number from 1 to 100, got "0"\n$/,
    ],
    [['--scenarios', ''], /^zkcheck: --scenarios: expected known-bugs or scenario names, got none\n$/],
    [
      ['--scenarios', 'zk-4643', '--seed', '3'],
      /^zkcheck: --scenarios: runs each scenario as written; --seed does not apply\n$/,
    ],
    [
      ['--scenarios', 'zk-4643', '--zookeeper', '3.9.6', '--image', 'foo:1'],
      /^zkcheck: zk-4643 on 3\.9\.6: .*image.*\n$/,
    ],
    [
      ['--scenarios', 'zk-4643', '--sync-kill-phase', 'diff'],
      /^zkcheck: zk-4643 on 3\.8\.0: .*syncKillPhase.*\n$/,
    ],
    [['-w', 'register', '--tries', '5'], /^zkcheck: --tries: only with --scenarios\n$/],
    [
      ['--scenarios', 'known-bugs', '--zookeeper', '3.7.1'],
      /^zkcheck: --zookeeper: unknown ZooKeeper version "3\.7\.1": zkcheck builds 3\.8\.0, 3\.9\.3, 3\.9\.6\n$/,
    ],
  ])('%j: one line, exit 254, nothing started', (args, message) => {
    const result = zkcheck(args);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(254);
    expect(result.stdout).toBe('');
    expect(readdirSync(store)).toEqual([]);
  });
});
