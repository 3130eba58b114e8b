/**
 * `zkcheck check --consistency ...` as users run it: the built bin in a child process (`npm
 * test` builds dist/ first). One line per claim, notes for what ZooKeeper allows, exit status
 * from the promised claims only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeJsonl } from '../checker/history/write.js';
import type { Op } from '../checker/history/types.js';

const bin = join(import.meta.dirname, '../bin/zkcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'zkcheck-consistency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zkcheck(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A history file from [process, f, invoke value, reply] rows, each op completing before the next. */
function historyFile(name: string, rows: Array<[number, string, unknown, unknown]>): string {
  const ops: Op[] = [];
  for (const [process, f, input, reply] of rows) {
    for (const [type, value] of [
      ['invoke', input],
      ['ok', reply],
    ] as const) {
      ops.push({ index: ops.length, time: (ops.length + 1) * 250_000_000, process, type, f, value });
    }
  }
  const path = join(dir, name);
  writeFileSync(path, writeJsonl(ops));
  return path;
}

const v = (value: number, version: number) => ({ value, version });
const VERSIONED = ['--model', 'zk-versioned-register', '--init', '0'];

// Process 1 reads the initial 0 after the write of 1 completed: stale, which ZooKeeper allows.
const stale = historyFile('stale.jsonl', [
  [0, 'write', 1, v(1, 1)],
  [1, 'read', null, v(0, 0)],
]);
// Process 1 reads 5, then the 3 that 5 overwrote: back in time within a session.
const backInTime = historyFile('back.jsonl', [
  [0, 'write', 3, v(3, 1)],
  [0, 'write', 5, v(5, 2)],
  [1, 'read', null, v(5, 2)],
  [1, 'read', null, v(3, 1)],
]);

const claimLines = (stdout: string) => stdout.split('\n').filter((line) => /^\S+\.jsonl: /.test(line));

describe('zkcheck check --consistency', () => {
  it('all: one line per claim, the stale read marked allowed, and exit 0', () => {
    const result = zkcheck('check', stale, ...VERSIONED, '--consistency', 'all');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = claimLines(result.stdout);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^stale\.jsonl: writes linearizable +valid {2}[\d.]+ ms {2}graph$/);
    expect(lines[1]).toMatch(/reads sequentially consistent +valid/);
    expect(lines[2]).toMatch(/ZooKeeper's model \(ordered sequential consistency\) +valid/);
    expect(lines[4]).toMatch(
      /whole history linearizable +INVALID {2}\(allowed by ZooKeeper's documented guarantees\) {2}[\d.]+ ms/,
    );
    expect(result.stdout).toContain(
      'process 1 read 0 (version 0) after the write of 1 (version 1) completed',
    );
  });

  it('exits 1 when a session goes back in time, and explains the cycle', () => {
    const result = zkcheck('check', backInTime, ...VERSIONED, '--consistency', 'all');
    expect(result.status).toBe(1);
    expect(claimLines(result.stdout)[1]).toMatch(/reads sequentially consistent +INVALID/);
    expect(result.stdout).toContain(
      'process 1 read 3 (version 1) after the write of 5 (version 2) was already seen by the same session',
    );
    expect(result.stdout).toContain('a cycle of 3 ops');
    expect(claimLines(result.stdout)[4]).toContain('a promised claim is broken too');
  });

  it('sequential and zookeeper check one claim each', () => {
    const sequential = zkcheck('check', stale, backInTime, ...VERSIONED, '--consistency', 'sequential');
    expect(sequential.status).toBe(1);
    expect(claimLines(sequential.stdout)).toEqual([
      expect.stringMatching(/^stale\.jsonl: reads sequentially consistent {2}valid/),
      expect.stringMatching(/^back\.jsonl: reads sequentially consistent {2}INVALID/),
    ]);
    const zookeeper = zkcheck('check', stale, ...VERSIONED, '-c', 'zookeeper');
    expect(zookeeper.status).toBe(0);
    expect(claimLines(zookeeper.stdout)).toEqual([expect.stringMatching(/ZooKeeper's model .* valid/)]);
  });

  it('prints a claims array with --json', () => {
    const result = zkcheck('check', stale, backInTime, ...VERSIONED, '--consistency', 'all', '--json');
    const [first, second] = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toMatchObject({ file: stale, valid: true, ops: 2 });
    expect(first.claims.map((claim: { claim: string }) => claim.claim)).toEqual([
      'writes-linearizable',
      'sequential',
      'zookeeper',
      'sync-reads-linearizable',
      'linearizable',
    ]);
    expect(first.claims[4]).toMatchObject({
      valid: false,
      promised: false,
      method: 'graph',
      note: "allowed by ZooKeeper's documented guarantees",
      cycle: { steps: [{ edge: expect.any(String) }, { edge: expect.any(String) }] },
    });
    expect(second.valid).toBe(false);
    expect(second.claims[1]).toMatchObject({ claim: 'sequential', valid: false, promised: true });
    expect(second.claims[1].explanation[0]).toMatch(/no order allows it$/);
  });

  it('keeps the linearizability verdict line by default', () => {
    const result = zkcheck('check', stale, ...VERSIONED);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^stale\.jsonl: INVALID {2}2 ops/);
  });

  it('searches when the model has no versions, and says so', () => {
    const plain = historyFile('plain.jsonl', [
      [0, 'write', 1, 1],
      [1, 'read', null, 0],
    ]);
    const result = zkcheck('check', plain, '--model', 'cas-register', '--init', '0', '-c', 'all');
    expect(result.status).toBe(0);
    expect(claimLines(result.stdout).every((line) => line.endsWith('search'))).toBe(true);
    expect(claimLines(result.stdout)[4]).toContain('INVALID');
  });

  it('exits 2 when a promised claim runs out of time', () => {
    // 16 concurrent writers and a read of a value none wrote: the search cannot settle it in time.
    const ops: Op[] = [];
    const add = (process: number, type: Op['type'], f: string, value: unknown) =>
      ops.push({ index: ops.length, time: ops.length, process, type, f, value });
    for (let p = 0; p < 16; p++) add(p, 'invoke', 'write', p);
    for (let p = 0; p < 16; p++) add(p, 'ok', 'write', p);
    for (let p = 0; p < 16; p++) add(p, 'invoke', 'write', p + 100);
    for (let p = 0; p < 16; p++) add(p, 'ok', 'write', p + 100);
    add(99, 'invoke', 'read', null);
    add(99, 'ok', 'read', -1);
    const hard = join(dir, 'hard.jsonl');
    writeFileSync(hard, writeJsonl(ops));
    const result = zkcheck('check', hard, '--model', 'register', '-c', 'sequential', '-t', '0.3', '--json');
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout).claims[0]).toMatchObject({ valid: 'unknown', cause: 'timeout' });
  });

  it('rejects an unknown --consistency with exit 254 and the choices', () => {
    const result = zkcheck('check', stale, ...VERSIONED, '--consistency', 'strict');
    expect(result.status).toBe(254);
    expect(result.stderr).toMatch(/Allowed choices are linearizable, sequential, zookeeper, all/);
  });

  it('teaches the claims in --help', () => {
    const result = zkcheck('check', '--help');
    expect(result.stdout).toContain('--consistency <which>');
    expect(result.stdout).toContain("allowed by ZooKeeper's documented");
  });
});
