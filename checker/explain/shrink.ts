/**
 * Shrinking a failing history to a window a person can read: drop whole keys, then whole
 * processes, then single operations, for as long as the history still fails (delta debugging:
 * ddmin's chunks, halving until single units). It works on paired operations, so an invoke and
 * its completion always go together, and dropping ops never puts anything after a process's
 * unknown-outcome op: every candidate is a well-formed history. A time budget bounds the whole
 * shrink; the smallest failing history found so far is returned when it runs out.
 */
import type { History, Key, Op, Operation } from '../history/types.js';

/** Whether a candidate still shows the failure (e.g. a claim is still invalid). */
export type StillFails = (ops: Operation[]) => boolean | Promise<boolean>;

export interface ShrinkOptions {
  /** Wall-clock budget for the whole shrink, in ms (default 2 s). */
  budgetMs?: number;
  /** Ops where the failure probably lies (e.g. the counterexample's key), tried first. */
  focus?: (op: Operation) => boolean;
}

export interface ShrinkResult {
  ops: Operation[];
  /** How many candidates were checked. */
  checks: number;
  ms: number;
  /** False when the budget ran out before the shrink reached a minimum. */
  complete: boolean;
}

export async function shrinkHistory(
  ops: Operation[],
  stillFails: StillFails,
  options: ShrinkOptions = {},
): Promise<ShrinkResult> {
  const started = performance.now();
  const deadline = started + (options.budgetMs ?? 2_000);
  let checks = 0;
  let complete = true;
  const test = async (candidate: Operation[]) => {
    if (performance.now() > deadline) {
      complete = false;
      return false;
    }
    checks++;
    try {
      return await stillFails(renumber(candidate));
    } catch {
      return false; // a candidate the checker cannot read shows nothing
    }
  };

  let current = ops;
  if (options.focus) {
    const focused = ops.filter(options.focus);
    if (focused.length > 0 && focused.length < ops.length && (await test(focused))) current = focused;
  }
  for (const groupBy of [(op: Operation) => op.key, (op: Operation) => op.process]) {
    const groups = groupOps(current, groupBy);
    if (groups.length > 1) current = (await ddmin(groups, (kept) => test(kept.flat()))).flat();
  }
  current = await ddmin(current, test);
  return { ops: renumber(current), checks, ms: performance.now() - started, complete };
}

/**
 * ddmin over units: try each chunk alone, then each complement; on success continue from the
 * smaller set with coarser chunks, else halve the chunks, down to single units.
 */
async function ddmin<T>(units: T[], test: (kept: T[]) => Promise<boolean>): Promise<T[]> {
  let chunks = 2;
  while (units.length >= 2) {
    const parts = split(units, chunks);
    let reduced: T[] | undefined;
    for (const part of parts) {
      if (await test(part)) {
        reduced = part;
        chunks = 2; // one chunk alone fails: start over on it
        break;
      }
    }
    for (let i = 0; i < parts.length && !reduced && parts.length > 2; i++) {
      const complement = parts.filter((_, j) => j !== i).flat();
      if (await test(complement)) {
        reduced = complement;
        chunks = Math.max(chunks - 1, 2);
      }
    }
    if (reduced) {
      units = reduced;
      continue;
    }
    if (chunks >= units.length) break;
    chunks = Math.min(units.length, chunks * 2);
  }
  return units;
}

function split<T>(units: T[], chunks: number): T[][] {
  const parts: T[][] = [];
  const size = units.length / chunks;
  for (let i = 0; i < chunks; i++) {
    const part = units.slice(Math.round(i * size), Math.round((i + 1) * size));
    if (part.length > 0) parts.push(part);
  }
  return parts;
}

function groupOps(ops: Operation[], groupBy: (op: Operation) => Key | number | undefined): Operation[][] {
  const groups = new Map<Key | number | undefined, Operation[]>();
  for (const op of ops) {
    const group = groups.get(groupBy(op));
    if (group) group.push(op);
    else groups.set(groupBy(op), [op]);
  }
  return [...groups.values()];
}

/** Checkers expect dense ids; the ops keep their history indices for reports. */
function renumber(ops: Operation[]): Operation[] {
  return ops.map((op, id) => (op.id === id ? op : { ...op, id }));
}

/**
 * A history of the operations, in their original real-time order: each op's invoke at its call,
 * its completion at its ret, unknown outcomes completing `info` at the end. Times are -1 unless
 * `clock` gives them (by original history index).
 */
export function operationsToHistory(
  ops: Operation[],
  clock?: (index: number) => number | undefined,
): History {
  const events: Array<[number, Operation, Op['type']]> = [];
  for (const op of ops) {
    events.push([op.call, op, 'invoke']);
    events.push([op.status === 'ok' ? op.ret : Infinity, op, op.status === 'ok' ? 'ok' : 'info']);
  }
  // Unknown outcomes (position Infinity) last; an invoke before a completion at the same spot.
  events.sort((a, b) =>
    a[0] === b[0] ? (a[2] === 'invoke' ? 0 : 1) - (b[2] === 'invoke' ? 0 : 1) : a[0] < b[0] ? -1 : 1,
  );
  return events.map(([, op, type], index) => {
    const original = type === 'invoke' ? op.invokeIndex : op.completeIndex;
    const event: Op = {
      index,
      time: (original === undefined ? undefined : clock?.(original)) ?? -1,
      process: op.process,
      type,
      f: op.f,
      value: type === 'invoke' ? op.input : type === 'ok' ? op.output : null,
    };
    if (op.key !== undefined) event.key = op.key;
    if (type === 'invoke' && op.sync) event.sync = true;
    return event;
  });
}
