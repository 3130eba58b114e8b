/**
 * The register workload: many independent registers, one znode each (`/registers/<key>`), read,
 * written and compare-and-set through ZooKeeper's data versions, checked per key with the
 * `zk-versioned-register` model.
 *
 *   read   getData (mode `plain`) or sync() then getData (mode `sync`): ok {value, version}
 *   write  setData at any version (-1): ok {value, version}
 *   cas    [n, v]: setData of v at expected version n: ok {value: v, version: n + 1}; BAD_VERSION fails
 *
 * Values are integers unique per key (1, 2, 3, ...), so every read names the one write it saw.
 * Client threads are split into groups of `threadsPerKey`; each group works on one key at a time
 * for `opsPerKey` ops, then moves to its next key. That bounds each key's concurrency, which keeps
 * its history checkable, while the run as a whole covers many keys.
 */
import { complete } from '../harness/client/outcome.js';
import type { ZkSession } from '../harness/client/session.js';
import { someFreeThread } from '../harness/generator/context.js';
import { GeneratorBase, op, update } from '../harness/generator/core.js';
import { limit, any } from '../harness/generator/combinators.js';
import { nextFloat } from '../harness/generator/rng.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { onThreads } from '../harness/generator/threads.js';
import type { Context, Gen, GenEvent, GenOp, Generator, OpResult } from '../harness/generator/types.js';
import { WorkloadError, type Workload, type WorkloadOptions } from './types.js';

export const READ_MODES = ['plain', 'sync'] as const;
export type ReadMode = (typeof READ_MODES)[number];

export interface RegisterSettings {
  readMode: ReadMode;
  threadsPerKey: number;
  opsPerKey: number;
  /** Shares of reads and writes; the rest is cas. */
  readShare: number;
  writeShare: number;
}

export const REGISTER_DEFAULTS: Readonly<RegisterSettings> = Object.freeze({
  readMode: 'plain',
  threadsPerKey: 5,
  opsPerKey: 300,
  readShare: 0.5,
  writeShare: 0.25,
});

const ROOT = '/registers';
const pathOf = (key: number): string => `${ROOT}/${key}`;

export function registerWorkload(options: WorkloadOptions): Workload {
  const settings = registerSettings(options);
  const groups = Math.ceil(options.concurrency / settings.threadsPerKey);
  const registers = new Registers();
  return {
    name: 'register',
    model: { name: 'zk-versioned-register' },
    requiredFs: ['read', 'write', 'cas'],
    setup: (session) => createRoot(session),
    generator: () => registerSchedule(settings, groups),
    invoke: (session, op) => performRegisterOp(session, op, settings.readMode, registers, groups),
    invokeFields: (op) => (op.f === 'read' && settings.readMode === 'sync' ? { sync: true } : {}),
    describe: () => ({ ...settings, groups, root: ROOT, keysUsed: registers.count }),
  };
}

function registerSettings(options: WorkloadOptions): RegisterSettings {
  const settings: RegisterSettings = { ...REGISTER_DEFAULTS };
  if (options.readMode !== undefined) {
    if (!READ_MODES.includes(options.readMode as ReadMode)) {
      throw new WorkloadError(
        `read mode must be one of ${READ_MODES.join(', ')}, got ${JSON.stringify(options.readMode)}`,
      );
    }
    settings.readMode = options.readMode as ReadMode;
  }
  for (const name of ['threadsPerKey', 'opsPerKey'] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new WorkloadError(`${name} must be a whole number >= 1, got ${JSON.stringify(value)}`);
    }
    settings[name] = value as number;
  }
  if (options.readShare !== undefined) {
    const share = options.readShare;
    if (typeof share !== 'number' || !(share >= 0 && share <= 1)) {
      throw new WorkloadError(`readShare must be a number from 0 to 1, got ${JSON.stringify(share)}`);
    }
    settings.readShare = share;
    settings.writeShare = (1 - share) / 2;
  }
  return settings;
}

/**
 * The root of a fresh ensemble. A retried setup may find it made by its first, lost, attempt; but
 * registers already under it would not start at {value: null, version: 0}, the model's initial
 * state, and could make a correct ZooKeeper look wrong: refuse them.
 */
