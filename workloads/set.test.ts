/**
 * The set workload end to end, through the built CLI on a real 3-node ensemble with a node killed
 * and restarted: a plug-in that is one file and one registry line gets its own claims checked and
 * stored. Also the checker it declares (set-total) on small histories, and the CLI's refusals
 * that the registries make possible. Under CI=true nothing skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateClaims } from '../checker/claims/evaluate.js';
import type { Operation } from '../checker/history/types.js';
import { dockerAnswers } from '../harness/cluster/docker.js';
import { setWorkload } from './set.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'zkcheck.js');
const store = mkdtempSync(join(tmpdir(), 'zkcheck-set-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

function zkcheck(args: string[], timeoutMs = 240_000) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let id = 0;
const op = (
  f: string,
  input: unknown,
  output: unknown,
  call: number,
  ret: number,
  status: 'ok' | 'info' = 'ok',
): Operation => ({
  id: id++,
  process: id,
  f,
  input,
  output,
  status,
  call,
  ret,
  invokeIndex: call,
  completeIndex: status === 'ok' ? ret : undefined,
});

describe('the set workload declares counting claims', () => {
  const claims = setWorkload().claims;

  it('finds an acknowledged add missing from the final read, and an element nobody added', async () => {
    const lost = [
      op('add', 1, 1, 0, 1),
      op('add', 2, 2, 2, 3),
      op('add', 3, null, 4, Infinity, 'info'),
      op('read', null, [1, 9], 10, 11),
    ];
    const results = await evaluateClaims(lost, claims);
    expect(results.map((r) => [r.claim, r.valid])).toEqual([
      ['adds-survive', false],
      ['no-phantoms', false],
    ]);
    expect(results[0].explanation?.[0]).toBe(
      '1 of 2 acknowledged adds are missing from the final read (process 4, op 10): 2',
    );
    expect(results[1].explanation?.[0]).toBe(
      'the final read (process 4, op 10) holds 1 elements no add ever tried: 9',
    );
  });

  it('accepts unknown adds either way and an add concurrent with the read', async () => {
    const fine = [
      op('add', 1, 1, 0, 1),
      op('add', 2, null, 2, Infinity, 'info'),
      op('add', 3, 3, 4, 12),
      op('read', null, [1, 2], 10, 11),
    ];
    expect((await evaluateClaims(fine, claims)).map((r) => r.valid)).toEqual([true, true]);
  });

  it('is unknown without a final read', async () => {
    const results = await evaluateClaims([op('add', 1, 1, 0, 1)], claims);
    expect(results[0]).toMatchObject({ valid: 'unknown', cause: 'no read succeeded: nothing to compare' });
  });
});

describe('the registries reach the CLI', () => {
  it('refuses an unknown workload, naming the choices', () => {
    const result = zkcheck(['run', '--workload', 'nosuch']);
    expect(result.status).toBe(254);
    expect(result.stderr).toMatch(
      /argument 'nosuch' is invalid\. Allowed choices are register, set, lock, queue, ids, election, ephemeral\./,
    );
  });

  it("lists each workload's and fault family's settings under its name in --help", () => {
    const help = zkcheck(['run', '--help']).stdout;
    expect(help).toMatch(/Workload register \(--workload register\): [^\n]+:\n\s+--read-mode <mode>/);
    expect(help).toMatch(/Fault family kill \(--nemesis kill\): [^\n]+:\n\s+--kill-targets <which>/);
    expect(help).toMatch(/ {2}set {18}add unique elements/);
  });

  it("refuses a workload's setting for a workload that has none such", () => {
    const result = zkcheck(['run', '--workload', 'set', '--read-mode', 'sync', '--store', store]);
    expect(result.status).toBe(254);
    expect(result.stderr).toBe(
      'zkcheck: --read-mode: a setting of workload register, which this run does not use (--workload set, --nemesis none)\n',
    );
  });
});

const skip = !dockerAnswers() && process.env.CI !== 'true';

describe.skipIf(skip)('a set run on a real ensemble', () => {
  it('stores its own claims in test.json and results.json, and they hold', () => {
    const result = zkcheck([
      'run',
      '--workload',
      'set',
      '--nemesis',
      'kill',
      '--nemesis-interval',
      '2',
      '--nemesis-duration',
      '3',
      '--time-limit',
      '10',
      '--recovery',
      '2',
      '--rate',
      '100',
      '--seed',
      '5',
      '--store',
      store,
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const dir = /stored in (\S+)/.exec(result.stdout)![1];
    const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8'));
    expect(test.checks.claims.map((c: { name: string }) => c.name)).toEqual(['adds-survive', 'no-phantoms']);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.claims.map((c: { claim: string; valid: unknown }) => [c.claim, c.valid])).toEqual([
      ['adds-survive', true],
      ['no-phantoms', true],
    ]);
    expect(results.stats.byF.add.ok).toBeGreaterThan(100);
    expect(results.stats.byF.read.ok).toBeGreaterThanOrEqual(1);
    expect(result.stdout).toContain('acknowledged adds survive');
    // A kill happened and was recorded with its target and role.
    const history = readFileSync(join(dir, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const kill = history.find((o) => o.process === 'nemesis' && o.f === 'kill' && o.type === 'ok');
    expect(kill.value.targets).toHaveLength(1);
    expect(Object.values(kill.value.roles)[0]).toMatch(/leader|follower/);
    // analyze evaluates the stored declaration, without rebuilding the workload.
    const again = zkcheck(['analyze', dir]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('no element nobody added');
  }, 240_000);
});
