/**
 * `zkcheck check` through the built CLI (`npm test` builds dist/ first): --method (graph and
 * search agree wherever both decide; the graph alone says unknown where it cannot), --model mutex
 * on a lock run's stored history (checker/testdata/lock-partition-leader.jsonl, converted to
 * mutex ops first), one line and 254 for every new way to get a flag wrong, and which modules a
 * command loads (what only some flags need is loaded only for them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { doubleGrantJsonl, LOCK_HISTORY, lockRecords } from '../../checker/testing/lock-run.js';
import {
  describePeerHistories,
  PEER_HISTORIES_DIR,
  peerExpectations,
} from '../../checker/testing/peer-histories.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'zkcheck.js');
const TESTDATA = join(ROOT, 'checker', 'testdata');
const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function zkcheck(args: string[], nodeOptions: string[] = []) {
  const result = spawnSync(process.execPath, [...nodeOptions, CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const jsonl = (ops: object[]) =>
  ops.map((op, index) => JSON.stringify({ index, time: index * 1000, ...op })).join('\n') + '\n';

/** The one JSON verdict of a `--json` check. */
const verdictOf = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('zkcheck check --method', () => {
  // A real ZooKeeper run (checker/testdata/zk-kill-lag): 12 clients on one key, leader kills and a
  // lagging follower. The whole history has a stale read; its first 400 records do not.
  const killLag = gunzipSync(readFileSync(join(TESTDATA, 'zk-kill-lag', 'plain-reads-seed163.jsonl.gz')))
    .toString('utf8')
    .split('\n');
  const stale = file('kill-lag.jsonl', killLag.join('\n'));
  const prefix = file('kill-lag-prefix.jsonl', killLag.slice(0, 400).join('\n') + '\n');
  const versioned = (history: string, method: string) =>
    zkcheck(['check', history, '--model', 'zk-versioned-register', '--method', method, '--json']);

  it.each([
    ['the first 400 records', prefix, true, 0],
    ['the whole history', stale, false, 1],
  ])(
    'graph and search give one verdict on a recorded zk-versioned-register history: %s',
    (_, history, valid, status) => {
      const graph = versioned(history, 'graph');
      const search = versioned(history, 'search');
      const auto = versioned(history, 'auto');
      expect(graph.stderr).toBe('');
      expect(search.stderr).toBe('');
      expect(verdictOf(graph.stdout)).toMatchObject({ valid, method: 'graph' });
      expect(verdictOf(search.stdout)).toMatchObject({ valid, method: 'search' });
      expect(verdictOf(auto.stdout)).toMatchObject({ valid, method: 'graph' });
      expect([graph.status, search.status, auto.status]).toEqual([status, status, status]);
    },
  );

  it('explains a graph verdict with its cycle and a search verdict with the op it could not place', () => {
    expect(zkcheck(['check', stale, '--model', 'zk-versioned-register', '--method', 'graph']).stdout).toMatch(
      /^kill-lag\.jsonl: INVALID {2}1541 ops .*\n.*\n {2}a cycle of 2 ops, each of which must come before the next:/,
    );
    expect(
      zkcheck(['check', stale, '--model', 'zk-versioned-register', '--method', 'search']).stdout,
    ).toMatch(/^kill-lag\.jsonl: INVALID {2}1541 ops .*\n {2}cannot linearize: process \d+ read/);
  });

  it('graph alone answers unknown, with the reason, where the versions do not decide; auto asks the search', () => {
    // A write whose reply reports no version: the graph cannot place it.
    const unversioned = file(
      'unversioned.jsonl',
      jsonl([
        { process: 0, type: 'invoke', f: 'write', value: 1 },
        { process: 0, type: 'ok', f: 'write', value: 1 },
        { process: 1, type: 'invoke', f: 'read', value: null },
        { process: 1, type: 'ok', f: 'read', value: { value: 1, version: 1 } },
      ]),
    );
    const graph = versioned(unversioned, 'graph');
    expect(graph.status).toBe(2);
    expect(verdictOf(graph.stdout)).toMatchObject({
      valid: 'unknown',
      cause: 'the graph method cannot decide: a write reports no version',
    });
    expect(verdictOf(versioned(unversioned, 'auto').stdout)).toMatchObject({ valid: true, method: 'search' });
    expect(verdictOf(versioned(unversioned, 'search').stdout)).toMatchObject({
      valid: true,
      method: 'search',
    });
  });

  describePeerHistories('on the peer histories', () => {
    // Models without versions have only the search: --method search is auto's verdict, the
    // reference checkers' verdict, and --method graph is refused.
    const expectations = peerExpectations();
    const valid = expectations.find((e) => e.file === 'knossos/cas-register/good/cas-register-bug.edn')!;
    const invalid = expectations.find((e) => e.file === 'knossos/cas-register/bad/cas-failure.edn')!;
    it.each([valid, invalid])('$file: search gives the expected verdict, graph is refused', (peer) => {
      const args = ['check', join(PEER_HISTORIES_DIR, peer.file), '--model', peer.model, '--init', peer.init];
      const expected = peer.expected === 'valid';
      const search = zkcheck([...args, '--method', 'search', '--json']);
      expect(verdictOf(search.stdout)).toMatchObject({ valid: expected, method: 'search' });
      expect(search.status).toBe(expected ? 0 : 1);
      expect(verdictOf(zkcheck([...args, '--json']).stdout)).toMatchObject({ valid: expected });
      const graph = zkcheck([...args, '--method', 'graph']);
      expect(graph.status).toBe(254);
      expect(graph.stderr).toBe(
        'zkcheck: --method graph: model cas-register reports no versions to order a graph by (models that do: zk-versioned-register); use --method search\n',
      );
    });
  });
});

