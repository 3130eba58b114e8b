/**
 * `register`: one value, read and written (Knossos's `register`). The state is the interned id
 * of the value held, so hashing and comparing states is comparing small integers.
 *
 *   read   invoke any (usually null), ok output: the value read
 *   write  invoke v, ok output ignored (an echo of v in Jepsen and Porcupine histories)
 *
 * A read reporting null means "the register holds null" or "nothing known", per
 * `ModelOptions.nullRead` (default: null means absent when the register starts as null).
 * `cas-register.ts` builds on this file.
 *
 * Pruning (`prune`): an unknown-outcome write or cas whose new value v no op observes (no ok read
 * returns v, no cas of any outcome expects v) is left out of the search. Proof: take a
 * linearization that places such an op o. From o until the next op that sets the register, the
 * register holds v, so every op placed there is legal in a state holding v: not an ok read (it
 * would return v), not a cas (a cas is legal only when it matches, and none expects v), so only
 * writes, which end the stretch, and reads that report nothing, which are legal in any state.
 * Drop o: those reads stay legal, the write that ends the stretch sets the same state, and every
 * other op sees the state it saw; o has an unknown outcome, so it need never be linearized. The
 * converse is immediate (a linearization without o is one where o never took effect).
 *
 * Interchangeable ops (`interchangeable`): unknown-outcome writes of one value form a class, and
 * unknown-outcome cas ops of one [expected new] pair another. Two such ops are the same step: from
 * any state, one is legal iff the other is, and both lead to the same state. (With few values,
 * as in Jepsen's etcd tests, a crashed "write 3" often comes five times over.)
 */
import type { Operation } from '../history/types.js';
import type { Model, ModelOptions } from './model.js';
import { knownOutput, malformed, nullReadMode, render, unsupported, ValueTable } from './values.js';

export function registerModel(options: ModelOptions = {}): Model<number> {
  return buildRegister('register', options, false);
}

/** A register with `read` and `write`, plus `cas [expected new]` when `withCas`. */
export function buildRegister(name: string, options: ModelOptions, withCas: boolean): Model<number> {
  const values = new ValueTable();
  const init = options.init === undefined ? null : options.init;
  const initId = values.id(init);
  const nullRead = nullReadMode(options, init === null);
  const fs = withCas ? ['read', 'write', 'cas'] : ['read', 'write'];

  const casPair = (op: Operation): [unknown, unknown] => {
    const pair = op.input;
    if (!Array.isArray(pair) || pair.length !== 2)
      throw malformed(name, op, `needs [expected new], got ${render(pair)}`);
    return pair as [unknown, unknown];
  };

  const readLegal = (state: number, read: unknown): boolean => {
    if (read === undefined) return true;
    if (read === null && nullRead === 'unknown') return true;
    return values.find(read) === state;
  };

  const model: Model<number> = {
    name,
    init: () => initId,
    step(state, op) {
      switch (op.f) {
        case 'read':
          return readLegal(state, knownOutput(op)) ? state : undefined;
        case 'write':
          return values.id(op.input);
        case 'cas':
          if (withCas) {
            const [expected, next] = casPair(op);
            // An unknown-outcome cas that did not match had no effect: the same as never happening.
            return values.find(expected) === state ? values.id(next) : undefined;
          }
      }
      throw unsupported(name, op, fs);
    },
    equal: (a, b) => a === b,
    readOnly: (op) => op.f === 'read',
    prune(ops) {
      // Values some op observes: ok reads' results, every cas's expected value (see above).
      const observed = new Set<number>();
      let unknownUpdates = 0;
      for (const op of ops) {
        if (op.f === 'read') {
          const read = knownOutput(op);
          if (read !== undefined) observed.add(values.id(read));
        } else if (op.f === 'cas' && withCas) observed.add(values.id(casPair(op)[0]));
        if (op.status === 'info' && op.f !== 'read') unknownUpdates++;
      }
      if (unknownUpdates === 0) return undefined;
      const written = (op: Operation) => values.id(op.f === 'cas' ? casPair(op)[1] : op.input);
      const kept = ops.filter((op) => op.status !== 'info' || op.f === 'read' || observed.has(written(op)));
      return kept.length < ops.length ? kept : undefined;
    },
    interchangeable(ops) {
      const classes = new Map<string, number>();
      const classOf = new Int32Array(ops.length).fill(-1);
      let crashed = 0;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        if (op.status !== 'info' || (op.f !== 'write' && (op.f !== 'cas' || !withCas))) continue;
        const step =
          op.f === 'write'
            ? `w${values.id(op.input)}`
            : `c${values.id(casPair(op)[0])},${values.id(casPair(op)[1])}`;
        let cls = classes.get(step);
        if (cls === undefined) classes.set(step, (cls = classes.size));
        classOf[i] = cls;
        crashed++;
      }
      return crashed > classes.size ? classOf : undefined; // some class has two members
    },
    hash: (state) => state,
    describe: (state) => render(values.value(state)),
    explain(state, op) {
      const held = render(values.value(state));
      if (op.f === 'read') {
        const read = knownOutput(op);
        return readLegal(state, read)
          ? `read ${render(read)} is legal`
          : `read ${render(read)} but the register holds ${held}`;
      }
      if (op.f === 'cas' && withCas) {
        const [expected, next] = casPair(op);
        if (values.find(expected) !== state)
          return `cas from ${render(expected)} to ${render(next)} but the register holds ${held}`;
      }
      return `${op.f} ${render(op.input)} is legal when the register holds ${held}`;
    },
    validate(op) {
      if (!fs.includes(op.f)) return unsupported(name, op, fs).message;
      if (op.f === 'cas' && (!Array.isArray(op.input) || op.input.length !== 2)) {
        return malformed(name, op, `needs [expected new], got ${render(op.input)}`).message;
      }
      return undefined;
    },
  };
  return model;
}
