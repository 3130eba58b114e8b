/**
 * The search's list of entries: the call and the return of every op of a part, in real-time
 * order, as a doubly linked list the search unlinks entries from ("lifts" an op) and links back
 * when it backtracks. Entry ids: the call of op i is 2i, its return 2i + 1.
 */
import type { Operation } from '../history/types.js';

/** No entry: the end of the list. */
export const NIL = -1;
/** The `prev` of the first entry. */
export const HEAD_ENTRY = -2;

export const isCall = (entry: number) => (entry & 1) === 0;

export interface EntryList {
  head: number;
  next: Int32Array;
  prev: Int32Array;
}

/**
 * Call and return entries in real-time order. Returns at infinity (unknown outcomes) go last.
 * Ties cannot happen for positions; for equal times a call sorts before a return, so ops that
 * touch at one instant count as concurrent (the permissive reading).
 */
export function buildEntryList(ops: Operation[]): EntryList {
  const n = ops.length;
  const order = entryOrder(ops);
  const next = new Int32Array(2 * n);
  const prev = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) {
    const e = order[i];
    prev[e] = i === 0 ? HEAD_ENTRY : order[i - 1];
    next[e] = i === 2 * n - 1 ? NIL : order[i + 1];
  }
  return { head: order[0], next, prev };
}

/**
 * The entries sorted by (time, calls before returns, entry id). A part's ops come in call order
 * (ids are dense in call order), so its calls are sorted already: only the returns are sorted, as
 * one exact double each, (ret * n + op), natively on a Float64Array, and merged with the calls.
 * Sorting n keys instead of 2n, and decoding them without a floating-point remainder (fmod, slow),
 * matters on the many small parts of a multi-key history, where this was a quarter of the time a
 * part took. Other inputs (calls out of order, a negative or fractional time in a hand-made test,
 * huge positions) take the comparator, which defines the order.
 */
export function entryOrder(ops: readonly Operation[]): Int32Array {
  const n = ops.length;
  let maxTime = 0;
  let lastCall = 0;
  for (const op of ops) {
    const { call, ret } = op;
    if (!Number.isInteger(call) || call < lastCall) return entryOrderByComparator(ops);
    if (ret !== Infinity && (!Number.isInteger(ret) || ret < 0)) return entryOrderByComparator(ops);
    if (ret !== Infinity && ret > maxTime) maxTime = ret;
    if (call > maxTime) maxTime = call;
    lastCall = call;
  }
  // Returns of unknown outcome (at infinity) go after every finite time.
  const infinity = maxTime + 1;
  if ((infinity + 1) * n >= Number.MAX_SAFE_INTEGER) return entryOrderByComparator(ops);
  const returns = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ret = ops[i].ret;
    returns[i] = (ret === Infinity ? infinity : ret) * n + i;
  }
  returns.sort();
  const order = new Int32Array(2 * n);
  let call = 0;
  let out = 0;
  for (let r = 0; r < n; r++) {
    // Exact: key = time * n + op with op < n, and (time + 1) * n < 2^53 (checked above), so the
    // quotient key / n, time + op / n, is at least 1/n below time + 1, more than the rounding
    // of a double that size can cross.
    const key = returns[r];
    const time = Math.floor(key / n);
    const op = key - time * n;
    // Calls at or before this return's time come first (at one instant, a call before a return).
    while (call < n && ops[call].call <= time) order[out++] = 2 * call++;
    order[out++] = 2 * op + 1;
  }
  while (call < n) order[out++] = 2 * call++;
  return order;
}

/** The order itself: (time, calls before returns, entry id). */
export function entryOrderByComparator(ops: readonly Operation[]): Int32Array {
  const order = new Int32Array(2 * ops.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const time = (e: number) => (isCall(e) ? ops[e >>> 1].call : ops[e >>> 1].ret);
  order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  return order;
}
