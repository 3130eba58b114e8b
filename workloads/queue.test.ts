/**
 * The queue workload end to end, through the built CLI on a real 3-node ensemble: valid with no
 * faults, and under partitions and kills the run completes, drains and gives a verdict per claim.
 * Under CI=true nothing skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAnswers } from '../harness/cluster/docker.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'zkcheck.js');
const store = mkdtempSync(join(tmpdir(), 'zkcheck-queue-test-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

function run(extra: string[]) {
  const result = spawnSync(
    process.execPath,
    [
      CLI,
      'run',
      '--workload',
      'queue',
      '--time-limit',
      '10',
      '--rate',
      '100',
      '--seed',
      '7',
      '--store',
      store,
      ...extra,
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  const dir = /stored in (\S+)/.exec(result.stdout)?.[1];
  const results = dir ? JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) : undefined;
  return { ...result, results };
}

const verdicts = (results: { claims: { claim: string; valid: unknown }[] }) =>
  Object.fromEntries(results.claims.map((c) => [c.claim, c.valid]));

const skip = !dockerAnswers() && process.env.CI !== 'true';

describe.skipIf(skip)('a queue run on a real ensemble', () => {
  it('is valid with no faults, drained to empty', () => {
    const result = run([]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const v = verdicts(result.results);
    expect(v['total-queue']).toBe(true);
    expect(v['fifo-by-sequence']).toBe(true);
    expect(result.results.stats.byF.enqueue.ok).toBeGreaterThan(100);
  }, 240_000);

  it('under partitions and kills completes, drains and gives a verdict per claim', () => {
    const result = run([
      '--nemesis',
      'partition,kill',
      '--nemesis-interval',
      '2',
      '--nemesis-duration',
      '3',
      '--recovery',
      '2',
    ]);
    expect(result.stderr).toBe('');
    expect(result.results).toBeDefined();
    const v = verdicts(result.results);
    expect(Object.keys(v)).toEqual(['total-queue', 'fifo-by-sequence', 'linearizable-fifo']);
    // A correct ZooKeeper keeps the recipe's promises.
    expect(v['total-queue']).toBe(true);
    expect(v['fifo-by-sequence']).toBe(true);
  }, 240_000);
});
