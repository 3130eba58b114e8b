/**
 * The lock workload: the standard ZooKeeper lock recipe (as Curator's InterProcessMutex does it)
 * under faults, checked for what ZooKeeper promises about it and shown where it does not.
 *
 * Recipe, per lock k (a key): a client creates an ephemeral sequential child `/lock/<k>/n-` and
 * lists the children; the lowest sequence holds the lock. A waiter watches only its predecessor:
 * ZkSession has no watches, so it polls `exists(predecessor)` every `--lock-poll` ms instead (the
 * same herd-free pattern, a little later to notice). An acquire that waits past
 * `--acquire-timeout` deletes its own node and ends `fail` (no grant). Release deletes the node.
 *
 * Each client thread runs, on its own lock (threads are spread over the locks so that a lock's
 * contenders talk to different nodes), the cycle
 *
 *   acquire, incr-fenced, incr-unfenced, [hold until --hold-time after the grant],
 *   incr-unfenced, incr-fenced, release
 *
 * where incr-fenced is multi([check(own node), setData(fenced counter, value + 1, version)]) on the
 * session that acquired (it cannot apply once that session is gone), and incr-unfenced is a plain
 * getData + setData of another counter on whatever session the client has now (the naive holder;
 * `via: <session id>` in its output when that is not the holding session).
 * A refused increment or release is `ok` with `applied: false` / `deleted: false` and its reason:
 * it definitely did nothing, and it is how the holder learns it lost the lock. An increment while
 * its session is disconnected is not tried (`ok`, `applied: null`, reason `disconnected`): the
 * holder keeps believing until it hears of an expiry, and no call waits out its deadline (which
 * would retire the session before the holder learns whether it expired); a release waits for the
 * link to return or the expiry to be known, up to twice the session timeout. Each output carries
 * `at` (ms on the workload's clock) and the connection events (disconnected, reconnected, expired)
 * the holding session saw since the last op. The claims (checker/claims/lock.ts):
 *
 *   ownership  promised: the server never grants a node while a lower one is alive;
 *   fenced     promised: fenced increments never interleave, and the counter counts them;
 *   belief     not promised: no two clients believe they hold a lock at once;
 *   liveness   not promised: the next grant comes within --liveness-bound of a lost holder's
 *              last reply (a measure: the handover times are in its explanation).
 */
import { createIfMissing, seqOf, SessionEvents, sleepMs } from './recipe.js';
import type { ClaimSpec } from '../checker/claims/types.js';
import { classify, errorForHistory } from '../harness/client/outcome.js';
import type { ZkSession } from '../harness/client/session.js';
import { eachThread } from '../harness/generator/threads.js';
import { GeneratorBase } from '../harness/generator/core.js';
import { repeat, untilOk } from '../harness/generator/combinators.js';
import { stagger, NS_PER_SECOND } from '../harness/generator/time.js';
import type { Completion } from '../harness/generator/scheduler.js';
import type { Context, Gen, GenEvent, GenOp, OpResult } from '../harness/generator/types.js';
import {
  WorkloadError,
  type Workload,
  type WorkloadEntry,
  type WorkloadOptions,
} from '../harness/runner/spec.js';

const ROOT = '/lock';
const DATA = '/lockdata';
const PREFIX = 'n-';

const lockDir = (key: number): string => `${ROOT}/${key}`;
const counter = (key: number, kind: 'fenced' | 'unfenced'): string => `${DATA}/${key}-${kind}`;

export interface LockSettings {
  lockCount: number;
  holdSeconds: number;
  acquireTimeoutSeconds: number;
  pollMs: number;
  livenessBoundMs: number;
}

export const lock: WorkloadEntry = {
  name: 'lock',
  help: 'the lock recipe (ephemeral sequential nodes, lowest holds) with fenced and unfenced work',
  settings: [
    {
      key: 'lockCount',
      flag: '--lock-count <n>',
      kind: 'int',
      help: 'locks, threads spread over them',
      default: 1,
      min: 1,
      max: 1000,
    },
    {
      key: 'holdTime',
      flag: '--hold-time <seconds>',
      kind: 'number',
      help: 'how long a holder keeps the lock (longer than the session timeout lets an expired holder still believe)',
      default: 8,
      min: 0,
      max: 86_400,
    },
    {
      key: 'acquireTimeout',
      flag: '--acquire-timeout <seconds>',
      kind: 'number',
      help: 'an acquire waiting longer deletes its node and fails (and the run waits for it at its end)',
      default: 10,
      min: 0.1,
      max: 86_400,
    },
    {
      key: 'lockPoll',
      flag: '--lock-poll <ms>',
      kind: 'int',
      help: 'how often a waiter polls its predecessor',
      default: 100,
      min: 10,
    },
    {
      key: 'livenessBound',
      flag: '--liveness-bound <ms>',
      kind: 'int',
      help: 'a lost holder may delay the next grant by this much (keep it above --session-timeout)',
      default: 15000,
      min: 0,
    },
  ],
  create: (options) => lockWorkload(lockSettings(options), options),
};

