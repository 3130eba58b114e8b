/**
 * `multi-register`: registers by key, read and written in transactions (Knossos's
 * `multi-register`, its `:txn` histories).
 *
 *   txn  invoke: a list of micro-ops [f, k, v], f "read" or "write", e.g.
 *        [["read","x",null],["write","y",2]] (reads usually carry null);
 *        ok output: the same list with the values read filled in
 *
 * Micro-ops apply in order, so a read after a write in the same txn sees it. An ok txn is stepped
 * with its output's micro-ops (its writes and the values read); an unknown-outcome txn with its
 * invoke's, whose writes take effect and whose reads report nothing. A read of null: see
 * ModelOptions.nullRead (default: null reports nothing when `init` is given, as in Knossos,
 * where reads of nil are unknown; null means absent when the registers start absent).
 *
 * `init`: an object of initial values by key (`{x: 0, y: 0}`); keys not in it start as null.
 * The state is a list of value ids by key slot (slots are numbered per model instance, init keys
 * first); slots past the end hold null, and the hash is the ids joined with commas, trailing
 * nulls dropped.
 */
import type { Operation } from '../history/types.js';
import type { Model, ModelOptions } from './model.js';
import { ModelError } from './model.js';
import {
  canonicalKey,
  isPlainObject,
  knownOutput,
  malformed,
  nullReadMode,
  render,
  unsupported,
  ValueTable,
} from './values.js';

const NAME = 'multi-register';
const FS = ['txn'];

export type MultiRegisterState = readonly number[];

type MicroOp = [f: 'read' | 'write', key: unknown, value: unknown];

export function multiRegisterModel(options: ModelOptions = {}): Model<MultiRegisterState> {
  const init = options.init ?? null;
  if (init !== null && !isPlainObject(init)) {
    throw new ModelError(
      `model ${NAME}: init must be an object of values by key, like {x: 0, y: 0}, got ${render(init)}`,
    );
  }
  const nullRead = nullReadMode(options, init === null);
  const values = new ValueTable();
  const nullId = values.id(null);
  const slots = new Map<string, number>();
  const keys: unknown[] = [];
  const slotOf = (key: unknown): number => {
    const name = canonicalKey(key);
    let slot = slots.get(name);
    if (slot === undefined) {
      slot = keys.length;
      slots.set(name, slot);
      keys.push(key);
    }
    return slot;
  };
  const initial: number[] = [];
  for (const [key, value] of Object.entries(init ?? {})) initial[slotOf(key)] = values.id(value);
  for (let slot = 0; slot < initial.length; slot++) initial[slot] ??= nullId;

  const microOps = (op: Operation, list: unknown): MicroOp[] => {
    if (!Array.isArray(list)) throw malformed(NAME, op, `needs a list of [f key value], got ${render(list)}`);
    for (const micro of list) {
      if (!Array.isArray(micro) || micro.length !== 3 || (micro[0] !== 'read' && micro[0] !== 'write')) {
        throw malformed(
          NAME,
          op,
          `has ${render(micro)}; micro-ops are [read key value] or [write key value]`,
        );
      }
    }
    return list as MicroOp[];
  };

  /** The micro-ops to apply, and whether their reads are known. */
  const plan = (op: Operation): { micro: MicroOp[]; readsKnown: boolean } => {
    if (op.f !== 'txn') throw unsupported(NAME, op, FS);
    const output = knownOutput(op);
    if (output !== undefined && output !== null) return { micro: microOps(op, output), readsKnown: true };
    return { micro: microOps(op, op.input), readsKnown: false };
  };

  const readLegal = (held: number, read: unknown): boolean => {
    if (read === undefined) return true;
    if (read === null && nullRead === 'unknown') return true;
    return values.find(read) === held;
  };

  /** Applies the txn; returns the failing micro-op's index as a number when a read disagrees. */
  const apply = (state: MultiRegisterState, op: Operation): MultiRegisterState | number => {
    const { micro, readsKnown } = plan(op);
    let next: number[] | undefined;
    for (let i = 0; i < micro.length; i++) {
      const [f, key, value] = micro[i];
      const slot = slotOf(key);
      const current = next ?? state;
      if (f === 'read') {
        if (readsKnown && !readLegal(current[slot] ?? nullId, value)) return i;
      } else {
        const id = values.id(value);
        if ((current[slot] ?? nullId) === id) continue;
        next ??= [...state];
        for (let fill = next.length; fill < slot; fill++) next[fill] = nullId;
        next[slot] = id;
      }
    }
    return next ?? state;
  };

  const hash = (state: MultiRegisterState): string => {
    let end = state.length;
    while (end > 0 && state[end - 1] === nullId) end--;
    return state.slice(0, end).join(',');
  };

  /** Init keys always, other keys once they hold something. */
  const describe = (state: MultiRegisterState): string => {
    const entries: string[] = [];
    keys.forEach((key, slot) => {
      const id = state[slot] ?? nullId;
      if (slot < initial.length || id !== nullId) entries.push(`${render(key)}: ${render(values.value(id))}`);
    });
    return `{${entries.join(', ')}}`;
  };

  return {
    name: NAME,
    init: () => initial,
    step(state, op) {
      const next = apply(state, op);
      return typeof next === 'number' ? undefined : next;
    },
    equal: (a, b) => hash(a) === hash(b),
    readOnly(op) {
      const list = op.status === 'ok' && Array.isArray(op.output) ? op.output : op.input;
      return Array.isArray(list) && list.every((micro) => Array.isArray(micro) && micro[0] === 'read');
    },
    hash,
    describe,
    explain(state, op) {
      const failed = apply(state, op);
      if (typeof failed !== 'number') return `txn is legal when the registers are ${describe(state)}`;
      // Replay the micro-ops before the failing read to name the value it should have seen.
      const { micro } = plan(op);
      const [, key, value] = micro[failed];
      let held = state[slotOf(key)] ?? nullId;
      for (let i = 0; i < failed; i++)
        if (micro[i][0] === 'write' && sameKey(micro[i][1], key)) held = values.id(micro[i][2]);
      return `txn reads ${render(key)} = ${render(value)} but ${render(key)} holds ${render(values.value(held))} (registers ${describe(state)})`;
    },
    validate(op) {
      try {
        plan(op);
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    },
  };
}

function sameKey(a: unknown, b: unknown): boolean {
  return canonicalKey(a) === canonicalKey(b);
}
