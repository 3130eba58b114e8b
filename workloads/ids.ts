/**
 * The ids workload: ZooKeeper as a unique-id generator, two ways.
 *
 *   id     create a persistent sequential child `/ids/g<k>/id-` of generator k: the sequence
 *          number ZooKeeper appended is the id. ok: the id (an integer).
 *   next   a counter by a cas loop on `/ids/counter`: getData, then setData at the version read;
 *          on BAD_VERSION (someone else moved it) read again and retry. The data version the
 *          successful setData left is the id. ok: the id.
 *   read   after the faults heal: sync(), then every generator's children and the counter's
 *          version, ok {ids: {k: [sequence numbers present]}, counter: version}. No claim reads
 *          it: it shows which creates of unknown outcome happened.
 *
 * Claims (checker/claims/ids.ts), per source: no id handed out twice among acknowledged ops, and
 * ids increase in real-time order (an op invoked after another's ok got a larger id). ZooKeeper
 * promises both: a parent's sequence counter and a znode's data version advance with each
 * committed change, and changes commit in one total order consistent with real time. The counter
 * has a third, which implies the other two (checker/claims/counter.ts): it is linearizable, each
 * `next` one atomic increment (an ok one wrote version v over v - 1; one of unknown outcome may
 * have made one version; a failed one made none), so every version below the largest acknowledged
 * one was made by an acknowledged `next` or by one of unknown outcome that began early enough.
 * That needs the counter to start at version 0: setup refuses one that has moved.
 */
import { complete } from '../harness/client/outcome.js';
import type { ZkSession } from '../harness/client/session.js';
import { someFreeThread } from '../harness/generator/context.js';
import { GeneratorBase } from '../harness/generator/core.js';
import { repeat, untilOk } from '../harness/generator/combinators.js';
import { nextFloat } from '../harness/generator/rng.js';
import { stagger } from '../harness/generator/time.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { Context, GenOp, OpResult } from '../harness/generator/types.js';
import type { ClaimSpec } from '../checker/claims/types.js';
import {
  WorkloadError,
  type Workload,
  type WorkloadEntry,
  type WorkloadOptions,
} from '../harness/runner/spec.js';

const ROOT = '/ids';
const PREFIX = 'id-';
const COUNTER = `${ROOT}/counter`;
const generatorPath = (key: number): string => `${ROOT}/g${key}`;
/** Tries a `next` makes before it gives up (each lost to another's setData). */
const MAX_CAS_TRIES = 20;

interface IdsSettings {
  counterShare: number;
  generators: number;
}

export const ids: WorkloadEntry = {
  name: 'ids',
  help: 'hand out unique ids: sequential znodes, and a counter by a versioned-setData cas loop',
  settings: [
    {
      key: 'counterShare',
      flag: '--counter-share <fraction>',
      kind: 'number',
      help: 'share of ops that take an id from the cas counter; the rest create sequential znodes',
      default: 0.3,
      min: 0,
      max: 1,
    },
    {
      key: 'generators',
      flag: '--generators <n>',
      kind: 'int',
      help: 'independent sequential-znode generators (one parent znode each)',
      default: 1,
      min: 1,
      max: 64,
    },
  ],
  create: idsWorkload,
};

export function idsWorkload(options: WorkloadOptions): Workload {
  const settings = idsSettings(options);
  const sources: { f: 'id' | 'next'; what: string }[] = [];
  if (settings.counterShare < 1) sources.push({ f: 'id', what: 'sequential znode' });
  if (settings.counterShare > 0) sources.push({ f: 'next', what: 'cas counter' });
  return {
    name: 'ids',
    claims: sources.flatMap(({ f, what }): ClaimSpec[] => [
      {
        name: `${f}-unique`,
        title: `no ${what} id handed out twice`,
        promised: true,
        checker: 'unique-ids',
        options: { f, property: 'no-duplicates' },
      },
      {
        name: `${f}-increasing`,
        title: `${what} ids increase in real-time order`,
        promised: true,
        checker: 'unique-ids',
        options: { f, property: 'real-time-order' },
      },
      ...(f === 'next'
        ? [
            {
              name: 'next-linearizable',
              title: 'the cas counter is linearizable (each next one atomic increment)',
              promised: true,
              checker: 'counter-linearizable',
              options: { f },
            },
          ]
        : []),
    ]),
    requiredFs: sources.map(({ f }) => f),
    setup: (session) => createRoots(session, settings.generators),
    generator: () => new IdOps(settings),
    finalGenerator: () => untilOk(stagger(0.2, repeat({ f: 'read', value: null }))),
    invoke: (session, op) => performIdOp(session, op, settings),
    invokeFields: (op) => (op.f === 'read' ? { sync: true } : {}),
    describe: () => ({ ...settings, root: ROOT }),
  };
}

