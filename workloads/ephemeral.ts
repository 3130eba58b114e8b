/**
 * The ephemeral workload: a service registry on ephemeral znodes, checked for what ZooKeeper
 * promises about them (lingering ephemerals were real bugs: ZOOKEEPER-1208, -2355, -4837).
 *
 * Each client thread has a role, spread so that every role meets every node of a 3-node ensemble
 * (thread t talks to node t mod N + 1; its role is (t + floor(t / 3)) mod 3):
 *
 *   reader    lists `/services` (sync, then getChildren) every --heartbeat ms;
 *   stayer    registers `/services/p<process>-<n>` (ephemeral) and checks it on its own session
 *             (`exists`) every --heartbeat ms for the rest of the run; if its session ends (a
 *             fault expired it) it registers a new node on a new session;
 *   closer    registers, checks for --registration-time seconds, then closes its session, and
 *             registers again on a new one.
 *
 * Sessions are expired by faults (client-isolate held past --session-timeout): the owner's next
 * check reports the session events (disconnected, reconnected, expired) it saw. Outputs carry
 * `at` (ms on the workload's clock); reads also `startedAt`. Claims (checker/claims/ephemeral.ts):
 *
 *   live-ephemerals-stay  promised: a live session's ephemeral never vanishes;
 *   gone-for-good         promised: an ephemeral once gone never reappears;
 *   gone-after-expiry     promised: an expired session's ephemeral is listed by no read that
 *                         starts more than --vanish-bound ms after the owner was told it expired;
 *   gone-after-close      not promised: likewise after the owner's close returned (a close cut off
 *                         by a fault never reaches a server, and a leader election restarts the
 *                         session expiry clocks: a measure with a threshold).
 */
import { SessionEvents } from './recipe.js';
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

const ROOT = '/services';

export interface EphemeralSettings {
  heartbeatMs: number;
  registrationSeconds: number;
  vanishBoundMs: number;
}

export type Role = 'reader' | 'stayer' | 'closer';
const ROLES: readonly Role[] = ['reader', 'stayer', 'closer'];

/** A thread's role: on 3 nodes, threads 0-5 give each node two roles and each role two nodes. */
export const roleOf = (thread: number): Role => ROLES[(thread + Math.floor(thread / 3)) % 3];

export const ephemeral: WorkloadEntry = {
  name: 'ephemeral',
  help: 'a service registry of ephemeral znodes: some sessions stay, some close, faults expire some; readers list them',
  settings: [
    {
      key: 'heartbeat',
      flag: '--heartbeat <ms>',
      kind: 'int',
      help: 'how often owners check their node and readers list the registry',
      default: 500,
      min: 10,
    },
    {
      key: 'registrationTime',
      flag: '--registration-time <seconds>',
      kind: 'number',
      help: 'how long a closer keeps its registration before it closes its session',
      default: 3,
      min: 0,
      max: 86_400,
    },
    {
      key: 'vanishBound',
      flag: '--vanish-bound <ms>',
      kind: 'int',
      help: "an ended session's ephemeral may still be listed this long after its end was observed (keep it above --session-timeout)",
      default: 15000,
      min: 0,
    },
  ],
  create: (options) => ephemeralWorkload(ephemeralSettings(options)),
};

function ephemeralSettings(options: WorkloadOptions): EphemeralSettings {
  if (options.concurrency < 3)
    throw new WorkloadError(
      `the ephemeral workload needs --concurrency 3 or more (a reader, a stayer and a closer), got ${options.concurrency}`,
    );
  const s = options.settings;
  return {
    heartbeatMs: s.heartbeat as number,
    registrationSeconds: s.registrationTime as number,
    vanishBoundMs: s.vanishBound as number,
  };
}

