/**
 * The fault families zkcheck can inject, each a `NemesisPackage`:
 *
 *   partition           isolate one random node: every peer link to and from it black-holed both
 *                       ways (its clients still reach it, and see it serve nothing or stale data)
 *   partition-leader    isolate whichever node leads when the fault starts
 *   partition-follower  isolate a node that follows when the fault starts (its clients' plain
 *                       reads go stale until it notices: what ZooKeeper allows)
 *   kill       SIGKILL one random node, later start it again from its data dir
 *   pause      freeze one random node (SIGSTOP / docker pause), later resume it
 *
 * Episodes pick a random node from the schedule's seeded RNG, so `--seed` replays the same faults;
 * leader and follower targets are resolved when the fault starts (the ensemble decides those).
 */
import { fork, nextInt } from '../harness/generator/rng.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { sleep } from '../harness/generator/time.js';
import type { Context, Gen, GenOp } from '../harness/generator/types.js';
import type { Ensemble } from '../harness/cluster/types.js';
import type { NemesisOptions, NemesisPackage } from './types.js';

/** A fault family: how to start and stop it on one node, and how to heal whatever is left. */
interface FaultFamily {
  name: string;
  /** Which node an episode picks: drawn from the seeded RNG, or the role it has at the start. */
  target: 'random' | 'leader' | 'follower';
  start: {
    f: string;
    run: (ensemble: Ensemble, node: number) => Promise<void>;
    describe: (node: number) => string;
  };
  stop: { f: string; run: (ensemble: Ensemble, node: number) => Promise<void> };
  heal: { f: string; run: (ensemble: Ensemble, affected: readonly number[]) => Promise<void> };
}

const FAMILIES: Readonly<Record<string, FaultFamily>> = Object.freeze({
  partition: partitionFamily('partition', 'random'),
  'partition-leader': partitionFamily('partition-leader', 'leader'),
  'partition-follower': partitionFamily('partition-follower', 'follower'),
  kill: {
    name: 'kill',
    target: 'random',
    start: { f: 'kill', run: (e, node) => e.kill(node), describe: (node) => `node ${node} killed` },
    stop: { f: 'start', run: (e, node) => e.start(node) },
    heal: { f: 'start-all', run: (e) => startEveryKilled(e) },
  },
  pause: {
    name: 'pause',
    target: 'random',
    start: { f: 'pause', run: (e, node) => e.pause(node), describe: (node) => `node ${node} paused` },
    stop: { f: 'resume', run: (e, node) => e.resume(node) },
    heal: { f: 'resume-all', run: (e) => resumeEveryPaused(e) },
  },
});

function partitionFamily(name: string, target: FaultFamily['target']): FaultFamily {
  return {
    name,
    target,
    start: {
      f: 'isolate',
      run: (e, node) => e.links.isolate(node),
      describe: (node) => `node ${node} isolated`,
    },
    stop: { f: 'heal', run: (e) => e.links.healAll() },
    heal: { f: 'heal-all', run: (e) => e.links.healAll() },
  };
}

export const NEMESIS_NAMES = Object.freeze(Object.keys(FAMILIES));

export function nemesisPackage(name: string, options: NemesisOptions): NemesisPackage {
  const family = FAMILIES[name];
  if (!family) throw new Error(`no nemesis "${name}"`);
  const { ensemble } = options;
  const affected = new Set<number>();
  /** The node the latest start hit, for a stop that names a role. */
  let started: number | undefined;
  const size = ensemble.nodes.length;

  const perform = async (op: GenOp): Promise<Completion> => {
    switch (op.f) {
      case family.start.f: {
        // A role is resolved once, when the fault starts; the stop undoes whatever started.
        const node = typeof op.value === 'string' ? await nodeWithRole(ensemble, op.value) : Number(op.value);
        // Set before the call: a start that throws half-way (some links cut) must still be stopped.
        started = node;
        await family.start.run(ensemble, node);
        affected.add(node);
        return { type: 'ok', value: node };
      }
      case family.stop.f: {
        const node = typeof op.value === 'string' ? started : Number(op.value);
        if (node === undefined) return { type: 'ok', value: null };
        await family.stop.run(ensemble, node);
        affected.delete(node);
        started = undefined;
        return { type: 'ok', value: node };
      }
      case family.heal.f:
        await family.heal.run(ensemble, [...affected]);
        affected.clear();
        return { type: 'ok', value: null };
      default:
        return {
          type: 'fail',
          error: { name: 'UNSUPPORTED', message: `nemesis ${name} has no op "${op.f}"` },
        };
    }
  };

  return {
    name,
    fs: [family.start.f, family.stop.f, family.heal.f],
    episode: (ctx: Context): Gen => {
      const node = family.target === 'random' ? 1 + nextInt(fork(ctx.rng, 1), size)[0] : family.target;
      return [
        sleep(options.intervalSeconds),
        { f: family.start.f, value: node },
        sleep(options.durationSeconds),
        { f: family.stop.f, value: node },
      ];
    },
    finalGenerator: { f: family.heal.f, value: null },
    invoke: (op) =>
      perform(op).catch((error: unknown) => ({
        type: 'info' as const,
        error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) },
      })),
    active: () => [...affected].sort((a, b) => a - b).map((node) => family.start.describe(node)),
  };
}

/** The leader, or one follower (the lowest id, so a replay tends to pick alike). */
async function nodeWithRole(ensemble: Ensemble, role: string): Promise<number> {
  const status = await ensemble.status();
  const match = status.filter((s) => (role === 'leader' ? s.mode === 'leader' : s.mode === 'follower'));
  if (match.length === 0) {
    throw new Error(`no ${role} right now (${status.map((s) => `${s.id}:${s.mode ?? s.error}`).join(', ')})`);
  }
  return match[0].id;
}

async function startEveryKilled(ensemble: Ensemble): Promise<void> {
  for (const node of ensemble.nodes) {
    if (ensemble.state(node.id) === 'killed') await ensemble.start(node.id);
  }
}

async function resumeEveryPaused(ensemble: Ensemble): Promise<void> {
  for (const node of ensemble.nodes) {
    if (ensemble.state(node.id) === 'paused') await ensemble.resume(node.id);
  }
}
