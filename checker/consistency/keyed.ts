/**
 * One model for many independent keys, for checkers that cannot split a history by key
 * (sequential consistency is not compositional). The state maps each key that has left its
 * initial state to that key's state; an op steps only its own key.
 */
import type { Key, Operation } from '../history/types.js';
import { withDefaults, type Model } from '../models/model.js';

type KeyedState<S> = ReadonlyMap<Key | undefined, S>;

export function keyedModel<S>(original: Model<S>): Model<KeyedState<S>> {
  const model = withDefaults(original);
  const hashOf = model.hash;
  const initialHash = hashOf(model.init());
  const stateOf = (state: KeyedState<S>, key: Key | undefined) =>
    state.has(key) ? state.get(key)! : model.init();
  const withKey = (state: KeyedState<S>, key: Key | undefined, next: S): KeyedState<S> => {
    const copy = new Map(state);
    if (hashOf(next) === initialHash) copy.delete(key);
    else copy.set(key, next);
    return copy;
  };
  const render = (key: Key | undefined) => (key === undefined ? '·' : JSON.stringify(key));
  return {
    name: `keyed ${model.name}`,
    init: () => new Map(),
    step(state, op) {
      const next = model.step(stateOf(state, op.key), op);
      return next === undefined ? undefined : withKey(state, op.key, next);
    },
    ...(model.stepAll
      ? {
          stepAll: (state: KeyedState<S>, op: Operation) =>
            model.stepAll!(stateOf(state, op.key), op).map((next) => withKey(state, op.key, next)),
        }
      : {}),
    // Keys in a canonical order, each with its state's hash; type-tagged so 1 and "1" differ.
    hash: (state) =>
      [...state.entries()]
        .map(([key, sub]) => `${typeof key}:${String(key)}=${typeof hashOf(sub)}:${String(hashOf(sub))}`)
        .sort()
        .join('\u0002'),
    ...(model.readOnly ? { readOnly: model.readOnly.bind(model) } : {}),
    ...(model.validate ? { validate: model.validate.bind(model) } : {}),
    explain: (state, op) => `key ${render(op.key)}: ${model.explain(stateOf(state, op.key), op)}`,
    describe: (state) =>
      state.size === 0
        ? 'every key initial'
        : [...state.entries()].map(([key, sub]) => `${render(key)}: ${model.describe(sub)}`).join(', '),
  };
}
