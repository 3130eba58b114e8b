/**
 * sync-kill: SIGKILL a node the moment a named phase of leader synchronisation begins, the window
 * where ZooKeeper has lost data before (ZOOKEEPER-3911, -4394, -4643, -4646, -4685, -4712, -4785).
 *
 * Each episode picks a follower, arms a watch on the phase's log line (the ensemble tails every
 * node's log), forces a sync — restarts that follower, or kills the leader so it syncs with the
 * next one — and kills the victim (the syncing follower, or with `--sync-kill-victim leader` the
 * leader serving it) as soon as the line appears. The stop starts every node the episode killed.
 *
 * The phase lines are ZooKeeper's own (Learner.java / LearnerHandler.java, identical in 3.8.0 and
 * 3.9.x): the learner logs "Getting a diff from the leader 0x..", "Getting a snapshot from leader
 * 0x..", "Truncating log to get in sync with the leader 0x.." (WARN), "Learner received NEWLEADER
 * message", "Learner received UPTODATE message"; the leader logs "Sending DIFF zxid=0x.. for peer
 * sid: N", "Sending snapshot last zxid of peer is 0x..", and "Sending TRUNC zxid=0x..  for peer
 * sid: N" (one TRUNC path, "Sending TRUNC to follower ...", logs at DEBUG only and is not seen).
 *
 * A start's completion value says what happened: the follower, the victim, how the sync was
 * forced, whether the phase fired, the line, its own log timestamp, when we read it, and when the
 * kill had landed (ms after the line's timestamp: `delayMs`).
 */
import type { Ensemble, LogLine } from '../harness/cluster/types.js';
import { fork } from '../harness/generator/rng.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { sleep } from '../harness/generator/time.js';
import type { Context, Gen, GenOp } from '../harness/generator/types.js';
import type { NemesisEntry, NemesisOptions, NemesisPackage } from '../harness/runner/spec.js';
import { describeNodes, planTargets, resolveTargets, type TargetPlan } from './targets.js';

export interface SyncPhase {
  /** Whose log says it: the syncing learner's, or its leader's. */
  logOf: 'learner' | 'leader';
  pattern: (learner: number) => RegExp;
}

export const SYNC_PHASES: Readonly<Record<string, SyncPhase>> = Object.freeze({
  diff: { logOf: 'learner', pattern: () => /Getting a diff from the leader 0x/ },
  snap: { logOf: 'learner', pattern: () => /Getting a snapshot from leader 0x/ },
  trunc: { logOf: 'learner', pattern: () => /Truncating log to get in sync with the leader 0x/ },
  newleader: { logOf: 'learner', pattern: () => /Learner received NEWLEADER message/ },
  uptodate: { logOf: 'learner', pattern: () => /Learner received UPTODATE message/ },
  'sending-diff': {
    logOf: 'leader',
    pattern: (sid) => new RegExp(`Sending DIFF zxid=0x\\w+ +for peer sid: ?${sid}\\b`),
  },
  'sending-snap': { logOf: 'leader', pattern: () => /Sending snapshot last zxid of peer is 0x/ },
  'sending-trunc': {
    logOf: 'leader',
    pattern: (sid) => new RegExp(`Sending TRUNC zxid=0x\\w+ +for peer sid: ?${sid}\\b`),
  },
});

export const SYNC_FORCES = ['restart-follower', 'kill-leader'] as const;
export type SyncForce = (typeof SYNC_FORCES)[number];
export const SYNC_VICTIMS = ['follower', 'leader'] as const;
export type SyncVictim = (typeof SYNC_VICTIMS)[number];

