/**
 * A real lock run's stored history for tests (checker/testdata/lock-partition-leader.jsonl): its
 * records, and the one way tests break it, a double grant. Shared by the check command's tests
 * (harness/commands/check.test.ts, check-write-edn.test.ts) so the broken history is built once.
 *
 * `zkcheck run --workload lock --time-limit 10 --concurrency 3 --hold-time 1 --acquire-timeout 5
 * --seed 11 --nemesis partition-leader --nemesis-interval 2 --nemesis-duration 4
 * --session-timeout 4000 --op-timeout 2000` (Docker, ZooKeeper 3.8.0): two grants, a holder cut
 * off by the partition, acquires of unknown outcome, the final read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_HISTORY = join(import.meta.dirname, '..', 'testdata', 'lock-partition-leader.jsonl');

export interface LockRecord {
  index: number;
  time: number;
  process: unknown;
  type: string;
  f: string;
}

export function lockRecords(): LockRecord[] {
  return readFileSync(LOCK_HISTORY, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as LockRecord);
}

/**
 * The recorded run as JSONL with process 0's grant moved before process 2's release of the node
 * it holds: the second holder granted before the first let go.
 */
export function doubleGrantJsonl(): string {
  const ops = lockRecords();
  const grant = ops.findIndex((op) => op.process === 0 && op.f === 'acquire' && op.type === 'ok');
  const release = ops.findIndex((op) => op.process === 2 && op.f === 'release' && op.type === 'invoke');
  // The fixture's order, which the move relies on: a changed fixture must not pass silently.
  if (release < 0 || grant < 0 || release > grant)
    throw new Error(`${LOCK_HISTORY}: expected process 2's release before process 0's grant`);
  const [moved] = ops.splice(grant, 1);
  ops.splice(release, 0, { ...moved, time: ops[release - 1].time + 1 });
  return ops.map((op, index) => JSON.stringify({ ...op, index })).join('\n');
}
