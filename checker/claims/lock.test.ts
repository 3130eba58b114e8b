/**
 * The lock claims on crafted histories: each anomaly caught (a double grant by the server, a
 * fenced write out of order, a wrong final counter, two clients believing at once, a slow
 * handover) and its anomaly-free twin passing (a holder whose session expired, then the next
 * waiter's grant).
 */
import { operationsBuilder } from './testing.js';
import { describe, expect, it } from 'vitest';
import { evaluateClaims } from './evaluate.js';
import type { ClaimSpec } from './types.js';

const claim = (property: string, options: Record<string, unknown> = {}): ClaimSpec[] => [
  {
    name: property,
    title: property,
    promised: property !== 'belief',
    checker: 'lock',
    options: { property, ...options },
  },
];

/** Builds operations in history order: call and ret are positions. */
const history = () => operationsBuilder({ key: 0 });

const A = { node: 'n-0000000001', seq: 1 };
const B = { node: 'n-0000000002', seq: 2 };

/** A holds; its session expires during a cut; B is granted; A learns later. Correct ZooKeeper. */
function expiredHolder(bGrantedEarly = false, disconnectedOps = false) {
  const h = history();
  h.invoke(1, 'acquire', null);
  h.ok(1, { ...A, session: '0xa', at: 1000 });
  h.invoke(2, 'acquire', null);
  h.invoke(1, 'incr-fenced', A);
  h.ok(1, { applied: true, value: 1, version: 1, at: 1100 });
  if (bGrantedEarly) h.ok(2, { ...B, session: '0xb', at: 1200 });
  h.invoke(1, 'incr-unfenced', A);
  h.ok(1, { applied: true, value: 1, at: 1200 });
  if (!bGrantedEarly) h.ok(2, { ...B, session: '0xb', at: 6000 });
  h.invoke(2, 'incr-fenced', B);
  h.ok(2, { applied: true, value: 2, version: 2, at: 6100 });
  if (disconnectedOps) {
    // A, cut off, does not send its increments: it learns nothing and keeps believing. An
    // unfenced one through a newer session of A's process is no reply to A's holding session.
    h.invoke(1, 'incr-unfenced', A);
    h.ok(1, { applied: null, reason: 'disconnected', at: 7000 });
    h.invoke(1, 'incr-unfenced', A);
    h.ok(1, { applied: true, value: 2, at: 7050, via: '0xa2' });
    h.invoke(1, 'incr-fenced', A);
    h.ok(1, { applied: null, reason: 'disconnected', at: 7100 });
  }
  h.invoke(1, 'release', A);
  h.ok(1, {
    deleted: false,
    reason: 'session expired',
    at: 9000,
    events: [
      { event: 'disconnected', at: 1500 },
      { event: 'expired', at: 8900 },
    ],
  });
  h.invoke(2, 'release', B);
  h.ok(2, { deleted: true, at: 9100 });
  h.invoke(3, 'read', null);
  h.ok(3, { fenced: { value: 2, version: 2 }, unfenced: { value: 1 } });
  return h.ops;
}

