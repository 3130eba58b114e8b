/**
 * The ephemeral claims on crafted histories: each anomaly caught (a live session's ephemeral
 * vanishing from a read or from its owner's own check, an ephemeral that reappears, one that
 * lingers past the bound after its session closed or expired) and its anomaly-free twin passing
 * (a closed and an expired session whose nodes go and stay gone while a stayer's node stays).
 */
import { operationsBuilder } from './testing.js';
import { describe, expect, it } from 'vitest';
import { evaluateClaims } from './evaluate.js';
import type { ClaimSpec } from './types.js';

const claim = (property: string, options: Record<string, unknown> = {}): ClaimSpec[] => [
  {
    name: property,
    title: property,
    promised: true,
    checker: 'ephemeral',
    options: { property, ...options },
  },
];

/** Builds operations in history order: call and ret are positions. */
function history() {
  const h = {
    ...operationsBuilder(),
    /** A reader's whole read. */
    read(children: string[], startedAt: number, at = startedAt + 10) {
      h.invoke(0, 'read', null);
      h.ok(0, { children, startedAt, at });
    },
    op(process: number, f: string, node: string, output: Record<string, unknown>) {
      h.invoke(process, f, { node });
      h.ok(process, output);
    },
  };
  return h;
}

/**
 * Correct ZooKeeper: S stays; C registers and closes; E is expired by a cut and learns it when the
 * link returns; every read lists what lives and nothing of what ended.
 */
function registry(options: { lingerUntil?: number; reappear?: boolean; vanish?: boolean } = {}) {
  const h = history();
  h.op(1, 'register', 'S', { node: 'S', at: 100 });
  h.op(2, 'register', 'C', { node: 'C', at: 110 });
  h.op(3, 'register', 'E', { node: 'E', at: 120 });
  h.read(['C', 'E', 'S'], 200);
  h.op(1, 'check', 'S', { exists: true, at: 300 });
  h.op(2, 'close', 'C', { closed: true, session: '0xc', at: 1000 });
  h.read(options.vanish ? ['E'] : ['E', 'S'], 1100);
  h.op(1, 'check', 'S', { exists: true, at: 1200 });
  h.read(options.lingerUntil !== undefined && options.lingerUntil >= 2000 ? ['C', 'S'] : ['S'], 2000);
  h.op(3, 'check', 'E', {
    exists: null,
    reason: 'session expired',
    at: 9000,
    events: [
      { event: 'disconnected', at: 1500 },
      { event: 'expired', at: 8900 },
    ],
  });
  h.read(options.reappear ? ['E', 'S'] : ['S'], 9100);
  h.op(1, 'check', 'S', { exists: true, at: 9200 });
  if (options.lingerUntil !== undefined && options.lingerUntil >= 20000) h.read(['E', 'S'], 20000);
  h.read(['S'], 30000);
  return h.ops;
}

describe('ephemeral claims', () => {
  it('pass the anomaly-free registry (a stayer, a closed and an expired session)', async () => {
    const results = await evaluateClaims(registry(), [
      ...claim('live'),
      ...claim('reappear'),
      ...claim('linger', { boundMs: 5000, via: 'closed' }),
      ...claim('linger', { boundMs: 5000, via: 'expired' }).map((c) => ({ ...c, name: 'linger-expired' })),
    ]);
    expect(results.map((r) => r.valid)).toEqual([true, true, true, true]);
    expect(results.map((r) => r.explanation)).toEqual([
      ["3 ephemerals, 5 reads: no live session's ephemeral missing"],
      ['2 of 3 ephemerals seen gone; none seen again'],
      [
        '1 sessions closed: their ephemerals were listed up to 0.00 s after the end was observed (bound 5.00 s)',
      ],
      [
        '1 sessions expired: their ephemerals were listed up to 0.00 s after the end was observed (bound 5.00 s)',
      ],
    ]);
  });

  it("live: catches a live session's ephemeral missing from a read", async () => {
    const [result] = await evaluateClaims(registry({ vanish: true }), claim('live'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toBe(
      "node S: read (process 0, op 12) (t=1.10 s to t=1.11 s) did not list it, yet its session lived: the owner's check (process 1, op 22) found it later, at t=9.20 s",
    );
  });

  it("live: catches an owner's own answering session finding its node gone", async () => {
    const h = history();
    h.op(1, 'register', 'S', { node: 'S', at: 100 });
    h.op(1, 'check', 'S', { exists: false, at: 200 });
    const [result] = await evaluateClaims(h.ops, claim('live'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toMatch(
      /^node S: its owner's check \(process 1, op 2\) found it gone at t=0.20 s/,
    );
  });

  it("reappear: catches an expired session's ephemeral listed again after it was gone", async () => {
    const [result] = await evaluateClaims(registry({ reappear: true }), claim('reappear'));
    expect(result.valid).toBe(false);
    expect(result.explanation?.[0]).toBe(
      'node E: gone for read (process 0, op 16) at t=2.01 s, then back for read (process 0, op 20) at t=9.11 s',
    );
    // A read started before the absence returned does not count as a reappearance.
    expect((await evaluateClaims(registry(), claim('reappear')))[0].valid).toBe(true);
  });

  it("linger: catches a closed session's ephemeral listed past the bound, not within it", async () => {
    const within = await evaluateClaims(
      registry({ lingerUntil: 2000 }),
      claim('linger', { boundMs: 5000, via: 'closed' }),
    );
    expect(within[0].valid).toBe(true);
    expect(within[0].explanation?.[0]).toMatch(/listed up to 1.00 s after/);
    const past = await evaluateClaims(
      registry({ lingerUntil: 2000 }),
      claim('linger', { boundMs: 500, via: 'closed' }),
    );
    expect(past[0].valid).toBe(false);
    expect(past[0].explanation?.[1]).toBe(
      'node C: its session closed at t=1.00 s (close (process 2, op 10)), yet read (process 0, op 16) started at t=2.00 s still listed it: 1.00 s > 0.50 s',
    );
  });

  it("linger: catches an expired session's ephemeral still listed long after the expiry was observed", async () => {
    const [result] = await evaluateClaims(
      registry({ lingerUntil: 20000 }),
      claim('linger', { boundMs: 5000, via: 'expired' }),
    );
    expect(result.valid).toBe(false);
    expect(result.explanation?.some((line) => /^node E: its session expired at t=8.90 s/.test(line))).toBe(
      true,
    );
  });

  it('refuses an unknown property or a missing bound', async () => {
    await expect(evaluateClaims(registry(), claim('nope'))).rejects.toThrow(/property must be one of/);
    await expect(evaluateClaims(registry(), claim('linger'))).rejects.toThrow(/boundMs/);
    await expect(evaluateClaims(registry(), claim('linger', { boundMs: 1 }))).rejects.toThrow(/via must be/);
  });
});
