/**
 * A fault family as data — how to start and stop it on a set of nodes, how to heal whatever is
 * left — and `familyPackage`, which makes it a NemesisPackage: episodes of quiet, start, hold,
 * stop on targets planned from the seeded RNG; every start recorded with the nodes it hit and
 * their roles; a final generator that heals everything the family can leave behind.
 */
import { fork } from '../harness/generator/rng.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { sleep } from '../harness/generator/time.js';
import type { Context, Gen, GenOp } from '../harness/generator/types.js';
import type { Ensemble } from '../harness/cluster/types.js';
import type { NemesisOptions, NemesisPackage } from '../harness/runner/spec.js';
import { describeNodes, planTargets, resolveTargets, type TargetKind, type TargetPlan } from './targets.js';

export interface FaultFamily {
  name: string;
  /** The nodes each episode hits. */
  targets: TargetKind;
  start: {
    f: string;
    /**
     * Starts the fault; may resolve with when it had landed on every node (epoch ms), later than
     * the call's own end is not (a kill: the engine notices the exit after the signal took effect).
     */
    run: (ensemble: Ensemble, nodes: readonly number[]) => Promise<number | void>;
    /** The fault in force, for progress lines ("node 2 killed"). */
    describe: (nodes: readonly number[]) => string;
  };
  stop: { f: string; run: (ensemble: Ensemble, nodes: readonly number[]) => Promise<void> };
  heal: { f: string; run: (ensemble: Ensemble) => Promise<void> };
}

export function familyPackage(family: FaultFamily, options: NemesisOptions): NemesisPackage {
  const { ensemble } = options;
  /** The nodes the latest start hit: the stop undoes exactly those. */
  let hit: number[] | undefined;
  const size = ensemble.nodes.length;

  const perform = async (op: GenOp): Promise<Completion> => {
    switch (op.f) {
      case family.start.f: {
        const resolved = await resolveTargets(ensemble, op.value as TargetPlan);
        // Set before the call: a start that throws half-way (some links cut) must still be stopped.
        hit = resolved.targets;
        const landedAt = await family.start.run(ensemble, resolved.targets);
        return { type: 'ok', value: typeof landedAt === 'number' ? { ...resolved, landedAt } : resolved };
      }
      case family.stop.f: {
        if (hit === undefined) return { type: 'ok', value: { targets: [] } };
        const nodes = hit;
        await family.stop.run(ensemble, nodes);
        hit = undefined;
        return { type: 'ok', value: { targets: nodes } };
      }
      case family.heal.f:
        await family.heal.run(ensemble);
        hit = undefined;
        return { type: 'ok', value: null };
      default:
        return {
          type: 'fail',
          error: { name: 'UNSUPPORTED', message: `nemesis ${family.name} has no op "${op.f}"` },
        };
    }
  };

  return {
    name: family.name,
    fs: [family.start.f, family.stop.f, family.heal.f],
    episode: (ctx: Context): Gen => {
      const plan = planTargets(family.targets, size, fork(ctx.rng, 1));
      return [
        sleep(options.intervalSeconds),
        { f: family.start.f, value: plan },
        sleep(options.durationSeconds),
        { f: family.stop.f, value: { targets: family.targets } },
      ];
    },
    finalGenerator: { f: family.heal.f, value: null },
    invoke: (op) =>
      perform(op).catch((error: unknown) => ({
        type: 'info' as const,
        error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) },
      })),
    active: () => (hit === undefined ? [] : [family.start.describe(hit)]),
  };
}

/** A description helper for families: "node 2 killed", "nodes 1, 3 paused". */
export function fault(verb: string): (nodes: readonly number[]) => string {
  return (nodes) => `${describeNodes(nodes)} ${verb}`;
}
