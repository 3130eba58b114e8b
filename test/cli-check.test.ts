/**
 * `zkcheck check` as users run it: the built bin in a child process, its stdout, stderr and exit
 * status. `npm test` builds dist/ first (pretest).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeJsonl } from '../checker/history/write.js';
import type { Op } from '../checker/history/types.js';

const bin = join(import.meta.dirname, '../bin/zkcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'zkcheck-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zkcheck(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

let index = 0;
const op = (process: number, type: Op['type'], f: string, value: unknown, key?: string): Op => ({
  index: index++,
  time: index * 1000,
  process,
  type,
  f,
  value,
  ...(key === undefined ? {} : { key }),
});

const validHistory = file(
  'valid.jsonl',
  writeJsonl([
    op(0, 'invoke', 'write', 1),
    op(0, 'ok', 'write', 1),
    op(1, 'invoke', 'read', null),
    op(1, 'ok', 'read', 1),
  ]),
);
const staleRead = file(
  'stale.jsonl',
  writeJsonl([
    op(0, 'invoke', 'write', 1),
    op(0, 'ok', 'write', 1),
    op(0, 'invoke', 'write', 2),
    op(0, 'ok', 'write', 2),
    op(1, 'invoke', 'read', null),
    op(1, 'ok', 'read', 1),
  ]),
);

describe('zkcheck check', () => {
  it('exits 0 with one line per valid file', () => {
    const result = zkcheck('check', validHistory, '--model', 'register');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^valid\.jsonl: valid {2}2 ops {2}[\d.]+ ms\n$/);
  });

  it('exits 1 on an invalid file and names the op that cannot be linearized', () => {
    const result = zkcheck('check', validHistory, staleRead, '--model', 'register');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('stale.jsonl: INVALID');
    expect(result.stdout).toContain('cannot linearize: process 1 read null → 1 [ops 4→5]');
    expect(result.stdout).toContain('read 1 but the register holds 2');
  });

  it('prints a JSON object per file with --json', () => {
    const result = zkcheck('check', validHistory, staleRead, '--model', 'register', '--json');
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toMatchObject([
      { file: validHistory, valid: true, ops: 2 },
      { file: staleRead, valid: false, ops: 3, counterexample: { op: { f: 'read', output: 1 } } },
    ]);
    expect(typeof lines[0].ms).toBe('number');
  });

  it('calls a history in which no op succeeded valid, with a note saying why; an empty file unknown', () => {
    index = 0;
    const nemesis = (f: string): Op => ({ ...op(0, 'info', f, null), process: 'nemesis' });
    const failedOps = [
      nemesis('kill'),
      op(0, 'invoke', 'write', 1),
      op(1, 'invoke', 'read', null),
      op(0, 'fail', 'write', 1),
      op(1, 'fail', 'read', null),
    ];
    const allFailed = file('all-failed.jsonl', writeJsonl(failedOps));
    const failed = zkcheck('check', allFailed, '--model', 'register');
    expect(failed.status).toBe(0);
    expect(failed.stdout).toMatch(
      /^all-failed\.jsonl: valid \(vacuously: no operation succeeded \(2 failed\)\) {2}0 ops/,
    );
    const json = zkcheck('check', allFailed, '--model', 'register', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, note: /2 failed/ });
    expect(JSON.parse(json.stdout).cause).toBeUndefined();
    // The claims say the same (results/analyze.ts alone would call it unknown, as for a run).
    const claims = zkcheck('check', allFailed, '--model', 'register', '--consistency', 'all');
    expect(claims.status).toBe(0);
    expect(claims.stdout).toContain('all-failed.jsonl: valid (vacuously: no operation succeeded (2 failed))');
    expect(claims.stdout).not.toContain('unknown');
    // Ops of unknown outcome beside the failures: none is known to have taken effect either.
    const crashed = file(
      'crashed.jsonl',
      writeJsonl([...failedOps, op(2, 'invoke', 'write', 2), op(2, 'info', 'write', 2)]),
    );
    const unknownOutcome = zkcheck('check', crashed, '--model', 'register', '--json');
    expect(unknownOutcome.status).toBe(0);
    expect(JSON.parse(unknownOutcome.stdout)).toMatchObject({
      valid: true,
      note: 'vacuously: no operation succeeded (2 failed, 1 of unknown outcome)',
    });
    // Nemesis entries only (one of Knossos's histories is so).
    const faultsOnly = file('faults-only.jsonl', writeJsonl([nemesis('kill'), nemesis('start')]));
    const faults = zkcheck('check', faultsOnly, '--model', 'register', '--json');
    expect(faults.status).toBe(0);
    expect(JSON.parse(faults.stdout)).toMatchObject({
      valid: true,
      note: 'vacuously: no client operation, only 2 nemesis entries',
    });
    // One op that succeeded: an ordinary verdict, no note.
    const withOk = zkcheck('check', validHistory, '--model', 'register', '--json');
    expect(JSON.parse(withOk.stdout).note).toBeUndefined();
    const empty = zkcheck('check', file('empty.jsonl', ''), '--model', 'register', '--json');
    expect(empty.status).toBe(2);
    expect(JSON.parse(empty.stdout)).toMatchObject({ valid: 'unknown', cause: /no operations/ });
  });

  it('exits 2 with the cause when the time limit runs out', () => {
    // 22 concurrent writes and a read of a value none wrote: every subset is a configuration.
    index = 0;
    const ops: Op[] = [];
    for (let p = 0; p < 22; p++) ops.push(op(p, 'invoke', 'write', p));
    for (let p = 0; p < 22; p++) ops.push(op(p, 'ok', 'write', p));
    ops.push(op(99, 'invoke', 'read', null), op(99, 'ok', 'read', -1));
    const hard = file('hard.jsonl', writeJsonl(ops));
    const result = zkcheck('check', hard, '--model', 'register', '--time-limit', '0.3', '--json');
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: 'unknown', cause: 'timeout' });
  });

  it('takes --init as EDN or JSON', () => {
    const edn = file(
      'init.edn',
      '[{:process 0 :type :invoke :f :read :value nil} {:process 0 :type :ok :f :read :value 5}]',
    );
    expect(zkcheck('check', edn, '--model', 'cas-register', '--init', '5').status).toBe(0);
    expect(zkcheck('check', edn, '--model', 'cas-register', '--init', 'nil').status).toBe(1);
  });

  it.each([
    [['check', validHistory], /required option '-m, --model <name>'/],
    [['check', validHistory, '--model', 'nope'], /Allowed choices are register, cas-register/],
    [['check', join(dir, 'missing.jsonl'), '--model', 'register'], /missing\.jsonl: cannot read the file/],
    [
      ['check', validHistory, '--model', 'register', '--time-limit', 'soon'],
      /--time-limit: expected a positive number/,
    ],
    [
      ['check', validHistory, '--model', 'register', '--init', '{:x'],
      /--init: "\{:x" is neither JSON nor EDN/,
    ],
    [['check', validHistory, '--model', 'mutex'], /model mutex has no operation "write"/],
    [['check', validHistory, '--model', 'register', '--format', 'xml'], /Allowed choices are jsonl, edn/],
  ])('exits 254 with one line for bad input: %j', (args, message) => {
    const result = zkcheck(...(args as string[]));
    expect(result.status).toBe(254);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('answers malformed files of every format with 254 and a message, never a stack trace', () => {
    const seeds = [
      '{"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null}\n',
      '[{:process 0, :type :invoke, :f :read, :value nil}]',
      'INFO  jepsen.util - 0\t:invoke\t:read\tnil\n',
      '{:process 0, :type :invoke, :f :get, :key "a", :value nil}\n',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.string({ maxLength: 4 }), (seed, at, junk) => {
        const cut = at % (seed.length + 1);
        const path = file('fuzz.txt', seed.slice(0, cut) + junk + seed.slice(cut + 1));
        const result = zkcheck('check', path, '--model', 'register');
        expect([0, 1, 2, 254]).toContain(result.status);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        if (result.status === 254) expect(result.stderr).toMatch(/^zkcheck: .+\n$/);
      }),
      { numRuns: 25 },
    );
  });

  it('teaches with --help', () => {
    const result = zkcheck('check', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Exit status: 0 every file valid, 1 any invalid, 2 any unknown');
    expect(result.stdout).toContain('--model <name>');
  });
});
