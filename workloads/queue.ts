/**
 * The queue workload: ZooKeeper's distributed-queue recipe under faults.
 *
 *   enqueue  create a persistent sequential child `/queue/q<k>/e-<seq>` holding the element (a
 *            unique integer, padded to `--payload-bytes`): ok {value: element, seq}
 *   dequeue  sync(), list the children, and from the lowest: getData it, delete it; on NO_NODE
 *            (someone took it first) pass over it and try the next; when every listed child is
 *            gone, list again. ok {value: element, seq, skipped: the lower sequence numbers of its
 *            listing it passed over}, or ok null when a listing was empty ("empty" is an
 *            observation: the sync makes it one of the present).
 *
 * After the faults heal, a drain dequeues until a dequeue finds the queue empty, so every
 * element's fate is known. Claims (checker/claims/): total queue and FIFO by sequence (both
 * promised by the recipe on a correct ZooKeeper), and linearizable FIFO queue by search on small
 * histories only (not promised: consumers that overlap may take elements out of order).
 */
import { queueClaimSpecs } from '../checker/claims/queue-ops.js';
import { complete } from '../harness/client/outcome.js';
import type { ZkSession } from '../harness/client/session.js';
import { someFreeThread } from '../harness/generator/context.js';
import { generator, GeneratorBase, op as nextOp, update } from '../harness/generator/core.js';
import { repeat } from '../harness/generator/combinators.js';
import { nextFloat } from '../harness/generator/rng.js';
import { stagger } from '../harness/generator/time.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { Context, Gen, GenOp, OpResult } from '../harness/generator/types.js';
import {
  WorkloadError,
  type Workload,
  type WorkloadEntry,
  type WorkloadOptions,
} from '../harness/runner/spec.js';

const ROOT = '/queue';
const PREFIX = 'e-';
const queuePath = (key: number): string => `${ROOT}/q${key}`;
/** Listings a dequeue makes before it gives up (every listed child gone each time). */
const MAX_LISTINGS = 10;
/** The search decides the unpromised claim only on histories this short. */
const SEARCH_MAX_OPS = 200;

interface QueueSettings {
  producerShare: number;
  payloadBytes: number;
  queues: number;
}

export const queue: WorkloadEntry = {
  name: 'queue',
  help: "enqueue and dequeue with ZooKeeper's queue recipe (sequential znodes), drained once faults heal",
  settings: [
    {
      key: 'producerShare',
      flag: '--producer-share <fraction>',
      kind: 'number',
      help: 'share of ops that are enqueues; the rest are dequeues',
      default: 0.5,
      min: 0,
      max: 1,
    },
    {
      key: 'payloadBytes',
      flag: '--payload-bytes <n>',
      kind: 'int',
      help: "bytes of each element's znode data",
      default: 16,
      min: 1,
      max: 100_000,
    },
    {
      key: 'queues',
      flag: '--queues <n>',
      kind: 'int',
      help: 'independent queues (one parent znode each)',
      default: 1,
      min: 1,
      max: 64,
    },
  ],
  create: queueWorkload,
};

export function queueWorkload(options: WorkloadOptions): Workload {
  const settings = queueSettings(options);
  return {
    name: 'queue',
    claims: queueClaimSpecs({ maxOps: SEARCH_MAX_OPS }),
    requiredFs: ['enqueue', 'dequeue'],
    setup: (session) => createQueues(session, settings.queues),
    generator: () => new QueueOps(settings, 0),
    // Dequeues, queue by queue, until one finds that queue empty.
    finalGenerator: () => drain(settings.queues),
    invoke: (session, op) => performQueueOp(session, op, settings),
    invokeFields: (op) => (op.f === 'dequeue' ? { sync: true } : {}),
    describe: () => ({ ...settings, root: ROOT }),
  };
}

function queueSettings(options: WorkloadOptions): QueueSettings {
  const { producerShare, payloadBytes, queues } = options.settings;
  if (producerShare === 0) throw new WorkloadError('--producer-share 0 never enqueues: nothing to check');
  return {
    producerShare: producerShare as number,
    payloadBytes: payloadBytes as number,
    queues: queues as number,
  };
}

async function createQueues(session: ZkSession, queues: number): Promise<void> {
  for (const path of [ROOT, ...Array.from({ length: queues }, (_, k) => queuePath(k))]) {
    try {
      await session.create(path);
    } catch (error) {
      if ((error as { name?: string }).name !== 'NODE_EXISTS') throw error;
      const { children } = await session.getChildren(path);
      if (path !== ROOT && children.length > 0)
        throw new WorkloadError(
          `${path} already holds ${children.length} elements: the queue workload needs a fresh ensemble`,
        );
    }
  }
}

