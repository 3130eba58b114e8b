import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { History, Op, Operation } from '../history/types.js';
import type { Model } from '../models/model.js';
import { toOperations } from '../history/operations.js';
import { getModel } from '../models/index.js';
import {
  casRegister,
  fifoQueue,
  mutex,
  simulateHistory,
  smallValueRegister,
  zkVersioned,
  type SimulatedObject,
} from '../testing/simulate.js';
import { bruteForceLinearizable } from './bruteforce.js';
import { checkLinearizable, resolveModel } from './check.js';
import { searchLinearization } from './search.js';

/** Builds operations from [process, f, input, output, call, ret] rows; ret Infinity = info. */
function ops(rows: Array<[number, string, unknown, unknown, number, number]>): Operation[] {
  return rows.map(([process, f, input, output, call, ret], id) => ({
    id,
    process,
    f,
    input,
    output: ret === Infinity ? undefined : output,
    status: ret === Infinity ? 'info' : 'ok',
    call,
    ret,
    invokeIndex: call,
    ...(ret === Infinity ? {} : { completeIndex: ret }),
  }));
}

const cas = (init: unknown = null) => resolveModel({ name: 'cas-register', options: { init } });

describe('searchLinearization', () => {
  it('accepts a read concurrent with the write it observes', () => {
    const history = ops([
      [0, 'write', 1, 1, 0, 3],
      [1, 'read', null, 1, 1, 2],
    ]);
    expect(searchLinearization(history, cas()).valid).toBe(true);
  });

  it('rejects a stale read after an overwrite completed, naming the read', () => {
    const history = ops([
      [0, 'write', 1, 1, 0, 1],
      [0, 'write', 2, 2, 2, 3],
      [1, 'read', null, 1, 4, 5],
    ]);
    const result = searchLinearization(history, cas());
    expect(result.valid).toBe(false);
    expect(result.counterexample?.op.f).toBe('read');
    expect(result.counterexample?.previousOk?.input).toBe(2);
    const illegal = result.counterexample?.finalPaths.flatMap((path) =>
      path.filter((step) => step.inconsistency),
    );
    expect(illegal?.length).toBeGreaterThan(0);
  });

  it('lets an unknown-outcome write take effect late, or never', () => {
    const late = ops([
      [0, 'write', 1, undefined, 0, Infinity],
      [1, 'read', null, null, 1, 2],
      [1, 'read', null, 1, 10, 11],
    ]);
    expect(searchLinearization(late, cas()).valid).toBe(true);
    const never = ops([
      [0, 'write', 1, undefined, 0, Infinity],
      [1, 'read', null, null, 10, 11],
    ]);
    expect(searchLinearization(never, cas()).valid).toBe(true);
  });

  it('does not let an unknown write take effect twice', () => {
    const history = ops([
      [0, 'write', 1, undefined, 0, Infinity],
      [1, 'write', 2, 2, 1, 2],
      [1, 'read', null, 1, 3, 4],
      [1, 'read', null, 2, 5, 6],
    ]);
    expect(searchLinearization(history, cas()).valid).toBe(false);
  });

  it('ends with unknown and cause "memory" when the configuration cap is reached', () => {
    // Many concurrent writes with no reads make every subset a distinct configuration.
    const rows: Array<[number, string, unknown, unknown, number, number]> = [];
    for (let p = 0; p < 24; p++) rows.push([p, 'write', p, p, 0, 100]);
    rows.push([99, 'read', null, -1, 200, 201]);
    const result = searchLinearization(ops(rows), cas(), { maxConfigurations: 5_000 });
    expect(result).toMatchObject({ valid: 'unknown', cause: 'memory' });
  });

  it('ends with unknown and cause "memory" when the state cap is reached, never a RangeError', () => {
    // Each write is its own state; the cap stands for the 2^24 entries a Map holds at most.
    const rows: Array<[number, string, unknown, unknown, number, number]> = [];
    for (let p = 0; p < 24; p++) rows.push([p, 'write', p, p, 0, 100]);
    rows.push([99, 'read', null, -1, 200, 201]);
    expect(searchLinearization(ops(rows), cas(), { maxStates: 10 })).toMatchObject({
      valid: 'unknown',
      cause: 'memory',
    });
    // Under the cap, the same search decides: no write ever made -1.
    expect(searchLinearization(ops(rows.slice(20)), cas(), { maxStates: 10 }).valid).toBe(false);
  });

  it('ends with unknown and cause "timeout" when the deadline passes', () => {
    const rows: Array<[number, string, unknown, unknown, number, number]> = [];
    for (let p = 0; p < 24; p++) rows.push([p, 'write', p, p, 0, 100]);
    rows.push([99, 'read', null, -1, 200, 201]);
    const result = searchLinearization(ops(rows), cas(), { deadline: performance.now() + 50 });
    expect(result).toMatchObject({ valid: 'unknown', cause: 'timeout' });
  });
});

