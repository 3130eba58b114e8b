/**
 * `queue-fifo`: FIFO by sequence, what ZooKeeper's queue recipe can promise. ZooKeeper orders
 * the elements of a queue by the sequence numbers it gives their znodes; it does not order
 * consumers: two consumers that list the queue at once both try the lowest element, one deletes
 * it and the other moves on to the next, so dequeues that overlap in time may complete out of
 * sequence order, and a consumer whose reply is lost may have taken any element. So the claim is
 * about what each consumer saw, exactly:
 *
 *   A consumer that takes the element with sequence number s (an ok dequeue reporting `seq: s`)
 *   passed over every lower sequence number k of its own listing (reported in `skipped`) only
 *   because k was already gone. So k must have been removed before the dequeue ended: some
 *   dequeue took k, and it began before this one ended (one that began after it ended found k
 *   still there, so k was not gone), or, when no ok dequeue took k, some dequeue of unknown
 *   outcome on the queue began before this one ended (it may have removed k). Otherwise the
 *   consumer took s while a lower element it saw was still un-dequeued: the claim is broken.
 *
 * The recipe tries its listing lowest first and skips an element only on NO_NODE (getData or
 * delete), which a correct ZooKeeper answers only for a deleted znode, so the claim holds on a
 * correct ZooKeeper whatever the timing. Ok dequeues without `seq` (e.g. Jepsen histories) say
 * nothing here. Linear in the size of the history (the `skipped` lists included).
 *
 * Drains (queue-ops.ts): an ok drain's dequeues each span the whole drain, so one that passed
 * over an element the same drain took earlier is fine; a drain of unknown outcome may have
 * removed any element after it began, like a dequeue of unknown outcome.
 */
import type { Operation } from '../history/types.js';
import type { ClaimChecker } from './types.js';
import { describeOp, elementKey, listed, queueNames, queueOf, queueOps, SHOWN, taken } from './queue-ops.js';

const METHOD = 'queue-fifo';

export const queueFifo: ClaimChecker = (history, options) => {
  const names = queueNames(METHOD, options);
  const { ops, unknownDrains } = queueOps(history, names);
  const takers = new Map<string | number, Operation>();
  // Per queue, the earliest invoke of a dequeue (or drain) of unknown outcome.
  const firstUnknown = new Map<string | number, number>();
  let withSeq = 0;
  for (const op of [...ops, ...unknownDrains]) {
    if (op.f !== names.dequeue && op.f !== names.drain) continue;
    if (op.status === 'info') {
      const queue = elementKey(op.key, null);
      firstUnknown.set(queue, Math.min(firstUnknown.get(queue) ?? Infinity, op.call));
      continue;
    }
    const got = taken(op);
    if (got.seq === undefined) continue;
    withSeq++;
    const id = elementKey(op.key, got.seq);
    const earlier = takers.get(id);
    // Two takers of one znode is the total-queue claim's business; keep the earliest.
    if (!earlier || earlier.call > op.call) takers.set(id, op);
  }
  if (withSeq === 0)
    return { valid: 'unknown', method: METHOD, cause: 'no ok dequeue reported the sequence number it took' };

  const broken: string[] = [];
  const evidence: Operation[] = [];
  for (const op of ops) {
    if (op.f !== names.dequeue || op.status !== 'ok') continue;
    const got = taken(op);
    if (got.seq === undefined || !got.skipped) continue;
    for (const k of got.skipped) {
      const remover = takers.get(elementKey(op.key, k));
      if (remover && remover !== op && remover.call < op.ret) continue;
      if (!remover && (firstUnknown.get(elementKey(op.key, null)) ?? Infinity) < op.ret) continue;
      broken.push(
        remover
          ? `${describeOp(op)} took ${got.seq}${queueOf(op.key)} passing over ${k}, which ${describeOp(remover)} took only after it ended`
          : `${describeOp(op)} took ${got.seq}${queueOf(op.key)} passing over ${k}, which nobody had removed`,
      );
      if (evidence.length < 2 * SHOWN) evidence.push(op, ...(remover ? [remover] : []));
    }
  }
  if (broken.length === 0) return { valid: true, method: METHOD };
  return {
    valid: false,
    method: METHOD,
    explanation: [
      `${broken.length} times a consumer took an element while a lower one of its listing was still in the queue: ${listed(broken)}`,
    ],
    evidence,
  };
};