/** What one armed kill did: the start op's completion value. */
export interface SyncKillResult {
  targets: number[];
  roles: Record<number, string>;
  phase: string;
  force: SyncForce;
  /** The follower made to sync, and the leader it synced with (when known). */
  follower: number;
  leader?: number;
  victim?: number;
  fired: boolean;
  line?: string;
  /** The line's own timestamp, when we read it, and when the kill had landed (ms since the epoch). */
  loggedAt?: number;
  seenAt?: number;
  killedAt?: number;
  /** killedAt - loggedAt (or - seenAt when the line has no timestamp). */
  delayMs?: number;
  /** Why the phase did not fire. */
  note?: string;
}

export interface SyncKillOptions {
  phase: string;
  force: SyncForce;
  victim: SyncVictim;
  /** How long to wait for the phase after forcing the sync. */
  timeoutMs?: number;
}

/**
 * Arms, forces a sync and kills. Every node it killed stays killed (the caller starts them);
 * `killed` receives each one as soon as it is down, so a caller can undo even a failed attempt.
 */
export async function syncKill(
  ensemble: Ensemble,
  follower: number,
  opts: SyncKillOptions,
  killed: (node: number) => void = () => undefined,
): Promise<Omit<SyncKillResult, 'targets' | 'roles'>> {
  const phase = SYNC_PHASES[opts.phase];
  if (!phase) throw new Error(`unknown sync phase "${opts.phase}"`);
  const oldLeader = await ensemble.leader();
  if (oldLeader === undefined) throw new Error('no leader to sync with');
  if (oldLeader === follower) throw new Error(`node ${follower} leads, it does not sync`);
  const base = { phase: opts.phase, force: opts.force, follower };

  // Whose log to watch: the learner's own, or every possible leader's (after a leader kill, the
  // next leader is not known yet).
  const watched =
    phase.logOf === 'learner'
      ? [follower]
      : ensemble.nodes
          .map((n) => n.id)
          .filter((id) => id !== follower && (opts.force !== 'kill-leader' || id !== oldLeader));
  const controller = new AbortController();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let fire: Promise<{ line: LogLine; on: number }>;
  {
    const offs: Array<() => void> = [];
    fire = new Promise<{ line: LogLine; on: number }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`phase ${opts.phase} not seen within ${timeoutMs} ms`)),
        timeoutMs,
      );
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
        once: true,
      });
      for (const id of watched)
        offs.push(
          ensemble.onLogLine(id, phase.pattern(follower), (line) => {
            clearTimeout(timer);
            resolve({ line, on: id });
          }),
        );
    }).finally(() => offs.forEach((off) => off()));
  }
  fire.catch(() => undefined);

  // The sync is forced now; the kill waits for the line (and for the force's own calls, which
  // are long done by then: a sync takes a JVM start or an election).
  const forced = (async () => {
    if (opts.force === 'restart-follower') {
      await ensemble.kill(follower);
      killed(follower);
      await ensemble.start(follower);
    } else {
      await ensemble.kill(oldLeader);
      killed(oldLeader);
    }
  })();
  const victimFor = (on: number): number | undefined => {
    if (opts.victim === 'follower') return follower;
    if (phase.logOf === 'leader') return on;
    return opts.force === 'kill-leader' ? undefined : oldLeader;
  };
  const killOnFire = fire.then(async ({ line, on }) => {
    await forced;
    let victim = victimFor(on);
    if (victim === undefined) victim = await ensemble.leader();
    if (victim === undefined) return { line, on, victim: undefined, killedAt: undefined };
    const killedAt = (await ensemble.kill(victim)) ?? Date.now();
    killed(victim);
    return { line, on, victim, killedAt };
  });
  killOnFire.catch(() => undefined);

  try {
    await forced;
  } catch (error) {
    controller.abort(error);
    throw error;
  }

  try {
    const { line, victim, killedAt } = await killOnFire;
    const from = line.loggedAt ?? line.seenAt;
    return {
      ...base,
      leader: phase.logOf === 'leader' ? undefined : opts.force === 'kill-leader' ? undefined : oldLeader,
      victim,
      fired: true,
      line: line.text,
      loggedAt: line.loggedAt,
      seenAt: line.seenAt,
      killedAt,
      delayMs: killedAt === undefined ? undefined : killedAt - from,
      ...(victim === undefined ? { note: 'no leader to kill when the phase fired' } : {}),
    };
  } catch (error) {
    controller.abort(error);
    return { ...base, fired: false, note: (error as Error).message };
  }
}

