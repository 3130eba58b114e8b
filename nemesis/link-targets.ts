/**
 * The nodes a target kind picks from a planned order and the status at hand, for link faults
 * that resolve their targets synchronously (a following fault re-resolves on a timer). The same
 * rules as targets.ts, whose own `pick` is private.
 */
import type { NodeStatus } from '../harness/cluster/types.js';
import { targetsSetting, type TargetKind } from './targets.js';

export function pickTargets(
  kind: TargetKind,
  order: readonly number[],
  status: readonly NodeStatus[],
): number[] {
  const n = order.length;
  const withMode = (mode: string) => order.filter((id) => status.find((s) => s.id === id)?.mode === mode);
  const picked = ((): number[] => {
    switch (kind) {
      case 'one':
        return order.slice(0, 1);
      case 'minority':
        return order.slice(0, Math.max(1, Math.floor((n - 1) / 2)));
      case 'majority':
        return order.slice(0, Math.floor(n / 2) + 1);
      case 'all':
        return [...order];
      case 'leader':
        return withMode('leader').slice(0, 1);
      case 'follower':
        return withMode('follower').slice(0, 1);
      case 'followers':
        return withMode('follower');
    }
  })();
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
