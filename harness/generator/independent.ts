/**
 * `perKey`: Jepsen's `independent` for zkcheck. Client threads are split into groups of
 * `threadsPerKey`; each group works on one key at a time, `opsPerKey` ops, then moves to its next
 * key. Group g of G takes keys g, g + G, g + 2G, ... so no two groups ever share a key. That bounds
 * each key's concurrency (each key's history stays checkable) while the run covers many keys.
 * Every recipe that works per key (registers, locks, queues) uses it; none copies the rotation.
 *
 *   perKey({ threadsPerKey: 5, opsPerKey: 300, threads: 10 }, (key) => keyOps(key))
 *
 * `keyGen(key)` is called when a group reaches the key; the ops it emits should carry that key.
 */
import { limit, any } from './combinators.js';
import { GeneratorBase, op, update } from './core.js';
import { onThreads } from './threads.js';
import type { Context, Gen, GenEvent, Generator, OpResult } from './types.js';

export interface PerKeyOptions {
  /** Client threads of the run (the groups split them). */
  threads: number;
  /** Threads that share a key at a time (clamped to `threads`). */
  threadsPerKey: number;
  /** Ops on a key before its group moves on. */
  opsPerKey: number;
}

/** Groups of threads, each with its own sequence of keys; the soonest op among groups goes first. */
export function perKey(options: PerKeyOptions, keyGen: (key: number) => Gen): Gen {
  const layout = keyLayout(options);
  const groupGens = Array.from({ length: layout.groups }, (_, group) =>
    onThreads(
      (thread) => typeof thread === 'number' && Math.floor(thread / layout.threadsPerKey) === group,
      new KeysOfGroup({ ...layout, group, opsPerKey: options.opsPerKey, keyGen }, 0, undefined),
      `key group ${group}`,
    ),
  );
  return any(...groupGens);
}

export interface KeyLayout {
  groups: number;
  threadsPerKey: number;
  /** The key a group works on after `key` (what a workload may prepare ahead of time). */
  nextKey(key: number): number;
}

/** How `perKey` lays keys out for these options (the same groups and key sequence). */
export function keyLayout(options: PerKeyOptions): KeyLayout {
  const threadsPerKey = Math.max(1, Math.min(options.threadsPerKey, options.threads));
  const groups = Math.ceil(options.threads / threadsPerKey);
  return { groups, threadsPerKey, nextKey: (key) => key + groups };
}

interface GroupPlan {
  group: number;
  groups: number;
  opsPerKey: number;
  keyGen: (key: number) => Gen;
}

class KeysOfGroup extends GeneratorBase {
  constructor(
    private readonly plan: GroupPlan,
    private readonly index: number,
    /** Undefined: this key has not started; a finished key's generator returns null (move on). */
    private readonly current: Gen | undefined,
  ) {
    super();
  }

  get name(): string {
    return `keys of group ${this.plan.group}`;
  }

  op(ctx: Context): OpResult {
    const { plan, index, current } = this;
    const gen =
      current === undefined ? limit(plan.opsPerKey, plan.keyGen(plan.group + index * plan.groups)) : current;
    const res = op(gen, ctx);
    if (res === null) return new KeysOfGroup(plan, index + 1, undefined).op(ctx);
    if (res === 'pending') return res;
    return { op: res.op, gen: new KeysOfGroup(plan, index, res.gen) };
  }

  override update(ctx: Context, event: GenEvent): Gen {
    if (this.current === undefined) return this;
    const next = update(this.current, ctx, event);
    return next === this.current ? this : (new KeysOfGroup(this.plan, this.index, next) as Generator);
  }
}
