/**
 * Lock ops in Knossos's mutex format: crafted Jepsen EDN mutex histories (one linearizable, one
 * not) read and checked against the `mutex` model, by the library and by `zkcheck check`; and a
 * lock run's history projected to mutex ops, written as EDN, read back and checked: an expired
 * holder followed by the next grant is linearizable (its session's release an indeterminate op),
 * a double grant is not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLinearizable } from '../linearizable/check.js';
import { lockHistoryToMutex } from './mutex.js';
import { toOperations } from './operations.js';
import { parseHistory } from './read.js';
import type { History, Op } from './types.js';
import { writeEdn } from './write.js';

const GOOD = `[{:type :invoke, :f :acquire, :process 0, :value nil}
{:type :ok, :f :acquire, :process 0, :value nil}
{:type :invoke, :f :acquire, :process 1, :value nil}
{:type :invoke, :f :release, :process 0, :value nil}
{:type :ok, :f :release, :process 0, :value nil}
{:type :ok, :f :acquire, :process 1, :value nil}
{:type :invoke, :f :acquire, :process 2, :value nil}
{:type :fail, :f :acquire, :process 2, :value nil}]
`;

/** Process 1's acquire returns before process 0's release is even invoked. */
const BAD = `[{:type :invoke, :f :acquire, :process 0, :value nil}
{:type :ok, :f :acquire, :process 0, :value nil}
{:type :invoke, :f :acquire, :process 1, :value nil}
{:type :ok, :f :acquire, :process 1, :value nil}
{:type :invoke, :f :release, :process 0, :value nil}
{:type :ok, :f :release, :process 0, :value nil}]
`;

const check = (history: History) =>
  checkLinearizable(toOperations(history), { name: 'mutex' }, { workers: 0 });

describe('Knossos mutex histories', () => {
  it('checks a crafted EDN mutex history: linearizable valid, a double acquire invalid', async () => {
    expect((await check(parseHistory(GOOD, { file: 'good.edn' }))).valid).toBe(true);
    expect((await check(parseHistory(BAD, { file: 'bad.edn' }))).valid).toBe(false);
  });

  const cli = join(import.meta.dirname, '..', '..', 'bin', 'zkcheck.js');
  const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'harness', 'cli.js'));
  const dir = mkdtempSync(join(tmpdir(), 'zkcheck-mutex-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!built && process.env.CI !== 'true')(
    'zkcheck check --model mutex gives each file its verdict',
    () => {
      writeFileSync(join(dir, 'good.edn'), GOOD);
      writeFileSync(join(dir, 'bad.edn'), BAD);
      const run = (file: string) =>
        spawnSync(process.execPath, [cli, 'check', '--model', 'mutex', join(dir, file)], {
          encoding: 'utf8',
        });
      const good = run('good.edn');
      expect(good.status).toBe(0);
      expect(good.stdout).toMatch(/^good\.edn: valid {2}3 ops/);
      const bad = run('bad.edn');
      expect(bad.status).toBe(1);
      expect(bad.stdout).toMatch(/^bad\.edn: INVALID/);
      expect(bad.stdout).toContain('acquire but the mutex is already held');
    },
  );
});

/** A raw zkcheck history, in order. */
function raw() {
  const ops: Op[] = [];
  const add = (process: number, type: Op['type'], f: string, value: unknown) =>
    ops.push({ index: ops.length, time: ops.length * 1000, process, type, f, key: 0, value });
  return { ops, add };
}

const A = { node: 'n-0000000001', seq: 1 };
const B = { node: 'n-0000000002', seq: 2 };

/** A's session expires while it holds; B is granted after; A learns at its release. */
function expiredHolder(doubleGrant: boolean): History {
  const { ops, add } = raw();
  add(1, 'invoke', 'acquire', null);
  add(1, 'ok', 'acquire', { ...A, at: 1 });
  add(2, 'invoke', 'acquire', null);
  if (doubleGrant) add(2, 'ok', 'acquire', { ...B, at: 2 });
  add(1, 'invoke', 'incr-fenced', A);
  add(1, 'ok', 'incr-fenced', { applied: true, value: 1, version: 1, at: 3 });
  if (!doubleGrant) add(2, 'ok', 'acquire', { ...B, at: 4 });
  add(1, 'invoke', 'release', A);
  add(1, 'ok', 'release', { deleted: false, reason: 'session expired', at: 5 });
  add(2, 'invoke', 'release', B);
  add(2, 'ok', 'release', { deleted: true, at: 6 });
  add(3, 'invoke', 'acquire', null);
  add(3, 'info', 'acquire', null);
  add(4, 'invoke', 'acquire', null);
  add(4, 'ok', 'acquire', { node: 'n-0000000004', seq: 4, at: 8 });
  add(5, 'invoke', 'read', null);
  add(5, 'ok', 'read', { fenced: { value: 1, version: 1 } });
  return ops;
}

describe('a lock history as mutex ops', () => {
  it('maps grants to acquires and an ended session to an indeterminate release, and round-trips as EDN', async () => {
    const mutex = lockHistoryToMutex(expiredHolder(false));
    const edn = writeEdn(mutex);
    expect(edn.split('\n')[0]).toBe(
      '[{:index 0, :time 0, :process 1, :type :invoke, :f :acquire, :key 0, :value nil}',
    );
    // A's session release: its own process (6), invoked after A's fenced write was invoked, never completed.
    expect(mutex.map((op) => `${op.process} ${op.type} ${op.f}`)).toEqual([
      '1 invoke acquire',
      '1 ok acquire',
      '2 invoke acquire',
      '6 invoke release',
      '2 ok acquire',
      '2 invoke release',
      '2 ok release',
      '3 invoke acquire',
      '3 info acquire',
      '7 invoke release',
      '4 invoke acquire',
      '4 ok acquire',
      '8 invoke release',
    ]);
    const back = parseHistory(edn, { file: 'lock.edn' });
    expect((await check(back)).valid).toBe(true);
  });

  it('a double grant (B granted before A was last seen holding) is not linearizable', async () => {
    const back = parseHistory(writeEdn(lockHistoryToMutex(expiredHolder(true))), { file: 'lock.edn' });
    expect((await check(back)).valid).toBe(false);
  });
});