export const syncKillEntry: NemesisEntry = {
  name: 'sync-kill',
  help: 'kill a syncing follower (or its leader) the moment a sync phase begins in its log',
  settings: [
    {
      key: 'syncKillPhase',
      flag: '--sync-kill-phase <phase>',
      kind: 'string',
      help: `the sync phase that fires the kill: ${Object.keys(SYNC_PHASES).join(', ')}`,
      default: 'newleader',
      choices: Object.keys(SYNC_PHASES),
    },
    {
      key: 'syncKillForce',
      flag: '--sync-kill-force <how>',
      kind: 'string',
      help: `how the sync is forced: ${SYNC_FORCES.join(', ')}`,
      default: 'restart-follower',
      choices: SYNC_FORCES,
    },
    {
      key: 'syncKillVictim',
      flag: '--sync-kill-victim <node>',
      kind: 'string',
      help: `who is killed when the phase fires: ${SYNC_VICTIMS.join(', ')}`,
      default: 'follower',
      choices: SYNC_VICTIMS,
    },
  ],
  create: (options) => syncKillPackage(options),
};

export function syncKillPackage(options: NemesisOptions): NemesisPackage {
  const { ensemble } = options;
  const opts: SyncKillOptions = {
    phase: String(options.settings.syncKillPhase ?? 'newleader'),
    force: (options.settings.syncKillForce ?? 'restart-follower') as SyncForce,
    victim: (options.settings.syncKillVictim ?? 'follower') as SyncVictim,
  };
  /** Nodes the latest start killed: the stop starts exactly those. */
  const down = new Set<number>();

  const startDown = async (): Promise<number[]> => {
    const nodes = [...down].sort((a, b) => a - b);
    for (const node of nodes) {
      if (ensemble.state(node) === 'killed' || ensemble.state(node) === 'stopped') await ensemble.start(node);
      down.delete(node);
    }
    return nodes;
  };

  const perform = async (op: GenOp): Promise<Completion> => {
    switch (op.f) {
      case 'sync-kill': {
        const resolved = await resolveTargets(ensemble, op.value as TargetPlan);
        const follower = resolved.targets[0];
        const result = await syncKill(ensemble, follower, opts, (node) => down.add(node));
        const value: SyncKillResult = { ...resolved, targets: [...down].sort((a, b) => a - b), ...result };
        for (const id of value.targets) value.roles[id] ??= id === follower ? 'follower' : 'leader';
        return { type: 'ok', value };
      }
      case 'start':
        return { type: 'ok', value: { targets: await startDown() } };
      case 'start-all':
        await startDown();
        for (const node of ensemble.nodes)
          if (ensemble.state(node.id) === 'killed') await ensemble.start(node.id);
        return { type: 'ok', value: null };
      default:
        return {
          type: 'fail',
          error: { name: 'UNSUPPORTED', message: `nemesis sync-kill has no op "${op.f}"` },
        };
    }
  };

  return {
    name: 'sync-kill',
    fs: ['sync-kill', 'start', 'start-all'],
    episode: (ctx: Context): Gen => [
      sleep(options.intervalSeconds),
      { f: 'sync-kill', value: planTargets('follower', ensemble.nodes.length, fork(ctx.rng, 1)) },
      sleep(options.durationSeconds),
      { f: 'start', value: null },
    ],
    finalGenerator: { f: 'start-all', value: null },
    invoke: (op) =>
      perform(op).catch((error: unknown) => ({
        type: 'info' as const,
        error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) },
      })),
    active: () => (down.size === 0 ? [] : [`${describeNodes([...down])} killed in sync (${opts.phase})`]),
  };
}
