/**
 * A NemesisPackage for faults on proxies (partition shapes, link toxics, lag): each episode plans
 * a random order of the nodes, the start resolves what to hit from that order and the ensemble's
 * status at the time, applies it and records it; the stop undoes exactly what was applied (only
 * those proxies, only those toxics); the final generator heals every proxy (`healAll`).
 *
 * Start ops are recorded as `{fault, targets, roles, ...}`: the nodes involved, the role each had
 * then, and the fault's own record (links cut, groups, toxics). A fault that follows the leader
 * (`followMs`) re-resolves on a timer while it is active; each move is kept and recorded in the
 * stop's completion (`moves`), so the history says every node it touched and when.
 */
import { fork } from '../harness/generator/rng.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { sleep } from '../harness/generator/time.js';
import type { Context, Gen, GenOp } from '../harness/generator/types.js';
import type { Ensemble, LinkRef, NodeStatus } from '../harness/cluster/types.js';
import type { NemesisOptions, NemesisPackage } from '../harness/runner/spec.js';
import { planTargets } from './targets.js';

/** What a start hits, resolved when it starts. */
export interface Resolved {
  /** The proxies the fault acts on. */
  proxies: LinkRef[];
  /** The nodes involved, sorted. */
  targets: number[];
  /** The fault in force, for progress lines ("links 1->3, 3->1 cut"). */
  describe: string;
  /** Recorded in the start's completion beside targets and roles. */
  record: Record<string, unknown>;
}

export interface LinkFault {
  /** The family's name (recorded as `fault`). */
  name: string;
  /** What an episode asks for, recorded in the start op (`halves`, `leader`, `one`, ...). */
  asks: string;
  fs: { start: string; stop: string; heal: string };
  /** What to hit now, from the planned order of the nodes; throws when there is nothing to hit. */
  resolve(ensemble: Ensemble, order: readonly number[], status: readonly NodeStatus[]): Resolved;
  apply(ensemble: Ensemble, resolved: Resolved): Promise<void>;
  undo(ensemble: Ensemble, resolved: Resolved): Promise<void>;
  /** Re-resolve every this many ms while active, moving the fault when the answer changes. */
  followMs?: number;
}

/** One move of a following fault: when (ms after its start) and what it hit from then on. */
export interface Move {
  afterMs: number;
  targets: number[];
  roles: Record<number, string>;
}

export function linkFaultPackage(fault: LinkFault, options: NemesisOptions): NemesisPackage {
  const { ensemble } = options;
  const size = ensemble.nodes.length;
  /** What is applied now (set before applying: a start that fails half-way is still undone). */
  let current: Resolved | undefined;
  let order: readonly number[] = [];
  let startedAt = 0;
  let moves: Move[] = [];
  let timer: NodeJS.Timeout | undefined;
  /** Starts, stops and moves run one at a time. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const rolesOf = (status: readonly NodeStatus[], nodes: readonly number[]) =>
    Object.fromEntries(
      nodes.map((id) => {
        const s = status.find((x) => x.id === id);
        return [id, s?.mode ?? s?.error ?? 'unknown'];
      }),
    ) as Record<number, string>;

  const stopFollowing = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const follow = () =>
    serial(async () => {
      if (!current) return;
      const status = await ensemble.status();
      let next: Resolved;
      try {
        next = fault.resolve(ensemble, order, status);
      } catch {
        return; // nothing to move to now (no leader): keep the fault where it is
      }
      if (sameProxies(next, current)) return;
      await fault.undo(ensemble, current);
      current = next;
      await fault.apply(ensemble, next);
      moves.push({
        afterMs: Date.now() - startedAt,
        targets: next.targets,
        roles: rolesOf(status, next.targets),
      });
    }).catch(() => undefined); // a failed move is retried on the next tick; the stop undoes what is applied

  const perform = async (op: GenOp): Promise<Completion> => {
    switch (op.f) {
      case fault.fs.start:
        return serial(async () => {
          const plan = op.value as { order?: number[] } | null;
          order = plan?.order ?? Array.from({ length: size }, (_, i) => i + 1);
          const status = await ensemble.status();
          const resolved = fault.resolve(ensemble, order, status);
          current = resolved;
          startedAt = Date.now();
          moves = [];
          await fault.apply(ensemble, resolved);
          if (fault.followMs !== undefined) {
            timer = setInterval(() => void follow(), fault.followMs);
            timer.unref();
          }
          return {
            type: 'ok',
            value: {
              fault: fault.name,
              targets: resolved.targets,
              roles: rolesOf(status, resolved.targets),
              ...resolved.record,
            },
          };
        });
      case fault.fs.stop:
        stopFollowing();
        return serial(async () => {
          if (!current) return { type: 'ok', value: { targets: [] } };
          const applied = current;
          const touched = [...new Set([...applied.targets, ...moves.flatMap((m) => m.targets)])];
          await fault.undo(ensemble, applied);
          current = undefined;
          return {
            type: 'ok',
            value: {
              targets: touched.sort((a, b) => a - b),
              ...(fault.followMs === undefined ? {} : { moves }),
            },
          };
        });
      case fault.fs.heal:
        stopFollowing();
        return serial(async () => {
          await ensemble.links.healAll();
          current = undefined;
          return { type: 'ok', value: null };
        });
      default:
        return {
          type: 'fail',
          error: { name: 'UNSUPPORTED', message: `nemesis ${fault.name} has no op "${op.f}"` },
        };
    }
  };

  return {
    name: fault.name,
    fs: [fault.fs.start, fault.fs.stop, fault.fs.heal],
    episode: (ctx: Context): Gen => [
      sleep(options.intervalSeconds),
      {
        f: fault.fs.start,
        value: { targets: fault.asks, order: planTargets('all', size, fork(ctx.rng, 1)).order },
      },
      sleep(options.durationSeconds),
      { f: fault.fs.stop, value: { targets: fault.asks } },
    ],
    finalGenerator: { f: fault.fs.heal, value: null },
    invoke: (op) =>
      perform(op).catch((error: unknown) => ({
        type: 'info' as const,
        error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) },
      })),
    active: () => (current === undefined ? [] : [current.describe]),
  };
}

function sameProxies(a: Resolved, b: Resolved): boolean {
  const names = (r: Resolved) =>
    r.proxies
      .map((p) => (typeof p === 'string' ? p : p.proxy))
      .sort()
      .join(' ');
  return names(a) === names(b);
}
