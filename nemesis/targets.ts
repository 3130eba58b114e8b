/**
 * Which nodes a fault hits. A family's start takes a target set, resolved when the fault starts
 * (the ensemble decides who leads then) and recorded with the op, with each target's role:
 *
 *   one        a random node                     leader     whichever node leads
 *   minority   a random minority (at least one)  follower   one node that follows
 *   majority   a random majority                 followers  every node that follows
 *   all        every node (a cluster-wide fault)
 *
 * Random choices are drawn when the episode is planned, from the schedule's seeded RNG (as a
 * shuffled order of every node), so `--seed` replays the same targets; role targets wait for the
 * ensemble's status at the start.
 */
import type { Ensemble, NodeStatus } from '../harness/cluster/types.js';
import { nextInt, type Rng } from '../harness/generator/rng.js';

export const TARGETS = ['one', 'minority', 'majority', 'all', 'leader', 'follower', 'followers'] as const;
export type TargetKind = (typeof TARGETS)[number];

/** A start op's value: what to hit, and the random order of nodes drawn for it. */
export interface TargetPlan {
  targets: TargetKind;
  order: number[];
}

/** A start's completion value: the nodes hit and the role each had then. */
export interface TargetsHit {
  targets: number[];
  roles: Record<number, string>;
}

/** Plans a target set from the RNG: every node id in a random order (Fisher–Yates). */
export function planTargets(kind: TargetKind, size: number, rng: Rng): TargetPlan {
  const order = Array.from({ length: size }, (_, i) => i + 1);
  let state = rng;
  for (let i = size - 1; i > 0; i--) {
    const [j, next] = nextInt(state, i + 1);
    state = next;
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { targets: kind, order };
}

/** The nodes a plan hits now, with their roles (throws when the role asked for has no node). */
export async function resolveTargets(ensemble: Ensemble, plan: TargetPlan): Promise<TargetsHit> {
  // Targets known from the plan alone: only their roles are asked for (a fault timed from a log
  // line must land within milliseconds, not after every node's four-letter words).
  const fixed = fixedTargets(plan);
  if (fixed !== undefined) return withRoles(fixed, await ensemble.status(fixed));
  const status = await ensemble.status();
  const targets = pickByRole(plan, status);
  if (targets.length === 0) {
    throw new Error(
      `no ${plan.targets} right now (${status.map((s) => `${s.id}:${s.mode ?? s.error}`).join(', ')})`,
    );
  }
  return withRoles(targets, status);
}

/**
 * The nodes a plan hits when it names no role (one, minority, majority, all): known from its order
 * alone, so the fault need not wait for the ensemble's status. Undefined for a role target.
 */
export function fixedTargets(plan: TargetPlan): number[] | undefined {
  const { order } = plan;
  const n = order.length;
  switch (plan.targets) {
    case 'one':
      return order.slice(0, 1);
    case 'minority':
      return order.slice(0, Math.max(1, Math.floor((n - 1) / 2)));
    case 'majority':
      return order.slice(0, Math.floor(n / 2) + 1);
    case 'all':
      return [...order].sort((a, b) => a - b);
    default:
      return undefined;
  }
}

/** The targets with each one's role in `status`. */
function withRoles(targets: number[], status: readonly NodeStatus[]): TargetsHit {
  const roleOf = (id: number) => roleIn(status.find((s) => s.id === id));
  return { targets, roles: Object.fromEntries(targets.map((id) => [id, roleOf(id)])) };
}

/**
 * A node's role as one word: its mode, or why it has none ("not-serving" while it rejoins or
 * elects, "down" when nothing answers), never the server's whole sentence.
 */
function roleIn(status: NodeStatus | undefined): string {
  if (status?.mode) return status.mode;
  const error = status?.error ?? '';
  if (/not currently serving/i.test(error)) return 'not-serving';
  if (/ECONNREFUSED|ECONNRESET|refused|closed/i.test(error)) return 'down';
  return 'unknown';
}

/** The nodes of a role target (leader, follower, followers) in `status`, in the plan's order. */
export function pickByRole(plan: TargetPlan, status: readonly NodeStatus[]): number[] {
  const withMode = (mode: string) =>
    plan.order.filter((id) => status.find((s) => s.id === id)?.mode === mode);
  switch (plan.targets) {
    case 'leader':
      return withMode('leader').slice(0, 1);
    case 'follower':
      return withMode('follower').slice(0, 1);
    default:
      return withMode('follower');
  }
}

/** "node 2" / "nodes 1, 3", for progress lines and logs. */
export function describeNodes(nodes: readonly number[]): string {
  return nodes.length === 1 ? `node ${nodes[0]}` : `nodes ${[...nodes].sort((a, b) => a - b).join(', ')}`;
}

/** A targets setting for a family's registry entry. */
export function targetsSetting(family: string, fallback: TargetKind) {
  return {
    key: `${family}Targets`,
    flag: `--${family}-targets <which>`,
    kind: 'string' as const,
    help: `nodes each ${family} hits: ${TARGETS.join(', ')}`,
    default: fallback,
    choices: TARGETS,
  };
}