describe('zkcheck check --model mutex on a lock run', () => {
  // The recorded lock run (checker/testing/lock-run.ts says how it was made): two grants, a holder
  // cut off by a partition, acquires of unknown outcome, the final read.
  const records = lockRecords();

  it('is what the comment says: a lock workload history with a partition', () => {
    const fs = new Set(records.map((op) => op.f));
    expect(fs).toEqual(
      new Set([
        'acquire',
        'incr-fenced',
        'incr-unfenced',
        'release',
        'read',
        'isolate',
        'heal',
        'heal-all',
        'end-of-run',
      ]),
    );
    expect(records.filter((op) => op.f === 'acquire' && op.type === 'ok')).toHaveLength(2);
    expect(records.filter((op) => op.f === 'acquire' && op.type === 'info').length).toBeGreaterThan(0);
  });

  it('converts it to mutex ops and checks them: valid', () => {
    const result = zkcheck(['check', LOCK_HISTORY, '--model', 'mutex']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^lock-partition-leader\.jsonl: valid {2}12 ops {2}[\d.]+ ms\n {2}checked as the mutex ops of a lock workload history/,
    );
    expect(verdictOf(zkcheck(['check', LOCK_HISTORY, '--model', 'mutex', '--json']).stdout)).toMatchObject({
      valid: true,
      ops: 12,
      converted: 'lock workload → mutex',
    });
  });

  /** The recorded run with a double grant (lock-run.ts), in a scratch file. */
  const doubleGrant = (name: string): string => file(name, doubleGrantJsonl());

  it("checks it for the lock workload's own claims with --claims lock, and catches the double grant", () => {
    const result = zkcheck(['check', LOCK_HISTORY, '--claims', 'lock', '--json']);
    expect(result.stderr).toBe('');
    const verdict = verdictOf(result.stdout) as { claims: { claim: string; valid: unknown }[] };
    expect(verdict.claims.map((c) => c.claim)).toEqual(
      expect.arrayContaining(['lock-ownership', 'fenced-increments', 'single-belief']),
    );
    expect(verdict.claims.find((c) => c.claim === 'lock-ownership')?.valid).toBe(true);
    // The same double grant as below, judged by the lock claims instead of the mutex model.
    const doubled = doubleGrant('double-grant-claims.jsonl');
    const broken = zkcheck(['check', doubled, '--claims', 'lock']);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/the server never lets two live sessions own a lock +INVALID/);
    expect(zkcheck(['check', LOCK_HISTORY, '--claims', 'nosuch']).status).toBe(254);
  });

  it('finds a double grant: the second holder granted before the first let go', () => {
    const doubled = doubleGrant('double-grant.jsonl');
    const result = zkcheck(['check', doubled, '--model', 'mutex']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^double-grant\.jsonl: INVALID/);
    expect(result.stdout).toContain('acquire but the mutex is already held');
  });

  it('checks the converted ops for ZooKeeper claims too', () => {
    const result = zkcheck([
      'check',
      LOCK_HISTORY,
      '--model',
      'mutex',
      '--consistency',
      'sequential',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(verdictOf(result.stdout)).toMatchObject({
      valid: true,
      ops: 12,
      converted: 'lock workload → mutex',
      claims: [{ claim: 'sequential', valid: true }],
    });
  });

  it('converts an election run too: a second leader elected while the first still leads is INVALID', () => {
    // The election workload's records (workloads/election.ts): elect, lead, resign on one key.
    const election = (secondElectedBeforeResign: boolean) => {
      const c0 = { node: 'c-0000000000', seq: 0 };
      const c1 = { node: 'c-0000000001', seq: 1 };
      const elected = { process: 1, type: 'ok', f: 'elect', key: 0, value: { ...c1, at: 5 } };
      const ops = [
        { process: 0, type: 'invoke', f: 'elect', key: 0, value: null },
        { process: 1, type: 'invoke', f: 'elect', key: 0, value: null },
        { process: 0, type: 'ok', f: 'elect', key: 0, value: { ...c0, at: 1 } },
        { process: 0, type: 'invoke', f: 'lead', key: 0, value: c0 },
        { process: 0, type: 'ok', f: 'lead', key: 0, value: { applied: true, value: 1, version: 1, at: 2 } },
        ...(secondElectedBeforeResign ? [elected] : []),
        { process: 0, type: 'invoke', f: 'resign', key: 0, value: c0 },
        { process: 0, type: 'ok', f: 'resign', key: 0, value: { deleted: true, at: 4 } },
        ...(secondElectedBeforeResign ? [] : [elected]),
      ];
      return file(`election-${secondElectedBeforeResign}.jsonl`, jsonl(ops));
    };
    // Two grants, one resign, and the release of process 1's grant when its session ends.
    const good = zkcheck(['check', election(false), '--model', 'mutex', '--json']);
    expect(good.status).toBe(0);
    expect(verdictOf(good.stdout)).toMatchObject({
      valid: true,
      ops: 4,
      converted: 'election workload → mutex',
    });
    const bad = zkcheck(['check', election(true), '--model', 'mutex']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(
      /^election-true\.jsonl: INVALID .*\n {2}checked as the mutex ops of an election workload history/,
    );
  });

  it('leaves a history of mutex ops (Knossos) as it is', () => {
    const knossos = file(
      'mutex.edn',
      `[{:type :invoke, :f :acquire, :process 0, :value nil}
{:type :ok, :f :acquire, :process 0, :value nil}
{:type :invoke, :f :acquire, :process 1, :value nil}
{:type :ok, :f :acquire, :process 1, :value nil}]`,
    );
    const result = zkcheck(['check', knossos, '--model', 'mutex', '--json']);
    expect(result.status).toBe(1);
    expect(verdictOf(result.stdout)).not.toHaveProperty('converted');
  });

  it('converts only for --model mutex: other models still refuse the lock ops', () => {
    const result = zkcheck(['check', LOCK_HISTORY, '--model', 'lock']);
    expect(result.status).toBe(254);
    expect(result.stderr).toMatch(
      /^zkcheck: .*lock-partition-leader\.jsonl: .*model lock has no operation "incr-fenced"/,
    );
  });
});

describe('zkcheck check: bad flags', () => {
  const valid = file(
    'register.jsonl',
    jsonl([
      { process: 0, type: 'invoke', f: 'write', value: 1 },
      { process: 0, type: 'ok', f: 'write', value: 1 },
    ]),
  );
  it.each([
    [
      ['--model', 'register', '--method', 'fast'],
      /argument 'fast' is invalid\. Allowed choices are auto, graph, search\./,
    ],
    [
      ['--model', 'register', '--method', 'search', '--consistency', 'all'],
      /^zkcheck: --method search goes with plain linearizability \(--consistency linearizable\); --consistency all picks the method claim by claim$/,
    ],
    [
      ['--claims', 'queue', '--method', 'graph'],
      /option '--claims <workload>' cannot be used with option '--method <method>'/,
    ],
    [
      ['--model', 'register', '--method', 'graph'],
      /^zkcheck: --method graph: model register reports no versions/,
    ],
  ])('exits 254 with one line: %j', (args, message) => {
    const result = zkcheck(['check', valid, ...args]);
    expect(result.status).toBe(254);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.trimEnd()).toMatch(message);
  });

  it('shows an example of each new flag in --help', () => {
    const help = zkcheck(['check', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--method <method>');
    expect(help.stdout).toMatch(/\n {2}zkcheck check \S+ --model zk-versioned-register --method search\n/);
    expect(help.stdout).toMatch(/\n {2}zkcheck check \S+ --model mutex\n/);
  });
});

describe('zkcheck check loads what its flags need', () => {
  /**
   * The dist/ modules a command line loads, as a module hook records them (to a file: hooks run
   * off the main thread).
   */
  function loaded(args: string[]): string[] {
    const log = join(scratch, `loaded-${Math.random().toString(36).slice(2)}.txt`);
    const hook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}`;
    const register = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    const result = zkcheck(args, ['--import', `data:text/javascript,${encodeURIComponent(register)}`]);
    expect(result.status, result.stderr).toBeLessThan(254);
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => url.includes('/dist/'))
      .map((url) => url.slice(url.indexOf('/dist/') + '/dist/'.length));
  }

  /** Modules only some flags need: claims, shrinking, the graph method, the lock converter. */
  const ON_DEMAND = [
    'results/analyze.js',
    'results/claims-report.js',
    'results/counterexamples.js',
    'checker/explain/witness.js',
    'checker/explain/shrink.js',
    'checker/explain/text.js',
    'checker/history/mutex.js',
    'checker/claims/evaluate.js',
    'checker/claims/queue-ops.js',
    'checker/consistency/claims.js',
    'checker/consistency/graph.js',
  ];

  it('check --help loads none of them', () => {
    const modules = loaded(['check', '--help']);
    expect(modules).toContain('harness/commands/check.js');
    expect(modules.filter((module) => ON_DEMAND.includes(module))).toEqual([]);
  });

  // A read of 0 after the write of 1 is a violation (found by search); a read of 1 is valid.
  it.each([
    ['finds a violation by search', 0],
    ['finds the history valid', 1],
  ])('a plain check that %s loads none of them', (_, read) => {
    const history = file(
      `read-${read}.jsonl`,
      jsonl([
        { process: 0, type: 'invoke', f: 'write', value: 1 },
        { process: 0, type: 'ok', f: 'write', value: 1 },
        { process: 1, type: 'invoke', f: 'read', value: null },
        { process: 1, type: 'ok', f: 'read', value: read },
      ]),
    );
    const modules = loaded(['check', history, '--model', 'register']);
    expect(modules).toContain('checker/linearizable/check.js');
    expect(modules.filter((module) => ON_DEMAND.includes(module))).toEqual([]);
  });

  it('--model mutex on a lock history loads the converter', () => {
    expect(loaded(['check', LOCK_HISTORY, '--model', 'mutex'])).toContain('checker/history/mutex.js');
  });
});
