/**
 * `set`: a grow-only set.
 *
 *   add   invoke v; output ignored; adding an element already present changes nothing
 *   read  ok output: a list of every element, in any order; legal iff it is exactly the set
 *         (a list naming an element twice is not a set, so it is illegal); null or unknown
 *         output reports nothing
 *
 * The state is the sorted list of element ids; its hash is the ids joined with commas.
 * `init`: the initial elements.
 */
import type { Operation } from '../history/types.js';
import type { Model, ModelOptions } from './model.js';
import { renderElements } from './fifo-queue.js';
import { insertSorted } from './unordered-queue.js';
import {
  displayOrder,
  initArray,
  knownOutput,
  malformed,
  render,
  unsupported,
  ValueTable,
} from './values.js';

const NAME = 'set';
const FS = ['add', 'read'];

export type SetState = readonly number[];

export function setModel(options: ModelOptions = {}): Model<SetState> {
  const values = new ValueTable();
  const initial = [...new Set(initArray(NAME, options.init).map((element) => values.id(element)))].sort(
    (a, b) => a - b,
  );

  /** The read's output as a list, or undefined when it reports nothing. */
  const readList = (op: Operation): unknown[] | undefined => {
    const output = knownOutput(op);
    if (output === undefined || output === null) return undefined;
    if (!Array.isArray(output)) throw malformed(NAME, op, `returned ${render(output)}, not a list`);
    return output;
  };

  /** Why a read list differs from the set, or undefined when it equals it. */
  const difference = (state: SetState, read: unknown[]): string | undefined => {
    const seen = new Set<number>();
    for (const element of read) {
      const id = values.find(element);
      if (seen.has(id) && id >= 0) return `read lists ${render(element)} twice`;
      seen.add(id);
      if (id < 0 || !state.includes(id)) return `read includes ${render(element)}`;
    }
    const missing = state.filter((id) => !seen.has(id));
    if (missing.length > 0)
      return `read misses ${renderElements(displayOrder(missing.map((id) => values.value(id))))}`;
    return undefined;
  };

  /** True when `read` is exactly the set; the common, fast case. */
  const readsExactly = (state: SetState, read: unknown[]): boolean => {
    if (read.length !== state.length) return false;
    const ids = read.map((element) => values.find(element)).sort((a, b) => a - b);
    return ids.every((id, i) => id === state[i]);
  };

  return {
    name: NAME,
    init: () => initial,
    step(state, op) {
      if (op.f === 'add') {
        const id = values.id(op.input);
        return state.includes(id) ? state : insertSorted(state, id);
      }
      if (op.f !== 'read') throw unsupported(NAME, op, FS);
      const read = readList(op);
      return read === undefined || readsExactly(state, read) ? state : undefined;
    },
    equal: (a, b) => a.length === b.length && a.every((id, i) => id === b[i]),
    readOnly: (op) => op.f === 'read',
    hash: (state) => state.join(','),
    describe: (state) => renderElements(displayOrder(state.map((id) => values.value(id)))),
    explain(state, op) {
      const read = op.f === 'read' ? readList(op) : undefined;
      const problem = read && !readsExactly(state, read) ? difference(state, read) : undefined;
      const set = `the set is ${renderElements(displayOrder(state.map((id) => values.value(id))))}`;
      return problem ? `${problem}, but ${set}` : `${op.f} is legal when ${set}`;
    },
    validate(op) {
      if (!FS.includes(op.f)) return unsupported(NAME, op, FS).message;
      const output = knownOutput(op);
      if (op.f === 'read' && output !== undefined && output !== null && !Array.isArray(output)) {
        return malformed(NAME, op, `returned ${render(output)}, not a list`).message;
      }
      return undefined;
    },
  };
}
