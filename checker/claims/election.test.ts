/**
 * The election claims on crafted histories: each anomaly caught (a double election by the server,
 * two leaders in one czxid epoch, a fenced leader write out of order, a lead applied after its
 * session expired, two candidates believing they lead, a long leaderless gap) and its
 * anomaly-free twin passing (a leader whose session expired, then the next candidate's election).
 */
import { operationsBuilder } from './testing.js';
import { describe, expect, it } from 'vitest';
import { evaluateClaims } from './evaluate.js';
import type { ClaimSpec } from './types.js';

const claim = (property: string, options: Record<string, unknown> = {}): ClaimSpec[] => [
  {
    name: property,
    title: property,
    promised: property === 'uniqueness' || property === 'fenced',
    checker: 'election',
    options: { property, ...options },
  },
];

/** Builds operations in history order: call and ret are positions. */
const history = () => operationsBuilder({ key: 0 });

const A = { node: 'c-0000000001', seq: 1 };
const B = { node: 'c-0000000002', seq: 2 };
const elected = (who: typeof A, czxid: string, at: number) => ({ ...who, czxid, owner: '0x1', at });

/** A leads; its session expires during a cut; B is elected; A learns later. Correct ZooKeeper. */
function expiredLeader() {
  const h = history();
  h.invoke(1, 'elect', null);
  h.ok(1, elected(A, '0x100000002', 1000));
  h.invoke(2, 'elect', null);
  h.invoke(1, 'lead', A);
  h.ok(1, { applied: true, value: 1, version: 2, at: 1100 });
  h.ok(2, elected(B, '0x100000003', 6000));
  h.invoke(2, 'lead', B);
  h.ok(2, { applied: true, value: 2, version: 3, at: 6100 });
  h.invoke(1, 'lead', A);
  h.ok(1, {
    applied: false,
    reason: 'session expired',
    at: 9000,
    events: [
      { event: 'disconnected', at: 1500 },
      { event: 'expired', at: 8900 },
    ],
  });
  h.invoke(1, 'resign', A);
  h.ok(1, { deleted: false, reason: 'session expired', at: 9010 });
  h.invoke(2, 'resign', B);
  h.ok(2, { deleted: true, at: 9100 });
  h.invoke(3, 'read', null);
  h.ok(3, { fenced: { value: 2, version: 3 } });
  return h.ops;
}

