/**
 * `lock`: an owner-aware, non-reentrant lock. `acquire` is legal only when free and makes its
 * owner the holder; `release` is legal only by the holder (a release by anyone else, or of a
 * free lock, is inconsistent). Acquiring a lock one already holds is illegal too.
 *
 * The owner of an op: `value.owner` when the op's value is an object with an `owner` field, else
 * `value.session` when it has a `session` field (a ZooKeeper session id: a lock belongs to the
 * session that created its ephemeral node, and a crashed client's successor gets a new process
 * id), else `op.process`. Owners are compared as values, so `{owner: 3}` is process 3.
 *
 * State: -1 when free, else the interned id of the holder. `init`: null or nothing for free,
 * else the initial holder.
 */
import type { Operation } from '../history/types.js';
import type { Model, ModelOptions } from './model.js';
import { isPlainObject, render, unsupported, ValueTable } from './values.js';

const NAME = 'lock';
const FS = ['acquire', 'release'];
const FREE = -1;

/** Who performs `op` (see the file comment). */
export function lockOwner(op: Operation): unknown {
  const value = op.input;
  if (isPlainObject(value)) {
    if ('owner' in value) return value.owner;
    if ('session' in value) return value.session;
  }
  return op.process;
}

export function lockModel(options: ModelOptions = {}): Model<number> {
  const owners = new ValueTable();
  const initial = options.init === undefined || options.init === null ? FREE : owners.id(options.init);
  const holder = (state: number) => (state === FREE ? 'free' : `held by ${render(owners.value(state))}`);
  return {
    name: NAME,
    init: () => initial,
    step(state, op) {
      if (op.f === 'acquire') return state === FREE ? owners.id(lockOwner(op)) : undefined;
      if (op.f === 'release')
        return state !== FREE && owners.find(lockOwner(op)) === state ? FREE : undefined;
      throw unsupported(NAME, op, FS);
    },
    equal: (a, b) => a === b,
    readOnly: () => false,
    hash: (state) => state,
    describe: holder,
    explain(state, op) {
      const who = render(lockOwner(op));
      if (op.f === 'acquire' && state !== FREE) return `${who} acquires but the lock is ${holder(state)}`;
      if (op.f === 'release' && state === FREE) return `${who} releases but the lock is free`;
      if (op.f === 'release' && owners.find(lockOwner(op)) !== state)
        return `${who} releases but the lock is ${holder(state)}`;
      return `${op.f} by ${who} is legal when the lock is ${holder(state)}`;
    },
    validate: (op) => (FS.includes(op.f) ? undefined : unsupported(NAME, op, FS).message),
  };
}
