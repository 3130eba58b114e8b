import { describe, expect, it } from 'vitest';
import type { Operation } from '../history/types.js';
import { checkClaims, claimsVerdict } from './claims.js';
import { cas, history, read, VERSIONED, write } from './testing.js';
import { ALLOWED_NOTE, ALSO_BROKEN_NOTE, type ClaimName, type ClaimResult } from './types.js';

type Verdicts = Partial<Record<ClaimName, ClaimResult['valid']>>;

/** Checks every claim by both methods; they must agree. Returns the graph method's results. */
async function claims(ops: Operation[]): Promise<ClaimResult[]> {
  const byGraph = await checkClaims(ops, VERSIONED, { workers: 0 });
  const bySearch = await checkClaims(ops, VERSIONED, { workers: 0, graph: false });
  expect(bySearch.every((result) => result.method === 'search')).toBe(true);
  expect(verdicts(byGraph)).toEqual(verdicts(bySearch));
  return byGraph;
}

const verdicts = (results: ClaimResult[]): Verdicts =>
  Object.fromEntries(results.map((result) => [result.claim, result.valid]));
const find = (results: ClaimResult[], claim: ClaimName) => results.find((result) => result.claim === claim)!;

describe('checkClaims on hand-made histories', () => {
  it('a stale read: sequentially consistent and ZooKeeper-valid, not linearizable, and labelled allowed', async () => {
    const results = await claims(
      history(
        write(0, 1, 1, [0, 1]),
        read(1, 0, 0, [2, 3]), // invoked after the write of 1 completed, still sees the initial 0
      ),
    );
    expect(verdicts(results)).toEqual({
      'writes-linearizable': true,
      sequential: true,
      zookeeper: true,
      'sync-reads-linearizable': true,
      linearizable: false,
    });
    expect(find(results, 'linearizable')).toMatchObject({
      method: 'graph',
      note: ALLOWED_NOTE,
      promised: false,
    });
    expect(
      find(results, 'linearizable')
        .cycle?.steps.map((step) => step.edge)
        .sort(),
    ).toEqual(['realtime', 'rw']);
    expect(find(results, 'sync-reads-linearizable').note).toBe('no sync reads in this history');
    expect(claimsVerdict(results)).toBe(true);
  });

  it("valid under ZooKeeper's model but not linearizable: two sessions read in opposite real-time order", async () => {
    // Session 1 sees 2, then (after that read returned) session 2 sees the older 1: followers lag
    // differently. Each session alone moves forward, and updates are in real-time order.
    const results = await claims(
      history(
        write(0, 1, 1, [0, 1]),
        write(0, 2, 2, [2, 3]),
        read(1, 2, 2, [4, 5]),
        read(2, 1, 1, [6, 7]),
        read(2, 2, 2, [8, 9]),
      ),
    );
    expect(verdicts(results)).toMatchObject({ sequential: true, zookeeper: true, linearizable: false });
    expect(find(results, 'linearizable').note).toBe(ALLOWED_NOTE);
    expect(claimsVerdict(results)).toBe(true);
  });

  it('a sync read that is stale breaks only the unpromised sync+read claim', async () => {
    const results = await claims(history(write(0, 1, 1, [0, 1]), read(1, 0, 0, [2, 3], { sync: true })));
    expect(verdicts(results)).toMatchObject({ zookeeper: true, 'sync-reads-linearizable': false });
    expect(find(results, 'sync-reads-linearizable').note).toBe(ALLOWED_NOTE);
    expect(claimsVerdict(results)).toBe(true);
  });

  it('invalid even under sequential consistency: a session reads 5, then 3 after 3 was overwritten once', async () => {
    const results = await claims(
      history(write(0, 3, 1, [0, 1]), write(0, 5, 2, [2, 3]), read(1, 5, 2, [4, 5]), read(1, 3, 1, [6, 7])),
    );
    expect(verdicts(results)).toEqual({
      'writes-linearizable': true,
      sequential: false,
      zookeeper: false,
      'sync-reads-linearizable': true,
      linearizable: false,
    });
    const sequential = find(results, 'sequential');
    expect(sequential.method).toBe('graph');
    // read 3 → (rw) write 5 → (wr) read 5 → (process) read 3
    expect(sequential.cycle?.steps.map((step) => [step.op.f, step.edge])).toEqual(
      expect.arrayContaining([
        ['read', 'rw'],
        ['write', 'wr'],
        ['read', 'process'],
      ]),
    );
    expect(find(results, 'linearizable').note).toBe(ALSO_BROKEN_NOTE);
    expect(claimsVerdict(results)).toBe(false);
  });

  it('writes not linearizable: a later write gets the older version', async () => {
    // Process 1 writes 2 after process 0's write of 1 completed, yet 2 got version 1.
    const results = await claims(history(write(0, 1, 2, [0, 1]), write(1, 2, 1, [2, 3])));
    expect(verdicts(results)).toMatchObject({
      'writes-linearizable': false,
      sequential: true, // no real time: 2 then 1 is a legal order
      zookeeper: false,
      linearizable: false,
    });
    expect(find(results, 'writes-linearizable').cycle?.steps).toHaveLength(2);
    expect(claimsVerdict(results)).toBe(false);
  });

  it('two writes reporting the same version are invalid at once, for every claim', async () => {
    const results = await claims(history(write(0, 1, 1, [0, 1]), write(1, 2, 1, [0.5, 2])));
    expect(Object.values(verdicts(results))).toEqual([false, false, false, false, false]);
    expect(find(results, 'sequential').conflict?.reason).toMatch(/two updates both report version 1/);
  });

  it('counts an unknown-outcome write that a read saw as done, and drops one nobody saw', async () => {
    const seen = history(
      write(0, 1, 0, [0, Infinity]),
      write(1, 2, 2, [1, 2]), // version 2: the info write must be version 1
      read(2, 1, 1, [3, 4]),
    );
    const results = await claims(seen);
    expect(results.every((result) => result.method === 'graph')).toBe(true);
    expect(verdicts(results)).toMatchObject({ sequential: true, linearizable: false });

    const unseen = history(write(0, 9, 0, [0, Infinity]), write(1, 2, 1, [1, 2]), read(2, 2, 1, [3, 4]));
    expect(verdicts(await claims(unseen))).toMatchObject({ sequential: true, linearizable: true });
  });

  it('guesses which of two unknown-outcome writes filled a version gap, and an acyclic graph proves it', async () => {
    const results = await claims(
      history(
        write(0, 1, 0, [0, Infinity]),
        write(1, 2, 0, [1, Infinity]),
        write(2, 3, 3, [2, 3]), // versions 1 and 2 come from the two info writes, in some order
        read(3, 3, 3, [4, 5]),
      ),
    );
    expect(find(results, 'sequential')).toMatchObject({ method: 'graph', valid: true });
    expect(find(results, 'linearizable')).toMatchObject({ method: 'graph', valid: true });
  });

  it('falls back to the search when the only cycle leans on a guessed gap filler', async () => {
    // Version 1 came from info write 1 or info write 2. Guessing the earlier-invoked write of 1
    // gives a cycle (it must follow its session's read of version 2); the write of 2 works.
    const results = await claims(
      history(
        read(0, 3, 2, [0, 10]),
        write(0, 1, 0, [11, Infinity]),
        write(1, 2, 0, [12, Infinity]),
        write(2, 3, 2, [1, 2]),
      ),
    );
    expect(find(results, 'sequential')).toMatchObject({ method: 'search', valid: true });
    expect(find(results, 'sequential').fallback).toMatch(/depends on which unknown-outcome update/);
  });

  it('a read of a version no update could produce is a conflict', async () => {
    const results = await claims(history(write(0, 1, 1, [0, 1]), read(1, 7, 2, [2, 3])));
    expect(find(results, 'sequential')).toMatchObject({ valid: false, method: 'graph' });
    expect(find(results, 'sequential').conflict?.reason).toMatch(/version 2 needs 2 updates/);
    expect(find(results, 'writes-linearizable').valid).toBe(true);
  });

  it('cas chains are ordered by version like writes', async () => {
    const results = await claims(
      history(write(0, 1, 1, [0, 1]), cas(1, 1, 2, [2, 3]), read(2, 2, 2, [4, 5]), read(2, 1, 1, [6, 7])),
    );
    expect(verdicts(results)).toMatchObject({ 'writes-linearizable': true, sequential: false });
  });

  it('reports a thrown model error as unknown with the cause, never a crash', async () => {
    const bad = history(write(0, 1, 1, [0, 1]), { ...read(1, 1, 1, [2, 3]), f: 'frobnicate' });
    const results = await checkClaims(bad, VERSIONED, { workers: 0, claims: ['sequential'] });
    expect(results[0]).toMatchObject({ valid: 'unknown', method: 'search' });
    expect(results[0].cause).toMatch(/frobnicate/);
  });
});