describe('election claims', () => {
  it('uniqueness: passes a leader that expired and the next candidate elected after it', async () => {
    const [result] = await evaluateClaims(expiredLeader(), claim('uniqueness'));
    expect(result.valid).toBe(true);
    expect(result.method).toBe('election');
    expect(result.explanation).toEqual(['2 elections, each after the node below it was gone']);
  });

  it('uniqueness: catches a double election (a higher node elected while the lower one still led)', async () => {
    const h = history();
    h.invoke(1, 'elect', null);
    h.ok(1, elected(A, '0x2', 1));
    h.invoke(2, 'elect', null);
    h.ok(2, elected(B, '0x3', 2));
    // A's fenced write passes check(A) after B was elected: A's node was still there.
    h.invoke(1, 'lead', A);
    h.ok(1, { applied: true, value: 1, version: 2, at: 3 });
    const [result] = await evaluateClaims(h.ops, claim('uniqueness'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(
      /^election 0: node c-0000000002 \(process 2\) was elected by op 3 while the lower node c-0000000001 \(process 1\) still existed: its lead \(process 1, op 4\)/,
    );
    // The evidence is the election's own ops, not the lock checker's renamed copies.
    expect(result.evidence?.map((op) => op.f)).toEqual(['elect', 'lead', 'elect']);
    expect(result.evidence?.[0]).toBe(h.ops[0]);
  });

  it('uniqueness: catches two leaders whose czxid order contradicts their sequence order', async () => {
    const ops = expiredLeader();
    (ops[0].output as { czxid: string }).czxid = '0x100000009';
    const [result] = await evaluateClaims(ops, claim('uniqueness'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toBe(
      'election 0: leader c-0000000001 (czxid 0x100000009) sorts before c-0000000002 (czxid 0x100000003) by sequence but not by creation: two leaders in one epoch',
    );
  });

  it('uniqueness: catches one node elected for two processes', async () => {
    const h = history();
    h.invoke(1, 'elect', null);
    h.ok(1, elected(A, '0x2', 1));
    h.invoke(1, 'resign', A);
    h.ok(1, { deleted: true, at: 2 });
    h.invoke(2, 'elect', null);
    h.ok(2, elected(A, '0x2', 3));
    const [result] = await evaluateClaims(h.ops, claim('uniqueness'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(
      /node c-0000000001 was elected twice, by process 1 and process 2/,
    );
  });

  it('fenced: passes ordered fenced writes and a counter within the count', async () => {
    const [result] = await evaluateClaims(expiredLeader(), claim('fenced'));
    expect(result.valid).toBe(true);
    expect(result.explanation).toEqual(['election 0: counter 2, 2 acknowledged, 0 unknown']);
  });

  it('fenced: catches a fenced leader write out of order (the old leader after the new one)', async () => {
    const h = history();
    h.invoke(1, 'elect', null);
    h.ok(1, elected(A, '0x2', 1));
    h.invoke(1, 'lead', A);
    h.ok(1, { applied: true, value: 1, version: 2, at: 2 });
    h.invoke(2, 'elect', null);
    h.ok(2, elected(B, '0x3', 3));
    h.invoke(2, 'lead', B);
    h.ok(2, { applied: true, value: 2, version: 3, at: 4 });
    h.invoke(1, 'lead', A);
    h.ok(1, { applied: true, value: 3, version: 4, at: 5 });
    const [result] = await evaluateClaims(h.ops, claim('fenced'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(
      /^election 0: fenced writes interleave: version 3 by node seq 2 .* version 4 by the lower seq 1 \(lead \(process 1/,
    );
  });

  it('fenced: catches a lead applied after its own session reported expired', async () => {
    const h = history();
    h.invoke(1, 'elect', null);
    h.ok(1, elected(A, '0x2', 1));
    h.invoke(1, 'lead', A);
    h.ok(1, { applied: true, value: 1, version: 2, at: 2000, events: [{ event: 'expired', at: 1500 }] });
    h.invoke(1, 'lead', A);
    h.ok(1, { applied: true, value: 2, version: 3, at: 3000 });
    const [result] = await evaluateClaims(h.ops, claim('fenced'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toBe(
      'election 0: lead (process 1, op 4) applied a fenced write at t=3.00 s though its session reported expired at t=1.50 s to lead (process 1, op 2)',
    );
  });

  it('belief: reports the expired leader that still believed, with its session events (not promised)', async () => {
    const [result] = await evaluateClaims(expiredLeader(), claim('belief'));
    expect(result.valid).toBe(false);
    expect(result.promised).toBe(false);
    expect(result.note).toMatch(/allowed by ZooKeeper/);
    expect(result.explanation?.[0]).toBe(
      'election 0: process 1 believed it led with node c-0000000001 from t=1.00 s; its session: disconnected at t=1.50 s, expired at t=8.90 s; ' +
        'process 2 was elected with node c-0000000002 at t=6.00 s; process 1: it learned at t=9.00 s from lead (process 1, op 8) (session expired)',
    );
  });

  it('belief: passes when each leader resigned before the next election', async () => {
    const h = history();
    h.invoke(1, 'elect', null);
    h.ok(1, elected(A, '0x2', 1));
    h.invoke(2, 'elect', null);
    h.invoke(1, 'resign', A);
    h.ok(1, { deleted: true, at: 3 });
    h.ok(2, elected(B, '0x3', 4));
    const results = await evaluateClaims(h.ops, [...claim('belief'), ...claim('uniqueness')]);
    expect(results.map((r) => r.valid)).toEqual([true, true]);
  });

  it('leaderless: measures the time from each leader loss to the next election', async () => {
    const slow = await evaluateClaims(expiredLeader(), claim('leaderless', { boundMs: 4000 }));
    expect(slow[0].valid).toBe(false);
    expect(slow[0].explanation?.slice(0, 2)).toEqual([
      '1 leader changes: leaderless median 4.90 s, p90 4.90 s, max 4.90 s (bound 4.00 s)',
      'election 0: leader c-0000000001 last heard of at t=1.10 s, next leader c-0000000002 elected at t=6.00 s: 4.90 s leaderless > 4.00 s',
    ]);
    const fast = await evaluateClaims(expiredLeader(), claim('leaderless', { boundMs: 6000 }));
    expect(fast[0].valid).toBe(true);
    expect(fast[0].explanation?.[1]).toBe('leaderless ms, in order: 4900');
  });

  it('a lead not tried while disconnected neither ends the belief nor counts as hearing from a server', async () => {
    const ops = expiredLeader();
    const h = history();
    h.invoke(1, 'lead', A);
    h.ok(1, { applied: null, reason: 'disconnected', at: 5000 });
    // Put it between A's applied lead and B's election, with positions that keep real time.
    const disconnected = h.ops[0];
    Object.assign(disconnected, {
      id: ops.length,
      call: 4.1,
      ret: 4.2,
      invokeIndex: 4.1,
      completeIndex: 4.2,
    });
    ops.push(disconnected);
    const [belief, leaderless] = await evaluateClaims(ops, [
      ...claim('belief'),
      ...claim('leaderless', { boundMs: 4000 }),
    ]);
    expect(belief.valid).toBe(false);
    expect(leaderless.explanation?.[1]).toMatch(/leader c-0000000001 last heard of at t=1.10 s/);
  });

  it('refuses an unknown property or a missing bound', async () => {
    await expect(evaluateClaims(expiredLeader(), claim('nope'))).rejects.toThrow(/property must be one of/);
    await expect(evaluateClaims(expiredLeader(), claim('leaderless'))).rejects.toThrow(/boundMs/);
  });
});
