/**
 * What the queue claim checkers share: how a queue history is read.
 *
 *   enqueue  invoke value = the element (unique per enqueue); the ok output is not used
 *   dequeue  invoke value ignored; ok output:
 *              null                          the queue was observed empty;
 *              {value, seq?, skipped?}       zkcheck's queue workload: the element taken, the
 *                                            sequence number of its znode, and the sequence
 *                                            numbers below it that its listing held and that
 *                                            were gone (NO_NODE) when it tried them;
 *              anything else                 the element itself (Jepsen's `:dequeue`).
 *   drain    (Jepsen's `:drain`: one client dequeues until the queue is empty) ok output: the
 *            list of elements it took, in order. Read by {@link queueOps} as one ok dequeue per
 *            element, each read like a dequeue's output, then one "empty" dequeue: a drain
 *            returns when it finds the queue empty (Jepsen's total-queue relies on that, "only
 *            if the history includes draining them completely"). Each spans the whole drain
 *            (its invoke to its completion): the history does not record when within it each
 *            element left, and any narrower span would claim an order against other processes'
 *            ops that it does not show. So the order within a drain is not used (weaker, never
 *            wrong). A failed drain took nothing (dropped with every fail); a drain of unknown
 *            outcome may have taken any number of elements, and each claim says how it treats it.
 *
 * Ops on different keys are different queues. Elements compare by key and JSON value.
 */
import type { Key, Operation } from '../history/types.js';
import { ClaimSpecError, type ClaimSpec } from './types.js';

/** How many elements or ops an explanation names before it says "and N more". */
export const SHOWN = 10;

export interface QueueNames {
  enqueue: string;
  dequeue: string;
  drain: string;
}

export function queueNames(checker: string, options: Readonly<Record<string, unknown>>): QueueNames {
  const names = {
    enqueue: options.enqueue ?? 'enqueue',
    dequeue: options.dequeue ?? 'dequeue',
    drain: options.drain ?? 'drain',
  };
  if (
    typeof names.enqueue !== 'string' ||
    typeof names.dequeue !== 'string' ||
    typeof names.drain !== 'string'
  )
    throw new ClaimSpecError(
      `${checker}: options.enqueue, options.dequeue and options.drain must be op names`,
    );
  return names as QueueNames;
}

/** A queue history with its drains read (see the top of this file). */
export interface QueueOps {
  /** The enqueues and dequeues, each ok drain as its dequeues, in call order. */
  ops: Operation[];
  /** The drains of unknown outcome. */
  unknownDrains: Operation[];
}

/** The dequeues an ok drain stands for, so that explanations can say "a drain". */
const fromDrain = new WeakSet<Operation>();

/** Reads a queue history: ok drains become dequeues; other ops than the queue's are left out. */
export function queueOps(ops: readonly Operation[], names: QueueNames): QueueOps {
  const result: QueueOps = { ops: [], unknownDrains: [] };
  for (const op of ops) {
    if (op.f === names.enqueue || op.f === names.dequeue) {
      result.ops.push(op);
      continue;
    }
    if (op.f !== names.drain) continue;
    if (op.status === 'info') {
      result.unknownDrains.push(op);
      continue;
    }
    if (!Array.isArray(op.output))
      throw new Error(
        `${describeOp(op)}: an ok ${names.drain} must return the list of elements it took, got ${render(op.output)}`,
      );
    // Each keeps the drain's process, span and indexes, so evidence points at the drain.
    for (const output of [...(op.output as unknown[]), null]) {
      const dequeue: Operation = { ...op, f: names.dequeue, input: null, output };
      fromDrain.add(dequeue);
      result.ops.push(dequeue);
    }
  }
  return result;
}

/** What an ok dequeue reported. */
export interface Taken {
  /** The element; absent for an "empty" observation. */
  element?: unknown;
  empty: boolean;
  seq?: number;
  skipped?: readonly number[];
}

export function taken(op: Operation): Taken {
  const output = op.output;
  if (output === null || output === undefined) return { empty: true };
  if (typeof output === 'object' && !Array.isArray(output) && 'value' in output) {
    const { value, seq, skipped } = output as { value: unknown; seq?: unknown; skipped?: unknown };
    return {
      element: value,
      empty: false,
      seq: typeof seq === 'number' ? seq : undefined,
      skipped: Array.isArray(skipped) ? (skipped as number[]) : undefined,
    };
  }
  return { element: output, empty: false };
}

/** A queue's element (or sequence number) as a map key. */
export function elementKey(key: Key | undefined, element: unknown): string | number {
  // The common case (one queue, integer elements) without building a string.
  if (key === undefined && typeof element === 'number') return element;
  const text = typeof element === 'bigint' ? `${element}n` : (JSON.stringify(element) ?? 'undefined');
  return key === undefined ? text : `${JSON.stringify(key)}\u0000${text}`;
}

export function queueOf(key: Key | undefined): string {
  return key === undefined ? '' : ` of queue ${JSON.stringify(key)}`;
}

export function describeOp(op: Operation): string {
  return `process ${op.process} op ${op.invokeIndex}${fromDrain.has(op) ? ' (a drain)' : ''}`;
}

export function listed(items: readonly string[], total = items.length): string {
  const shown = items.slice(0, SHOWN).join(', ');
  return total > SHOWN ? `${shown} and ${total - SHOWN} more` : shown;
}

export function render(element: unknown): string {
  return typeof element === 'bigint' ? String(element) : (JSON.stringify(element) ?? 'undefined');
}

/**
 * The queue claims as a declaration: total queue and FIFO by sequence (promised by ZooKeeper's
 * recipe), linearizable FIFO queue by search on histories of at most `maxOps` queue ops (not
 * promised). `total` holds queue-total's options (`unsyncedEmpty`, `drained`); `fifoBySequence:
 * false` leaves out the claim that needs sequence numbers (for histories without them).
 */
export function queueClaimSpecs(
  options: { maxOps?: number; total?: Readonly<Record<string, unknown>>; fifoBySequence?: boolean } = {},
): ClaimSpec[] {
  const specs: ClaimSpec[] = [
    {
      name: 'total-queue',
      title: 'every acknowledged enqueue dequeued exactly once, nothing else',
      promised: true,
      checker: 'queue-total',
      ...(options.total ? { options: options.total } : {}),
    },
    {
      name: 'fifo-by-sequence',
      title: 'no consumer passes over a lower element of its listing still queued',
      promised: true,
      checker: 'queue-fifo',
    },
    {
      name: 'linearizable-fifo',
      title: 'linearizable FIFO queue (search, small histories only)',
      promised: false,
      checker: 'queue-linearizable',
      options: { maxOps: options.maxOps ?? 200 },
    },
  ];
  return options.fifoBySequence === false ? specs.filter((spec) => spec.checker !== 'queue-fifo') : specs;
}
