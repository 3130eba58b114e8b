/**
 * `kv`: string values per key (Porcupine's kv model), for Porcupine's kv logs.
 *
 *   get     invoke null; ok output: the string read, "" when the key is absent (absent and
 *           empty are the same); null or unknown output reports nothing
 *   put     invoke v (a string): the key holds v
 *   append  invoke v (a string): the key holds its old string followed by v
 *
 * Ops name their key in `op.key`; keys are independent, so `partition` splits by key and each
 * part's state holds one key. The state maps each key with a non-empty string to it (record keys
 * are JSON-encoded op keys, so 1 and "1" differ) and carries its hash, computed once when the
 * state is made: reads return the same state, and the search hashes every step's result.
 * `init`: an object of initial strings by key. The linearizability search runs kv-appends.ts
 * instead (`searchModel`), which leaves concurrent appends unordered until a get orders them.
 */
import type { Operation } from '../history/types.js';
import type { Model, ModelOptions } from './model.js';
import { ModelError } from './model.js';
import { kvAppendsModel } from './kv-appends.js';
import { defaultPartition } from './partition.js';
import { recordKey, recordKeyEncoder } from './record-keys.js';
import { isPlainObject, knownOutput, malformed, render, unsupported } from './values.js';

const NAME = 'kv';
const FS = ['get', 'put', 'append'];

export interface KvState {
  readonly values: Readonly<Record<string, string>>;
  readonly hash: string;
}

function makeState(values: Record<string, string>): KvState {
  return Object.freeze({ values: Object.freeze(values), hash: kvHash(values) });
}

export function kvModel(options: ModelOptions = {}): Model<KvState> {
  const initial = initialState(options.init);
  const keyOf = recordKeyEncoder();

  const argument = (op: Operation): string => {
    if (typeof op.input !== 'string') throw malformed(NAME, op, `needs a string, got ${render(op.input)}`);
    return op.input;
  };
  const getOutput = (op: Operation): string | undefined => {
    const output = knownOutput(op);
    if (output === undefined || output === null) return undefined;
    if (typeof output !== 'string') throw malformed(NAME, op, `returned ${render(output)}, not a string`);
    return output;
  };
  const set = (state: KvState, key: string, value: string): KvState => {
    if ((state.values[key] ?? '') === value) return state;
    const next: Record<string, string> = { ...state.values };
    if (value === '') delete next[key];
    else next[key] = value;
    return makeState(next);
  };

  return {
    name: NAME,
    init: () => initial,
    step(state, op) {
      const key = keyOf(op);
      switch (op.f) {
        case 'get': {
          const read = getOutput(op);
          return read === undefined || read === (state.values[key] ?? '') ? state : undefined;
        }
        case 'put':
          return set(state, key, argument(op));
        case 'append':
          return set(state, key, (state.values[key] ?? '') + argument(op));
      }
      throw unsupported(NAME, op, FS);
    },
    equal: (a, b) => a.hash === b.hash,
    readOnly: (op) => op.f === 'get',
    hash: (state) => state.hash,
    partition: defaultPartition,
    describe({ values }) {
      const keys = Object.keys(values).sort();
      if (keys.length === 0) return '{}';
      return `{${keys.map((key) => `${key}: ${render(values[key])}`).join(', ')}}`;
    },
    explain(state, op) {
      const held = state.values[keyOf(op)] ?? '';
      const holds =
        held === '' ? `key ${render(op.key)} is absent ("")` : `key ${render(op.key)} holds ${render(held)}`;
      const read = op.f === 'get' ? getOutput(op) : undefined;
      if (read !== undefined && read !== held) return `get returned ${render(read)} but ${holds}`;
      return `${op.f} is legal when ${holds}`;
    },
    searchModel: () => kvAppendsModel(initial.values),
    validate(op) {
      if (!FS.includes(op.f)) return unsupported(NAME, op, FS).message;
      try {
        if (op.f === 'get') getOutput(op);
        else argument(op);
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    },
  };
}

/**
 * Entries sorted by key, each as `key=length:value`: record keys are JSON (a string key ends at
 * its closing quote, a number key has no `=`) and the length delimits the value, so distinct
 * states never share a hash. One key (the usual case after partitioning) costs one concatenation.
 */
function kvHash(values: Readonly<Record<string, string>>): string {
  const keys = Object.keys(values);
  if (keys.length > 1) keys.sort();
  let hash = '';
  for (const key of keys) {
    const value = values[key];
    hash += `${key}=${value.length}:${value}`;
  }
  return hash;
}

function initialState(init: unknown): KvState {
  if (init === undefined || init === null) return makeState({});
  if (!isPlainObject(init))
    throw new ModelError(`model ${NAME}: init must be an object of strings by key, got ${render(init)}`);
  const state: Record<string, string> = {};
  for (const [key, value] of Object.entries(init)) {
    if (typeof value !== 'string')
      throw new ModelError(`model ${NAME}: init for key ${key} must be a string, got ${render(value)}`);
    if (value !== '') state[recordKey(key)] = value;
  }
  return makeState(state);
}
