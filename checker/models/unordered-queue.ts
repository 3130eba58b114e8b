/**
 * `unordered-queue`: a bag; dequeue takes any element (Knossos's `unordered-queue`).
 *
 *   enqueue  invoke v (any value but null); output ignored
 *   dequeue  ok output v: legal iff the queue holds v, which it removes (one copy);
 *            ok output null: "the queue was empty", legal iff it is empty;
 *            unknown output (info, or ok with no value): removes some element, any of them —
 *            nondeterministic, so the model implements `stepAll`
 *
 * `step` throws for an unknown dequeue with more than one possible outcome: searches must use
 * `stepAll` (Model's contract). The state is the sorted list of element ids (a multiset); its
 * hash is the ids joined with commas. `init`: the initial elements.
 */
import type { Operation } from '../history/types.js';
import type { Model, ModelOptions } from './model.js';
import { overDequeued } from './queue-counts.js';
import { ModelError } from './model.js';
import { renderElements } from './fifo-queue.js';
import {
  displayOrder,
  initArray,
  knownOutput,
  malformed,
  render,
  unsupported,
  ValueTable,
} from './values.js';

const NAME = 'unordered-queue';
const FS = ['enqueue', 'dequeue'];

export type Multiset = readonly number[];

/** A copy of the sorted `ids` with `id` inserted in order. */
export function insertSorted(ids: readonly number[], id: number): number[] {
  let at = 0;
  while (at < ids.length && ids[at] < id) at++;
  return [...ids.slice(0, at), id, ...ids.slice(at)];
}

function removeAt(ids: readonly number[], at: number): number[] {
  return [...ids.slice(0, at), ...ids.slice(at + 1)];
}

export function unorderedQueueModel(options: ModelOptions = {}): Model<Multiset> {
  const values = new ValueTable();
  const initial = initArray(NAME, options.init)
    .map((element) => values.id(element))
    .sort((a, b) => a - b);

  const enqueue = (state: Multiset, op: Operation): Multiset => {
    if (op.input === null || op.input === undefined)
      throw malformed(NAME, op, 'has no element (null means "empty" in dequeue replies)');
    return insertSorted(state, values.id(op.input));
  };

  /** Every state a dequeue can leave: [] when it is illegal. */
  const dequeueAll = (state: Multiset, op: Operation): Multiset[] => {
    const output = knownOutput(op);
    if (output === null || state.length === 0) return state.length === 0 && output == null ? [state] : [];
    if (output !== undefined) {
      const at = state.indexOf(values.find(output));
      return at >= 0 ? [removeAt(state, at)] : [];
    }
    const next: Multiset[] = [];
    for (let at = 0; at < state.length; at++)
      if (at === 0 || state[at] !== state[at - 1]) next.push(removeAt(state, at));
    return next;
  };

  const stepAll = (state: Multiset, op: Operation): Multiset[] => {
    if (op.f === 'enqueue') return [enqueue(state, op)];
    if (op.f === 'dequeue') return dequeueAll(state, op);
    throw unsupported(NAME, op, FS);
  };

  const elements = (state: Multiset) => displayOrder(state.map((id) => values.value(id)));

  return {
    name: NAME,
    init: () => initial,
    step(state, op) {
      const next = stepAll(state, op);
      if (next.length > 1)
        throw new ModelError(
          `model ${NAME}: a dequeue with unknown result has ${next.length} outcomes; use stepAll`,
        );
      return next[0];
    },
    stepAll,
    impossible: (ops) => overDequeued(ops, initArray(NAME, options.init)),
    readOnly: (op) => op.f === 'dequeue' && knownOutput(op) === null,
    equal: (a, b) => a.length === b.length && a.every((id, i) => id === b[i]),
    hash: (state) => state.join(','),
    describe: (state) => renderElements(elements(state)),
    explain(state, op) {
      const queue = `the queue holds ${renderElements(elements(state))}`;
      const output = knownOutput(op);
      if (op.f === 'dequeue' && output === null && state.length > 0)
        return `dequeue found the queue empty but ${queue}`;
      if (op.f === 'dequeue' && output != null && !state.includes(values.find(output))) {
        return `dequeued ${render(output)} but ${state.length === 0 ? 'the queue is empty' : queue}`;
      }
      return `${op.f} is legal when ${queue}`;
    },
    validate(op) {
      if (!FS.includes(op.f)) return unsupported(NAME, op, FS).message;
      if (op.f === 'enqueue' && (op.input === null || op.input === undefined)) {
        return malformed(NAME, op, 'has no element (null means "empty" in dequeue replies)').message;
      }
      return undefined;
    },
  };
}
