/**
 * Brute-force oracle for sequential consistency and ZooKeeper's model on tiny histories: every
 * interleaving that keeps each process's order (and real time among the `realtime` ops), with
 * every choice of which unknown-outcome ops took effect. No memo, no pruning: obviously right.
 */
import type { Operation } from '../history/types.js';
import type { Model } from '../models/model.js';

export function bruteForceSequential<S>(
  ops: Operation[],
  model: Model<S>,
  realtime: (op: Operation) => boolean = () => false,
): boolean {
  const processes = [...new Set(ops.map((op) => op.process))];
  const sequences = processes.map((p) =>
    ops.filter((op) => op.process === p).sort((a, b) => a.call - b.call),
  );
  const positions = sequences.map(() => 0);
  const placed = new Set<Operation>();
  const nextStates = (state: S, op: Operation): S[] => {
    if (model.stepAll) return model.stepAll(state, op);
    const next = model.step(state, op);
    return next === undefined ? [] : [next];
  };
  // Real time: a constrained op waits for every constrained op that completed before its invoke.
  const waits = (op: Operation) =>
    realtime(op) &&
    ops.some((other) => other !== op && realtime(other) && other.ret < op.call && !placed.has(other));
  const search = (state: S): boolean => {
    if (ops.every((op) => placed.has(op) || op.status === 'info')) return true;
    for (let p = 0; p < sequences.length; p++) {
      const op = sequences[p][positions[p]];
      if (!op || waits(op)) continue;
      positions[p]++;
      placed.add(op);
      const outcomes = op.status === 'info' ? [...nextStates(state, op), state] : nextStates(state, op);
      for (const next of outcomes) if (search(next)) return true;
      placed.delete(op);
      positions[p]--;
    }
    return false;
  };
  return search(model.init());
}
