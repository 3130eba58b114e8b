/**
 * The ephemeral workload end to end, through the built CLI on a real 3-node ensemble: without
 * faults every claim holds (closed sessions' nodes gone, live ones listed); under partition, kill
 * and client-isolate (a node's client link cut past the session timeout, so its clients' sessions
 * expire) the run completes and gives a verdict per claim, and the promised ones hold; the faults
 * are scripted so that each family strikes, and `zkcheck analyze` of the stored run agrees. Under
 * CI=true nothing skips.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  claimsOf,
  historyOf,
  runDirOf,
  scratchStore,
  skipWithoutDocker,
  zkcheck,
  type ClaimLine,
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
    // Every family, on a script rather than drawn (a seeded draw of three families can miss
    // one): clients of nodes 1 and 2 cut past the session timeout, a partition of the leader and
    // a kill between the cuts.
    const config = join(store, 'faults.json');
    writeFileSync(
      config,
      JSON.stringify({
        nemesisSchedule: [
          { at: 2, fault: 'client-isolate', targets: [1], for: 6 },
          { at: 9, fault: 'partition', targets: 'leader', for: 4 },
          { at: 14, fault: 'kill', targets: 'one', for: 4 },
          { at: 19, fault: 'client-isolate', targets: [2], for: 6 },
        ],
      }),
    );
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
    const struck = historyOf<{ process: unknown; type: string; f: string }>(runDirOf(result.stdout)!)
      .filter((op) => op.process === 'nemesis' && op.type === 'ok')
      .map((op) => op.f);
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
    const again = zkcheck(['analyze', runDirOf(result.stdout)!, '--json']);
    expect(again.status).toBe(result.status);
    expect(
      (JSON.parse(again.stdout) as { claims: ClaimLine[] }).claims.map((c) => [c.claim, c.valid]),
    ).toEqual(claims.map((c) => [c.claim, c.valid]));
  }, 240_000);
});