export function ephemeralClaims(settings: Pick<EphemeralSettings, 'vanishBoundMs'>): ClaimSpec[] {
  const claim = (
    name: string,
    title: string,
    promised: boolean,
    options: Record<string, unknown>,
  ): ClaimSpec => ({ name, title, promised, checker: 'ephemeral', options });
  return [
    claim('live-ephemerals-stay', "a live session's ephemeral never vanishes", true, { property: 'live' }),
    claim('gone-for-good', 'an ephemeral once gone never reappears', true, { property: 'reappear' }),
    claim(
      'gone-after-expiry',
      "an expired session's ephemeral is gone within the bound after the expiry was seen",
      true,
      {
        property: 'linger',
        via: 'expired',
        boundMs: settings.vanishBoundMs,
      },
    ),
    claim(
      'gone-after-close',
      "a closed session's ephemeral is gone within the bound after its close returned",
      false,
      {
        property: 'linger',
        via: 'closed',
        boundMs: settings.vanishBoundMs,
      },
    ),
  ];
}

interface Registration {
  node: string;
  session: ZkSession;
}

export function ephemeralWorkload(settings: EphemeralSettings): Workload {
  const epoch = performance.now();
  const now = (): number => Math.round((performance.now() - epoch) * 10) / 10;
  const registrations = new Map<number, Registration>();
  const events = new SessionEvents(now);

  const invoke = async (session: ZkSession, op: GenOp): Promise<Completion> => {
    const process = op.process as number;
    events.watch(session);
    if (op.f === 'read') return read(session, now);
    const node = (op.value as { node?: unknown } | null)?.node;
    if (typeof node !== 'string')
      return { type: 'fail', error: { name: 'BAD_OP', message: `${op.f} needs a node` } };
    if (op.f === 'register') {
      try {
        await session.create(`${ROOT}/${node}`, session.sessionId, 'ephemeral');
        registrations.set(process, { node, session });
        return { type: 'ok', value: { node, at: now(), ...events.drain(session) } };
      } catch (error) {
        return { type: classify(error, 'write'), error: errorForHistory(error) };
      }
    }
    const registration = registrations.get(process);
    if (!registration || registration.node !== node)
      return {
        type: 'fail',
        error: { name: 'NOT_REGISTERED', message: `process ${process} has no ${node}` },
      };
    const owner = registration.session;
    if (op.f === 'check') {
      if (!owner.usable)
        return {
          type: 'ok',
          value: { exists: null, reason: `session ${owner.brokenReason}`, at: now(), ...events.drain(owner) },
        };
      // Disconnected: a call would wait for its deadline and retire the session before the
      // owner can learn whether it expired. Check again later instead.
      if (!owner.connected)
        return {
          type: 'ok',
          value: { exists: null, reason: 'disconnected', at: now(), ...events.drain(owner) },
        };
      try {
        const { stat } = await owner.exists(`${ROOT}/${node}`);
        return { type: 'ok', value: { exists: stat !== null, at: now(), ...events.drain(owner) } };
      } catch (error) {
        return {
          type: 'ok',
          value: { exists: null, reason: errorForHistory(error).name, at: now(), ...events.drain(owner) },
        };
      }
    }
    if (op.f === 'close') {
      registrations.delete(process);
      const id = owner.sessionId;
      const wasUsable = owner.usable;
      await owner.close();
      return { type: 'ok', value: { closed: wasUsable, session: id, at: now() } };
    }
    return {
      type: 'fail',
      error: { name: 'UNSUPPORTED', message: `ephemeral workload has no op "${op.f}"` },
    };
  };

  let serial = 0;
  return {
    name: 'ephemeral',
    claims: ephemeralClaims(settings),
    requiredFs: ['register', 'check', 'read'],
    setup: (session) => setup(session),
    generator: () => eachThread(new Cycle(settings, () => serial++, { phase: 'start', notBefore: 0 })),
    finalGenerator: () => untilOk(stagger(0.2, repeat({ f: 'read' }))),
    invoke: (session, op) =>
      invoke(session, op).catch((error: unknown) => ({
        type: 'info' as const,
        error: errorForHistory(error),
      })),
    describe: () => ({
      root: ROOT,
      ...settings,
      roles: '(thread + floor(thread / 3)) mod 3: reader, stayer, closer',
    }),
  };
}