/** Enqueues of 0, 1, 2, ... and dequeues, on random queues, on whichever thread is free. */
class QueueOps extends GeneratorBase {
  constructor(
    private readonly settings: QueueSettings,
    private readonly next: number,
  ) {
    super();
  }

  get name(): string {
    return 'queue ops';
  }

  op(ctx: Context): OpResult {
    const free = someFreeThread(ctx);
    if (!free) return 'pending';
    const [roll, rng] = nextFloat(ctx.rng);
    const [which] = nextFloat(rng);
    const key = Math.floor(which * this.settings.queues);
    const enqueue = roll < this.settings.producerShare;
    const op: GenOp = {
      type: 'invoke',
      f: enqueue ? 'enqueue' : 'dequeue',
      key,
      value: enqueue ? this.next : null,
      process: free.process,
      time: ctx.time,
    };
    return { op, gen: enqueue ? new QueueOps(this.settings, this.next + 1) : this };
  }
}

/** Dequeues on each queue until one of them finds that queue empty. */
function drain(queues: number): Gen {
  const perQueue = Array.from({ length: queues }, (_, key) =>
    untilEmpty(key, stagger(0.01, repeat({ f: 'dequeue', key, value: null }))),
  );
  return perQueue;
}

function untilEmpty(key: number, gen: Gen): Gen {
  if (gen == null) return null;
  return generator(
    `drain ${key}`,
    (ctx) => {
      const res = nextOp(gen, ctx);
      if (res === null || res === 'pending') return res;
      return { op: res.op, gen: untilEmpty(key, res.gen) };
    },
    (ctx, event) => {
      if (event.type === 'ok' && event.f === 'dequeue' && event.key === key && event.value === null)
        return null;
      return untilEmpty(key, update(gen, ctx, event));
    },
  );
}

function performQueueOp(session: ZkSession, op: GenOp, settings: QueueSettings): Promise<Completion> {
  const path = queuePath(Number(op.key));
  if (op.f === 'enqueue') {
    const element = op.value as number;
    return complete(
      'write',
      session
        .create(`${path}/${PREFIX}`, payload(element, settings.payloadBytes), 'persistent_sequential')
        .then((created) => ({ value: element, seq: sequenceOf(created.path.slice(path.length + 1)) })),
    );
  }
  if (op.f === 'dequeue') return dequeue(session, path);
  return Promise.resolve({
    type: 'fail',
    error: { name: 'UNSUPPORTED', message: `queue workload has no op "${op.f}"` },
  });
}

/** The element's digits, then dots up to `bytes`. */
function payload(element: number, bytes: number): string {
  const digits = String(element);
  return digits.length >= bytes ? digits : digits + '.'.repeat(bytes - digits.length);
}

function sequenceOf(name: string): number {
  return Number(name.slice(PREFIX.length));
}

const isNoNode = (error: unknown): boolean => (error as { name?: string }).name === 'NO_NODE';

interface Dequeued {
  value: number;
  seq: number;
  skipped: number[];
}

async function dequeue(session: ZkSession, path: string): Promise<Completion> {
  // No delete sent yet: every failure until then changed nothing.
  let deleting = false;
  const attempt = async (): Promise<Dequeued | null | undefined> => {
    await session.sync(path);
    for (let listing = 0; listing < MAX_LISTINGS; listing++) {
      const { children } = await session.getChildren(path);
      const names = children.filter((name) => name.startsWith(PREFIX));
      if (names.length === 0) return null;
      // Sequence numbers are zero-padded: name order is sequence order.
      const skipped: number[] = [];
      for (const name of names.sort()) {
        const seq = sequenceOf(name);
        try {
          const { value } = await session.getData(`${path}/${name}`);
          deleting = true;
          await session.delete(`${path}/${name}`);
          return { value: Number.parseInt(value ?? '', 10), seq, skipped };
        } catch (error) {
          if (!isNoNode(error)) throw error;
          skipped.push(seq);
        }
      }
    }
    return undefined;
  };
  try {
    const taken = await attempt();
    if (taken === undefined)
      return {
        type: 'fail',
        error: { name: 'GAVE_UP', message: `every child listed ${MAX_LISTINGS} times was gone` },
      };
    return { type: 'ok', value: taken };
  } catch (error) {
    // A read that failed before any delete: nothing happened. Otherwise the outcome rules decide.
    if (!deleting) return complete('read', Promise.reject(error));
    return complete('write', Promise.reject(error));
  }
}
