/**
 * `fifo-queue`: a first-in first-out queue.
 *
 *   enqueue  invoke v (any value but null); output ignored
 *   dequeue  ok output v: legal iff v is at the head, which it removes;
 *            ok output null: "the queue was empty", legal iff it is empty;
 *            unknown output (info, or ok with no value): removes the head if there is one
 *
 * The state is a string: each element's interned id written as one or more UTF-16 code units
 * (14 bits per unit, 0x4000.. for leading digits, 0x8000.. for the last), oldest first. So
 * enqueue is a concatenation, dequeue a slice, and the state is its own hash and equality:
 * cheap for the search and free of collisions. `init`: the initial elements, oldest first.
 */
import type { Model, ModelOptions } from './model.js';
import { overDequeued } from './queue-counts.js';
import { initArray, knownOutput, malformed, render, unsupported, ValueTable } from './values.js';

const NAME = 'fifo-queue';
const FS = ['enqueue', 'dequeue'];

const DIGIT_BITS = 14;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;
const LEADING = 0x4000;
const LAST = 0x8000;

/** The code units of one id, most significant digit first. */
export function encodeId(id: number): string {
  let text = String.fromCharCode(LAST + (id & DIGIT_MASK));
  for (let rest = Math.floor(id / (DIGIT_MASK + 1)); rest > 0; rest = Math.floor(rest / (DIGIT_MASK + 1))) {
    text = String.fromCharCode(LEADING + (rest & DIGIT_MASK)) + text;
  }
  return text;
}

/** The id that starts at `offset` and the offset just after it. */
export function decodeId(encoded: string, offset: number): [id: number, end: number] {
  let id = 0;
  for (let i = offset; ; i++) {
    const unit = encoded.charCodeAt(i);
    if (unit >= LAST) return [id * (DIGIT_MASK + 1) + (unit - LAST), i + 1];
    id = id * (DIGIT_MASK + 1) + (unit - LEADING);
  }
}

export function decodeIds(encoded: string): number[] {
  const ids: number[] = [];
  for (let offset = 0; offset < encoded.length;) {
    const [id, end] = decodeId(encoded, offset);
    ids.push(id);
    offset = end;
  }
  return ids;
}

/** Renders a few elements of a queue or set for messages. */
export function renderElements(elements: unknown[], max = 6): string {
  const shown = elements.slice(0, max).map((element) => render(element, 30));
  const more = elements.length > max ? `, … ${elements.length - max} more` : '';
  return `[${shown.join(', ')}${more}]`;
}

export function fifoQueueModel(options: ModelOptions = {}): Model<string> {
  const values = new ValueTable();
  const initial = initArray(NAME, options.init)
    .map((element) => encodeId(values.id(element)))
    .join('');
  const elements = (state: string) => decodeIds(state).map((id) => values.value(id));

  return {
    name: NAME,
    init: () => initial,
    step(state, op) {
      if (op.f === 'enqueue') {
        if (op.input === null || op.input === undefined)
          throw malformed(NAME, op, 'has no element (null means "empty" in dequeue replies)');
        return state + encodeId(values.id(op.input));
      }
      if (op.f !== 'dequeue') throw unsupported(NAME, op, FS);
      const output = knownOutput(op);
      if (output === null) return state.length === 0 ? state : undefined;
      if (state.length === 0) return output === undefined ? state : undefined;
      const [head, end] = decodeId(state, 0);
      return output === undefined || values.find(output) === head ? state.slice(end) : undefined;
    },
    equal: (a, b) => a === b,
    impossible: (ops) => overDequeued(ops, initArray(NAME, options.init)),
    // A dequeue that found the queue empty is legal only there, and changes nothing.
    readOnly: (op) => op.f === 'dequeue' && knownOutput(op) === null,
    hash: (state) => state,
    describe: (state) => renderElements(elements(state)),
    explain(state, op) {
      const queue = `the queue is ${renderElements(elements(state))}`;
      if (op.f !== 'dequeue') return `${op.f} ${render(op.input)} is legal when ${queue}`;
      const output = knownOutput(op);
      if (output === null && state.length > 0) return `dequeue found the queue empty but ${queue}`;
      if (output !== null && output !== undefined) {
        if (state.length === 0) return `dequeued ${render(output)} but the queue is empty`;
        return `dequeued ${render(output)} but the head is ${render(values.value(decodeId(state, 0)[0]))} (${queue})`;
      }
      return `dequeue is legal when ${queue}`;
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
