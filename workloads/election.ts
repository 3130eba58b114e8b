/**
 * The election workload: ZooKeeper's leader election recipe (as Curator's LeaderLatch does it)
 * under faults, checked for what ZooKeeper promises about it and shown where it does not.
 *
 * Recipe, per election k (a key): a candidate creates an ephemeral sequential child
 * `/election/<k>/c-` and lists the children; the lowest sequence leads. A candidate that is not
 * lowest watches only its predecessor: ZkSession has no watches, so it polls
 * `exists(predecessor)` every `--election-poll` ms (the same herd-free pattern, noticed a little
 * later). Once lowest, it reads its own node's Stat (`exists`): the czxid and ephemeralOwner are
 * the server's record of this leadership's epoch. A candidate waiting past `--campaign-timeout`
 * deletes its node and ends `fail`.
 *
 * Each client thread, on its own election (threads spread over `--election-count` elections),
 * runs the cycle
 *
 *   elect, lead, lead, ... (one every --lead-interval ms for --term seconds), resign
 *
 * where `lead` is the leader's fenced work, multi([check(own node), setData(counter, value + 1,
 * version)]) on the session that was elected (it cannot apply once that session is gone), and
 * `resign` deletes the node. A refused lead or resign is `ok` with `applied: false` /
 * `deleted: false` and its reason: it definitely did nothing, and it is how a leader learns it
 * lost. A lead while the session is disconnected is not tried (`applied: null`): the leader keeps
 * believing until it hears of an expiry. Outputs carry `at` (ms on the workload's clock) and the connection events (disconnected,
 * reconnected, expired) the leader's session saw since the last op. Claims (checker/claims/election.ts):
 *
 *   leader-uniqueness  promised: at most one leader per epoch as the server sees it (czxid order);
 *   fenced-leader-work promised: fenced leader writes never interleave, the counter counts them,
 *                      and none applies once its session is known to be gone;
 *   single-leader-belief not promised: no two candidates believe they lead at once;
 *   leaderless-time    not promised: the time without a leader after each leader loss (a measure,
 *                      with --leaderless-bound as its threshold).
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

const ROOT = '/election';
const DATA = '/electiondata';
const PREFIX = 'c-';

const electionDir = (key: number): string => `${ROOT}/${key}`;
const counter = (key: number): string => `${DATA}/${key}`;

export interface ElectionSettings {
  electionCount: number;
  termSeconds: number;
  leadIntervalMs: number;
  campaignTimeoutSeconds: number;
  pollMs: number;
  leaderlessBoundMs: number;
}

export const election: WorkloadEntry = {
  name: 'election',
  help: 'the leader election recipe (ephemeral sequential candidates, lowest leads) with fenced leader work',
  settings: [
    {
      key: 'electionCount',
      flag: '--election-count <n>',
      kind: 'int',
      help: 'elections, candidates spread over them',
      default: 1,
      min: 1,
      max: 1000,
    },
    {
      key: 'term',
      flag: '--term <seconds>',
      kind: 'number',
      help: 'how long a leader leads before it resigns (longer than the session timeout lets an expired leader still believe)',
      default: 8,
      min: 0,
      max: 86_400,
    },
    {
      key: 'leadInterval',
      flag: '--lead-interval <ms>',
      kind: 'int',
      help: "time between a leader's fenced writes",
      default: 500,
      min: 10,
    },
    {
      key: 'campaignTimeout',
      flag: '--campaign-timeout <seconds>',
      kind: 'number',
      help: 'a candidate waiting longer deletes its node and fails (and the run waits for it at its end)',
      default: 10,
      min: 0.1,
      max: 86_400,
    },
    {
      key: 'electionPoll',
      flag: '--election-poll <ms>',
      kind: 'int',
      help: 'how often a candidate polls its predecessor',
      default: 100,
      min: 10,
    },
    {
      key: 'leaderlessBound',
      flag: '--leaderless-bound <ms>',
      kind: 'int',
      help: 'a lost leader may leave the election leaderless this long (keep it above --session-timeout)',
      default: 15000,
      min: 0,
    },
  ],
  create: (options) => electionWorkload(electionSettings(options), options),
};

function electionSettings(options: WorkloadOptions): ElectionSettings {
  const s = options.settings;
  const electionCount = s.electionCount as number;
  if (electionCount > options.concurrency)
    throw new WorkloadError(
      `--election-count ${electionCount} needs at least as many clients (--concurrency ${options.concurrency})`,
    );
  return {
    electionCount,
    termSeconds: s.term as number,
    leadIntervalMs: s.leadInterval as number,
    campaignTimeoutSeconds: s.campaignTimeout as number,
    pollMs: s.electionPoll as number,
    leaderlessBoundMs: s.leaderlessBound as number,
  };
}

/** The claims, as data (checker/claims/election.ts decides them). */
export function electionClaims(settings: Pick<ElectionSettings, 'leaderlessBoundMs'>): ClaimSpec[] {
  const claim = (name: string, title: string, promised: boolean, options: Record<string, unknown>) => ({
    name,
    title,
    promised,
    checker: 'election',
    options,
  });
  return [
    claim(
      'leader-uniqueness',
      "at most one leader per epoch in the server's view (candidate nodes in czxid order)",
      true,
      { property: 'uniqueness' },
    ),
    claim(
      'fenced-leader-work',
      "fenced leader writes never interleave, the counter counts them, none applies once the leader's session is gone",
      true,
      { property: 'fenced' },
    ),
    claim('single-leader-belief', 'no two candidates believe they lead at once (unfenced)', false, {
      property: 'belief',
    }),
    claim('leaderless-time', 'a lost leader leaves the election leaderless at most the bound', false, {
      property: 'leaderless',
      boundMs: settings.leaderlessBoundMs,
    }),
  ];
}

