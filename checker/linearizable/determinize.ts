import type { Operation } from '../history/types.js';
import { withDefaults, type Model } from '../models/model.js';

/**
 * Turns a nondeterministic model (one with `stepAll`) into a deterministic one whose state is the
 * set of states the original could be in, as Porcupine does for its NondeterministicModel. The
 * search then needs only `step`.
 */
export function determinize<S>(original: Model<S>): Model<S[]> {
  const model = withDefaults(original);
  const stepAll = model.stepAll;
  if (!stepAll) throw new Error(`model ${model.name} has no stepAll`);
  const hashOf = model.hash;
  const canonical = (states: S[]): S[] => {
    const byHash = new Map<string | number, S>();
    for (const state of states) byHash.set(hashOf(state), state);
    return [...byHash.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)).map(([, s]) => s);
  };
  return {
    name: model.name,
    init: () => [model.init()],
    step(states: S[], op: Operation) {
      const next = canonical(states.flatMap((state) => stepAll.call(model, state, op)));
      return next.length > 0 ? next : undefined;
    },
    hash: (states: S[]) => states.map((state) => String(hashOf(state))).join('\u0001'),
    ...(model.partition ? { partition: model.partition.bind(model) } : {}),
    ...(model.validate ? { validate: model.validate.bind(model) } : {}),
    ...(model.impossible ? { impossible: model.impossible.bind(model) } : {}),
    // No readOnly: a read filters the set of states, so postponing it is not the same as not.
    explain: (states: S[], op: Operation) => states.map((state) => model.explain(state, op)).join('; '),
    describe: (states: S[]) =>
      states.length === 1 ? model.describe(states[0]) : `one of {${states.map(model.describe).join(', ')}}`,
  };
}
