/**
 * The election workload end to end, through the built CLI on a real 3-node ensemble: without
 * faults every claim holds; under partition, kill and client-isolate (a node's client link cut past
 * the session timeout) the run completes and gives a verdict per claim, and the promised ones
 * (one leader per epoch in the server's view, fenced leader writes) hold; the faults are scripted
 * so that each family strikes, and `zkcheck analyze` of the stored run agrees. Under CI=true
 * nothing skips.
 */
import { describe, expect, it } from 'vitest';
import {
  claimsOf,
  faultsStruck,
  reanalyzed,
  RECIPE_FAULTS,
  runDirOf,
  scheduleConfig,
  scratchStore,
  skipWithoutDocker,
  zkcheck,
} from '../test/e2e.js';

const store = scratchStore('election');
const skip = skipWithoutDocker;

const NAMES = ['leader-uniqueness', 'fenced-leader-work', 'single-leader-belief', 'leaderless-time'];

describe.skipIf(skip)('an election run on a real ensemble', () => {
  it('holds every claim without faults', () => {
    const result = zkcheck([
      'run',
      '--workload',
      'election',
      '--concurrency',
      '3',
      '--term',
      '1',
      '--campaign-timeout',
      '3',
      '--time-limit',
      '10',
      '--recovery',
      '1',
      '--rate',
      '0',
      '--min-throughput',
      '0',
      '--seed',
      '1',
      '--store',
      store,
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const claims = claimsOf(result.stdout);
    expect(claims.map((c) => [c.claim, c.valid])).toEqual(NAMES.map((name) => [name, true]));
    expect(claims[0].explanation?.[0]).toMatch(/^[1-9]\d* elections, each after the node below it was gone$/);
    expect(claims[1].explanation?.[0]).toMatch(/^election 0: counter (\d+), \1 acknowledged, 0 unknown$/);
    expect(claims[3].explanation?.[0]).toMatch(/^\d+ leader changes: leaderless median [\d.]+ s/);
  }, 240_000);

  it('under partition, kill and client-isolate completes with a verdict per claim; the promised ones hold', () => {
    const config = scheduleConfig(store, RECIPE_FAULTS);
    const result = zkcheck([
      'run',
      '--config',
      config,
      '--workload',
      'election',
      '--concurrency',
      '6',
      '--election-count',
      '2',
      '--term',
      '6',
      '--campaign-timeout',
      '8',
      '--leaderless-bound',
      '9000',
      '--time-limit',
      '30',
      '--recovery',
      '2',
      '--rate',
      '0',
      '--session-timeout',
      '4000',
      '--min-throughput',
      '0',
      '--seed',
      '3',
      '--store',
      store,
    ]);
    expect(result.stderr).toBe('');
    // Only a broken promise makes the run invalid (exit 1).
    expect(result.status).toBe(0);
    // Each fault really struck during the run.
    const struck = faultsStruck(runDirOf(result.stdout)!);
    expect(struck.filter((f) => f === 'client-isolate:isolate-clients')).toHaveLength(2);
    expect(struck).toContain('partition:isolate');
    expect(struck).toContain('kill:kill');
    const claims = claimsOf(result.stdout);
    expect(claims.map((c) => c.claim)).toEqual(NAMES);
    for (const c of claims) expect([true, false]).toContain(c.valid);
    expect(claims.filter((c) => c.promised).map((c) => c.valid)).toEqual([true, true]);
    expect(claims[1].explanation?.join('\n')).toMatch(/election 1: counter \d+, \d+ acknowledged/);
    // The stored history checks again the same with `zkcheck analyze`.
    const again = reanalyzed(runDirOf(result.stdout)!);
    expect(again.status).toBe(result.status);
    expect(again.verdicts).toEqual(claims.map((c) => [c.claim, c.valid]));
  }, 240_000);
});
