/**
 * `mutex`: a lock that does not know who holds it (Knossos's `mutex`). `acquire` is illegal when
 * held, `release` is illegal when free. Values are ignored. State: 0 free, 1 held. `init`: true
 * to start held; false, null or nothing to start free.
 */
import type { Model, ModelOptions } from './model.js';
import { ModelError } from './model.js';
import { render, unsupported } from './values.js';

const NAME = 'mutex';
const FS = ['acquire', 'release'];
const FREE = 0;
const HELD = 1;

export function mutexModel(options: ModelOptions = {}): Model<number> {
  const init = options.init ?? false;
  if (typeof init !== 'boolean')
    throw new ModelError(`model ${NAME}: init must be true (held) or false (free), got ${render(init)}`);
  const initial = init ? HELD : FREE;
  return {
    name: NAME,
    init: () => initial,
    step(state, op) {
      if (op.f === 'acquire') return state === FREE ? HELD : undefined;
      if (op.f === 'release') return state === HELD ? FREE : undefined;
      throw unsupported(NAME, op, FS);
    },
    equal: (a, b) => a === b,
    readOnly: () => false,
    hash: (state) => state,
    describe: (state) => (state === HELD ? 'held' : 'free'),
    explain(state, op) {
      if (op.f === 'acquire' && state === HELD) return 'acquire but the mutex is already held';
      if (op.f === 'release' && state === FREE) return 'release but the mutex is free';
      return `${op.f} is legal when the mutex is ${state === HELD ? 'held' : 'free'}`;
    },
    validate: (op) => (FS.includes(op.f) ? undefined : unsupported(NAME, op, FS).message),
  };
}