/** A leadership as its client knows it. */
interface Leading {
  node: string;
  seq: number;
  session: ZkSession;
}

export function electionWorkload(
  settings: ElectionSettings,
  options: Pick<WorkloadOptions, 'concurrency'>,
): Workload {
  const epoch = performance.now();
  const now = (): number => Math.round((performance.now() - epoch) * 10) / 10;
  const leadings = new Map<number, Leading>();
  const events = new SessionEvents(now);
  const keyOf = (thread: number): number =>
    Math.floor((thread * settings.electionCount) / options.concurrency);

  const invoke = async (session: ZkSession, op: GenOp): Promise<Completion> => {
    const key = op.key as number;
    const process = op.process as number;
    events.watch(session);
    switch (op.f) {
      case 'elect': {
        const result = await elect(session, key, settings, now, events);
        if (result.type === 'ok') {
          const out = result.value as { node: string; seq: number };
          leadings.set(process, { node: out.node, seq: out.seq, session });
        }
        return result;
      }
      case 'lead':
      case 'resign': {
        const leading = leadings.get(process);
        const input = op.value as { node: string };
        if (!leading || leading.node !== input.node)
          return {
            type: 'fail',
            error: { name: 'NOT_LEADING', message: `process ${process} leads with no ${input.node}` },
          };
        if (op.f === 'resign') leadings.delete(process);
        const done = (value: Record<string, unknown>): Completion => ({
          type: 'ok',
          value: { ...value, at: now(), ...events.drain(leading.session) },
        });
        return op.f === 'lead' ? lead(leading, key, done) : resign(leading, key, done);
      }
      case 'read':
        return finalRead(session, key);
      default:
        return {
          type: 'fail',
          error: { name: 'UNSUPPORTED', message: `election workload has no op "${op.f}"` },
        };
    }
  };

  return {
    name: 'election',
    claims: electionClaims(settings),
    requiredFs: ['elect', 'lead', 'read'],
    setup: (session) => setup(session, settings.electionCount),
    generator: () => eachThread(new Cycle(settings, keyOf, { phase: 'elect', notBefore: 0 })),
    finalGenerator: () =>
      Array.from({ length: settings.electionCount }, (_, key) =>
        untilOk(stagger(0.2, repeat({ f: 'read', key }))),
      ),
    invoke: (session, op) =>
      invoke(session, op).catch((error: unknown) => ({
        type: 'info' as const,
        error: errorForHistory(error),
      })),
    describe: () => ({
      root: ROOT,
      data: DATA,
      ...settings,
      watches: 'polled exists() of the predecessor',
    }),
  };
}

