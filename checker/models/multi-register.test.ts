import { describe, expect, it } from 'vitest';
import { ModelError } from './model.js';
import { multiRegisterModel } from './multi-register.js';
import { info, ok, runOps as run } from './testing.js';

/** A txn the way the Knossos reader gives it: reads invoked with null, completed with values. */
const txn = (invoked: unknown[][], completed: unknown[][] | null = invoked) => ok('txn', invoked, completed);

describe('multi-register', () => {
  const model = multiRegisterModel({ init: { x: 0, y: 0 } });

  it('starts from the init map and reads values from the ok output', () => {
    expect(model.describe?.(model.init())).toBe('{"x": 0, "y": 0}');
    const read = txn(
      [
        ['read', 'x', null],
        ['read', 'y', null],
      ],
      [
        ['read', 'x', 0],
        ['read', 'y', 0],
      ],
    );
    expect(model.step(model.init(), read)).toBe(model.init());
    const wrong = txn([['read', 'x', null]], [['read', 'x', 1]]);
    expect(model.step(model.init(), wrong)).toBeUndefined();
    expect(model.explain?.(model.init(), wrong)).toBe(
      'txn reads "x" = 1 but "x" holds 0 (registers {"x": 0, "y": 0})',
    );
  });

  it('applies micro-ops in order: a read after a write in the same txn sees it', () => {
    const state = run(model, [
      txn(
        [
          ['write', 'x', 2],
          ['read', 'x', null],
        ],
        [
          ['write', 'x', 2],
          ['read', 'x', 2],
        ],
      ),
    ]);
    expect(model.describe?.(state)).toBe('{"x": 2, "y": 0}');
    const stale = txn(
      [
        ['write', 'y', 5],
        ['read', 'y', null],
      ],
      [
        ['write', 'y', 5],
        ['read', 'y', 0],
      ],
    );
    expect(model.step(state, stale)).toBeUndefined();
    expect(model.explain?.(state, stale)).toBe(
      'txn reads "y" = 0 but "y" holds 5 (registers {"x": 2, "y": 0})',
    );
  });

  it('treats a read of null as unknown when init is given (Knossos)', () => {
    expect(model.step(model.init(), txn([['read', 'x', null]], [['read', 'x', null]]))).toBe(model.init());
  });

  it('treats a read of null as absent when the registers start absent', () => {
    const absent = multiRegisterModel();
    expect(absent.step(absent.init(), txn([['read', 'x', null]]))).toBe(absent.init());
    const written = run(absent, [txn([['write', 'x', 1]])]);
    expect(absent.step(written, txn([['read', 'x', null]]))).toBeUndefined();
    expect(absent.describe?.(written)).toBe('{"x": 1}');
  });

  it('applies the writes of an unknown-outcome txn and ignores its reads', () => {
    const state = model.step(
      model.init(),
      info('txn', [
        ['read', 'x', 7],
        ['write', 'y', 3],
      ]),
    )!;
    expect(model.describe?.(state)).toBe('{"x": 0, "y": 3}');
    expect(model.readOnly?.(info('txn', [['read', 'x', null]]))).toBe(true);
    expect(
      model.readOnly?.(
        info('txn', [
          ['read', 'x', null],
          ['write', 'x', 1],
        ]),
      ),
    ).toBe(false);
  });

  it('gives keys outside init a null start, and equal states equal hashes', () => {
    const state = run(model, [txn([['write', 'z', 4]])]);
    expect(model.describe?.(state)).toBe('{"x": 0, "y": 0, "z": 4}');
    const back = run(model, [txn([['write', 'z', 4]]), txn([['write', 'z', null]])]);
    expect(model.hash?.(back)).toBe(model.hash?.(model.init()));
    expect(model.equal?.(back, model.init())).toBe(true);
    expect(model.hash?.(state)).not.toBe(model.hash?.(model.init()));
  });

  it('never mutates a state it is given', () => {
    const state = Object.freeze([...model.init()]);
    const next = model.step(state, txn([['write', 'x', 9]]))!;
    expect(state).toEqual(model.init());
    expect(model.describe?.(next)).toBe('{"x": 9, "y": 0}');
  });

  it('reports malformed txns and init as bad input', () => {
    expect(() => model.step(model.init(), txn([['cas', 'x', [0, 1]]]))).toThrow(ModelError);
    expect(model.validate?.(txn([['cas', 'x', [0, 1]]]))).toMatch(
      /has \["cas","x",\[0,1\]\]; micro-ops are \[read key value\] or \[write key value\]/,
    );
    expect(model.validate?.(ok('txn', 5, null))).toMatch(/needs a list of \[f key value\], got 5/);
    expect(model.validate?.(ok('read', null, null))).toMatch(/model multi-register has no operation "read"/);
    expect(() => multiRegisterModel({ init: 0 })).toThrow(
      /init must be an object of values by key, like \{x: 0, y: 0\}, got 0/,
    );
  });
});
