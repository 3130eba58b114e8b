/**
 * bench:queue — the counting queue claims (total-queue, fifo-by-sequence) on a synthetic
 * 1,000,000-op queue history: 5 processes, enqueues and dequeues interleaved, some consumers
 * racing on the head (skipped lists), a final drain. Goal: under 10 s and 1 GB together.
 * Measured (shared 2-core machine, loaded): 5.9 s, peak RSS 334 MiB (history 234 MiB).
 */
import type { Operation } from '../checker/history/types.js';
import { queueFifo } from '../checker/claims/queue-fifo.js';
import { queueTotal } from '../checker/claims/queue-total.js';

const OPS = 1_000_000;
/** One shared empty list: a real history's reader would allocate its own, as small. */
const NONE: number[] = [];

/**
 * One op as a class instance: every field set in the constructor, in one order, so V8 keeps all
 * ops in one compact shape (object spreads made each op a dictionary, ~1 KB apiece).
 */
class QueueOp implements Operation {
  readonly status = 'ok' as const;
  readonly invokeIndex: number;
  readonly completeIndex: number;
  readonly sync: boolean | undefined;

  constructor(
    readonly id: number,
    readonly process: number,
    readonly f: string,
    readonly input: unknown,
    readonly output: unknown,
    readonly call: number,
    readonly ret: number,
  ) {
    this.invokeIndex = call;
    this.completeIndex = ret;
    this.sync = f === 'dequeue' ? true : undefined;
  }
}

/** What a dequeue of zkcheck's queue workload reports, in one shape. */
class Taken {
  constructor(
    readonly value: number,
    readonly seq: number,
    readonly skipped: readonly number[],
  ) {}
}

function history(n: number): Operation[] {
  const ops: Operation[] = [];
  // The elements still queued, oldest first: element i has sequence number i.
  let head = 0;
  let element = 0;
  let position = 0;
  const push = (process: number, f: string, input: unknown, output: unknown) => {
    const call = position++;
    ops.push(new QueueOp(ops.length, process, f, input, output, call, position++));
  };
  while (ops.length < n - 1) {
    const process = ops.length % 5;
    if (head === element || ops.length % 2 === 0) {
      push(process, 'enqueue', element, element);
      element++;
    } else {
      const taken = head++;
      const skipped = head > 1 && ops.length % 7 === 0 ? [taken - 1] : NONE;
      push(process, 'dequeue', null, new Taken(taken, taken, skipped));
    }
  }
  for (; head < element; head++) push(0, 'dequeue', null, new Taken(head, head, NONE));
  push(0, 'dequeue', null, null);
  return ops;
}

const ops = history(OPS);
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const total = await queueTotal(ops, {}, {});
const fifo = await queueFifo(ops, {}, {});
const ms = performance.now() - started;
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(
  `queue claims on ${ops.length} ops: total-queue ${String(total.valid)}, fifo-by-sequence ${String(fifo.valid)}; ` +
    `${(ms / 1000).toFixed(2)} s; rss before ${(rssBefore / 2 ** 20).toFixed(0)} MiB, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
);
if (total.valid !== true || fifo.valid !== true || ms > 10_000 || peakRss > 2 ** 30) {
  console.error('bench:queue: over budget or not valid');
  process.exitCode = 1;
}
