/**
 * The lock workload end to end, through the built CLI on a real 3-node ensemble: without faults
 * every claim holds; with client-isolate (a node's client link cut both ways past the session
 * timeout, peers up) a holder's session expires while it still believes it holds the lock, the
 * next waiter is granted, and the unpromised single-belief claim breaks with the session events
 * that explain it, while the promised ownership and fenced-increment claims hold. Under CI=true
 * nothing skips.
 */
import { describe, expect, it } from 'vitest';
import { claimsOf, scratchStore, skipWithoutDocker, zkcheck } from '../test/e2e.js';

const store = scratchStore('lock');
const skip = skipWithoutDocker;

describe.skipIf(skip)('a lock run on a real ensemble', () => {
  it('holds every claim without faults', () => {
    const result = zkcheck([
      'run',
      '--workload',
      'lock',
      '--concurrency',
      '3',
      '--hold-time',
      '0.5',
      '--acquire-timeout',
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
    expect(claims.map((c) => [c.claim, c.valid])).toEqual([
      ['lock-ownership', true],
      ['fenced-increments', true],
      ['single-belief', true],
      ['lock-liveness', true],
    ]);
    expect(claims[1].explanation?.[0]).toMatch(/^lock 0: counter (\d+), \1 acknowledged, 0 unknown$/);
  }, 240_000);

  it('shows an expired holder still believing (not promised) while ownership and fencing hold', () => {
    const result = zkcheck([
      'run',
      '--workload',
      'lock',
      '--concurrency',
      '6',
      '--lock-count',
      '3',
      '--hold-time',
      '8',
      '--acquire-timeout',
      '12',
      '--time-limit',
      '40',
      '--recovery',
      '1',
      '--rate',
      '0',
      '--session-timeout',
      '4000',
      '--nemesis',
      'client-isolate',
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
    // Only an unpromised claim breaks: the run is valid.
    expect(result.status).toBe(0);
    const claims = claimsOf(result.stdout);
    const verdict = Object.fromEntries(claims.map((c) => [c.claim, c.valid]));
    expect(verdict['lock-ownership']).toBe(true);
    expect(verdict['fenced-increments']).toBe(true);
    expect(verdict['single-belief']).toBe(false);
    const belief = claims.find((c) => c.claim === 'single-belief')!;
    expect(belief.explanation?.[0]).toMatch(
      /believed it held node .* its session: disconnected at t=[\d.]+ s, expired at t=[\d.]+ s.*; process \d+ acquired node .* at t=[\d.]+ s; process \d+: it learned at t=[\d.]+ s/,
    );
    expect(result.stdout).toContain('allowed by ZooKeeper');
  }, 240_000);
});