describe('lock claims', () => {
  it('ownership: passes a holder that expired and the next waiter granted after it', async () => {
    const [result] = await evaluateClaims(expiredHolder(), claim('ownership'));
    expect(result.valid).toBe(true);
  });

  it('ownership: catches a double grant (a higher node granted while the lower one still held)', async () => {
    const h = history();
    h.invoke(1, 'acquire', null);
    h.ok(1, { ...A, at: 1 });
    h.invoke(2, 'acquire', null);
    h.ok(2, { ...B, at: 2 });
    // A's fenced increment passes check(A) after B was granted: A's node was still there.
    h.invoke(1, 'incr-fenced', A);
    h.ok(1, { applied: true, value: 1, version: 1, at: 3 });
    const [result] = await evaluateClaims(h.ops, claim('ownership'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(
      /node n-0000000002 \(process 2\) was granted .* lower node n-0000000001/,
    );
  });

  it('ownership: a release that deleted the lower node after the grant is a double grant too', async () => {
    const h = history();
    h.invoke(1, 'acquire', null);
    h.ok(1, { ...A, at: 1 });
    h.invoke(2, 'acquire', null);
    h.ok(2, { ...B, at: 2 });
    h.invoke(1, 'release', A);
    h.ok(1, { deleted: true, at: 3 });
    expect((await evaluateClaims(h.ops, claim('ownership')))[0].valid).toBe(false);
  });

  it('fenced: passes ordered fenced writes and a counter within the count', async () => {
    const [result] = await evaluateClaims(expiredHolder(), claim('fenced'));
    expect(result.valid).toBe(true);
    expect(result.explanation).toEqual(['lock 0: counter 2, 2 acknowledged, 0 unknown']);
  });

  it('fenced: catches a fenced write out of order (a lower node after a higher one)', async () => {
    const h = history();
    h.invoke(1, 'acquire', null);
    h.ok(1, { ...A, at: 1 });
    h.invoke(1, 'incr-fenced', A);
    h.ok(1, { applied: true, value: 1, version: 1, at: 2 });
    h.invoke(2, 'acquire', null);
    h.ok(2, { ...B, at: 3 });
    h.invoke(2, 'incr-fenced', B);
    h.ok(2, { applied: true, value: 2, version: 2, at: 4 });
    h.invoke(1, 'incr-fenced', A);
    h.ok(1, { applied: true, value: 3, version: 3, at: 5 });
    const [result] = await evaluateClaims(h.ops, claim('fenced'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(
      /fenced writes interleave: version 2 by node seq 2 .* version 3 by the lower seq 1/,
    );
  });

  it('fenced: catches a final counter that lost an acknowledged increment', async () => {
    const ops = expiredHolder();
    (ops.at(-1)!.output as { fenced: { value: number } }).fenced.value = 1;
    const [result] = await evaluateClaims(ops, claim('fenced'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toBe(
      'lock 0: the final counter is 1, but 2 fenced increments were acknowledged and 0 more are unknown',
    );
  });

  it('belief: reports the expired holder that still believed, with its session events', async () => {
    const [result] = await evaluateClaims(expiredHolder(), claim('belief'));
    expect(result.valid).toBe(false);
    expect(result.note).toBeDefined();
    expect(result.explanation?.[0]).toBe(
      'lock 0: process 1 believed it held node n-0000000001 from t=1.00 s; its session: disconnected at t=1.50 s, expired at t=8.90 s; ' +
        'process 2 acquired node n-0000000002 at t=6.00 s; process 1: it learned at t=9.00 s from release (process 1, op 10) (session expired)',
    );
  });

  it('belief: passes when each holder released before the next grant', async () => {
    const h = history();
    h.invoke(1, 'acquire', null);
    h.ok(1, { ...A, at: 1 });
    h.invoke(2, 'acquire', null);
    h.invoke(1, 'incr-unfenced', A);
    h.ok(1, { applied: true, value: 1, at: 2 });
    h.invoke(1, 'release', A);
    h.ok(1, { deleted: true, at: 3 });
    h.ok(2, { ...B, at: 4 });
    const results = await evaluateClaims(h.ops, [...claim('belief'), ...claim('ownership')]);
    expect(results.map((r) => r.valid)).toEqual([true, true]);
  });

  it('liveness: measures the handover after a lost session against the bound', async () => {
    const slow = await evaluateClaims(expiredHolder(), claim('liveness', { boundMs: 4000 }));
    expect(slow[0].valid).toBe(false);
    expect(slow[0].explanation?.[0]).toBe(
      '1 handovers after a lost session: median 4.80 s, max 4.80 s (bound 4.00 s)',
    );
    const fast = await evaluateClaims(expiredHolder(), claim('liveness', { boundMs: 6000 }));
    expect(fast[0].valid).toBe(true);
  });

  it("a holder's unsent increments (disconnected) and unfenced ones via a newer session neither end its belief nor count as its session's replies", async () => {
    const ops = expiredHolder(false, true);
    const results = await evaluateClaims(ops, [
      ...claim('ownership'),
      ...claim('fenced'),
      ...claim('belief'),
      ...claim('liveness', { boundMs: 6000 }),
    ]);
    expect(results.map((r) => r.valid)).toEqual([true, true, false, true]);
    expect(results[1].explanation).toEqual(['lock 0: counter 2, 2 acknowledged, 0 unknown']);
    expect(results[2].explanation?.[0]).toMatch(
      /process 2 acquired node n-0000000002 at t=6.00 s; process 1: it learned at t=9.00 s from release .*\(session expired\)$/,
    );
    // The handover is measured from A's holding session's last reply (t=1.2 s), not its unsent
    // ops nor the newer session's.
    expect(results[3].explanation?.[0]).toBe(
      '1 handovers after a lost session: median 4.80 s, max 4.80 s (bound 6.00 s)',
    );
  });

  it('refuses an unknown property or a missing bound', async () => {
    await expect(evaluateClaims(expiredHolder(), claim('nope'))).rejects.toThrow(/property must be one of/);
    await expect(evaluateClaims(expiredHolder(), claim('liveness'))).rejects.toThrow(/boundMs/);
  });
});