async function createRoot(session: ZkSession): Promise<void> {
  try {
    await session.create(ROOT);
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'NODE_EXISTS') throw error;
  }
  const { children } = await session.getChildren(ROOT);
  if (children.length > 0) {
    throw new WorkloadError(
      `${ROOT} already holds ${children.length} registers: the register workload needs a fresh ensemble`,
    );
  }
}

/**
 * The znodes made so far. A register's znode exists before the first op on its key, so a run never
 * runs out of keys and every op meets a znode that started as {value: null, version: 0}, the
 * model's initial state. One create per key, shared by the group's threads, and made while the
 * group still works on the key before (`prepare`): when the group moves on, the znode is there on
 * every server, so no op waits for it, no follower answers NO_NODE for it, and the servers are
 * not asked for creates that fail with NODE_EXISTS.
 */
class Registers {
  private readonly created = new Set<number>();
  private readonly creating = new Map<number, Promise<string | undefined>>();
  private readonly used = new Set<number>();

  /** Keys that had ops. */
  get count(): number {
    return this.used.size;
  }

  /** Counts `key` as used (an op goes to it); true when its znode is known to exist. */
  use(key: number): boolean {
    this.used.add(key);
    return this.created.has(key);
  }

  /** Undefined when the znode exists; else why it could not be made (the op is then not sent). */
  ensure(session: ZkSession, key: number): Promise<string | undefined> {
    if (this.created.has(key)) return Promise.resolve(undefined);
    let creating = this.creating.get(key);
    if (!creating) {
      creating = this.create(session, key);
      this.creating.set(key, creating);
    }
    return creating;
  }

  /** Starts making `key`'s znode in the background, if nobody has (its outcome is ensure's). */
  prepare(session: ZkSession, key: number): void {
    if (!this.created.has(key) && !this.creating.has(key)) void this.ensure(session, key);
  }

  private async create(session: ZkSession, key: number): Promise<string | undefined> {
    try {
      await session.create(pathOf(key));
    } catch (error) {
      if ((error as { name?: string }).name !== 'NODE_EXISTS') {
        this.creating.delete(key); // the next op on the key tries again
        return `creating ${pathOf(key)}: ${(error as Error).message}`;
      }
    }
    this.created.add(key);
    this.creating.delete(key);
    return undefined;
  }
}

// --- the schedule ------------------------------------------------------------------------------

/** Each group of threads runs its own sequence of keys; the soonest op among groups goes first. */
function registerSchedule(settings: RegisterSettings, groups: number): Gen {
  const groupGens = Array.from({ length: groups }, (_, g) =>
    onThreads(
      (thread) => typeof thread === 'number' && Math.floor(thread / settings.threadsPerKey) === g,
      keysOfGroup({ settings, group: g, groups }, 0, undefined),
      `register group ${g}`,
    ),
  );
  return any(...groupGens);
}

interface GroupPlan {
  settings: RegisterSettings;
  group: number;
  groups: number;
}

/** Group g works on keys g, g + groups, g + 2·groups, ... `opsPerKey` ops each. */
function keysOfGroup(plan: GroupPlan, index: number, current: Gen | undefined): Generator {
  return new KeysOfGroup(plan, index, current);
}

class KeysOfGroup extends GeneratorBase {
  constructor(
    private readonly plan: GroupPlan,
    private readonly index: number,
    /** Undefined: this key has not started; null: its opsPerKey ops are done (move on). */
    private readonly current: Gen | undefined,
  ) {
    super();
  }

  get name(): string {
    return `register keys of group ${this.plan.group}`;
  }

  op(ctx: Context): OpResult {
    const { plan, index, current } = this;
    const key = plan.group + index * plan.groups;
    const gen =
      current === undefined
        ? limit(plan.settings.opsPerKey, keyOps(plan.settings, { key, nextValue: 1, version: 0 }))
        : current;
    const res = op(gen, ctx);
    if (res === null) return keysOfGroup(plan, index + 1, undefined).op(ctx);
    if (res === 'pending') return res;
    return { op: res.op, gen: keysOfGroup(plan, index, res.gen) };
  }

