import { describe, expect, it } from 'vitest';
import { kvModel } from './kv.js';
import { ModelError } from './model.js';
import { info, ok, runOps as run } from './testing.js';

const get = (key: string | number, value: unknown) => ok('get', null, value, { key });
const put = (key: string | number, value: unknown) => ok('put', value, null, { key });
const append = (key: string | number, value: unknown) => ok('append', value, null, { key });

describe('kv', () => {
  const model = kvModel();

  it('gets what put and append left, per key', () => {
    const state = run(model, [put('a', 'x'), append('a', 'y'), append('b', 'z')]);
    expect(model.step(state, get('a', 'xy'))).toBe(state);
    expect(model.step(state, get('b', 'z'))).toBe(state);
    expect(model.describe?.(state)).toBe('{"a": "xy", "b": "z"}');
  });

  it('reads an absent key as "", and treats an empty put as absent', () => {
    expect(model.step(model.init(), get('a', ''))).toBe(model.init());
    const emptied = run(model, [put('a', 'x'), put('a', '')]);
    expect(model.hash?.(emptied)).toBe(model.hash?.(model.init()));
    expect(model.equal?.(emptied, model.init())).toBe(true);
  });

  it('rejects a stale get and says what the key holds', () => {
    const state = run(model, [put('k', 'x 0 0 y')]);
    expect(model.step(state, get('k', ''))).toBeUndefined();
    expect(model.explain?.(state, get('k', ''))).toBe('get returned "" but key "k" holds "x 0 0 y"');
    expect(model.explain?.(model.init(), get('k', 'q'))).toBe('get returned "q" but key "k" is absent ("")');
  });

  it('keeps keys 1 and "1" apart', () => {
    const state = run(model, [put(1, 'n')]);
    expect(model.step(state, get('1', ''))).toBe(state);
    expect(model.step(state, get(1, 'n'))).toBe(state);
  });

  it('steps unknown appends as taking effect and unknown gets as nothing', () => {
    const state = model.step(run(model, [put('a', 'x')]), info('append', 'y', { key: 'a' }))!;
    expect(model.step(state, get('a', 'xy'))).toBe(state);
    expect(model.step(state, info('get', null, { key: 'a' }))).toBe(state);
  });

  it('never mutates a state it is given', () => {
    const state = run(model, [put('a', 'x')]);
    expect(Object.isFrozen(state) && Object.isFrozen(state.values)).toBe(true);
    const next = model.step(state, append('a', 'y'))!;
    expect(state.values).toEqual({ '"a"': 'x' });
    expect(next.values).toEqual({ '"a"': 'xy' });
  });

  it('hashes without collisions between keys and values that look alike', () => {
    const states = [
      run(model, [put('a', 'b=1:c')]),
      run(model, [put('a', 'b'), put('c', '')]),
      run(model, [put(1, '23:x')]),
      run(model, [put(12, '3:x')]),
      run(model, [put('a', 'bc')]),
      run(model, [put('a', 'b'), put('c', 'x')]),
      run(model, [put('a', 'y"b"=x')]),
      run(model, [put('a', 'y'), put('b', 'x')]),
    ];
    const hashes = states.map((state) => model.hash?.(state));
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('partitions by key', () => {
    const ops = [put('a', 'x'), put('b', 'y'), get('a', 'x')];
    expect(model.partition?.(ops)).toEqual([[ops[0], ops[2]], [ops[1]]]);
  });

  it('takes initial strings and rejects values that are not strings', () => {
    const seeded = kvModel({ init: { a: 'x', b: '' } });
    expect(seeded.step(seeded.init(), get('a', 'x'))).toBeDefined();
    expect(seeded.step(seeded.init(), get('b', ''))).toBeDefined();
    expect(() => kvModel({ init: { a: 1 } })).toThrow(/init for key a must be a string, got 1/);
    expect(() => model.step(model.init(), put('a', 5))).toThrow(ModelError);
    expect(model.validate?.(get('a', 5))).toMatch(/get \(op \d+\) returned 5, not a string/);
    expect(model.validate?.(ok('delete', null, null, { key: 'a' }))).toMatch(/it knows get, put, append/);
    expect(model.readOnly?.(get('a', ''))).toBe(true);
  });
});