/** Small random histories: tiny so the brute-force oracle stays fast. */
function smallHistory<S>(object: SimulatedObject<S>, infoRate = 0.15) {
  return fc
    .record({
      seed: fc.integer(),
      threads: fc.integer({ min: 1, max: 4 }),
      opsPerKey: fc.integer({ min: 1, max: 7 }),
    })
    .map((options) => simulateHistory(object, { ...options, infoRate }));
}

/**
 * Perturbs one completion so the history may or may not stay linearizable: a read or dequeue
 * returns another value, a failed op claims success (a double grant, say), or a success claims
 * failure.
 */
function perturb(history: History, choice: number, value: number): History {
  const completions = history.filter((op) => op.type === 'ok' || op.type === 'fail');
  if (completions.length === 0) return history;
  const target = completions[choice % completions.length];
  const changed: Op =
    target.type === 'fail'
      ? { ...target, type: 'ok' }
      : target.f === 'read' || target.f === 'dequeue'
        ? { ...target, value }
        : { ...target, type: 'fail' };
  return history.map((op) => (op === target ? changed : op));
}

/** Model, simulated object, initial value, what its values are like, rate of unknown outcomes. */
const objects: Array<[string, SimulatedObject<unknown>, unknown, string, number]> = [
  ['cas-register', casRegister as SimulatedObject<unknown>, null, 'unique values', 0.15],
  // More crashed ops where classes are possible: the interchangeable rules need two or more.
  ['cas-register', smallValueRegister as SimulatedObject<unknown>, null, 'small values', 0.5],
  ['mutex', mutex as SimulatedObject<unknown>, undefined, 'unique values', 0.15],
  ['fifo-queue', fifoQueue as SimulatedObject<unknown>, undefined, 'unique values', 0.15],
  ['zk-versioned-register', zkVersioned() as SimulatedObject<unknown>, null, 'unique values', 0.35],
  ['zk-versioned-register', zkVersioned(3) as SimulatedObject<unknown>, null, 'small values', 0.35],
];

/** Whether the model puts two ops of `operations` in one class of interchangeable ops. */
function hasInterchangeable(model: Model<unknown>, operations: Operation[]): boolean {
  const classOf = model.interchangeable?.(operations);
  if (classOf === undefined) return false;
  const seen = new Set<number>();
  for (const cls of classOf) {
    if (cls >= 0 && seen.has(cls)) return true;
    seen.add(cls);
  }
  return false;
}

