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
 * Keys rotate with the per-key combinator (harness/generator/independent.ts): groups of
 * `threadsPerKey` threads, each on its own key for `opsPerKey` ops. Its claims are ZooKeeper's five
 * consistency claims over that model, each on its own line, and durability.
 *
 * Final phase: every client thread (each talks to one node) reads every znode made, through sync()
 * then getData, until each read is ok. A final read is a read to the model; its output also says
 * `final: true`, the `node` that answered (the server id ZooKeeper puts in the top byte of a session
 * id it creates; a session here only ever talks to the server it was created on), `servers` (the
 * ensemble's ids from /zookeeper/config, when that node has them) and, for a missing znode,
 * `exists: false` with version -1, a state no model run reaches. The durability claim
 * (checker/claims/durability.ts) judges them.
 */
import { consistencyClaims } from '../checker/claims/evaluate.js';
import type { ClaimSpec } from '../checker/claims/types.js';
import { complete } from '../harness/client/outcome.js';
import type { ZkSession } from '../harness/client/session.js';
import { someFreeThread } from '../harness/generator/context.js';
import { repeat, untilOk } from '../harness/generator/combinators.js';
import { GeneratorBase, op as opOf, sequence } from '../harness/generator/core.js';
import { keyLayout, perKey, type KeyLayout } from '../harness/generator/independent.js';
import { nextFloat } from '../harness/generator/rng.js';
import { eachThread } from '../harness/generator/threads.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { Context, Gen, GenEvent, GenOp, Generator, OpResult } from '../harness/generator/types.js';
import {
  WorkloadError,
  type Workload,
  type WorkloadEntry,
  type WorkloadOptions,
} from '../harness/runner/spec.js';

export const READ_MODES = ['plain', 'sync'] as const;
export type ReadMode = (typeof READ_MODES)[number];

interface RegisterSettings {
  readMode: ReadMode;
  threadsPerKey: number;
  opsPerKey: number;
  /** Shares of reads and writes; the rest is cas. */
  readShare: number;
  writeShare: number;
}

const ROOT = '/registers';
const pathOf = (key: number): string => `${ROOT}/${key}`;
const MODEL = { name: 'zk-versioned-register' };

/** Every acknowledged write survives: judged on the final reads of every node. */
export const DURABILITY_CLAIM: ClaimSpec = Object.freeze({
  name: 'durability',
  title: 'acknowledged writes survive (final sync reads, every node)',
  promised: true,
  checker: 'durability',
});

/**
 * Final reads are made by the client threads, each on its own node: with fewer threads than
 * nodes, the nodes without a client cannot be read, and the claim's line says which were.
 */
function durabilityClaim(options: WorkloadOptions): ClaimSpec {
  const { concurrency, nodes } = options;
  if (nodes === undefined || concurrency >= nodes) return DURABILITY_CLAIM;
  const read = concurrency === 1 ? 'node 1' : `nodes 1-${concurrency}`;
  return Object.freeze({
    ...DURABILITY_CLAIM,
    title: `acknowledged writes survive (final sync reads on ${read} of ${nodes}: fewer clients than nodes)`,
    options: { nodes: concurrency },
  });
}

export const register: WorkloadEntry = {
  name: 'register',
  help: 'read, write and compare-and-set many registers (one znode each), checked per ZooKeeper claim',
  settings: [
    {
      key: 'readMode',
      flag: '--read-mode <mode>',
      kind: 'string',
      help: 'reads: plain getData, or sync() then getData',
      default: 'plain',
      choices: READ_MODES,
    },
    {
      key: 'threadsPerKey',
      flag: '--threads-per-key <n>',
      kind: 'int',
      help: 'client threads sharing one register at a time',
      default: 5,
      min: 1,
    },
    {
      key: 'opsPerKey',
      flag: '--ops-per-key <n>',
      kind: 'int',
      help: 'ops on a register before its threads move to the next one',
      default: 300,
      min: 1,
    },
    {
      key: 'readShare',
      flag: '--read-share <fraction>',
      kind: 'number',
      help: 'share of ops that are reads; writes and cas split the rest evenly',
      default: 0.5,
      min: 0,
      max: 1,
    },
  ],
  create: registerWorkload,
};

export function registerWorkload(options: WorkloadOptions): Workload {
  const settings = registerSettings(options);
  const layout = keyLayout({ threads: options.concurrency, ...settings });
  const registers = new Registers();
  return {
    name: 'register',
    claims: [...consistencyClaims(MODEL), durabilityClaim(options)],
    requiredFs: ['read', 'write', 'cas'],
    setup: (session) => createRoot(session),
    generator: () =>
      perKey({ threads: options.concurrency, ...settings }, (key) =>
        keyOps(settings, { key, nextValue: 1, version: 0 }),
      ),
    invoke: (session, op) => performRegisterOp(session, op, settings.readMode, registers, layout),
    // The main phase is over when the final reads start: the znodes made are all there will be.
    finalGenerator: () => eachThread(new FinalReads(() => registers.made())),
    invokeFields: (op) =>
      op.final === true
        ? { sync: true, final: true }
        : op.f === 'read' && settings.readMode === 'sync'
          ? { sync: true }
          : {},
    describe: () => ({
      ...settings,
      threadsPerKey: layout.threadsPerKey,
      groups: layout.groups,
      root: ROOT,
      model: MODEL,
      keysUsed: registers.count,
    }),
  };
}

/** The declared settings are checked already; only what they must be together is checked here. */
function registerSettings(options: WorkloadOptions): RegisterSettings {
  const { readMode, threadsPerKey, opsPerKey, readShare } = options.settings;
  if (!READ_MODES.includes(readMode as ReadMode))
    throw new WorkloadError(
      `read mode must be one of ${READ_MODES.join(', ')}, got ${JSON.stringify(readMode)}`,
    );
  return {
    readMode: readMode as ReadMode,
    threadsPerKey: threadsPerKey as number,
    opsPerKey: opsPerKey as number,
    readShare: readShare as number,
    writeShare: (1 - (readShare as number)) / 2,
  };
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

  /** The keys whose znodes were made (or found made), ascending. */
  made(): number[] {
    return [...this.created].sort((a, b) => a - b);
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

// --- one key's ops --------------------------------------------------------------------------

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
  layout: KeyLayout,
): Promise<Completion> {
  const key = Number(op.key);
  const path = pathOf(key);
  if (op.final === true) return complete('read', finalRead(session, path));
  // Only a group's first key waits for its znode; the next is made while this one is in use.
  const notMade = registers.use(key) ? undefined : await registers.ensure(session, key);
  // The op itself was never sent: it definitely did not happen.
  if (notMade) return { type: 'fail', error: { name: 'NOT_SENT', message: notMade } };
  const completion = sendRegisterOp(session, op, path, readMode);
  // After a write's request: the create then queues behind it in the session's order and delays
  // nothing of it (a sync read's getData would wait behind it). Half the ops write: soon enough.
  if (op.f !== 'read') registers.prepare(session, layout.nextKey(key));
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

// --- the final phase -----------------------------------------------------------------------------

/**
 * One thread's final reads (run under eachThread): each znode made, in key order, read until ok.
 * The keys are taken at its first op, when the main phase is over.
 */
class FinalReads extends GeneratorBase {
  readonly name = 'register final reads';

  constructor(private readonly keys: () => readonly number[]) {
    super();
  }

  op(ctx: Context): OpResult {
    const reads = this.keys().map((key) => untilOk(repeat({ f: 'read', key, value: null, final: true })));
    return opOf(sequence(...reads), ctx);
  }
}

/** What a node holds for `path` after sync(): see the file's comment. */
async function finalRead(session: ZkSession, path: string): Promise<Record<string, unknown>> {
  await session.sync(path);
  const node = serverIdOf(session.sessionId);
  const servers = await serversOf(session);
  const where = { final: true, node, ...(servers ? { servers } : {}) };
  try {
    const { value, version } = await session.getData(path);
    return { value: value === null || value === '' ? null : Number(value), version, ...where };
  } catch (error) {
    if ((error as { name?: string }).name !== 'NO_NODE') throw error;
    return { value: null, version: -1, exists: false, ...where };
  }
}

/**
 * The server that created a session: ZooKeeper starts each server's session ids at its id shifted
 * into the top byte (SessionTrackerImpl.initializeNextSessionId). Undefined if it cannot be read.
 */
export function serverIdOf(sessionId: string): number | undefined {
  try {
    const id = Number(BigInt(sessionId) >> 56n);
    return id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

const SERVERS = new WeakMap<ZkSession, Promise<number[] | undefined>>();

/** The ensemble's server ids in the node's /zookeeper/config, once per session (none: undefined). */
function serversOf(session: ZkSession): Promise<number[] | undefined> {
  let servers = SERVERS.get(session);
  if (!servers) {
    servers = session.getData('/zookeeper/config').then(
      ({ value }) => {
        const ids = [...(value ?? '').matchAll(/^server\.(\d+)=/gm)].map((m) => Number(m[1]));
        return ids.length > 0 ? ids.sort((a, b) => a - b) : undefined;
      },
      () => undefined,
    );
    SERVERS.set(session, servers);
  }
  return servers;
}
