/**
 * bench:queue — the counting queue claims (total-queue, fifo-by-sequence) on a synthetic
 * 1,000,000-op queue history: 5 processes, enqueues and dequeues interleaved, some consumers
 * racing on the head (skipped lists), a final drain. Goal: under 10 s and 1 GB together.
 */
import type { Operation } from '../checker/history/types.js';
import { queueFifo } from '../checker/claims/queue-fifo.js';
import { queueTotal } from '../checker/claims/queue-total.js';

const OPS = 1_000_000;
/** One shared empty list: a real history's reader would allocate its own, as small. */
const NONE: number[] = [];

function history(n: number): Operation[] {
  const ops: Operation[] = [];
  const queued: { value: number; seq: number }[] = [];
  let head = 0;
  let position = 0;
  let element = 0;
  let seq = 0;
  while (ops.length < n - 1) {
    const process = ops.length % 5;
    const call = position++;
    const ret = position++;
    const base = {
      id: ops.length,
      process,
      call,
      ret,
      invokeIndex: call,
      completeIndex: ret,
      status: 'ok' as const,
    };
    if (head === queued.length || ops.length % 2 === 0) {
      queued.push({ value: element, seq: seq++ });
      ops.push({ ...base, f: 'enqueue', input: element, output: element++ });
    } else {
      const taken = queued[head++];
      const skipped = head > 1 && ops.length % 7 === 0 ? [queued[head - 2].seq] : NONE;
      ops.push({ ...base, f: 'dequeue', input: null, output: { ...taken, skipped }, sync: true });
    }
  }
  for (; head < queued.length; head++) {
    const call = position++;
    const ret = position++;
    ops.push({
      id: ops.length,
      process: 0,
      call,
      ret,
      invokeIndex: call,
      completeIndex: ret,
      status: 'ok',
      f: 'dequeue',
      input: null,
      output: { ...queued[head], skipped: NONE },
      sync: true,
    });
  }
  const call = position++;
  const ret = position++;
  ops.push({
    id: ops.length,
    process: 0,
    call,
    ret,
    invokeIndex: call,
    completeIndex: ret,
    status: 'ok',
    f: 'dequeue',
    input: null,
    output: null,
    sync: true,
  });
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