describe('search against the brute-force oracle', () => {
  for (const [name, object, init, values, infoRate] of objects) {
    const model = resolveModel({ name, options: init === undefined ? {} : { init } });
    it(`agrees on random valid and invalid ${name} histories (${values})`, () => {
      let invalid = 0;
      let pruned = 0;
      let classed = 0;
      fc.assert(
        fc.property(
          smallHistory(object, infoRate),
          fc.nat(),
          fc.integer({ min: 0, max: 6 }),
          (history, choice, value) => {
            const operations = toOperations(perturb(history, choice, value));
            const expected = bruteForceLinearizable(operations, model);
            if (!expected) invalid++;
            if (model.prune?.(operations) !== undefined) pruned++;
            // As the search sees them: after pruning.
            if (hasInterchangeable(model, model.prune?.(operations) ?? operations)) classed++;
            expect(searchLinearization(operations, model).valid).toBe(expected);
          },
        ),
        { numRuns: 2_600 },
      );
      // Both verdicts must be exercised, or the agreement proves little; so must every pruning rule
      // (the oracle searches everything, the search leaves out what the model's prune says).
      expect(invalid).toBeGreaterThan(200);
      if (name === 'cas-register') expect(pruned).toBeGreaterThan(100);
      // Every versioned object makes classes; a register's need a crashed update repeated with a
      // value some op observes (else it is pruned), rarer: the unsound variant tried still fails.
      if (name === 'zk-versioned-register') expect(classed, 'with interchangeable ops').toBeGreaterThan(100);
      // (25-37 such histories in ten runs here, and 19 once: the bound sits far
      // below, and still fails a rule that never forms a class.)
      if (name === 'cas-register' && values === 'small values')
        expect(classed, 'with interchangeable ops').toBeGreaterThan(10);
    });
  }

  it('finds every simulated (linearizable by construction) history valid', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const history = simulateHistory(casRegister, { seed, threads: 6, opsPerKey: 300, infoRate: 0.05 });
        expect(searchLinearization(toOperations(history), cas()).valid).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

describe('checkLinearizable', () => {
  it('checks independent keys separately and on worker threads when asked', async () => {
    const history = simulateHistory(casRegister, {
      seed: 7,
      threads: 5,
      opsPerKey: 400,
      keys: 8,
      infoRate: 0.05,
    });
    const operations = toOperations(history);
    const inline = await checkLinearizable(
      operations,
      { name: 'cas-register', options: { init: null } },
      { workers: 0 },
    );
    const parallel = await checkLinearizable(
      operations,
      { name: 'cas-register', options: { init: null } },
      { workers: 2 },
    );
    expect(inline).toMatchObject({ valid: true, partitions: 8, operations: operations.length });
    expect(parallel).toMatchObject({ valid: true, partitions: 8 });
  });

  it('reports the invalid key with a counterexample from a worker', async () => {
    const history = simulateHistory(casRegister, { seed: 11, threads: 4, opsPerKey: 200, keys: 4 });
    const reads = history.filter((op) => op.type === 'ok' && op.f === 'read' && op.key === 2);
    const broken = history.map((op) => (op === reads[reads.length - 1] ? { ...op, value: -7 } : op));
    const result = await checkLinearizable(
      toOperations(broken),
      { name: 'cas-register', options: { init: null } },
      { workers: 2 },
    );
    expect(result.valid).toBe(false);
    expect(result.counterexample?.key).toBe(2);
    expect(result.counterexample?.op.output).toBe(-7);
  });

  it('goes on with workers beside this thread once a check is long, on one queue of parts', async () => {
    // parallelAfterMs 0: a worker starts after this thread's first turn and takes parts once it
    // is up, if any are left (pool.test.ts checks which it takes); the verdicts must not change.
    const history = simulateHistory(casRegister, { seed: 5, threads: 4, opsPerKey: 150, keys: 24 });
    const operations = toOperations(history);
    const spec = { name: 'cas-register', options: { init: null } };
    const valid = await checkLinearizable(operations, spec, { parallelAfterMs: 0 });
    expect(valid).toMatchObject({ valid: true, partitions: 24, operations: operations.length });
    // Parts are checked smallest first; the broken key is as large as the others, so it may fall
    // to either thread: the verdict and its counterexample must not depend on which.
    const reads = history.filter((op) => op.type === 'ok' && op.f === 'read' && op.key === 20);
    const broken = history.map((op) => (op === reads[reads.length - 1] ? { ...op, value: -7 } : op));
    const invalid = await checkLinearizable(toOperations(broken), spec, { parallelAfterMs: 0 });
    expect(invalid.valid).toBe(false);
    expect(invalid.counterexample?.key).toBe(20);
    expect(invalid.counterexample?.op.output).toBe(-7);
  });

  it('uses a model object in this thread', async () => {
    const model = getModel('cas-register', { init: null });
    const result = await checkLinearizable(ops([[0, 'read', null, 5, 0, 1]]), model);
    expect(result.valid).toBe(false);
  });
});
