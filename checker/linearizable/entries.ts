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
 * The entries sorted by (time, calls before returns, entry id). Times are history positions, so
 * each entry's whole sort key fits one exact double, ((time * 2 + isReturn) * 2n + entry), and a
 * Float64Array sorts those natively: several times faster than a comparator, which matters on
 * the many small parts of a multi-key history, where the search itself is short. Other times
 * (a negative or fractional call in a hand-made test, huge positions) take the comparator.
 */
function entryOrder(ops: Operation[]): Int32Array {
  const n = ops.length;
  const entries = 2 * n;
  let maxTime = 0;
  let integral = true;
  for (const op of ops) {
    const { call, ret } = op;
    if (!Number.isInteger(call) || call < 0 || (ret !== Infinity && (!Number.isInteger(ret) || ret < 0))) {
      integral = false;
      break;
    }
    if (ret !== Infinity && ret > maxTime) maxTime = ret;
    if (call > maxTime) maxTime = call;
  }
  const infinity = maxTime + 1;
  if (!integral || (2 * infinity + 2) * entries >= Number.MAX_SAFE_INTEGER)
    return entryOrderByComparator(ops);
  const keys = new Float64Array(entries);
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    const ret = op.ret === Infinity ? infinity : op.ret;
    keys[2 * i] = op.call * 2 * entries + 2 * i;
    keys[2 * i + 1] = (ret * 2 + 1) * entries + 2 * i + 1;
  }
  keys.sort();
  const order = new Int32Array(entries);
  for (let i = 0; i < entries; i++) order[i] = keys[i] % entries;
  return order;
}

function entryOrderByComparator(ops: Operation[]): Int32Array {
  const order = new Int32Array(2 * ops.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const time = (e: number) => (isCall(e) ? ops[e >>> 1].call : ops[e >>> 1].ret);
  order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  return order;
}
