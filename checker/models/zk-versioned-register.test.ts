import { describe, expect, it } from 'vitest';
import { ModelError } from './model.js';
import { info, ok, runOps as run } from './testing.js';
import { zkVersionedRegisterModel } from './zk-versioned-register.js';

describe('zk-versioned-register', () => {
  const model = zkVersionedRegisterModel({ init: 'a' });
  const v = (value: string, version: number) => ({ value, version });

  it('starts at version 0 with the init value (null by default)', () => {
    expect(model.describe?.(model.init())).toBe('"a" at version 0');
    const absent = zkVersionedRegisterModel();
    expect(absent.describe?.(absent.init())).toBe('null at version 0');
    expect(absent.step(absent.init(), ok('read', null, { value: null, version: 0 }))).toBe(absent.init());
  });

  it('checks both the value and the version a read reports', () => {
    const state = run(model, [ok('write', 'b', v('b', 1))]);
    expect(model.step(state, ok('read', null, v('b', 1)))).toBe(state);
    const staleValue = ok('read', null, v('a', 1));
    expect(model.step(state, staleValue)).toBeUndefined();
    expect(model.explain?.(state, staleValue)).toBe(
      'read "a" at version 1 but the node holds "b" at version 1',
    );
    const staleVersion = ok('read', null, v('b', 0));
    expect(model.step(state, staleVersion)).toBeUndefined();
    expect(model.explain?.(state, staleVersion)).toBe(
      'read "b" at version 0 but the node holds "b" at version 1',
    );
  });

  it('treats a read that reports nothing as constraining nothing', () => {
    expect(model.step(model.init(), ok('read', null, null))).toBe(model.init());
    expect(model.step(model.init(), info('read', null))).toBe(model.init());
  });

  it('bumps the version on a write and checks the new version the reply reports', () => {
    const state = run(model, [ok('write', 'b', v('b', 1)), ok('write', 'c', 'c')]);
    expect(state).toEqual(expect.objectContaining({ version: 2 }));
    expect(model.describe?.(state)).toBe('"c" at version 2');
    const skipped = ok('write', 'd', v('d', 4));
    expect(model.step(state, skipped)).toBeUndefined();
    expect(model.explain?.(state, skipped)).toBe(
      'write reported new version 4 but the node holds "c" at version 2, so the new version is 3',
    );
  });

  it('rejects a write reply that reports a value other than the one written', () => {
    const odd = ok('write', 'b', v('x', 1));
    expect(model.step(model.init(), odd)).toBeUndefined();
    expect(model.explain?.(model.init(), odd)).toBe('write reported value "x" but wrote "b"');
  });

  it('steps an unknown-outcome write as bumping the version', () => {
    const state = model.step(model.init(), info('write', 'b'));
    expect(model.describe?.(state!)).toBe('"b" at version 1');
  });

  it('sets on a cas at the current version and checks the version it reports', () => {
    const state = run(model, [ok('cas', [0, 'b'], v('b', 1))]);
    expect(model.describe?.(state)).toBe('"b" at version 1');
    expect(model.step(model.init(), ok('cas', [0, 'b'], v('b', 2)))).toBeUndefined();
    expect(model.explain?.(model.init(), ok('cas', [0, 'b'], v('b', 2)))).toMatch(
      /cas reported new version 2 .* so the new version is 1/,
    );
  });

  it('rejects a cas at another version, and applies an unknown one only if the version matches', () => {
    const state = run(model, [ok('write', 'b', 'b')]);
    const late = ok('cas', [0, 'c'], v('c', 1));
    expect(model.step(state, late)).toBeUndefined();
    expect(model.explain?.(state, late)).toBe(
      'cas of "c" expected version 0 but the node holds "b" at version 1',
    );
    expect(model.step(state, info('cas', [0, 'c']))).toBeUndefined();
    expect(model.describe?.(model.step(state, info('cas', [1, 'c']))!)).toBe('"c" at version 2');
  });

  it('never mutates a state it is given', () => {
    const state = Object.freeze(run(model, [ok('write', 'b', v('b', 1))]));
    const next = model.step(state, ok('cas', [1, 'c'], v('c', 2)));
    expect(next).not.toBe(state);
    expect(model.describe?.(state)).toBe('"b" at version 1');
  });

  it('hashes equal states equally and different ones differently, large versions included', () => {
    const one = run(model, [ok('write', 'b', 'b')]);
    const again = run(model, [ok('cas', [0, 'b'], null)]);
    expect(model.hash?.(one)).toBe(model.hash?.(again));
    expect(model.equal?.(one, again)).toBe(true);
    expect(model.hash?.(one)).not.toBe(model.hash?.(model.init()));
    const huge = run(model, [ok('cas', [0, 'b'], null)]);
    const far = model.step(huge, info('cas', [1, 'z']))!;
    expect(model.hash?.(far)).not.toBe(model.hash?.(huge));
    const big = zkVersionedRegisterModel();
    const beyond = big.step({ value: big.init().value, version: 2 ** 31 }, ok('write', 1, null))!;
    expect(typeof big.hash?.(beyond)).toBe('string');
    expect(String(big.hash?.(beyond))).not.toMatch(/^\d+$/);
  });

  it('reports malformed ops as bad input', () => {
    expect(() => model.step(model.init(), ok('cas', ['0', 'b'], null))).toThrow(ModelError);
    expect(model.validate?.(ok('cas', [-1, 'b'], null))).toMatch(
      /needs \[version value\] with a version >= 0, got \[-1,"b"\]/,
    );
    expect(model.validate?.(ok('read', null, { value: 'a', version: 'x' }))).toMatch(
      /reports version "x", not a safe integer/,
    );
    expect(model.validate?.(ok('delete', null, null))).toMatch(/has no operation "delete"/);
    expect(model.validate?.(ok('cas', [3, 'b'], v('b', 4)))).toBeUndefined();
    expect(model.readOnly?.(ok('read', null, null))).toBe(true);
    expect(model.readOnly?.(info('cas', [0, 1]))).toBe(false);
  });
});
