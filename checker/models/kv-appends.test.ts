import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History, Operation } from '../history/types.js';
import { toOperations } from '../history/operations.js';
import { bruteForceLinearizable } from '../linearizable/bruteforce.js';
import { resolveModel, searchModelOf } from '../linearizable/check.js';
import { searchLinearization } from '../linearizable/search.js';
import { kvStrings, simulateHistory } from '../testing/simulate.js';
import { spelledInSomeOrder } from './kv-appends.js';
import { kvModel } from './kv.js';

/** An append with its real-time interval [call, ret]. */
const append = (id: number, token: string, call: number, ret: number): Operation => ({
  id,
  process: id,
  f: 'append',
  key: 'k',
  input: token,
  output: null,
  status: 'ok',
  call,
  ret,
  invokeIndex: call,
  completeIndex: ret,
});
const get = (id: number, value: string | null, call: number, ret: number): Operation => ({
  ...append(id, '', call, ret),
  f: 'get',
  input: null,
  output: value,
});

describe('spelledInSomeOrder', () => {
  it('accepts any order of concurrent tokens and only real-time orders of sequential ones', () => {
    const concurrent = [append(0, 'a', 0, 10), append(1, 'b', 1, 11)];
    expect(spelledInSomeOrder('ab', 0, concurrent)).toBe(true);
    expect(spelledInSomeOrder('ba', 0, concurrent)).toBe(true);
    const sequential = [append(0, 'a', 0, 1), append(1, 'b', 2, 3)];
    expect(spelledInSomeOrder('ab', 0, sequential)).toBe(true);
    expect(spelledInSomeOrder('ba', 0, sequential)).toBe(false);
  });

  it('needs every token exactly once, after the committed prefix', () => {
    const tokens = [append(0, 'a', 0, 10), append(1, 'b', 1, 11)];
    expect(spelledInSomeOrder('xab', 1, tokens)).toBe(true);
    expect(spelledInSomeOrder('xa', 1, tokens)).toBe(false);
    expect(spelledInSomeOrder('xaab', 1, tokens)).toBe(false);
  });

  it('finds the order when tokens repeat or are prefixes of one another', () => {
    // "a" (0) must precede "ab" (2); "a" (1) is free: "a" "ab" "a" and "ab"... only some work.
    const tokens = [append(0, 'a', 0, 1), append(1, 'a', 0, 20), append(2, 'ab', 2, 20)];
    expect(spelledInSomeOrder('aaba', 0, tokens)).toBe(true); // a(0) ab a(1)
    expect(spelledInSomeOrder('aaab', 0, tokens)).toBe(true); // a a ab
    expect(spelledInSomeOrder('abaa', 0, tokens)).toBe(false); // ab cannot go before a(0)
  });

  it('stays fast on many concurrent tokens that are prefixes of one another', () => {
    const tokens = Array.from({ length: 22 }, (_, i) => append(i, i % 2 === 0 ? 'a' : 'aa', 0, 100));
    const length = tokens.reduce((sum, op) => sum + (op.input as string).length, 0);
    expect(spelledInSomeOrder('a'.repeat(length), 0, tokens)).toBe(true);
    expect(spelledInSomeOrder('a'.repeat(length - 1) + 'b', 0, tokens)).toBe(false);
  });
});

describe('kv search model', () => {
  const search = searchModelOf(kvModel());

  it('ends unknown ("memory") rather than spending minutes in one get on tokens made of each other', () => {
    // "a", "aa", ..., 19 "a"s, all concurrent; the get's last character fits no order.
    const ops = Array.from({ length: 19 }, (_, i) => append(i, 'a'.repeat(i + 1), i, 100 + i));
    ops.push(get(19, `${'a'.repeat(189)}b`, 200, 201));
    expect(searchLinearization(ops, search)).toMatchObject({ valid: 'unknown', cause: 'memory' });
  });

  it('leaves concurrent appends unordered until a get orders them, then forgets the other orders', () => {
    const a = append(0, 'a', 0, 10);
    const b = append(1, 'b', 1, 11);
    const ab = search.step(search.step(search.init(), a)!, b)!;
    const ba = search.step(search.step(search.init(), b)!, a)!;
    expect(search.hash!(ab)).toBe(search.hash!(ba));
    expect(search.describe!(ab)).toBe('{"k": "" + some order of ["a", "b"]}');
    const read = search.step(ab, get(2, 'ba', 12, 13))!;
    expect(search.describe!(read)).toBe('{"k": "ba"}');
    expect(search.step(read, get(3, 'ab', 14, 15))).toBeUndefined();
    expect(search.explain!(read, get(3, 'ab', 14, 15))).toBe('get returned "ab" but key "k" holds "ba"');
    expect(search.explain!(ab, get(3, 'a', 12, 13))).toBe(
      'get returned "a" but key "k" is absent ("") followed by "a", "b" in an order real time allows',
    );
  });

  it('checks Porcupine-style histories in far fewer configurations than the plain model', () => {
    const history = simulateHistory(kvStrings(), { seed: 3, threads: 6, opsPerKey: 120 });
    const operations = toOperations(history);
    const plain = searchLinearization(operations, kvModel());
    const lazy = searchLinearization(operations, search);
    expect(plain.valid).toBe(true);
    expect(lazy.valid).toBe(true);
    expect(lazy.configurations).toBeLessThan(plain.configurations);
  });
});

/**
 * Changes one get so the history may stop being linearizable: it returns one character less, one
 * more, its last two swapped, or its string reversed.
 */
function perturb(history: History, choice: number, how: number): History {
  const gets = history.filter((op) => op.type === 'ok' && op.f === 'get');
  if (gets.length === 0) return history;
  const target = gets[choice % gets.length];
  const value = target.value as string;
  const changed =
    how === 0
      ? value.slice(0, -1)
      : how === 1
        ? `${value}a`
        : how === 2 && value.length >= 2
          ? `${value.slice(0, -2)}${value.at(-1)}${value.at(-2)}`
          : value.split('').reverse().join('');
  return history.map((op) => (op === target ? { ...op, value: changed } : op));
}

describe('kv search model against the brute-force oracle (plain kv model)', () => {
  const plain = resolveModel({ name: 'kv' });
  const objects: Array<[string, ReturnType<typeof kvStrings>]> = [
    ['unique tokens', kvStrings()],
    ['repeated and prefix tokens', kvStrings(['', 'a', 'a', 'b', 'ab', 'ba'])],
  ];
  for (const [name, object] of objects) {
    it(`agrees on random valid and invalid histories (${name})`, () => {
      let invalid = 0;
      fc.assert(
        fc.property(
          fc.integer(),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 8 }),
          fc.nat(),
          fc.integer({ min: 0, max: 4 }),
          (seed, threads, opsPerKey, choice, how) => {
            const history = simulateHistory(object, { seed, threads, opsPerKey, infoRate: 0.15 });
            const operations = toOperations(how === 4 ? history : perturb(history, choice, how));
            const expected = bruteForceLinearizable(operations, plain);
            if (!expected) invalid++;
            expect(searchLinearization(operations, searchModelOf(plain)).valid).toBe(expected);
          },
        ),
        { numRuns: 3_000 },
      );
      expect(invalid).toBeGreaterThan(300);
    });
  }
});
