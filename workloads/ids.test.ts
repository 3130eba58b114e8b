/**
 * The ids workload end to end, through the built CLI on a real 3-node ensemble: valid with no
 * faults; under a scripted kill, one-way client cut and partition (creates whose replies are lost
 * do happen) the run completes and gives a verdict per claim, the promised ones hold, and the
 * final read shows every acknowledged id plus ids taken by creates of unknown outcome.
 * Under CI=true nothing skips.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  historyOf,
  runDirOf,
  scheduleConfig,
  scratchStore,
  skipWithoutDocker,
  zkcheck,
} from '../test/e2e.js';

const store = scratchStore('ids');

function run(extra: string[]) {
  // The floor is low: the shared CI machine may be slow, and the claims are what this tests.
  const result = zkcheck([
    'run',
    '--workload',
    'ids',
    '--rate',
    '100',
    '--seed',
    '7',
    '--min-throughput',
    '2',
    '--store',
    store,
    ...extra,
  ]);
  const dir = runDirOf(result.stdout);
  const results = dir ? JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) : undefined;
  const history = dir ? historyOf<HistoryLine>(dir) : [];
  return { ...result, results, history };
}

interface HistoryLine {
  process: number | 'nemesis';
  type: string;
  f: string;
  key?: number;
  value: unknown;
}

const verdicts = (results: { claims: { claim: string; valid: unknown }[] }) =>
  Object.fromEntries(results.claims.map((c) => [c.claim, c.valid]));

const CLAIMS = ['id-unique', 'id-increasing', 'next-unique', 'next-increasing', 'next-linearizable'];

/** Acknowledged sequential ids, creates of unknown outcome, and the ids the final read found. */
function sequentialIds(history: HistoryLine[]) {
  const acknowledged = history.filter((op) => op.f === 'id' && op.type === 'ok').map((op) => op.value);
  const unknown = history.filter((op) => op.f === 'id' && op.type === 'info').length;
  const read = history.findLast((op) => op.f === 'read' && op.type === 'ok')?.value as
    { ids: Record<string, number[]> } | undefined;
  return { acknowledged: acknowledged as number[], unknown, present: read?.ids['0'] ?? [] };
}

const skip = skipWithoutDocker;

describe.skipIf(skip)('an ids run on a real ensemble', () => {
  it('is valid with no faults; the final read holds exactly the acknowledged ids', () => {
    const result = run(['--time-limit', '6']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const v = verdicts(result.results);
    expect(Object.keys(v)).toEqual(CLAIMS);
    for (const claim of CLAIMS) expect(v[claim], claim).toBe(true);
    const ids = sequentialIds(result.history);
    expect(ids.acknowledged.length).toBeGreaterThan(50);
    expect(ids.present).toEqual([...ids.acknowledged].sort((a, b) => a - b));
  }, 240_000);

  it('under partitions, kills and a one-way client cut completes with a verdict per claim; unknown creates that happened are in the final read', () => {
    // On a script, not a storm, and the cut first, of every client: a cut create happens only if
    // the ensemble serves (the storm version failed now and then with no more ids in the final
    // read than were acknowledged; most likely it had cut a node it had also isolated or killed,
    // not confirmed), and each client has one op in flight when its replies stop. A cut of one
    // node's one or two clients sometimes caught only counter ops; with `next` 30% of the ops
    // (counter-share), all eight clients counting at once is about 0.3^8, under 1 in 10,000.
    const config = scheduleConfig(store, [
      { at: 1, fault: 'client-cut', targets: 'all', for: 3 },
      { at: 5, fault: 'kill', targets: 'one', for: 2 },
      { at: 8, fault: 'partition', targets: 'minority', for: 1.5 },
    ]);
    const result = run(['--config', config, '--concurrency', '8', '--time-limit', '10', '--recovery', '2']);
    expect(result.stderr).toBe('');
    expect(result.results).toBeDefined();
    const v = verdicts(result.results);
    expect(Object.keys(v)).toEqual(CLAIMS);
    // A correct ZooKeeper keeps its promises.
    for (const claim of CLAIMS) expect(v[claim], claim).toBe(true);
    const ids = sequentialIds(result.history);
    // Every acknowledged id survived, and creates whose replies were lost took ids too.
    expect(ids.present).toEqual(expect.arrayContaining(ids.acknowledged));
    expect(ids.unknown).toBeGreaterThan(0);
    expect(ids.present.length).toBeGreaterThan(ids.acknowledged.length);
    expect(ids.present.length).toBeLessThanOrEqual(ids.acknowledged.length + ids.unknown);
  }, 240_000);
});
