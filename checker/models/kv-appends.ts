/**
 * The `kv` model as the linearizability search runs it: appends whose order no get has seen yet
 * stay unordered.
 *
 * With the plain kv model, k appends that run at the same time give k! orders, and each order is a
 * different string, so a different search state; the search walks every order until a get tells
 * them apart (Porcupine's kv log c50-ok meets 176,000 configurations). Here a key's state is
 *   committed  the string last fixed by a put or by a get that returned a value, and
 *   floating   the appends linearized since, as a set,
 * and stands for every string `committed + the floating tokens in an order real time allows`
 * (a before b whenever a returned before b was invoked). A get that returns a value is legal when
 * one of those orders spells it, and fixes the string; a put fixes it too. Every order of the
 * same appends reaches the same state, so the search meets each set once (c50-ok: 12,600).
 *
 * Exactly the same histories are linearizable as with `kv`, per key:
 * - A path of this model gives a linearization of the plain one: in each run of appends before
 *   a get, put them in the order that spelled the get's value. No real-time order breaks: an op
 *   linearized before an append was pending while the append had not returned, so it cannot have
 *   to follow it; and gets that constrain nothing can always be placed.
 * - A linearization of the plain model is a path of this one: at each get, the appends since the
 *   last fix, in their linearization order, spell its value.
 * - The search memoises (linearized set, state); two paths with the same set and state have the
 *   same futures, since legality depends only on the committed string, the set and real time.
 * - A get is forced (linearized as soon as legal) only where it leaves the state unchanged (no
 *   floating appends): see search.ts. Fixing floating appends changes what later appends may do.
 *
 * States read `op.call` and `op.ret`, so this model is for real-time (linearizability) searches
 * only, never for sequential consistency; `kvModel` offers it as its `searchModel`.
 */
import type { Operation } from '../history/types.js';
import { StepBudgetExceeded, type Model } from './model.js';

/** Orders `spelledInSomeOrder` may try for one get (about 100 ms). */
const MAX_SPELL_STEPS = 200_000;
import { defaultPartition } from './partition.js';
import { recordKeyEncoder } from './record-keys.js';
import { knownOutput, render } from './values.js';

interface KeyState {
  /** Id of the committed string in the model's string table. */
  readonly committed: number;
  /** Appends linearized since the string was fixed, sorted by op id. */
  readonly floating: readonly Operation[];
  /** Total length of the floating tokens. */
  readonly floatingLength: number;
}

export interface KvAppendsState {
  readonly keys: Readonly<Record<string, KeyState>>;
  readonly hash: string;
}

const tokenOf = (op: Operation) => op.input as string;

/**
 * `initial`: the starting strings by record key (JSON-encoded op key), as kvModel parsed them.
 * Ops must be valid for kvModel (it validates them before a search).
 */
