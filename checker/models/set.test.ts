import { describe, expect, it } from 'vitest';
import { ModelError } from './model.js';
import { setModel } from './set.js';
import { info, ok, runOps as run } from './testing.js';

const add = (value: unknown) => ok('add', value, null);
const read = (values: unknown) => ok('read', null, values);

describe('set', () => {
  const model = setModel();

  it('reads exactly what was added, in any order', () => {
    const state = run(model, [add(3), add(1), add(2)]);
    expect(model.step(state, read([1, 2, 3]))).toBe(state);
    expect(model.step(state, read([3, 1, 2]))).toBe(state);
    expect(model.describe?.(state)).toBe('[1, 2, 3]');
    expect(model.step(model.init(), read([]))).toBe(model.init());
  });

  it('ignores adding an element twice', () => {
    const once = run(model, [add('a')]);
    expect(model.step(once, add('a'))).toBe(once);
  });

  it('rejects a read missing an element, naming it', () => {
    const state = run(model, [add(1), add(2)]);
    expect(model.step(state, read([1]))).toBeUndefined();
    expect(model.explain?.(state, read([1]))).toBe('read misses [2], but the set is [1, 2]');
  });

  it('rejects a read with an extra element or a duplicate', () => {
    const state = run(model, [add(1), add(2)]);
    expect(model.step(state, read([1, 2, 5]))).toBeUndefined();
    expect(model.explain?.(state, read([1, 2, 5]))).toBe('read includes 5, but the set is [1, 2]');
    expect(model.step(state, read([1, 2, 2]))).toBeUndefined();
    expect(model.explain?.(state, read([1, 2, 2]))).toBe('read lists 2 twice, but the set is [1, 2]');
    expect(model.step(state, read([1, 1]))).toBeUndefined();
  });

  it('steps unknown adds as taking effect and unknown reads as nothing', () => {
    const state = model.step(model.init(), info('add', 4))!;
    expect(model.step(state, read([4]))).toBe(state);
    expect(model.step(state, info('read', null))).toBe(state);
    expect(model.step(state, read(null))).toBe(state);
  });

  it('compares elements structurally', () => {
    const state = run(model, [add({ k: 1, v: [2] })]);
    expect(model.step(state, read([{ v: [2], k: 1 }]))).toBe(state);
    expect(model.step(state, read([{ k: 1, v: [3] }]))).toBeUndefined();
  });

  it('takes initial elements and rejects reads that are not lists', () => {
    const seeded = setModel({ init: [2, 1, 2] });
    expect(seeded.describe?.(seeded.init())).toBe('[1, 2]');
    expect(seeded.step(seeded.init(), read([1, 2]))).toBeDefined();
    expect(() => model.step(model.init(), read(3))).toThrow(ModelError);
    expect(model.validate?.(read('abc'))).toMatch(/model set: read \(op \d+\) returned "abc", not a list/);
    expect(model.readOnly?.(read([]))).toBe(true);
    expect(model.readOnly?.(add(1))).toBe(false);
  });
});