async function setup(session: ZkSession, electionCount: number): Promise<void> {
  const paths = [ROOT, DATA];
  for (let key = 0; key < electionCount; key++) paths.push(electionDir(key));
  for (const path of paths) await createIfMissing(session, path);
  const { children } = await session.getChildren(DATA);
  if (children.length > 0)
    throw new WorkloadError(
      `${DATA} already holds ${children.length} counters: the election workload needs a fresh ensemble`,
    );
  for (let key = 0; key < electionCount; key++) {
    await session.create(counter(key), '0');
    // A multi turns setData at version 0 into an unconditional one: start the counter at version 1.
    await session.setData(counter(key), '0', 0);
  }
}

// --- the recipe ---------------------------------------------------------------------------------

async function elect(
  session: ZkSession,
  key: number,
  settings: ElectionSettings,
  now: () => number,
  events: SessionEvents,
): Promise<Completion> {
  const deadline = performance.now() + settings.campaignTimeoutSeconds * 1000;
  let path: string;
  try {
    path = (await session.create(`${electionDir(key)}/${PREFIX}`, '', 'ephemeral_sequential')).path;
  } catch (error) {
    return { type: classify(error, 'write'), error: errorForHistory(error) };
  }
  const node = path.slice(path.lastIndexOf('/') + 1);
  const seq = seqOf(node);
  try {
    for (;;) {
      const { children } = await session.getChildren(electionDir(key));
      const lower = children.filter((child) => child.startsWith(PREFIX) && seqOf(child) < seq);
      if (lower.length === 0) {
        // Lowest: the server's record of this leadership (its epoch and owner).
        const { stat } = await session.exists(path);
        if (stat === null) return { type: 'info', error: { name: 'NO_NODE', message: `${node} is gone` } };
        return {
          type: 'ok',
          value: {
            node,
            seq,
            czxid: stat.czxid,
            owner: stat.ephemeralOwner,
            at: now(),
            ...events.drain(session),
          },
        };
      }
      const predecessor = lower.reduce((a, b) => (seqOf(a) > seqOf(b) ? a : b));
      while ((await session.exists(`${electionDir(key)}/${predecessor}`)).stat !== null) {
        if (performance.now() > deadline) {
          await session.delete(path);
          return {
            type: 'fail',
            error: {
              name: 'TIMEOUT',
              message: `not elected within ${settings.campaignTimeoutSeconds} s; ${node} deleted`,
            },
          };
        }
        await sleepMs(settings.pollMs);
      }
    }
  } catch (error) {
    // The node may linger until the session ends; no election was seen.
    return { type: 'info', error: errorForHistory(error) };
  }
}

type Done = (value: Record<string, unknown>) => Completion;

async function lead(leading: Leading, key: number, done: Done): Promise<Completion> {
  const session = leading.session;
  if (!session.usable) return done({ applied: false, reason: `session ${session.brokenReason}` });
  // Disconnected: a call would wait for its deadline and retire the session before the leader
  // learns whether it expired. A naive leader keeps believing and tries again later.
  if (!session.connected) return done({ applied: null, reason: 'disconnected' });
  let read;
  try {
    read = await session.getData(counter(key));
  } catch (error) {
    return done({ applied: false, reason: `read: ${errorForHistory(error).name}` });
  }
  const value = Number(read.value) + 1;
  try {
    const { results } = await session.multi([
      { op: 'check', path: `${electionDir(key)}/${leading.node}`, version: -1 },
      { op: 'setData', path: counter(key), data: String(value), version: read.version },
    ]);
    const set = results[1] as { op: 'setData'; stat: { version: number } } | undefined;
    return done({ applied: true, value, version: set?.stat.version ?? read.version + 1 });
  } catch (error) {
    if (classify(error, 'write') === 'fail')
      return done({ applied: false, reason: errorForHistory(error).name });
    return { type: 'info', error: errorForHistory(error) };
  }
}

