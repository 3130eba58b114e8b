/**
 * A real lock run's history (checker/testdata/lock-partition-leader.jsonl: a partition of the
 * leader, a holder's session expired) written as Jepsen EDN in Knossos's mutex format and read
 * back: the same ops, nothing but `:acquire`/`:release` with nil values, still linearizable; and
 * the same for the election run's ops. The other direction, Knossos's own EDN mutex histories
 * read and checked, is in mutex.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../linearizable/check.js';
import { lockHistoryToMutex } from './mutex.js';
import { toOperations } from './operations.js';
import { parseHistory } from './read.js';
import type { History } from './types.js';
import { writeEdn } from './write.js';

const FIXTURE = join(import.meta.dirname, '..', 'testdata', 'lock-partition-leader.jsonl');

const check = (history: History) =>
  checkLinearizable(toOperations(history), { name: 'mutex' }, { workers: 0 });

describe('a lock run as Knossos mutex EDN', () => {
  const run = parseHistory(readFileSync(FIXTURE, 'utf8'), { file: 'lock-partition-leader.jsonl' });
  const mutex = lockHistoryToMutex(run);

  it('writes only mutex ops and reads them back equal', () => {
    const edn = writeEdn(mutex);
    expect(edn.startsWith('[{:index 0, ')).toBe(true);
    for (const line of edn.trim().split('\n'))
      expect(line).toMatch(
        /^[[ ]\{.*:type :(invoke|ok|fail|info), :f :(acquire|release), (:key \d+, )?:value nil\}\]?$/,
      );
    const back = parseHistory(edn, { file: 'lock.edn' });
    expect(back).toEqual(mutex);
    // Every grant and every deleting release of the run is there, once.
    const count = (h: History, f: string, type: string) =>
      h.filter((op) => op.f === f && op.type === type).length;
    expect(count(back, 'acquire', 'ok')).toBe(count(run, 'acquire', 'ok'));
    expect(count(back, 'acquire', 'invoke')).toBe(count(run, 'acquire', 'invoke'));
    expect(count(back, 'release', 'ok')).toBe(
      run.filter(
        (op) => op.f === 'release' && op.type === 'ok' && (op.value as { deleted?: boolean })?.deleted,
      ).length,
    );
  });

  it('the EDN read back is linearizable as a mutex, and a doubled grant in it is not', async () => {
    const back = parseHistory(writeEdn(mutex), { file: 'lock.edn' });
    expect((await check(back)).valid).toBe(true);
    // Drop the first deleting release: the next grant then comes while the mutex is held.
    const firstRelease = back.findIndex((op) => op.f === 'release' && op.type === 'ok');
    expect(firstRelease).toBeGreaterThan(0);
    const invoke = back.findLastIndex(
      (op, i) => i < firstRelease && op.f === 'release' && op.process === back[firstRelease].process,
    );
    const doubled = back
      .filter((_, i) => i !== firstRelease && i !== invoke)
      .map((op, index) => ({ ...op, index }));
    const reread = parseHistory(writeEdn(doubled), { file: 'doubled.edn' });
    expect((await check(reread)).valid).toBe(false);
  });
});