describe('budgets', () => {
  // 14 sessions each writing twice, replies without versions (so the search must decide), and a
  // read of a value nobody wrote: every interleaving of the writes is a configuration to try.
  const pathological = () => {
    const drafts = [];
    for (let p = 0; p < 14; p++) {
      drafts.push({ ...write(p, p, 0, [p, 100 + p]), output: p });
      drafts.push({ ...write(p, p + 20, 0, [200 + p, 300 + p]), output: p + 20 });
    }
    drafts.push({ ...read(99, 0, 0, [400, 401]), output: -1 });
    return history(...drafts);
  };

  it('a pathological history ends unknown within its time limit, by search', async () => {
    const started = performance.now();
    const results = await checkClaims(pathological(), VERSIONED, {
      // Not 'zookeeper': its real-time order prunes so well that a fast machine may prove this
      // history invalid inside the budget, and the test is about the budget.
      claims: ['sequential'],
      timeLimitMs: 300,
      workers: 0,
    });
    for (const result of results) {
      expect(result).toMatchObject({ valid: 'unknown', cause: 'timeout', method: 'search' });
      expect(result.fallback).toMatch(/reports no version/);
      expect(result.ms).toBeLessThan(1_000);
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(claimsVerdict(results)).toBe('unknown');
  });

  it('and within its memory cap', async () => {
    const [result] = await checkClaims(pathological(), VERSIONED, {
      claims: ['sequential'],
      maxMemoryBytes: 4 * 1024 * 1024,
      workers: 0,
    });
    expect(result).toMatchObject({ valid: 'unknown', cause: 'memory' });
  });
});

describe('claimsVerdict', () => {
  const result = (claim: ClaimName, promised: boolean, valid: ClaimResult['valid']): ClaimResult => ({
    claim,
    title: claim,
    promised,
    valid,
    method: 'graph',
    ms: 0,
  });

  it('lets only promised claims decide when any were checked', () => {
    expect(claimsVerdict([result('sequential', true, true), result('linearizable', false, false)])).toBe(
      true,
    );
    expect(claimsVerdict([result('sequential', true, false), result('linearizable', false, true)])).toBe(
      false,
    );
    expect(claimsVerdict([result('zookeeper', true, 'unknown'), result('sequential', true, true)])).toBe(
      'unknown',
    );
    expect(claimsVerdict([result('zookeeper', true, 'unknown'), result('sequential', true, false)])).toBe(
      false,
    );
  });

  it('uses the unpromised claims when they are all that was checked', () => {
    expect(claimsVerdict([result('linearizable', false, false)])).toBe(false);
    expect(claimsVerdict([])).toBe(true);
  });
});
