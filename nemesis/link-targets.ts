/**
 * The nodes a target kind picks from a planned order and the status at hand, for link faults
 * that resolve their targets synchronously (a following fault re-resolves on a timer), by
 * targets.ts's rules.
 */
import type { NodeStatus } from '../harness/cluster/types.js';
import { fixedTargets, pickByRole, targetsSetting, type TargetKind } from './targets.js';

export function pickTargets(
  kind: TargetKind,
  order: readonly number[],
  status: readonly NodeStatus[],
): number[] {
  const plan = { targets: kind, order: [...order] };
  const picked = fixedTargets(plan) ?? pickByRole(plan, status);
  if (picked.length === 0) {
    throw new Error(`no ${kind} right now (${status.map((s) => `${s.id}:${s.mode ?? s.error}`).join(', ')})`);
  }
  return picked.sort((a, b) => a - b);
}

/**
 * targets.ts's targets setting with a camelCase key for hyphenated names: the CLI reads
 * `--client-cut-targets` as `clientCutTargets`.
 */
export function targetsSettingOf(family: string, fallback: TargetKind) {
  return { ...targetsSetting(family, fallback), key: `${camel(family)}Targets` };
}

export function camel(name: string): string {
  return name.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
}
