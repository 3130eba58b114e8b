/**
 * The set workload: clients add unique elements to a grow-only set, one persistent znode each
 * (`/set/e<n>`); after the faults are healed, a final read (sync, then getChildren) lists them all.
 * It is checked by counting, not by search (checker/claims/set-total.ts), so it scales to long runs:
 *
 *   acknowledged adds survive   every add ZooKeeper acknowledged before the final read is in it
 *                               (ZooKeeper promises durable, linearizable writes);
 *   no element nobody added     the final read holds only elements some add tried.
 *
 * An add whose outcome is unknown (connection loss) may or may not be there: both are fine.
 */
import { complete } from '../harness/client/outcome.js';
import type { ZkSession } from '../harness/client/session.js';
import { someFreeThread } from '../harness/generator/context.js';
import { GeneratorBase } from '../harness/generator/core.js';
import { repeat, untilOk } from '../harness/generator/combinators.js';
import { stagger } from '../harness/generator/time.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { Context, GenOp, OpResult } from '../harness/generator/types.js';
import { WorkloadError, type Workload, type WorkloadEntry } from '../harness/runner/spec.js';

const ROOT = '/set';
const PREFIX = 'e';

export const set: WorkloadEntry = {
  name: 'set',
  help: 'add unique elements to a set (one znode each), then read them all back once faults heal',
  settings: [],
  create: () => setWorkload(),
};

export function setWorkload(): Workload {
  return {
    name: 'set',
    claims: [
      {
        name: 'adds-survive',
        title: 'acknowledged adds survive',
        promised: true,
        checker: 'set-total',
        options: { property: 'no-lost' },
      },
      {
        name: 'no-phantoms',
        title: 'no element nobody added',
        promised: true,
        checker: 'set-total',
        options: { property: 'no-unexpected' },
      },
    ],
    requiredFs: ['add', 'read'],
    setup: (session) => createFreshRoot(session),
    generator: () => new Adds(0),
    // Until one read succeeds, a few per second: the servers have just recovered.
    finalGenerator: () => untilOk(stagger(0.2, repeat({ f: 'read' }))),
    invoke: (session, op) => performSetOp(session, op),
    describe: () => ({ root: ROOT }),
  };
}

async function createFreshRoot(session: ZkSession): Promise<void> {
  try {
    await session.create(ROOT);
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'NODE_EXISTS') throw error;
  }
  const { children } = await session.getChildren(ROOT);
  if (children.length > 0)
    throw new WorkloadError(
      `${ROOT} already holds ${children.length} elements: the set workload needs a fresh ensemble`,
    );
}

/** `add 0`, `add 1`, ... on whichever client thread is free. */
class Adds extends GeneratorBase {
  constructor(private readonly next: number) {
    super();
  }

  get name(): string {
    return 'set adds';
  }

  op(ctx: Context): OpResult {
    const free = someFreeThread(ctx);
    if (!free) return 'pending';
    const op: GenOp = { type: 'invoke', f: 'add', value: this.next, process: free.process, time: ctx.time };
    return { op, gen: new Adds(this.next + 1) };
  }
}

function performSetOp(session: ZkSession, op: GenOp): Promise<Completion> {
  if (op.f === 'add')
    return complete(
      'write',
      session.create(`${ROOT}/${PREFIX}${op.value as number}`).then(() => op.value),
    );
  if (op.f === 'read') return complete('read', readAll(session));
  return Promise.resolve({
    type: 'fail',
    error: { name: 'UNSUPPORTED', message: `set workload has no op "${op.f}"` },
  });
}

/** sync() first: the final read must see every write the leader committed. */
async function readAll(session: ZkSession): Promise<number[]> {
  await session.sync(ROOT);
  const { children } = await session.getChildren(ROOT);
  return children
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => Number(name.slice(PREFIX.length)))
    .sort((a, b) => a - b);
}
