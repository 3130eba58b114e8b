import { describe, expect, it } from 'vitest';
import { casRegisterModel } from './cas-register.js';
import { ModelError } from './model.js';
import { registerModel } from './register.js';
import { info, ok, runOps as run } from './testing.js';

describe('register', () => {
  it('starts absent (null) and reads of null then mean absent', () => {
    const model = registerModel();
    expect(model.describe?.(model.init())).toBe('null');
    expect(model.step(model.init(), ok('read', null, null))).toBe(model.init());
    expect(model.step(model.init(), ok('read', null, 0))).toBeUndefined();
    const written = run(model, [ok('write', 1, 1)]);
    expect(model.step(written, ok('read', null, null))).toBeUndefined();
    expect(model.explain?.(written, ok('read', null, null))).toBe('read null but the register holds 1');
  });

  it('reads what was last written and explains a stale read', () => {
    const model = registerModel({ init: 0 });
    const state = run(model, [ok('write', 5, 5)]);
    expect(model.step(state, ok('read', null, 5))).toBe(state);
    const stale = ok('read', null, 3);
    expect(model.step(state, stale)).toBeUndefined();
    expect(model.explain?.(state, stale)).toBe('read 3 but the register holds 5');
  });

  it('treats a read with no known output (info, or ok without a value) as constraining nothing', () => {
    const model = registerModel({ init: 2 });
    expect(model.step(model.init(), info('read', null))).toBe(model.init());
    expect(model.step(model.init(), ok('read', null, undefined))).toBe(model.init());
  });

  it('steps an unknown-outcome write as taking effect', () => {
    const model = registerModel({ init: 0 });
    const state = model.step(model.init(), info('write', 7)) as number;
    expect(model.describe?.(state)).toBe('7');
    expect(model.step(state, ok('read', null, 7))).toBe(state);
  });

  it('compares values structurally: key order does not matter, element order and types do', () => {
    const model = registerModel();
    const state = run(model, [ok('write', { a: 1, b: [1, 2] }, null)]);
    expect(model.step(state, ok('read', null, { b: [1, 2], a: 1 }))).toBe(state);
    expect(model.step(state, ok('read', null, { a: 1, b: [2, 1] }))).toBeUndefined();
    const one = run(model, [ok('write', 1, 1)]);
    expect(model.step(one, ok('read', null, '1'))).toBeUndefined();
  });

  it('takes a Knossos-style register from 0, where a read of null reports nothing', () => {
    const model = registerModel({ init: 0 });
    expect(model.step(model.init(), ok('read', null, null))).toBe(model.init());
    expect(model.step(model.init(), ok('read', null, 1))).toBeUndefined();
  });

  it('lets nullRead override the default either way', () => {
    const strict = registerModel({ init: 0, nullRead: 'absent' });
    expect(strict.step(strict.init(), ok('read', null, null))).toBeUndefined();
    const lenient = registerModel({ nullRead: 'unknown' });
    expect(lenient.step(run(lenient, [ok('write', 1, 1)]), ok('read', null, null))).toBeDefined();
    expect(() => registerModel({ nullRead: 'maybe' as never })).toThrow(
      /nullRead must be "absent" or "unknown"/,
    );
  });

  it('rejects ops it does not have, as bad input with the op named', () => {
    const model = registerModel();
    const cas = ok('cas', [0, 1], null);
    expect(() => model.step(model.init(), cas)).toThrow(ModelError);
    expect(() => model.step(model.init(), cas)).toThrow(
      /model register has no operation "cas" \(op \d+\); it knows read, write/,
    );
    expect(model.validate?.(cas)).toMatch(/has no operation "cas"/);
    expect(model.validate?.(ok('write', 1, 1))).toBeUndefined();
    expect(model.readOnly?.(ok('read', null, 1))).toBe(true);
    expect(model.readOnly?.(ok('write', 1, 1))).toBe(false);
  });
});

describe('cas-register', () => {
  it('sets the new value when the expected one is held', () => {
    const model = casRegisterModel({ init: 0 });
    const state = run(model, [ok('cas', [0, 1], [0, 1])]);
    expect(model.describe?.(state)).toBe('1');
    expect(model.step(state, ok('read', null, 1))).toBe(state);
  });

  it('rejects a cas whose expected value is not held, and says why', () => {
    const model = casRegisterModel({ init: 0 });
    const cas = ok('cas', [5, 1], [5, 1]);
    expect(model.step(model.init(), cas)).toBeUndefined();
    expect(model.explain?.(model.init(), cas)).toBe('cas from 5 to 1 but the register holds 0');
  });

  it('applies an unknown-outcome cas only where it matches', () => {
    const model = casRegisterModel({ init: 0 });
    expect(model.step(model.init(), info('cas', [3, 4]))).toBeUndefined();
    const state = model.step(model.init(), info('cas', [0, 4])) as number;
    expect(model.describe?.(state)).toBe('4');
  });

  it('compares against null for a register that starts absent (Porcupine etcd)', () => {
    const model = casRegisterModel({ init: null });
    expect(model.describe?.(run(model, [ok('cas', [null, 2], null)]))).toBe('2');
    expect(model.step(model.init(), ok('cas', [0, 2], null))).toBeUndefined();
    expect(model.step(model.init(), ok('read', null, null))).toBe(model.init());
  });

  it('reports a cas without [expected new] as bad input', () => {
    const model = casRegisterModel();
    const bad = ok('cas', 3, null);
    expect(() => model.step(model.init(), bad)).toThrow(
      /model cas-register: cas \(op \d+\) needs \[expected new\], got 3/,
    );
    expect(model.validate?.(bad)).toMatch(/needs \[expected new\]/);
    expect(model.validate?.(ok('cas', [1, 2, 3], null))).toMatch(/needs \[expected new\], got \[1,2,3\]/);
    expect(model.validate?.(ok('increment', 1, null))).toMatch(/it knows read, write, cas/);
  });
});
