/**
 * `queue-linearizable`: the queue history is linearizable as a FIFO queue (the `fifo-queue`
 * model), decided by the general search, and only when the history has at most `maxOps`
 * operations (default 200): the search is exponential in concurrency and queues make it blow
 * up. ZooKeeper's recipe does not promise it (consumers that overlap may take elements out of
 * sequence order), so a workload declares it unpromised. Longer histories: "unknown".
 *
 * Drains (queue-ops.ts): an ok drain is searched as its dequeues and a final "empty" dequeue, all
 * concurrent over the drain's span (their order within it is not used). A drain of unknown
 * outcome took some number of elements, which no single op of the model can stand for; it may
 * also have taken none, so the history is searched without it: if that is linearizable, so is
 * the history; if not, the drain may explain it, so the claim is "unknown", naming the drain.
 */
import type { Operation } from '../history/types.js';
import { checkLinearizable } from '../linearizable/check.js';
import { ClaimSpecError, type ClaimChecker } from './types.js';
import { describeOp, listed, queueNames, queueOps, taken } from './queue-ops.js';

const METHOD = 'search';

export const queueLinearizable: ClaimChecker = async (history, options, limits) => {
  const names = queueNames('queue-linearizable', options);
  const maxOps = options.maxOps ?? 200;
  if (typeof maxOps !== 'number' || !Number.isInteger(maxOps) || maxOps < 0)
    throw new ClaimSpecError(
      `queue-linearizable: maxOps must be a whole number, got ${JSON.stringify(maxOps)}`,
    );
  const { ops, unknownDrains } = queueOps(history, names);
  if (ops.length > maxOps)
    return {
      valid: 'unknown',
      method: METHOD,
      cause: `${ops.length} queue operations: searched only up to ${maxOps}`,
    };
  // The model's shape: f enqueue/dequeue, a dequeue's output the element (null: empty).
  const plain = ops.map((op): Operation => ({
    ...op,
    f: op.f === names.enqueue ? 'enqueue' : 'dequeue',
    output:
      op.f === names.dequeue && op.status === 'ok' ? ((taken(op).element ?? null) as unknown) : op.output,
  }));
  const result = await checkLinearizable(
    plain,
    { name: 'fifo-queue' },
    {
      workers: 0,
      maxMemoryBytes: limits.maxMemoryBytes,
      timeLimitMs:
        limits.deadline === undefined ? undefined : Math.max(0, limits.deadline - performance.now()),
    },
  );
  if (result.valid === false && unknownDrains.length > 0)
    return {
      valid: 'unknown',
      method: METHOD,
      cause: `not linearizable without the drain of unknown outcome (${listed(unknownDrains.map(describeOp))}), which may have taken elements`,
    };
  return {
    valid: result.valid,
    method: METHOD,
    ...(result.cause === undefined ? {} : { cause: result.cause }),
    ...(result.counterexample === undefined ? {} : { counterexample: result.counterexample }),
  };
};
