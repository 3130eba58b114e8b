/**
 * Properties every model must have, checked against a naive reference implementation of the same
 * sequential object written here with plain values (no interning, no encodings):
 * - legality agrees with the reference on random op sequences, info ops included;
 * - hash and equal are exact: two reachable states have equal hashes iff the reference states
 *   are equal, and `equal` agrees;
 * - a state passed to step is never mutated (states are deep-frozen, and compared after);
 * - `explain` of an illegal op says why, not that it is legal.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Operation } from '../history/types.js';
import { getModel } from './index.js';
import type { Model, ModelOptions } from './model.js';
import { info, ok } from './testing.js';

/** A plain-value reference: every next state (none when illegal), and a canonical identity. */
interface Reference<R> {
  init: R;
  next(state: R, op: Operation): R[];
}

/** An op made at walk time from the reference state, so that legal reads are common. */
type OpMaker<R> = (state: R) => Operation;

interface Case<R> {
  name: string;
  options: ModelOptions;
  reference: Reference<R>;
  op: fc.Arbitrary<OpMaker<R>>;
}

/** Key-order-free identity of a plain value (arrays in order). */
function identity(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(identity).join(',')}]`;
  if (value instanceof Map)
    return identity(Object.fromEntries([...value.entries()].map(([k, v]) => [JSON.stringify(k), v])));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${identity(record[key])}`)
      .join(',')}}`;
  }
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
const sortedBag = (items: unknown[]) =>
  [...items].sort((a, b) => (identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0));

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}

/** A read-like op: sometimes the right answer, sometimes a guess, sometimes unknown. */
function reading<R>(
  f: string,
  guesses: fc.Arbitrary<unknown>,
  truth: (state: R) => unknown,
  extra: Partial<Operation> = {},
): fc.Arbitrary<OpMaker<R>> {
  return fc.oneof(
    fc.constant((state: R) => ({ ...ok(f, null, truth(state)), ...extra })),
    guesses.map((guess) => () => ({ ...ok(f, null, guess), ...extra })),
    fc.constant(() => ({ ...info(f, null), ...extra })),
  );
}

const doing = <R>(
  f: string,
  inputs: fc.Arbitrary<unknown>,
  output: (input: unknown) => unknown = () => null,
): fc.Arbitrary<OpMaker<R>> =>
  fc.tuple(inputs, fc.boolean()).map(
    ([input, unknown]) =>
      () =>
        unknown ? info(f, input) : ok(f, input, output(input)),
  );

const smallValues = fc.constantFrom<unknown>(0, 1, 2, 'a', null, { k: 1, v: [1, 2] }, [1, 2]);

function registerCase(
  name: 'register' | 'cas-register',
  init: unknown,
  nullRead: 'absent' | 'unknown',
): Case<unknown> {
  const ops = [
    reading<unknown>('read', smallValues, (state) => state),
    doing<unknown>('write', smallValues, (v) => v),
  ];
  if (name === 'cas-register') ops.push(doing('cas', fc.tuple(smallValues, smallValues)));
  return {
    name: `${name} init ${JSON.stringify(init)} nullRead ${nullRead}`,
    options: { init, nullRead },
    reference: {
      init,
      next(state, op) {
        if (op.f === 'write') return [op.input];
        if (op.f === 'cas') {
          const [expected, next] = op.input as [unknown, unknown];
          return same(expected, state) ? [next] : [];
        }
        const read = op.status === 'info' ? undefined : op.output;
        if (read === undefined || (read === null && nullRead === 'unknown')) return [state];
        return same(read, state) ? [state] : [];
      },
    },
    op: fc.oneof(...ops),
  };
}

interface Node {
  value: unknown;
  version: number;
}

const zkCase: Case<Node> = {
  name: 'zk-versioned-register',
  options: { init: 'a' },
  reference: {
    init: { value: 'a', version: 0 },
    next(state, op) {
      const output = op.status === 'info' ? undefined : op.output;
      const versioned =
        output !== null && typeof output === 'object' && !Array.isArray(output) && 'version' in output;
      const reply = output as Partial<Node> | undefined;
      const agrees = (after: Node, bareIsValue: boolean) => {
        if (output === undefined || output === null) return true;
        if (!versioned) return !bareIsValue || same(output, after.value);
        return reply!.version === after.version && (!('value' in reply!) || same(reply!.value, after.value));
      };
      if (op.f === 'read') return agrees(state, true) ? [state] : [];
      if (op.f === 'write') {
        const after = { value: op.input, version: state.version + 1 };
        return agrees(after, false) ? [after] : [];
      }
      const [version, value] = op.input as [number, unknown];
      const after = { value, version: version + 1 };
      return version === state.version && agrees(after, false) ? [after] : [];
    },
  },
  op: fc.oneof(
    reading<Node>(
      'read',
      fc.oneof(
        fc.record({ value: fc.constantFrom('a', 'b'), version: fc.nat(3) }),
        fc.constantFrom('a', 'b', null),
      ),
      (s) => ({ ...s }),
    ),
    reading<Node>('read', fc.record({ version: fc.nat(3) }), (s) => ({ version: s.version })),
    fc.tuple(fc.constantFrom('a', 'b'), fc.oneof(fc.constant(undefined), fc.nat(4)), fc.boolean()).map(
      ([value, version, unknown]) =>
        (state: Node) =>
          unknown
            ? info('write', value)
            : ok(
                'write',
                value,
                version === undefined
                  ? value
                  : { value, version: version === 4 ? state.version + 1 : version },
              ),
    ),
    fc.tuple(fc.nat(3), fc.constantFrom('a', 'b'), fc.boolean()).map(
      ([version, value, unknown]) =>
        (state: Node) =>
          unknown
            ? info('cas', [version, value])
            : ok('cas', [version === 3 ? state.version : version, value], {
                value,
                version: (version === 3 ? state.version : version) + 1,
              }),
    ),
  ),
};

const mutexCase: Case<boolean> = {
  name: 'mutex',
  options: {},
  reference: {
    init: false,
    next: (held, op) => (op.f === 'acquire' ? (held ? [] : [true]) : held ? [false] : []),
  },
  op: fc.oneof(doing<boolean>('acquire', fc.constant(null)), doing<boolean>('release', fc.constant(null))),
};

const lockCase: Case<unknown> = {
  name: 'lock',
  options: {},
  reference: {
    init: null,
    next(holder, op) {
      const value = op.input as Record<string, unknown> | null;
      const owner =
        value && 'owner' in value ? value.owner : value && 'session' in value ? value.session : op.process;
      if (op.f === 'acquire') return holder === null ? [owner] : [];
      return holder !== null && same(holder, owner) ? [null] : [];
    },
  },
  op: fc
    .tuple(
      fc.constantFrom('acquire', 'release'),
      fc.nat(2),
      fc.constantFrom<unknown>(null, { owner: 1 }, { session: 's' }),
      fc.boolean(),
    )
    .map(
      ([f, process, value, unknown]) =>
        () =>
          unknown ? info(f, value, { process }) : ok(f, value, null, { process }),
    ),
};

const elements = fc.constantFrom<unknown>(1, 2, 'a', [1]);

const fifoCase: Case<unknown[]> = {
  name: 'fifo-queue',
  options: {},
  reference: {
    init: [],
    next(queue, op) {
      if (op.f === 'enqueue') return [[...queue, op.input]];
      const output = op.status === 'info' ? undefined : op.output;
      if (output === null) return queue.length === 0 ? [queue] : [];
      if (queue.length === 0) return output === undefined ? [queue] : [];
      return output === undefined || same(output, queue[0]) ? [queue.slice(1)] : [];
    },
  },
  op: fc.oneof(
    doing<unknown[]>('enqueue', elements),
    reading<unknown[]>('dequeue', fc.oneof(elements, fc.constant(null)), (q) => (q.length ? q[0] : null)),
  ),
};

/** The unordered queue's walk uses known dequeues only; its stepAll is checked separately. */
const unorderedCase: Case<unknown[]> = {
  name: 'unordered-queue',
  options: {},
  reference: {
    init: [],
    next(bag, op) {
      if (op.f === 'enqueue') return [sortedBag([...bag, op.input])];
      if (op.output === null) return bag.length === 0 ? [bag] : [];
      const at = bag.findIndex((element) => same(element, op.output));
      return at >= 0 ? [[...bag.slice(0, at), ...bag.slice(at + 1)]] : [];
    },
  },
  op: fc.oneof(
    doing<unknown[]>('enqueue', elements),
    fc.oneof(elements, fc.constant(null)).map((guess) => () => ok('dequeue', null, guess)),
    fc
      .nat()
      .map((pick) => (bag: unknown[]) => ok('dequeue', null, bag.length ? bag[pick % bag.length] : null)),
  ),
};

const setCase: Case<unknown[]> = {
  name: 'set',
  options: {},
  reference: {
    init: [],
    next(set, op) {
      if (op.f === 'add') return set.some((e) => same(e, op.input)) ? [set] : [sortedBag([...set, op.input])];
      const read = op.status === 'info' ? undefined : op.output;
      if (read === undefined || read === null) return [set];
      return same(sortedBag(read as unknown[]), set) ? [set] : [];
    },
  },
  op: fc.oneof(
    doing<unknown[]>('add', elements),
    reading<unknown[]>('read', fc.array(elements, { maxLength: 4 }), (set) => [...set].reverse()),
    fc.nat().map(
      (drop) => (set: unknown[]) =>
        ok(
          'read',
          null,
          set.filter((_, i) => i !== drop % (set.length + 1)),
        ),
    ),
  ),
};

const kvKeys = fc.constantFrom<string | number>('a', 'b', 1);
const kvCase: Case<Map<string | number, string>> = {
  name: 'kv',
  options: {},
  reference: {
    init: new Map(),
    next(map, op) {
      const key = op.key as string | number;
      const held = map.get(key) ?? '';
      const set = (value: string) => {
        const next = new Map(map);
        if (value === '') next.delete(key);
        else next.set(key, value);
        return [next];
      };
      if (op.f === 'put') return set(op.input as string);
      if (op.f === 'append') return set(held + (op.input as string));
      const read = op.status === 'info' ? undefined : op.output;
      return read === undefined || read === null || read === held ? [map] : [];
    },
  },
  op: fc.oneof(
    fc
      .tuple(
        fc.constantFrom('put', 'append'),
        kvKeys,
        fc.constantFrom('x', 'y', '', '1:x', 'y"b"=x'),
        fc.boolean(),
      )
      .map(
        ([f, key, value, unknown]) =>
          () =>
            unknown ? info(f, value, { key }) : ok(f, value, null, { key }),
      ),
    fc.tuple(kvKeys, fc.constantFrom('', 'x', 'xy'), fc.nat(2)).map(
      ([key, guess, how]) =>
        (map: Map<string | number, string>) =>
          how === 0
            ? ok('get', null, map.get(key) ?? '', { key })
            : how === 1
              ? ok('get', null, guess, { key })
              : info('get', null, { key }),
    ),
  ),
};

type Registers = Record<string, unknown>;
const registerKeys = fc.constantFrom('x', 'y', 'z');
const registerValues = fc.constantFrom<unknown>(0, 1, 2, null);
const multiCase = (init: Registers | undefined): Case<Registers> => {
  const nullUnknown = init !== undefined;
  return {
    name: `multi-register init ${JSON.stringify(init)}`,
    options: init === undefined ? {} : { init },
    reference: {
      init: init ?? {},
      next(registers, op) {
        const known = op.status === 'ok' && Array.isArray(op.output);
        let next = registers;
        for (const [f, key, value] of (known ? op.output : op.input) as Array<[string, string, unknown]>) {
          const held = next[key] ?? null;
          if (f === 'write') next = { ...next, [key]: value };
          else if (known && !(value === null && nullUnknown) && !same(value, held)) return [];
        }
        // Absent keys and keys holding null are the same state.
        return [Object.fromEntries(Object.entries(next).filter(([, v]) => v !== null))];
      },
    },
    op: fc
      .tuple(
        fc.array(fc.tuple(fc.constantFrom('read', 'write'), registerKeys, registerValues, fc.boolean()), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.nat(2),
      )
      .map(([micro, how]) => (registers: Registers) => {
        const invoked = micro.map(([f, key, value]) => [f, key, f === 'read' ? null : value]);
        if (how === 2) return info('txn', invoked);
        // Fill reads with the true values (replaying writes in the txn) or with the guesses.
        let seen = { ...registers };
        const completed = micro.map(([f, key, value, truthful]) => {
          if (f === 'write') {
            seen = { ...seen, [key]: value };
            return [f, key, value];
          }
          return [f, key, truthful || how === 0 ? (seen[key] ?? null) : value];
        });
        return ok('txn', invoked, completed);
      }),
  };
};

/** Random walks from the initial state; returns the visited (model state, reference state) pairs. */
function walk<S, R>(model: Model<S>, testCase: Case<R>, walks: OpMaker<R>[][]): Array<[S, R]> {
  const visited: Array<[S, R]> = [[model.init(), testCase.reference.init]];
  for (const makers of walks) {
    let state = deepFreeze(model.init());
    let reference = testCase.reference.init;
    for (const make of makers) {
      const op = make(reference);
      const snapshot = JSON.stringify(state);
      const next = model.stepAll
        ? model.stepAll(state, op)
        : [model.step(state, op)].filter((s) => s !== undefined);
      expect(JSON.stringify(state), 'step mutated the state it was given').toBe(snapshot);
      const expected = testCase.reference.next(reference, op);
      const context = `${op.f} ${JSON.stringify(op.input)} → ${op.status === 'info' ? '?' : JSON.stringify(op.output)} in ${model.describe?.(state)}`;
      expect(next.length, `legality of ${context}`).toBe(expected.length);
      if (next.length === 0) {
        expect(model.explain?.(state, op), `explain of ${context}`).not.toMatch(/is legal/);
        continue;
      }
      state = deepFreeze(next[0] as S);
      reference = expected[0];
      visited.push([state, reference]);
    }
  }
  return visited;
}

function checkHashes<S, R>(model: Model<S>, visited: Array<[S, R]>): void {
  // Keyed by String(hash): even a search that stringifies hashes must not see collisions.
  const byHash = new Map<string, string>();
  const byIdentity = new Map<string, string>();
  for (const [state, reference] of visited) {
    const hash = String(model.hash!(state));
    const id = identity(reference);
    if (model.stepAll) expect(hash).not.toContain('\u0001');
    if (byHash.has(hash)) expect(byHash.get(hash), `hash ${hash} is shared by different states`).toBe(id);
    else byHash.set(hash, id);
    if (byIdentity.has(id)) expect(byIdentity.get(id), `equal states ${id} hash differently`).toBe(hash);
    else byIdentity.set(id, hash);
  }
  // equal agrees with hash on a sample of pairs (all pairs is quadratic).
  for (let i = 0; i < visited.length; i += 3) {
    for (let j = 0; j < visited.length; j += 7) {
      const [a, ra] = visited[i];
      const [b, rb] = visited[j];
      expect(model.equal!(a, b)).toBe(identity(ra) === identity(rb));
    }
  }
}

const cases: Array<Case<unknown>> = [
  registerCase('register', null, 'absent'),
  registerCase('register', 0, 'unknown'),
  registerCase('cas-register', null, 'absent'),
  registerCase('cas-register', 0, 'unknown'),
  registerCase('cas-register', 0, 'absent'),
  zkCase as Case<unknown>,
  mutexCase as Case<unknown>,
  lockCase,
  fifoCase as Case<unknown>,
  unorderedCase as Case<unknown>,
  setCase as Case<unknown>,
  kvCase as Case<unknown>,
  multiCase({ x: 0, y: 0 }) as Case<unknown>,
  multiCase(undefined) as Case<unknown>,
];

describe('model properties', () => {
  for (const testCase of cases) {
    const name = testCase.name.split(' ')[0];
    it(`${testCase.name}: agrees with a plain reference; hash and equal are exact; states are never mutated`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(testCase.op, { maxLength: 30 }), { minLength: 1, maxLength: 6 }),
          (walks) => {
            const model = getModel(name, testCase.options);
            checkHashes(model, walk(model, testCase, walks));
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('unordered-queue: an unknown dequeue has exactly one outcome per distinct element', () => {
    fc.assert(
      fc.property(fc.array(elements, { maxLength: 8 }), (enqueued) => {
        const model = getModel('unordered-queue');
        const state = enqueued.reduce((s, e) => model.step(s, ok('enqueue', e, null)), model.init());
        const outcomes = new Set(model.stepAll!(state, info('dequeue', null)).map((s) => model.hash!(s)));
        const distinct = [...new Map(enqueued.map((e) => [identity(e), e])).values()];
        const expected = new Set(distinct.map((e) => model.hash!(model.step(state, ok('dequeue', null, e)))));
        if (enqueued.length === 0) expected.add(model.hash!(state));
        expect(outcomes).toEqual(expected);
      }),
    );
  });

  it('has a property case for every registered model', async () => {
    const { MODELS } = await import('./index.js');
    expect(new Set(cases.map((c) => c.name.split(' ')[0]))).toEqual(new Set(Object.keys(MODELS)));
  });
});
