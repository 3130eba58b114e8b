import { describe, expect, it } from 'vitest';
import { lockModel } from './lock.js';
import { ModelError } from './model.js';
import { mutexModel } from './mutex.js';
import { info, ok, runOps as run } from './testing.js';

describe('mutex', () => {
  const model = mutexModel();

  it('alternates acquire and release', () => {
    const held = run(model, [ok('acquire', null, null)]);
    expect(model.describe?.(held)).toBe('held');
    expect(model.describe?.(run(model, [ok('acquire', null, null), ok('release', null, null)]))).toBe('free');
  });

  it('rejects acquire when held and release when free, whoever asks', () => {
    const held = run(model, [ok('acquire', null, null, { process: 1 })]);
    expect(model.step(held, ok('acquire', null, null, { process: 2 }))).toBeUndefined();
    expect(model.explain?.(held, ok('acquire', null, null))).toBe('acquire but the mutex is already held');
    expect(model.step(model.init(), ok('release', null, null))).toBeUndefined();
    expect(model.explain?.(model.init(), ok('release', null, null))).toBe('release but the mutex is free');
    // Knossos's mutex does not know owners: anyone may release.
    expect(model.step(held, ok('release', null, null, { process: 2 }))).toBe(model.init());
  });

  it('steps unknown outcomes as taking effect', () => {
    expect(model.step(model.init(), info('acquire', null))).toBe(run(model, [ok('acquire', null, null)]));
    expect(model.step(model.init(), info('release', null))).toBeUndefined();
  });

  it('can start held, and rejects an init that is not a boolean', () => {
    const held = mutexModel({ init: true });
    expect(held.describe?.(held.init())).toBe('held');
    expect(mutexModel({ init: null }).describe?.(0)).toBe('free');
    expect(() => mutexModel({ init: 1 })).toThrow(
      /model mutex: init must be true \(held\) or false \(free\), got 1/,
    );
    expect(() => model.step(model.init(), ok('lock', null, null))).toThrow(ModelError);
  });
});

describe('lock', () => {
  const model = lockModel();
  const acquire = (process: number, value: unknown = null) => ok('acquire', value, null, { process });
  const release = (process: number, value: unknown = null) => ok('release', value, null, { process });

  it('is held by the process that acquired it, and released by that process', () => {
    const held = run(model, [acquire(3)]);
    expect(model.describe?.(held)).toBe('held by 3');
    expect(model.step(held, release(3))).toBe(model.init());
    expect(model.describe?.(model.init())).toBe('free');
  });

  it('rejects a release by a non-holder', () => {
    const held = run(model, [acquire(3)]);
    expect(model.step(held, release(4))).toBeUndefined();
    expect(model.explain?.(held, release(4))).toBe('4 releases but the lock is held by 3');
    expect(model.step(model.init(), release(4))).toBeUndefined();
    expect(model.explain?.(model.init(), release(4))).toBe('4 releases but the lock is free');
  });

  it('rejects acquiring a held lock, even by its holder (not reentrant)', () => {
    const held = run(model, [acquire(3)]);
    expect(model.step(held, acquire(5))).toBeUndefined();
    expect(model.step(held, acquire(3))).toBeUndefined();
    expect(model.explain?.(held, acquire(5))).toBe('5 acquires but the lock is held by 3');
  });

  it('takes the owner from value.owner or value.session before the process', () => {
    const bySession = run(model, [acquire(1, { session: '0x10' })]);
    expect(model.describe?.(bySession)).toBe('held by "0x10"');
    // A crashed client's successor has a new process id but the same session.
    expect(model.step(bySession, release(9, { session: '0x10' }))).toBe(model.init());
    expect(model.step(bySession, release(1))).toBeUndefined();
    const byOwner = run(model, [acquire(1, { owner: 'a', session: 'b' })]);
    expect(model.describe?.(byOwner)).toBe('held by "a"');
    expect(model.step(run(model, [acquire(1, { owner: 7 })]), release(7))).toBe(model.init());
  });

  it('steps an unknown-outcome acquire as taking effect for its owner', () => {
    const held = model.step(model.init(), info('acquire', null, { process: 2 }))!;
    expect(model.describe?.(held)).toBe('held by 2');
    expect(model.step(held, info('release', null, { process: 3 }))).toBeUndefined();
  });

  it('can start held by an owner', () => {
    const held = lockModel({ init: 's1' });
    expect(held.describe?.(held.init())).toBe('held by "s1"');
    expect(held.step(held.init(), release(0, { session: 's1' }))).toBe(-1);
    expect(held.validate?.(ok('unlock', null, null))).toMatch(/model lock has no operation "unlock"/);
  });
});
