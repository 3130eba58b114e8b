/**
 * A brute-force linearizability oracle for tiny histories: tries every order that respects real
 * time, with every subset of unknown-outcome ops, and no memoisation or pruning. Exponential; its
 * only job is to be obviously right, so the fast search can be tested against it.
 */
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';

export function bruteForceLinearizable<S>(ops: Operation[], model: Model<S>): boolean {
  const placed = new Array<boolean>(ops.length).fill(false);
  const nextStates = (state: S, op: Operation): S[] => {
    if (model.stepAll) return model.stepAll(state, op);
    const next = model.step(state, op);
    return next === undefined ? [] : [next];
  };
  const search = (state: S): boolean => {
    if (ops.every((op, i) => placed[i] || op.status === 'info')) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      // An op can go next only if no unplaced op completed before it was invoked.
      const blocked = ops.some((other, j) => !placed[j] && j !== i && other.ret < ops[i].call);
      if (blocked) continue;
      placed[i] = true;
      for (const next of nextStates(state, ops[i])) if (search(next)) return true;
      placed[i] = false;
    }
    return false;
  };
  return search(model.init());
}
