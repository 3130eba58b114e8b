/**
 * The queue workload end to end, through the built CLI on a real 3-node ensemble: valid with no
 * faults, and under partitions and kills the run completes, drains and gives a verdict per claim;
 * under a one-way client cut (replies lost, requests applied) enqueues of unknown outcome happen,
 * and the drain takes them.
 * Under CI=true nothing skips.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyOf, runDirOf, scratchStore, skipWithoutDocker, zkcheck } from '../test/e2e.js';

const store = scratchStore('queue');

function run(extra: string[]) {
  const result = zkcheck([
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
  ]);
  const dir = runDirOf(result.stdout);
  const results = dir ? JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) : undefined;
  const history = dir ? historyOf<{ process: unknown; type: string; f: string; value: unknown }>(dir) : [];
  return { ...result, results, history };
}

const verdicts = (results: { claims: { claim: string; valid: unknown }[] }) =>
  Object.fromEntries(results.claims.map((c) => [c.claim, c.valid]));

const skip = skipWithoutDocker;

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

  it('under a one-way client cut, enqueues of unknown outcome that happened are drained, and the claims hold', () => {
    const result = run([
      '--nemesis',
      'client-cut',
      '--client-cut-targets',
      'all',
      '--nemesis-interval',
      '2',
      '--nemesis-duration',
      '3',
      '--recovery',
      '2',
      // Cut replies slow every client: the claims are what this tests.
      '--min-throughput',
      '2',
    ]);
    expect(result.stderr).toBe('');
    const v = verdicts(result.results);
    expect(v['total-queue']).toBe(true);
    expect(v['fifo-by-sequence']).toBe(true);
    const unknownEnqueues = new Set<unknown>();
    const invoked = new Map<unknown, unknown>();
    const dequeued = new Set<unknown>();
    for (const op of result.history) {
      if (op.type === 'invoke') invoked.set(op.process, op.value);
      else if (op.f === 'enqueue' && op.type === 'info') unknownEnqueues.add(invoked.get(op.process));
      else if (op.f === 'dequeue' && op.type === 'ok' && op.value !== null)
        dequeued.add((op.value as { value: unknown }).value);
    }
    // Replies were lost while requests arrived: some enqueues of unknown outcome happened, and the
    // drain accounted for them.
    expect(unknownEnqueues.size).toBeGreaterThan(0);
    expect([...unknownEnqueues].filter((element) => dequeued.has(element)).length).toBeGreaterThan(0);
    expect(result.status).toBe(0);
  }, 240_000);
});
