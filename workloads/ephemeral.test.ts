/**
 * The ephemeral workload end to end, through the built CLI on a real 3-node ensemble: without
 * faults every claim holds (closed sessions' nodes gone, live ones listed); under partition, kill
 * and client-isolate (a node's client link cut past the session timeout, so its clients' sessions
 * expire) the run completes and gives a verdict per claim, and the promised ones hold. Under
 * CI=true nothing skips.
 */
import { describe, expect, it } from 'vitest';
import { claimsOf, scratchStore, skipWithoutDocker, zkcheck } from '../test/e2e.js';

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
    const result = zkcheck([
      'run',
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
      '--nemesis',
      'partition,kill,client-isolate',
      '--nemesis-interval',
      '2',
      '--nemesis-duration',
      '6',
      '--min-throughput',
      '0',
      '--seed',
      '3',
      '--store',
      store,
    ]);
    expect(result.stderr).toBe('');
    expect([0, 1]).toContain(result.status);
    const claims = claimsOf(result.stdout);
    expect(claims.map((c) => c.claim)).toEqual(NAMES);
    for (const c of claims) expect([true, false]).toContain(c.valid);
    expect(claims.filter((c) => c.promised).map((c) => [c.claim, c.valid])).toEqual(
      NAMES.slice(0, 3).map((name) => [name, true]),
    );
    expect(result.status).toBe(0);
  }, 240_000);
});