function idsSettings(options: WorkloadOptions): IdsSettings {
  const { counterShare, generators } = options.settings;
  return { counterShare: counterShare as number, generators: generators as number };
}

async function createRoots(session: ZkSession, generators: number): Promise<void> {
  const paths = [ROOT, COUNTER, ...Array.from({ length: generators }, (_, k) => generatorPath(k))];
  for (const path of paths) {
    try {
      await session.create(path, path === COUNTER ? '0' : undefined);
    } catch (error) {
      if ((error as { name?: string }).name !== 'NODE_EXISTS') throw error;
      if (path === ROOT) continue;
      if (path === COUNTER) {
        // next-linearizable counts versions from 0 (a retried setup finds its own create).
        const { version } = await session.getData(COUNTER);
        if (version !== 0)
          throw new WorkloadError(
            `${COUNTER} is already at version ${version}: the ids workload needs a fresh ensemble`,
          );
        continue;
      }
      const { children } = await session.getChildren(path);
      if (children.length > 0)
        throw new WorkloadError(
          `${path} already holds ${children.length} ids: the ids workload needs a fresh ensemble`,
        );
    }
  }
}

/** `id` on a random generator or `next` on the counter, on whichever thread is free. */
class IdOps extends GeneratorBase {
  constructor(private readonly settings: IdsSettings) {
    super();
  }

  get name(): string {
    return 'id ops';
  }

  op(ctx: Context): OpResult {
    const free = someFreeThread(ctx);
    if (!free) return 'pending';
    const [roll, rng] = nextFloat(ctx.rng);
    const common = { type: 'invoke' as const, value: null, process: free.process, time: ctx.time };
    if (roll < this.settings.counterShare) return { op: { ...common, f: 'next' }, gen: this };
    const [which] = nextFloat(rng);
    const key = Math.floor(which * this.settings.generators);
    return { op: { ...common, f: 'id', key }, gen: this };
  }
}

function performIdOp(session: ZkSession, op: GenOp, settings: IdsSettings): Promise<Completion> {
  if (op.f === 'id') {
    const parent = generatorPath(Number(op.key));
    return complete(
      'write',
      session
        .create(`${parent}/${PREFIX}`, undefined, 'persistent_sequential')
        .then((created) => sequenceOf(created.path.slice(parent.length + 1))),
    );
  }
  if (op.f === 'next') return next(session);
  if (op.f === 'read') return complete('read', readAll(session, settings.generators));
  return Promise.resolve({
    type: 'fail',
    error: { name: 'UNSUPPORTED', message: `ids workload has no op "${op.f}"` },
  });
}

function sequenceOf(name: string): number {
  return Number(name.slice(PREFIX.length));
}

/**
 * The cas loop. Every setData before the last one failed with BAD_VERSION (nothing applied), so
 * only the last call decides between fail and info.
 */
async function next(session: ZkSession): Promise<Completion> {
  for (let tries = 0; tries < MAX_CAS_TRIES; tries++) {
    let version: number;
    try {
      ({ version } = await session.getData(COUNTER));
    } catch (error) {
      return complete('read', Promise.reject(error));
    }
    try {
      const written = await session.setData(COUNTER, String(version + 1), version);
      return { type: 'ok', value: written.version };
    } catch (error) {
      if ((error as { name?: string }).name !== 'BAD_VERSION')
        return complete('write', Promise.reject(error));
    }
  }
  return {
    type: 'fail',
    error: { name: 'GAVE_UP', message: `the counter moved under each of ${MAX_CAS_TRIES} tries` },
  };
}

async function readAll(
  session: ZkSession,
  generators: number,
): Promise<{ ids: Record<string, number[]>; counter: number }> {
  await session.sync(ROOT);
  const found: Record<string, number[]> = {};
  for (let key = 0; key < generators; key++) {
    const { children } = await session.getChildren(generatorPath(key));
    found[key] = children
      .filter((name) => name.startsWith(PREFIX))
      .map(sequenceOf)
      .sort((a, b) => a - b);
  }
  const { version } = await session.getData(COUNTER);
  return { ids: found, counter: version };
}
