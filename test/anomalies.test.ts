/**
 * Injected anomalies are always caught: stale reads and lost writes on registers, double grants
 * on mutexes, duplicate dequeues on queues. Each property takes a linearizable-by-construction
 * history, injects one anomaly whose invalidity follows from unique values and real-time order,
 * and asserts the checker says invalid.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History, Op } from '../checker/history/types.js';
import { toOperations } from '../checker/history/operations.js';
import { searchLinearization } from '../checker/linearizable/search.js';
import { resolveModel } from '../checker/linearizable/check.js';
import { casRegister, fifoQueue, mutex, simulateHistory } from '../checker/testing/simulate.js';

/** Completed ops with their invoke and completion positions. */
interface Span {
  op: Op;
  completion: Op;
  call: number;
  ret: number;
}

function spans(history: History, type: 'ok' | 'fail' | 'any' = 'ok'): Span[] {
  const open = new Map<unknown, Op>();
  const result: Span[] = [];
  for (const op of history) {
    if (op.type === 'invoke') open.set(op.process, op);
    else {
      const invoke = open.get(op.process)!;
      open.delete(op.process);
      if (op.type !== 'info' && (type === 'any' || op.type === type))
        result.push({ op: invoke, completion: op, call: invoke.index, ret: op.index });
    }
  }
  return result;
}

function replace(history: History, target: Op, change: Partial<Op>): History {
  return history.map((op) => (op === target ? { ...op, ...change } : op));
}

function isInvalid(history: History, model: string, init?: unknown): boolean {
  const resolved = resolveModel({ name: model, options: init === undefined ? {} : { init } });
  return searchLinearization(toOperations(history), resolved).valid === false;
}

const seeds = fc.record({ seed: fc.integer(), threads: fc.integer({ min: 2, max: 6 }) });

describe('injected anomalies are caught', () => {
  it('a stale read: a value overwritten before the read began', () => {
    let injected = 0;
    fc.assert(
      fc.property(seeds, ({ seed, threads }) => {
        const history = simulateHistory(casRegister, { seed, threads, opsPerKey: 60, infoRate: 0.05 });
        const writes = spans(history).filter((s) => s.op.f === 'write');
        const reads = spans(history).filter((s) => s.op.f === 'read');
        for (const read of reads) {
          const before = writes.filter((w) => w.ret < read.call);
          const w1 = before.find((a) => before.some((b) => a.ret < b.call));
          if (!w1) continue;
          injected++;
          expect(
            isInvalid(replace(history, read.completion, { value: w1.op.value }), 'cas-register', null),
          ).toBe(true);
          return;
        }
      }),
      { numRuns: 200 },
    );
    expect(injected).toBeGreaterThan(100);
  });

  it('a lost write: a read after an acknowledged write sees the value from before it', () => {
    let injected = 0;
    fc.assert(
      fc.property(seeds, ({ seed, threads }) => {
        const history = simulateHistory(casRegister, { seed, threads, opsPerKey: 60, infoRate: 0.05 });
        const all = spans(history);
        for (const write of all.filter((s) => s.op.f === 'write')) {
          const earlier = all.find((s) => s.op.f === 'read' && s.ret < write.call);
          const later = all.find((s) => s.op.f === 'read' && s.call > write.ret);
          if (!earlier || !later || earlier.completion.value === later.completion.value) continue;
          injected++;
          const lost = replace(history, later.completion, { value: earlier.completion.value });
          expect(isInvalid(lost, 'cas-register', null)).toBe(true);
          return;
        }
      }),
      { numRuns: 200 },
    );
    expect(injected).toBeGreaterThan(100);
  });

  it('a double grant: an acquire succeeds while another holder cannot have released', () => {
    let injected = 0;
    fc.assert(
      fc.property(seeds, ({ seed, threads }) => {
        const history = simulateHistory(mutex, { seed, threads, opsPerKey: 60 });
        const all = spans(history, 'any');
        const releases = all.filter((s) => s.op.f === 'release' && s.completion.type === 'ok');
        const acquired = all.filter((s) => s.op.f === 'acquire' && s.completion.type === 'ok');
        for (const denied of all.filter((s) => s.op.f === 'acquire' && s.completion.type === 'fail')) {
          const holder = acquired.find(
            (a) => a.ret < denied.call && releases.every((r) => r.ret < a.call || r.call > denied.ret),
          );
          if (!holder) continue;
          injected++;
          expect(isInvalid(replace(history, denied.completion, { type: 'ok' }), 'mutex')).toBe(true);
          return;
        }
      }),
      { numRuns: 200 },
    );
    expect(injected).toBeGreaterThan(50);
  });

  it('a duplicate dequeue: one element handed out twice', () => {
    let injected = 0;
    fc.assert(
      fc.property(seeds, ({ seed, threads }) => {
        const history = simulateHistory(fifoQueue, { seed, threads, opsPerKey: 60, infoRate: 0.05 });
        const dequeued = spans(history).filter((s) => s.op.f === 'dequeue' && s.completion.value !== null);
        if (dequeued.length < 2) return;
        injected++;
        const [first, second] = dequeued;
        expect(
          isInvalid(replace(history, second.completion, { value: first.completion.value }), 'fifo-queue'),
        ).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(injected).toBeGreaterThan(100);
  });
});
