/**
 * A history the runner recorded (checker/testdata/README.md): 32k ops on one register with 25
 * crashed processes. `zkcheck check --model zk-versioned-register` must decide it (the search
 * alone ran out of memory on such histories: unknown, 2.2 GB), and every ZooKeeper claim must get
 * the verdict the run gave. Time and memory are benchmarked (npm run bench:fixture), not timed here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'zkcheck.js');
const FIXTURE = join(ROOT, 'checker', 'testdata', 'register-1key-32k-crashed.jsonl.gz');
const scratch = mkdtempSync(join(tmpdir(), 'zkcheck-fixture-'));
const history = join(scratch, 'history.jsonl');
writeFileSync(history, gunzipSync(readFileSync(FIXTURE)));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function check(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'check', history, '--model', 'zk-versioned-register', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('a recorded 32k-op single-register history with 25 crashed processes', () => {
  it('is what the README says: one key, 30k+ client ops, 10+ processes crashed', () => {
    const ops = readFileSync(history, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { process: unknown; type: string; key?: unknown });
    const client = ops.filter((op) => op.process !== 'nemesis');
    expect(new Set(client.map((op) => op.key))).toEqual(new Set([0]));
    expect(client.filter((op) => op.type === 'invoke').length).toBeGreaterThan(30_000);
    expect(new Set(client.filter((op) => op.type === 'info').map((op) => op.process)).size).toBeGreaterThan(
      10,
    );
  });

  it('check --model zk-versioned-register decides it: INVALID (stale plain reads), with the cycle, on the 25,057 ops that did not fail', () => {
    const result = check();
    expect(result.stderr).toBe('');
    expect(result.status, result.stdout).toBe(1);
    expect(result.stdout).toMatch(/^history\.jsonl: INVALID {2}25057 ops/);
    expect(result.stdout).toMatch(/a cycle of \d+ ops, each of which must come before the next/);
  });

  it('check --consistency all: every promised claim holds, only whole-history linearizability breaks', () => {
    const result = check('--consistency', 'all', '--json');
    expect(result.stderr).toBe('');
    const verdict = JSON.parse(result.stdout) as { claims: Array<{ claim: string; valid: unknown }> };
    expect(Object.fromEntries(verdict.claims.map((c) => [c.claim, c.valid]))).toEqual({
      'writes-linearizable': true,
      sequential: true,
      zookeeper: true,
      'sync-reads-linearizable': true,
      linearizable: false,
    });
    expect(result.status).toBe(0);
  });
});
