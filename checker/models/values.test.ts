import { describe, expect, it } from 'vitest';
import { canonicalKey, displayOrder, normalizeInteger, render, sameValue, ValueTable } from './values.js';

const TWO_53 = 2n ** 53n;

describe('integers beyond 2^53', () => {
  it('are one value whether a number or a bigint holds them', () => {
    expect(sameValue(5, 5n)).toBe(true);
    expect(sameValue(-5n, -5)).toBe(true);
    expect(sameValue(2 ** 60, 2n ** 60n)).toBe(true);
    expect(sameValue(-(2 ** 70), -(2n ** 70n))).toBe(true);
    expect(sameValue(1e21, 10n ** 21n)).toBe(true);
    expect(sameValue([1n, { v: 2 ** 53 }], [1, { v: TWO_53 }])).toBe(true);
    expect(canonicalKey(2 ** 60)).toBe('1152921504606846976');
  });

  it('differ when their values differ by one', () => {
    expect(sameValue(TWO_53, TWO_53 + 1n)).toBe(false);
    expect(sameValue(2 ** 53, TWO_53 + 1n)).toBe(false);
    expect(sameValue(2n ** 63n, 2n ** 63n - 1n)).toBe(false);
    expect(sameValue(-(2n ** 64n), -(2n ** 64n) - 1n)).toBe(false);
    // The double 2^60 prints as 1152921504606847000 but is 1152921504606846976.
    expect(sameValue(2 ** 60, 1152921504606847000n)).toBe(false);
  });

  it('never meet strings or non-integers', () => {
    expect(sameValue(TWO_53 + 1n, '9007199254740993')).toBe(false);
    expect(sameValue(5n, '5')).toBe(false);
    expect(sameValue(1n, 1.5)).toBe(false);
    expect(canonicalKey([Infinity, NaN, 1e-7, 0.5])).toBe('[Infinity,NaN,1e-7,0.5]');
  });

  it('are interned once per value', () => {
    const table = new ValueTable();
    const big = table.id(TWO_53 + 1n);
    expect(table.id(TWO_53 + 1n)).toBe(big);
    expect(table.find(TWO_53)).toBe(-1);
    expect(table.id(TWO_53)).not.toBe(big);
    expect(table.find(2 ** 53)).toBe(table.id(TWO_53));
    expect(table.id(7)).toBe(table.id(7n));
    expect(table.find({ v: 9n })).toBe(-1);
    expect(table.id({ v: 9n })).toBe(table.id({ v: 9 }));
  });

  it('normalize to numbers when safe and to bigints otherwise', () => {
    expect(normalizeInteger(9007199254740991n)).toBe(9007199254740991);
    expect(normalizeInteger(-9007199254740991n)).toBe(-9007199254740991);
    expect(normalizeInteger(2 ** 53)).toBe(TWO_53);
    expect(normalizeInteger(TWO_53)).toBe(TWO_53);
    expect(normalizeInteger(Infinity)).toBe(Infinity);
    expect(normalizeInteger(1.5)).toBe(1.5);
    expect(normalizeInteger('5')).toBe('5');
  });

  it('render with their exact digits and sort by value', () => {
    expect(render(TWO_53 + 1n)).toBe('9007199254740993');
    expect(render({ value: -(2n ** 70n) - 1n, version: 2 })).toBe(
      '{"value":-1180591620717411303425,"version":2}',
    );
    expect(displayOrder([TWO_53 + 1n, 'a', 3, -(2n ** 63n), 2 ** 53])).toEqual([
      -(2n ** 63n),
      3,
      2 ** 53,
      TWO_53 + 1n,
      'a',
    ]);
  });
});
