/**
 * `zkcheck check` on histories whose values are integers beyond 2^53 (issue 17): the built bin in
 * a child process, as users run it. `npm test` builds dist/ first (pretest).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../bin/zkcheck.js');
const dir = mkdtempSync(join(tmpdir(), 'zkcheck-cli-bigint-'));
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

/** A write of `written`, then (after it returned) a read of `read`, as JSON Lines. */
const jsonl = (written: string, read: string) =>
  [
    `{"index":0,"time":10,"process":0,"type":"invoke","f":"write","value":${written}}`,
    `{"index":1,"time":20,"process":0,"type":"ok","f":"write","value":${written}}`,
    `{"index":2,"time":30,"process":1,"type":"invoke","f":"read","value":null}`,
    `{"index":3,"time":40,"process":1,"type":"ok","f":"read","value":${read}}`,
    '',
  ].join('\n');

/** The same history in Jepsen's EDN. */
const edn = (written: string, read: string) =>
  `[{:process 0, :type :invoke, :f :write, :value ${written}}
 {:process 0, :type :ok, :f :write, :value ${written}}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value ${read}}]
`;

const TWO_70 = String(2n ** 70n);
const TWO_70_PLUS_1 = String(2n ** 70n + 1n);

describe('zkcheck check with integers beyond 2^53', () => {
  it('finds a read of 2^53 + 1 after a write of 2^53 invalid, naming both exactly', () => {
    const path = file('two53.jsonl', jsonl('9007199254740992', '9007199254740993'));
    const result = zkcheck('check', path, '--model', 'register');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^two53\.jsonl: INVALID {2}2 ops {2}[\d.]+ ms\n/);
    expect(result.stdout).toContain(
      '  cannot linearize: process 1 read null → 9007199254740993 [ops 2→3]\n' +
        '  last linearized:  process 0 write 9007199254740992 → 9007199254740992 [ops 0→1]\n' +
        '  state then:       9007199254740992\n',
    );
    expect(result.stdout).toContain('read 9007199254740993 but the register holds 9007199254740992');
  });

  it('finds a read of 2^70 + 1 after a write of 2^70 invalid', () => {
    const path = file('two70.jsonl', jsonl(TWO_70, TWO_70_PLUS_1));
    const result = zkcheck('check', path, '--model', 'register');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^two70\.jsonl: INVALID /);
    expect(result.stdout).toContain(`read ${TWO_70_PLUS_1} but the register holds ${TWO_70}`);
  });

  it('gives the EDN and the Porcupine log of the same history the same verdict', () => {
    const log = [
      'INFO  jepsen.util - 0\t:invoke\t:write\t9007199254740992',
      'INFO  jepsen.util - 0\t:ok\t:write\t9007199254740992',
      'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 1\t:ok\t:read\t9007199254740993',
      '',
    ].join('\n');
    for (const path of [
      file('two53.edn', edn('9007199254740992', '9007199254740993')),
      file('two70.edn', edn(TWO_70, TWO_70_PLUS_1)),
      file('two53.log', log),
    ]) {
      const result = zkcheck('check', path, '--model', 'cas-register');
      expect(result.status, path).toBe(1);
      expect(result.stdout).toContain(': INVALID ');
    }
  });

  it('finds the same big integer written and read valid', () => {
    for (const [name, text] of [
      ['same.jsonl', jsonl(TWO_70, TWO_70)],
      ['same.edn', edn(TWO_70, TWO_70)],
      ['negative.jsonl', jsonl('-9223372036854775809', '-9223372036854775809')],
    ]) {
      const result = zkcheck('check', file(name, text), '--model', 'register');
      expect(result.status, name).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^${name.replace('.', '\\.')}: valid {2}2 ops `));
    }
  });

  it('checks versioned replies with big values exactly', () => {
    const path = file(
      'versioned.jsonl',
      [
        `{"process":0,"type":"invoke","f":"write","value":${TWO_70}}`,
        `{"process":0,"type":"ok","f":"write","value":{"value":${TWO_70},"version":1}}`,
        '{"process":1,"type":"invoke","f":"read","value":null}',
        `{"process":1,"type":"ok","f":"read","value":{"value":${TWO_70_PLUS_1},"version":1}}`,
        '',
      ].join('\n'),
    );
    const result = zkcheck('check', path, '--model', 'zk-versioned-register', '--consistency', 'all');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('INVALID');
    expect(result.stdout).toContain(TWO_70_PLUS_1);
  });
});