function lockSettings(options: WorkloadOptions): LockSettings {
  const s = options.settings;
  const lockCount = s.lockCount as number;
  if (lockCount > options.concurrency)
    throw new WorkloadError(
      `--lock-count ${lockCount} needs at least as many clients (--concurrency ${options.concurrency})`,
    );
  return {
    lockCount,
    holdSeconds: s.holdTime as number,
    acquireTimeoutSeconds: s.acquireTimeout as number,
    pollMs: s.lockPoll as number,
    livenessBoundMs: s.livenessBound as number,
  };
}

/**
 * The claims. The liveness bound is a setting of its own: a workload is not told the run's
 * session timeout, so the bound must be set above it (default 15 s for the default 10 s).
 */
export function lockClaims(settings: LockSettings): ClaimSpec[] {
  const claim = (
    name: string,
    title: string,
    promised: boolean,
    options: Record<string, unknown>,
  ): ClaimSpec => ({
    name,
    title,
    promised,
    checker: 'lock',
    options,
  });
  return [
    claim('lock-ownership', 'the server never lets two live sessions own a lock', true, {
      property: 'ownership',
    }),
    claim('fenced-increments', 'fenced increments never interleave, and the counter counts them', true, {
      property: 'fenced',
    }),
    claim('single-belief', 'no two clients believe they hold a lock at once (unfenced)', false, {
      property: 'belief',
    }),
    claim('lock-liveness', 'a lost holder delays the next grant by at most the liveness bound', false, {
      property: 'liveness',
      boundMs: settings.livenessBoundMs,
    }),
  ];
}

/** A granted lock as its client knows it. */
interface Holding {
  node: string;
  seq: number;
  session: ZkSession;
}

export function lockWorkload(
  settings: LockSettings,
  options: Pick<WorkloadOptions, 'concurrency'>,
): Workload {
  const epoch = performance.now();
  const now = (): number => Math.round((performance.now() - epoch) * 10) / 10;
  /** process -> the lock it holds (by its last acquire). */
  const holdings = new Map<number, Holding>();
  const events = new SessionEvents(now);
  const keyOf = (thread: number): number => Math.floor((thread * settings.lockCount) / options.concurrency);

  const invoke = async (session: ZkSession, op: GenOp): Promise<Completion> => {
    const key = op.key as number;
    const process = op.process as number;
    events.watch(session);
    switch (op.f) {
      case 'acquire':
        return acquire(session, key, settings, now, events).then((result) => {
          if (result.type === 'ok') {
            const out = result.value as { node: string; seq: number };
            holdings.set(process, { node: out.node, seq: out.seq, session });
          }
          return result;
        });
      case 'incr-fenced':
      case 'incr-unfenced':
      case 'release': {
        const holding = holdings.get(process);
        const input = op.value as { node: string };
        if (!holding || holding.node !== input.node)
          return {
            type: 'fail',
            error: { name: 'NOT_HELD', message: `process ${process} holds no ${input.node}` },
          };
        if (op.f === 'release') holdings.delete(process);
        const done = (value: Record<string, unknown>): Completion => ({
          type: 'ok',
          value: { ...value, at: now(), ...events.drain(holding.session) },
        });
        if (op.f === 'incr-fenced') return fencedIncrement(holding, key, done);
        if (op.f === 'incr-unfenced')
          // Through a newer session than the holding one (that broke): say so, its replies are
          // not the holding session's.
          return unfencedIncrement(session, key, (value) =>
            done(session === holding.session ? value : { ...value, via: session.sessionId }),
          );
        return release(holding, key, done);
      }
      case 'read':
        return finalRead(session, key);
      default:
        return { type: 'fail', error: { name: 'UNSUPPORTED', message: `lock workload has no op "${op.f}"` } };
    }
  };

  return {
    name: 'lock',
    claims: lockClaims(settings),
    requiredFs: ['acquire', 'incr-fenced', 'release', 'read'],
    setup: (session) => setup(session, settings.lockCount),
    generator: () => eachThread(new Cycle(settings, keyOf, { phase: 0, notBefore: 0 })),
    finalGenerator: () =>
      Array.from({ length: settings.lockCount }, (_, key) =>
        untilOk(stagger(0.2, repeat({ f: 'read', key }))),
      ),
    invoke: (session, op) =>
      invoke(session, op).catch((error: unknown) => ({
        type: 'info' as const,
        error: { name: (error as Error).name, message: (error as Error).message },
      })),
    describe: () => ({ root: ROOT, data: DATA, ...settings, watches: 'polled exists() of the predecessor' }),
  };
}

