/**
 * entryOrder's fast path (calls already in order: sort the returns, merge) gives exactly the
 * order the comparator defines, (time, calls before returns, entry id), on random parts with
 * ties everywhere, unknown outcomes, and times up to where the keys stop being exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Operation } from '../history/types.js';
import { entryOrder, entryOrderByComparator } from './entries.js';

const op = (id: number, call: number, ret: number): Operation =>
  ({
    id,
    process: id,
    f: 'write',
    input: id,
    status: ret === Infinity ? 'info' : 'ok',
    call,
    ret,
  }) as Operation;

/** Ops in call order (ties allowed), each returning at or after its call, or never. */
const part = (maxTime: number) =>
  fc
    .array(fc.tuple(fc.nat(maxTime), fc.nat(maxTime), fc.boolean()), { minLength: 1, maxLength: 60 })
    .map((rows) => {
      const calls = rows.map(([call]) => call).sort((a, b) => a - b);
      return rows.map(([, span, crashed], i) => op(i, calls[i], crashed ? Infinity : calls[i] + span));
    });

describe('entryOrder', () => {
  it('orders as the comparator does, with small times (many ties)', () => {
    fc.assert(
      fc.property(part(5), (ops) => {
        expect([...entryOrder(ops)]).toEqual([...entryOrderByComparator(ops)]);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders as the comparator does with large times, and falls back where keys would not be exact', () => {
    fc.assert(
      fc.property(part(2 ** 46), (ops) => {
        expect([...entryOrder(ops)]).toEqual([...entryOrderByComparator(ops)]);
      }),
      { numRuns: 1000 },
    );
  });

  it('takes calls out of order, negative and fractional times through the comparator', () => {
    const cases = [
      [op(0, 5, 9), op(1, 2, 3)],
      [op(0, -1, 4), op(1, 0, 1)],
      [op(0, 0.5, 2), op(1, 1, 1.5)],
    ];
    for (const ops of cases) expect([...entryOrder(ops)]).toEqual([...entryOrderByComparator(ops)]);
    // A return at the instant of a later call: the call first (they count as concurrent).
    expect([...entryOrder([op(0, 0, 3), op(1, 3, 4)])]).toEqual([0, 2, 1, 3]);
  });
});