async function setup(session: ZkSession): Promise<void> {
  try {
    await session.create(ROOT);
  } catch (error) {
    if ((error as { name?: string }).name !== 'NODE_EXISTS') throw error;
  }
  const { children } = await session.getChildren(ROOT);
  if (children.length > 0)
    throw new WorkloadError(
      `${ROOT} already holds ${children.length} nodes: the ephemeral workload needs a fresh ensemble`,
    );
}

async function read(session: ZkSession, now: () => number): Promise<Completion> {
  const startedAt = now();
  try {
    await session.sync(ROOT);
    const { children } = await session.getChildren(ROOT);
    return { type: 'ok', value: { children, startedAt, at: now() } };
  } catch (error) {
    return { type: 'fail', error: errorForHistory(error) };
  }
}

// --- the schedule -------------------------------------------------------------------------------

interface CycleState {
  /** start: the first op decides the role; register, check, close, read: the next op. */
  phase: 'start' | 'register' | 'check' | 'close' | 'read';
  notBefore: number;
  role?: Role;
  node?: string;
  registeredAt?: number;
  inFlight?: boolean;
}

/** One thread's schedule by its role (run under eachThread): reacts to its own completions. */
class Cycle extends GeneratorBase {
  constructor(
    private readonly settings: EphemeralSettings,
    private readonly serial: () => number,
    private readonly state: CycleState,
  ) {
    super();
  }

  get name(): string {
    return 'ephemeral cycle';
  }

  private next(state: CycleState): Cycle {
    return new Cycle(this.settings, this.serial, state);
  }

  op(ctx: Context): OpResult {
    if (this.state.inFlight) return 'pending';
    const thread = ctx.threads[0];
    if (typeof thread !== 'number' || !ctx.free.includes(thread)) return 'pending';
    const process = ctx.processes.get(thread)!;
    let state = this.state;
    if (state.phase === 'start') {
      const role = roleOf(thread);
      state = { ...state, role, phase: role === 'reader' ? 'read' : 'register' };
    }
    const node = state.phase === 'register' ? `p${String(process)}-${this.serial()}` : state.node;
    const op: GenOp = {
      type: 'invoke',
      f: state.phase,
      value: state.phase === 'read' ? null : { node },
      process,
      time: Math.max(ctx.time, state.notBefore),
    };
    return { op, gen: this.next({ ...state, node, inFlight: true }) };
  }

  override update(_ctx: Context, event: GenEvent): Gen {
    if (event.special || event.type === 'invoke' || !this.state.inFlight) return this;
    if (event.f !== this.state.phase) return this;
    const role = this.state.role;
    const beat = this.settings.heartbeatMs * 1e6;
    if (this.state.phase === 'read') return this.next({ role, phase: 'read', notBefore: event.time + beat });
    const again = (pause: number): Gen =>
      this.next({ role, phase: 'register', notBefore: event.time + pause });
    if (this.state.phase === 'register') {
      if (event.type !== 'ok') return again(0.2 * NS_PER_SECOND);
      return this.next({
        role,
        phase: 'check',
        node: this.state.node,
        registeredAt: event.time,
        notBefore: event.time + beat,
      });
    }
    if (this.state.phase === 'close' || event.type !== 'ok') return again(0.1 * NS_PER_SECOND);
    // A check: its node or its session gone, register again; a closer past its time closes.
    const out = event.value as { exists?: boolean | null; reason?: string } | null;
    if (out?.exists === false || (out?.exists !== true && out?.reason?.startsWith('session ')))
      return again(0);
    const over =
      role === 'closer' &&
      event.time >= (this.state.registeredAt ?? 0) + this.settings.registrationSeconds * NS_PER_SECOND;
    return this.next({
      ...this.state,
      phase: over ? 'close' : 'check',
      inFlight: false,
      notBefore: over ? event.time : event.time + beat,
    });
  }
}
