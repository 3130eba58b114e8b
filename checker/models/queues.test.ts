import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeId, decodeIds, encodeId, fifoQueueModel } from './fifo-queue.js';
import { getModel } from './index.js';
import { ModelError } from './model.js';
import { info, ok, runOps as run } from './testing.js';
import { unorderedQueueModel } from './unordered-queue.js';

const enqueue = (value: unknown) => ok('enqueue', value, null);
const dequeue = (value: unknown) => ok('dequeue', null, value);

describe('fifo-queue', () => {
  const model = fifoQueueModel();

  it('dequeues in enqueue order', () => {
    const state = run(model, [enqueue(1), enqueue(2), enqueue(3), dequeue(1)]);
    expect(model.describe?.(state)).toBe('[2, 3]');
    expect(model.describe?.(run(model, [enqueue(1), enqueue(2), dequeue(1), dequeue(2)]))).toBe('[]');
  });

  it('rejects a dequeue of anything but the head, naming the head', () => {
    const state = run(model, [enqueue(1), enqueue(2)]);
    expect(model.step(state, dequeue(2))).toBeUndefined();
    expect(model.explain?.(state, dequeue(2))).toBe('dequeued 2 but the head is 1 (the queue is [1, 2])');
    expect(model.step(model.init(), dequeue(2))).toBeUndefined();
    expect(model.explain?.(model.init(), dequeue(2))).toBe('dequeued 2 but the queue is empty');
  });

  it('accepts a dequeue of null only when the queue is empty', () => {
    expect(model.step(model.init(), dequeue(null))).toBe(model.init());
    const state = run(model, [enqueue('a')]);
    expect(model.step(state, dequeue(null))).toBeUndefined();
    expect(model.explain?.(state, dequeue(null))).toBe(
      'dequeue found the queue empty but the queue is ["a"]',
    );
    expect(model.readOnly?.(dequeue(null))).toBe(true);
    expect(model.readOnly?.(dequeue('a'))).toBe(false);
  });

  it('steps an unknown dequeue as removing the head, or nothing from an empty queue', () => {
    const state = run(model, [enqueue(1), enqueue(2)]);
    expect(model.describe?.(model.step(state, info('dequeue', null))!)).toBe('[2]');
    expect(model.step(model.init(), info('dequeue', null))).toBe(model.init());
    expect(model.describe?.(model.step(state, info('enqueue', 3))!)).toBe('[1, 2, 3]');
  });

  it('compares elements structurally and renders long queues briefly', () => {
    const state = run(model, [enqueue({ a: 1, b: 2 })]);
    expect(model.step(state, dequeue({ b: 2, a: 1 }))).toBe(model.init());
    const long = fifoQueueModel({ init: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(long.describe?.(long.init())).toBe('[1, 2, 3, 4, 5, 6, … 2 more]');
  });

  it('takes initial elements, and rejects null elements as bad input', () => {
    const seeded = fifoQueueModel({ init: ['x', 'y'] });
    expect(seeded.step(seeded.init(), dequeue('x'))).toBeDefined();
    expect(() => fifoQueueModel({ init: 5 })).toThrow(
      /model fifo-queue: init must be a list of elements, got 5/,
    );
    expect(() => model.step(model.init(), enqueue(null))).toThrow(ModelError);
    expect(model.validate?.(enqueue(null))).toMatch(
      /has no element \(null means "empty" in dequeue replies\)/,
    );
    expect(model.validate?.(ok('peek', null, null))).toMatch(/has no operation "peek"/);
  });

  it('encodes ids so that concatenations decode unambiguously', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2 ** 31 - 1 }), { maxLength: 20 }), (ids) => {
        const encoded = ids.map(encodeId).join('');
        expect(decodeIds(encoded)).toEqual(ids);
        if (ids.length > 0) expect(decodeId(encoded, 0)[0]).toBe(ids[0]);
        // No surrogates or control characters: the state is a well-formed, printable-ish string.
        for (const char of encoded) expect(char.charCodeAt(0)).toBeGreaterThanOrEqual(0x4000);
        for (const char of encoded) expect(char.charCodeAt(0)).toBeLessThan(0xd800);
      }),
    );
  });
});

describe('unordered-queue', () => {
  const model = unorderedQueueModel();

  it('dequeues any element, one copy at a time', () => {
    const state = run(model, [enqueue(1), enqueue(2), enqueue(1)]);
    const after = model.step(state, dequeue(1))!;
    expect(model.describe?.(after)).toBe('[1, 2]');
    expect(model.describe?.(model.step(after, dequeue(2))!)).toBe('[1]');
  });

  it('rejects a dequeue of an element it does not hold', () => {
    const state = run(model, [enqueue(1)]);
    expect(model.step(state, dequeue(3))).toBeUndefined();
    expect(model.explain?.(state, dequeue(3))).toBe('dequeued 3 but the queue holds [1]');
    expect(model.explain?.(model.init(), dequeue(3))).toBe('dequeued 3 but the queue is empty');
    expect(model.step(state, dequeue(null))).toBeUndefined();
    expect(model.step(model.init(), dequeue(null))).toBe(model.init());
  });

  it('gives every outcome of an unknown dequeue through stepAll', () => {
    const state = run(model, [enqueue('a'), enqueue('b'), enqueue('a')]);
    const outcomes = model.stepAll!(state, info('dequeue', null)).map((s) => model.describe?.(s));
    expect(outcomes.sort()).toEqual(['["a", "a"]', '["a", "b"]']);
    expect(model.stepAll!(model.init(), info('dequeue', null))).toEqual([model.init()]);
    expect(model.stepAll!(state, dequeue('c'))).toEqual([]);
    expect(() => model.step(state, info('dequeue', null))).toThrow(/has 2 outcomes; use stepAll/);
    const single = run(model, [enqueue('a'), enqueue('a')]);
    expect(model.describe?.(model.step(single, info('dequeue', null))!)).toBe('["a"]');
  });

  it('hashes a multiset, not an order', () => {
    const ab = run(model, [enqueue('a'), enqueue('b')]);
    const ba = run(model, [enqueue('b'), enqueue('a')]);
    expect(model.hash?.(ab)).toBe(model.hash?.(ba));
    expect(model.equal?.(ab, ba)).toBe(true);
    expect(model.hash?.(ab)).not.toBe(model.hash?.(run(model, [enqueue('a'), enqueue('a')])));
  });
});

describe('queues: no search needed for an element handed out too often', () => {
  for (const name of ['fifo-queue', 'unordered-queue']) {
    it(`${name}: more dequeues of a value than initial copies and enqueues is impossible`, () => {
      const model = getModel(name);
      expect(model.impossible?.([enqueue(1), dequeue(1), dequeue(2)])).toMatchObject({
        reason: 'dequeue returned 2, which was never enqueued',
      });
      const ops = [enqueue(1), dequeue(1), dequeue(1)]; // in real-time order
      const twice = ops[2];
      expect(model.impossible?.(ops)).toEqual({
        op: twice,
        reason: 'dequeue returned 1 for the 2nd time, but it was enqueued at most once',
      });
      // An unknown enqueue may have happened; empty and unknown dequeues take nothing.
      expect(model.impossible?.([info('enqueue', 1), dequeue(1), dequeue(null), info('dequeue', null)])).toBe(
        undefined,
      );
      expect(getModel(name, { init: [1] }).impossible?.([enqueue(1), dequeue(1), dequeue(1)])).toBe(
        undefined,
      );
    });
  }
});