  override update(ctx: Context, event: GenEvent): Gen {
    if (this.current === undefined) return this;
    const next = update(this.current, ctx, event);
    return next === this.current ? this : keysOfGroup(this.plan, this.index, next);
  }
}

interface KeyState {
  key: number;
  /** The next value to write: values are unique per key. */
  nextValue: number;
  /** The latest version an ok reply showed: what cas expects. */
  version: number;
}

/** Random reads, writes and cas on one key, forever. */
function keyOps(settings: RegisterSettings, state: KeyState): Generator {
  return new KeyOps(settings, state);
}

class KeyOps extends GeneratorBase {
  constructor(
    private readonly settings: RegisterSettings,
    private readonly state: KeyState,
  ) {
    super();
  }

  get name(): string {
    return `register ${this.state.key}`;
  }

  op(ctx: Context): OpResult {
    const free = someFreeThread(ctx);
    if (!free) return 'pending';
    const { f, value, next } = chooseOp(this.settings, this.state, ctx);
    const emitted: GenOp = {
      type: 'invoke',
      f,
      key: this.state.key,
      value,
      process: free.process,
      time: ctx.time,
    };
    return { op: emitted, gen: next === this.state ? this : keyOps(this.settings, next) };
  }

  override update(_ctx: Context, event: GenEvent): Gen {
    const { state } = this;
    const version = reportedVersion(event.value);
    if (event.type !== 'ok' || event.key !== state.key || version === undefined || version <= state.version)
      return this;
    return keyOps(this.settings, { ...state, version });
  }
}

function chooseOp(
  settings: RegisterSettings,
  state: KeyState,
  ctx: Context,
): { f: string; value: unknown; next: KeyState } {
  const [roll] = nextFloat(ctx.rng);
  if (roll < settings.readShare) return { f: 'read', value: null, next: state };
  const next = { ...state, nextValue: state.nextValue + 1 };
  if (roll < settings.readShare + settings.writeShare) return { f: 'write', value: state.nextValue, next };
  return { f: 'cas', value: [state.version, state.nextValue], next };
}

function reportedVersion(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null || !('version' in value)) return undefined;
  const version = (value as { version: unknown }).version;
  return typeof version === 'number' ? version : undefined;
}

// --- performing an op --------------------------------------------------------------------------

async function performRegisterOp(
  session: ZkSession,
  op: GenOp,
  readMode: ReadMode,
  registers: Registers,
  groups: number,
): Promise<Completion> {
  const key = Number(op.key);
  const path = pathOf(key);
  // Only a group's first key waits for its znode; the next is made while this one is in use.
  const notMade = registers.use(key) ? undefined : await registers.ensure(session, key);
  // The op itself was never sent: it definitely did not happen.
  if (notMade) return { type: 'fail', error: { name: 'NOT_SENT', message: notMade } };
  const completion = sendRegisterOp(session, op, path, readMode);
  // After a write's request: the create then queues behind it in the session's order and delays
  // nothing of it (a sync read's getData would wait behind it). Half the ops write: soon enough.
  if (op.f !== 'read') registers.prepare(session, key + groups);
  return completion;
}

function sendRegisterOp(
  session: ZkSession,
  op: GenOp,
  path: string,
  readMode: ReadMode,
): Promise<Completion> {
  switch (op.f) {
    case 'read':
      return complete('read', readRegister(session, path, readMode));
    case 'write': {
      const value = op.value as number;
      return complete(
        'write',
        session.setData(path, String(value), -1).then((r) => ({ value, version: r.version })),
      );
    }
    case 'cas': {
      const [expected, value] = op.value as [number, number];
      return complete(
        'write',
        session.setData(path, String(value), expected).then((r) => ({ value, version: r.version })),
      );
    }
    default:
      return Promise.resolve({
        type: 'fail',
        error: { name: 'UNSUPPORTED', message: `register workload has no op "${op.f}"` },
      });
  }
}

async function readRegister(
  session: ZkSession,
  path: string,
  readMode: ReadMode,
): Promise<{ value: number | null; version: number }> {
  if (readMode === 'sync') await session.sync(path);
  const { value, version } = await session.getData(path);
  return { value: value === null || value === '' ? null : Number(value), version };
}