export function kvAppendsModel(initial: Readonly<Record<string, string>>): Model<KvAppendsState> {
  // Committed strings are the initial ones, put values and get results: few, each interned once.
  const strings: string[] = [''];
  const stringIds = new Map<string, number>([['', 0]]);
  const intern = (value: string): number => {
    let id = stringIds.get(value);
    if (id === undefined) {
      id = strings.length;
      strings.push(value);
      stringIds.set(value, id);
    }
    return id;
  };
  const keyOf = recordKeyEncoder();
  const fixed = (value: string): KeyState => ({ committed: intern(value), floating: [], floatingLength: 0 });
  const none = fixed('');

  const make = (keys: Record<string, KeyState>): KvAppendsState =>
    Object.freeze({ keys: Object.freeze(keys), hash: hashOf(keys) });
  const replace = (state: KvAppendsState, key: string, value: KeyState): KvAppendsState => {
    const keys = { ...state.keys };
    if (value.committed === 0 && value.floating.length === 0) delete keys[key];
    else keys[key] = value;
    return make(keys);
  };
  const initialKeys: Record<string, KeyState> = {};
  for (const [key, value] of Object.entries(initial)) if (value !== '') initialKeys[key] = fixed(value);
  const initialState = make(initialKeys);

  const get = (state: KvAppendsState, key: string, read: string): KvAppendsState | undefined => {
    const held = state.keys[key] ?? none;
    const committed = strings[held.committed];
    if (held.floating.length === 0) return read === committed ? state : undefined;
    if (read.length !== committed.length + held.floatingLength || !read.startsWith(committed))
      return undefined;
    if (!spelledInSomeOrder(read, committed.length, held.floating)) return undefined;
    return replace(state, key, fixed(read));
  };
  const append = (state: KvAppendsState, key: string, op: Operation): KvAppendsState => {
    const token = tokenOf(op);
    if (token === '') return state;
    const held = state.keys[key] ?? none;
    const floating = [...held.floating];
    let at = floating.length;
    while (at > 0 && floating[at - 1].id > op.id) at--;
    floating.splice(at, 0, op);
    return replace(state, key, {
      committed: held.committed,
      floating,
      floatingLength: held.floatingLength + token.length,
    });
  };
  const holds = (state: KvAppendsState, key: string): string => {
    const held = state.keys[key] ?? none;
    const committed = strings[held.committed];
    const start = committed === '' ? 'is absent ("")' : `holds ${render(committed)}`;
    if (held.floating.length === 0) return start;
    const tokens = held.floating.map((op) => render(tokenOf(op))).join(', ');
    return `${start} followed by ${tokens} in an order real time allows`;
  };

  return {
    name: 'kv',
    init: () => initialState,
    step(state, op) {
      const key = keyOf(op);
      if (op.f === 'get') {
        const read = knownOutput(op);
        return read === undefined || read === null ? state : get(state, key, read as string);
      }
      if (op.f === 'put') return replace(state, key, fixed(tokenOf(op)));
      return append(state, key, op);
    },
    hash: (state) => state.hash,
    // Where a get leaves the state as it is, it is read-only; the search checks that per step.
    readOnly: (op) => op.f === 'get' || (op.f === 'append' && op.input === ''),
    partition: defaultPartition,
    describe(state) {
      const keys = Object.keys(state.keys).sort();
      if (keys.length === 0) return '{}';
      return `{${keys.map((key) => `${key}: ${describeKey(state.keys[key])}`).join(', ')}}`;
    },
    explain(state, op) {
      const key = keyOf(op);
      const read = op.f === 'get' ? knownOutput(op) : undefined;
      const where = `key ${render(op.key)} ${holds(state, key)}`;
      if (typeof read === 'string' && get(state, key, read) === undefined)
        return `get returned ${render(read)} but ${where}`;
      return `${op.f} is legal when ${where}`;
    },
  };

  function describeKey(held: KeyState): string {
    const committed = render(strings[held.committed]);
    if (held.floating.length === 0) return committed;
    return `${committed} + some order of [${held.floating.map((op) => render(tokenOf(op))).join(', ')}]`;
  }
}

/** Committed string id and floating op ids per key: equal exactly for equal states. */
function hashOf(keys: Readonly<Record<string, KeyState>>): string {
  const names = Object.keys(keys);
  if (names.length > 1) names.sort();
  let hash = '';
  for (const name of names) {
    const held = keys[name];
    hash += `${name}=${held.committed}`;
    for (const op of held.floating) hash += `,${op.id}`;
    hash += ';';
  }
  return hash;
}

/**
 * Whether `read` from `start` on is the floating tokens concatenated in some order that respects
 * real time (a before b when a returned before b was invoked). Depth-first over the next token;
 * among equal tokens only the placeable one that returned first is tried: any order placing
 * another first can swap the two without breaking real time. Where no token is a prefix of
 * another (Porcupine's logs), one token at most fits each position and this is linear. Tokens
 * that are prefixes of one another make it branch: sets of placed tokens already found to fail
 * are remembered, which bounds it by the number of subsets, still exponential; past
 * MAX_SPELL_STEPS it throws StepBudgetExceeded and the search ends "unknown".
 */
export function spelledInSomeOrder(read: string, start: number, floating: readonly Operation[]): boolean {
  const n = floating.length;
  const placed = new Uint8Array(n);
  const failed = new Set<string>();
  const placeable = (i: number): boolean => {
    if (placed[i]) return false;
    for (let j = 0; j < n; j++) if (!placed[j] && j !== i && floating[j].ret < floating[i].call) return false;
    return true;
  };
  let steps = 0;
  const search = (at: number, count: number): boolean => {
    if (count === n) return at === read.length;
    if (++steps > MAX_SPELL_STEPS)
      throw new StepBudgetExceeded(
        `kv: more than ${MAX_SPELL_STEPS} ways tried to order ${n} concurrent appends whose values are prefixes of one another`,
      );
    let tried: string[] | undefined;
    for (let i = 0; i < n; i++) {
      const token = tokenOf(floating[i]);
      if (tried?.includes(token) || !read.startsWith(token, at) || !placeable(i)) continue;
      let best = i;
      for (let j = i + 1; j < n; j++)
        if (tokenOf(floating[j]) === token && floating[j].ret < floating[best].ret && placeable(j)) best = j;
      (tried ??= []).push(token);
      placed[best] = 1;
      const signature = placed.join('');
      if (!failed.has(signature)) {
        if (search(at + token.length, count + 1)) return true;
        failed.add(signature);
      }
      placed[best] = 0;
    }
    return false;
  };
  return search(start, 0);
}