async function setup(session: ZkSession, lockCount: number): Promise<void> {
  const paths = [ROOT, DATA];
  for (let key = 0; key < lockCount; key++) paths.push(lockDir(key));
  for (const path of paths) await createIfMissing(session, path);
  const { children } = await session.getChildren(DATA);
  if (children.length > 0)
    throw new WorkloadError(
      `${DATA} already holds ${children.length} counters: the lock workload needs a fresh ensemble`,
    );
  for (let key = 0; key < lockCount; key++) {
    await session.create(counter(key, 'fenced'), '0');
    // A multi turns setData at version 0 into an unconditional one: start the counter at version 1.
    await session.setData(counter(key, 'fenced'), '0', 0);
    await session.create(counter(key, 'unfenced'), '0');
  }
}

// --- the recipe ---------------------------------------------------------------------------------

async function acquire(
  session: ZkSession,
  key: number,
  settings: LockSettings,
  now: () => number,
  events: SessionEvents,
): Promise<Completion> {
  const deadline = performance.now() + settings.acquireTimeoutSeconds * 1000;
  let path: string;
  try {
    path = (await session.create(`${lockDir(key)}/${PREFIX}`, '', 'ephemeral_sequential')).path;
  } catch (error) {
    return { type: classify(error, 'write'), error: errorForHistory(error) };
  }
  const node = path.slice(path.lastIndexOf('/') + 1);
  const seq = seqOf(node);
  try {
    for (;;) {
      const { children } = await session.getChildren(lockDir(key));
      const lower = children.filter((child) => child.startsWith(PREFIX) && seqOf(child) < seq);
      if (lower.length === 0)
        return {
          type: 'ok',
          value: { node, seq, at: now(), ...events.drain(session) },
        };
      const predecessor = lower.reduce((a, b) => (seqOf(a) > seqOf(b) ? a : b));
      // Wait for the predecessor only (no herd), polled: ZkSession has no watches.
      while ((await session.exists(`${lockDir(key)}/${predecessor}`)).stat !== null) {
        if (performance.now() > deadline) {
          await session.delete(path);
          return {
            type: 'fail',
            error: {
              name: 'TIMEOUT',
              message: `no grant within ${settings.acquireTimeoutSeconds} s; ${node} deleted`,
            },
          };
        }
        await sleepMs(settings.pollMs);
      }
    }
  } catch (error) {
    // Our node may linger until the session ends; no grant was seen.
    return { type: 'info', error: errorForHistory(error) };
  }
}

type Done = (value: Record<string, unknown>) => Completion;

async function fencedIncrement(holding: Holding, key: number, done: Done): Promise<Completion> {
  const session = holding.session;
  if (!session.usable) return done({ applied: false, reason: `session ${session.brokenReason}` });
  // Disconnected: a call would wait for its deadline and retire the session before the holder
  // learns whether it expired. Nothing is sent (`applied: null`); a naive holder keeps believing.
  if (!session.connected) return done({ applied: null, reason: 'disconnected' });
  let read;
  try {
    read = await session.getData(counter(key, 'fenced'));
  } catch (error) {
    return done({ applied: false, reason: `read: ${errorForHistory(error).name}` });
  }
  const value = Number(read.value) + 1;
  try {
    const { results } = await session.multi([
      { op: 'check', path: `${lockDir(key)}/${holding.node}`, version: -1 },
      { op: 'setData', path: counter(key, 'fenced'), data: String(value), version: read.version },
    ]);
    const set = results[1] as { op: 'setData'; stat: { version: number } } | undefined;
    return done({ applied: true, value, version: set?.stat.version ?? read.version + 1 });
  } catch (error) {
    if (classify(error, 'write') === 'fail')
      return done({ applied: false, reason: errorForHistory(error).name });
    return { type: 'info', error: errorForHistory(error) };
  }
}

/** The naive holder: a plain read-modify-write through whatever session it has now. */
async function unfencedIncrement(session: ZkSession, key: number, done: Done): Promise<Completion> {
  if (!session.connected) return done({ applied: null, reason: 'disconnected' });
  let read;
  try {
    read = await session.getData(counter(key, 'unfenced'));
  } catch (error) {
    return done({ applied: false, reason: `read: ${errorForHistory(error).name}` });
  }
  const value = Number(read.value) + 1;
  try {
    await session.setData(counter(key, 'unfenced'), String(value));
    return done({ applied: true, value });
  } catch (error) {
    if (classify(error, 'write') === 'fail')
      return done({ applied: false, reason: errorForHistory(error).name });
    return { type: 'info', error: errorForHistory(error) };
  }
}

