import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History, Op, Operation } from '../history/types.js';
import { toOperations } from '../history/operations.js';
import { resolveModel } from '../linearizable/check.js';
import { searchLinearization } from '../linearizable/search.js';
import type { Model } from '../models/model.js';
import {
  casRegister,
  fifoQueue,
  simulateHistory,
  smallValueRegister,
  type SimulatedObject,
} from '../testing/simulate.js';
import { bruteForceSequential } from './bruteforce.js';
import { keyedModel } from './keyed.js';
import { searchSequential } from './sequential.js';

/** [process, f, input, output, call, ret] rows; ret Infinity = unknown outcome. */
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

const register = () => resolveModel({ name: 'cas-register', options: { init: 0 } });
const isUpdate = (model: Model<unknown>) => (op: Operation) => !(model.readOnly?.(op) ?? false);

describe('searchSequential', () => {
  it('accepts a stale read that only real time forbids (sequentially consistent, not linearizable)', () => {
    const history = ops([
      [0, 'write', 1, 1, 0, 1],
      [1, 'read', null, 0, 2, 3],
    ]);
    expect(searchLinearization(history, register()).valid).toBe(false);
    expect(searchSequential(history, register()).valid).toBe(true);
    expect(searchSequential(history, register(), { realtime: isUpdate(register()) }).valid).toBe(true);
  });

  it('rejects a session that reads 5 then 3 after 3 was overwritten only once', () => {
    const history = ops([
      [0, 'write', 3, 3, 0, 1],
      [0, 'write', 5, 5, 2, 3],
      [1, 'read', null, 5, 4, 5],
      [1, 'read', null, 3, 6, 7],
    ]);
    const result = searchSequential(history, register());
    expect(result.valid).toBe(false);
    expect(result.counterexample?.op).toMatchObject({ process: 1, output: 3 });
  });

  it("ZooKeeper's model orders updates in real time; sequential consistency does not", () => {
    // Process 1 writes 2 after process 0's write of 1 completed, yet a reader sees 2 then 1.
    const history = ops([
      [0, 'write', 1, 1, 0, 1],
      [1, 'write', 2, 2, 2, 3],
      [2, 'read', null, 2, 4, 5],
      [2, 'read', null, 1, 6, 7],
    ]);
    expect(searchSequential(history, register()).valid).toBe(true);
    expect(searchSequential(history, register(), { realtime: isUpdate(register()) }).valid).toBe(false);
  });

  it('treats an unknown-outcome op as taking effect or not, last in its process', () => {
    const history = ops([
      [0, 'write', 1, undefined, 0, Infinity],
      [1, 'read', null, 1, 2, 3],
      [1, 'read', null, 1, 4, 5],
    ]);
    expect(searchSequential(history, register()).valid).toBe(true);
  });

  it('ends unknown within its budget on a pathological history', () => {
    // 14 processes, each writing twice with no reads to pin anything, and a final impossible read.
    const rows: Array<[number, string, unknown, unknown, number, number]> = [];
    for (let p = 0; p < 14; p++)
      rows.push([p, 'write', p, p, p, 100 + p], [p, 'write', p + 20, p + 20, 200 + p, 300 + p]);
    rows.push([99, 'read', null, -1, 400, 401]);
    const started = performance.now();
    const byTime = searchSequential(ops(rows), register(), { deadline: performance.now() + 200 });
    expect(byTime).toMatchObject({ valid: 'unknown', cause: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2_000);
    const byMemory = searchSequential(ops(rows), register(), { maxMemoryBytes: 4 * 1024 * 1024 });
    expect(byMemory).toMatchObject({ valid: 'unknown', cause: 'memory' });
  });
});

/** Perturbs one completion (a read's value, or ok↔fail) so the result may or may not stay legal. */
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

const cases: Array<[string, SimulatedObject<unknown>, number, string, unknown]> = [
  ['unique-value register, 2 keys', casRegister as SimulatedObject<unknown>, 2, 'cas-register', null],
  ['small-value register, 1 key', smallValueRegister as SimulatedObject<unknown>, 1, 'cas-register', null],
  ['fifo queue, 1 key', fifoQueue as SimulatedObject<unknown>, 1, 'fifo-queue', undefined],
];

describe('search against the brute-force oracle', () => {
  for (const [label, object, keys, name, init] of cases) {
    const model = keyedModel(resolveModel({ name, options: init === undefined ? {} : { init } }));
    for (const [claim, realtime] of [
      ['sequential consistency', undefined],
      ["ZooKeeper's model", isUpdate(model as Model<unknown>)],
    ] as const) {
      it(`agrees on ${claim} for random ${label} histories`, () => {
        const verdicts = { valid: 0, invalid: 0 };
        fc.assert(
          fc.property(
            fc.integer(),
            fc.integer({ min: 1, max: 4 }),
            fc.integer({ min: 1, max: 4 }),
            fc.nat(),
            fc.integer({ min: 0, max: 5 }),
            (seed, threads, opsPerKey, choice, value) => {
              const history = simulateHistory(object, { seed, threads, opsPerKey, keys, infoRate: 0.15 });
              const operations = toOperations(perturb(history, choice, value));
              const expected = bruteForceSequential(operations, model, realtime);
              verdicts[expected ? 'valid' : 'invalid']++;
              expect(searchSequential(operations, model, { realtime }).valid).toBe(expected);
            },
          ),
          { numRuns: 3_400 },
        );
        expect(verdicts.invalid).toBeGreaterThan(100);
        expect(verdicts.valid).toBeGreaterThan(100);
      });
    }
  }
});
