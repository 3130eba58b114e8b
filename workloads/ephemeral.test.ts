/**
 * The ephemeral workload end to end, through the built CLI on a real 3-node ensemble: without
 * faults every claim holds (closed sessions' nodes gone, live ones listed); under partition, kill
 * and client-isolate (a node's client link cut past the session timeout, so its clients' sessions
 * expire) the run completes and gives a verdict per claim, and the promised ones hold; the faults
 * are scripted so that each family strikes, and `zkcheck analyze` of the stored run agrees. Under
 * CI=true nothing skips.
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

const store = scratchStore('ephemeral');
const skip = skipWithoutDocker;

const NAMES = ['live-ephemerals-stay', 'gone-for-good', 'gone-after-expiry', 'gone-after-close'];

describe.skipIf(skip)('an ephemeral run on a real ensemble', () => {
  it('holds every claim without faults', () => {
    const result = zkcheck([
      'run',
      '--workload',
      'ephemeral',
      '--concurrency',
      '6',
      '--registration-time',
      '2',
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
    expect(claims[0].explanation?.[0]).toMatch(
      /^\d+ ephemerals, \d+ reads: no live session's ephemeral missing$/,
    );
    // Closers closed: their nodes were seen gone, and never listed after their close returned.
    expect(claims[1].explanation?.[0]).toMatch(/^[1-9]\d* of \d+ ephemerals seen gone; none seen again$/);
    expect(claims[3].explanation?.[0]).toMatch(
      /^[1-9]\d* sessions closed: their ephemerals were listed up to 0.00 s/,
    );
  }, 240_000);

  it('under partition, kill and client-isolate completes with a verdict per claim; the promised ones hold', () => {
    const config = scheduleConfig(store, RECIPE_FAULTS);
    const result = zkcheck([
      'run',
      '--config',
      config,
      '--workload',
      'ephemeral',
      '--concurrency',
      '6',
      '--registration-time',
      '3',
      '--vanish-bound',
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
    expect([0, 1]).toContain(result.status);
    // Each fault really struck during the run.
    const struck = faultsStruck(runDirOf(result.stdout)!);
    expect(struck.filter((f) => f === 'client-isolate:isolate-clients')).toHaveLength(2);
    expect(struck).toContain('partition:isolate');
    expect(struck).toContain('kill:kill');
    const claims = claimsOf(result.stdout);
    expect(claims.map((c) => c.claim)).toEqual(NAMES);
    for (const c of claims) expect([true, false]).toContain(c.valid);
    expect(claims.filter((c) => c.promised).map((c) => [c.claim, c.valid])).toEqual(
      NAMES.slice(0, 3).map((name) => [name, true]),
    );
    expect(result.status).toBe(0);
    // The stored history checks again the same with `zkcheck analyze`.
    const again = reanalyzed(runDirOf(result.stdout)!);
    expect(again.status).toBe(result.status);
    expect(again.verdicts).toEqual(claims.map((c) => [c.claim, c.valid]));
  }, 240_000);
});