async function resign(leading: Leading, key: number, done: Done): Promise<Completion> {
  const session = leading.session;
  if (!session.usable) return done({ deleted: false, reason: `session ${session.brokenReason}` });
  try {
    await session.delete(`${electionDir(key)}/${leading.node}`);
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
    const read = await session.getData(counter(key));
    return { type: 'ok', value: { fenced: { value: Number(read.value), version: read.version } } };
  } catch (error) {
    return { type: 'fail', error: errorForHistory(error) };
  }
}

// --- connection events --------------------------------------------------------------------------

// --- the schedule -------------------------------------------------------------------------------

interface CycleState {
  /** The next op. */
  phase: 'elect' | 'lead' | 'resign';
  /** Earliest time (ns) of the next op. */
  notBefore: number;
  leading?: { node: string; seq: number; electedAt: number };
  inFlight?: 'elect' | 'lead' | 'resign';
}

/** One thread's campaign (run under eachThread): reacts to its own completions. */
class Cycle extends GeneratorBase {
  constructor(
    private readonly settings: ElectionSettings,
    private readonly keyOf: (thread: number) => number,
    private readonly state: CycleState,
  ) {
    super();
  }

  get name(): string {
    return 'election cycle';
  }

  op(ctx: Context): OpResult {
    if (this.state.inFlight !== undefined) return 'pending';
    const thread = ctx.threads[0];
    if (typeof thread !== 'number' || !ctx.free.includes(thread)) return 'pending';
    const leading = this.state.leading;
    const op: GenOp = {
      type: 'invoke',
      f: this.state.phase,
      key: this.keyOf(thread),
      value: this.state.phase === 'elect' ? null : { node: leading?.node, seq: leading?.seq },
      process: ctx.processes.get(thread)!,
      time: Math.max(ctx.time, this.state.notBefore),
    };
    return { op, gen: this.next({ ...this.state, inFlight: this.state.phase }) };
  }

  private next(state: CycleState): Cycle {
    return new Cycle(this.settings, this.keyOf, state);
  }

  override update(_ctx: Context, event: GenEvent): Gen {
    if (event.special || event.type === 'invoke' || this.state.inFlight === undefined) return this;
    const phase = this.state.inFlight;
    if (event.f !== phase) return this;
    const restart = (pause: number): Gen =>
      this.next({ phase: 'elect', notBefore: event.time + pause * NS_PER_SECOND });
    if (phase === 'elect') {
      const out = event.value as { node?: string; seq?: number } | null;
      if (event.type !== 'ok' || typeof out?.node !== 'string') return restart(0.2);
      return this.next({
        phase: 'lead',
        notBefore: event.time,
        leading: { node: out.node, seq: out.seq!, electedAt: event.time },
      });
    }
    if (event.type === 'info' || phase === 'resign') return restart(0.1);
    const out = event.value as { applied?: boolean } | null;
    const leading = this.state.leading!;
    const termOver = event.time >= leading.electedAt + this.settings.termSeconds * NS_PER_SECOND;
    // A refused write: the leader has learned it lost; it resigns (finding nothing).
    const refused = event.type !== 'ok' || out?.applied === false;
    return this.next({
      ...this.state,
      phase: refused || termOver ? 'resign' : 'lead',
      notBefore: refused || termOver ? event.time : event.time + this.settings.leadIntervalMs * 1e6,
      inFlight: undefined,
    });
  }
}