async function release(holding: Holding, key: number, done: Done): Promise<Completion> {
  const session = holding.session;
  // Disconnected: wait (as Curator's release does) for the link to come back or the session to
  // be known expired, up to twice the session timeout, rather than let the call's deadline retire
  // the session before the holder learns which. A release is never skipped: the node would stay
  // with a session that may reconnect and keep it for good. Still down: sent anyway, and an
  // unknown end is `info` (the runner then closes the session, which frees the node).
  const giveUp = performance.now() + 2 * session.negotiatedTimeoutMs;
  while (session.usable && !session.connected && performance.now() < giveUp) await sleepMs(50);
  if (!session.usable) return done({ deleted: false, reason: `session ${session.brokenReason}` });
  try {
    await session.delete(`${lockDir(key)}/${holding.node}`);
    return done({ deleted: true });
  } catch (error) {
    if (classify(error, 'write') === 'fail')
      return done({ deleted: false, reason: errorForHistory(error).name });
    return { type: 'info', error: errorForHistory(error) };
  }
}

async function finalRead(session: ZkSession, key: number): Promise<Completion> {
  try {
    await session.sync(DATA);
    const fenced = await session.getData(counter(key, 'fenced'));
    const unfenced = await session.getData(counter(key, 'unfenced'));
    return {
      type: 'ok',
      value: {
        fenced: { value: Number(fenced.value), version: fenced.version },
        unfenced: { value: Number(unfenced.value) },
      },
    };
  } catch (error) {
    return { type: 'fail', error: errorForHistory(error) };
  }
}

// --- the schedule -------------------------------------------------------------------------------

/** The cycle after acquire: each entry is one op; `afterHold` waits for the hold time to pass. */
const CYCLE: readonly { f: string; afterHold?: boolean }[] = [
  { f: 'acquire' },
  { f: 'incr-fenced' },
  { f: 'incr-unfenced' },
  { f: 'incr-unfenced', afterHold: true },
  { f: 'incr-fenced' },
  { f: 'release' },
];

interface CycleState {
  /** Index into CYCLE of the next op; -1 while an op is in flight. */
  phase: number;
  /** Earliest time (ns) of the next op. */
  notBefore: number;
  holding?: { node: string; seq: number; grantedAt: number };
  inFlight?: number;
}

/** One thread's lock cycle (run under eachThread): reacts to its own completions. */
class Cycle extends GeneratorBase {
  constructor(
    private readonly settings: LockSettings,
    private readonly keyOf: (thread: number) => number,
    private readonly state: CycleState,
  ) {
    super();
  }

  get name(): string {
    return 'lock cycle';
  }

  op(ctx: Context): OpResult {
    if (this.state.inFlight !== undefined) return 'pending';
    const thread = ctx.threads[0];
    if (typeof thread !== 'number' || !ctx.free.includes(thread)) return 'pending';
    const step = CYCLE[this.state.phase];
    const holding = this.state.holding;
    let time = Math.max(ctx.time, this.state.notBefore);
    if (step.afterHold && holding)
      time = Math.max(time, holding.grantedAt + this.settings.holdSeconds * NS_PER_SECOND);
    const op: GenOp = {
      type: 'invoke',
      f: step.f,
      key: this.keyOf(thread),
      value: step.f === 'acquire' ? null : { node: holding?.node, seq: holding?.seq },
      process: ctx.processes.get(thread)!,
      time,
    };
    return { op, gen: new Cycle(this.settings, this.keyOf, { ...this.state, inFlight: this.state.phase }) };
  }

  override update(_ctx: Context, event: GenEvent): Gen {
    if (event.special || event.type === 'invoke' || this.state.inFlight === undefined) return this;
    const phase = this.state.inFlight;
    const step = CYCLE[phase];
    if (event.f !== step.f) return this;
    const restart = (pause: number): Gen =>
      new Cycle(this.settings, this.keyOf, { phase: 0, notBefore: event.time + pause * NS_PER_SECOND });
    if (step.f === 'acquire') {
      const out = event.value as { node?: string; seq?: number } | null;
      if (event.type !== 'ok' || typeof out?.node !== 'string') return restart(0.2);
      return new Cycle(this.settings, this.keyOf, {
        phase: 1,
        notBefore: event.time,
        holding: { node: out.node, seq: out.seq!, grantedAt: event.time },
      });
    }
    if (event.type === 'info' || step.f === 'release') return restart(0.1);
    const out = event.value as { applied?: boolean } | null;
    // A refused increment: the holder has learned it lost; it releases (finding nothing).
    const next = event.type === 'ok' && out?.applied === false ? CYCLE.length - 1 : phase + 1;
    return new Cycle(this.settings, this.keyOf, {
      ...this.state,
      phase: next,
      notBefore: event.time,
      inFlight: undefined,
    });
  }
}
