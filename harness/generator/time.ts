/** Combinators about time. Durations are given in seconds (as in test configs); times are ns. */
import { forChild } from './context.js';
import { op, Wrapper } from './core.js';
import { fork, nextFloat } from './rng.js';
import { GeneratorError, type Context, type Gen, type OpResult } from './types.js';

export const NS_PER_SECOND = 1_000_000_000;

function toNs(seconds: number, what: string): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new GeneratorError(`${what} needs a finite number of seconds >= 0, got ${seconds}`);
  }
  return Math.round(seconds * NS_PER_SECOND);
}

/**
 * Ops from `gen` for `seconds`, counted from its first op; then exhausted. No op is emitted whose
 * time is at or past the deadline (ops already running finish normally), and no sleep lasts past
 * it: a nemesis's quiet spell longer than the run must not hold up the final phase.
 */
export function timeLimit(seconds: number, gen: Gen): Gen {
  return timeLimitFrom(toNs(seconds, 'timeLimit'), undefined, gen);
}

function timeLimitFrom(dt: number, deadline: number | undefined, gen: Gen): Gen {
  return gen == null ? null : new TimeLimit(dt, deadline, gen);
}

class TimeLimit extends Wrapper {
  readonly name = 'timeLimit';

  constructor(
    private readonly dt: number,
    /** Undefined until the first op: the limit counts from then. */
    private readonly deadline: number | undefined,
    child: Gen,
  ) {
    super(child);
  }

  op(ctx: Context): OpResult {
    const end = this.deadline ?? ctx.time + this.dt;
    if (ctx.time >= end) return null;
    const res = op(this.child, ctx);
    if (res === null || res === 'pending') return res;
    if (res.op.time >= end) return null;
    const clipped =
      res.op.type === 'sleep' && res.op.time + Number(res.op.value) * NS_PER_SECOND > end
        ? { ...res.op, value: (end - res.op.time) / NS_PER_SECOND }
        : res.op;
    return { op: clipped, gen: timeLimitFrom(this.dt, end, res.gen) };
  }

  protected rebuild(next: Gen): Gen {
    return timeLimitFrom(this.dt, this.deadline, next);
  }
}

/**
 * Spaces ops from `gen` by random gaps drawn uniformly from [0, 2·seconds), from the seeded RNG, so
 * they average one per `seconds` across all threads (a total rate, not per thread). The first op
 * is not delayed. When every thread is busy the schedule slips rather than bursting afterwards.
 */
export function stagger(seconds: number, gen: Gen): Gen {
  return spaced(toNs(seconds, 'stagger'), true, undefined, gen);
}

/** A total rate limit of about `opsPerSecond` with random spacing: `stagger(1 / opsPerSecond)`. */
export function rate(opsPerSecond: number, gen: Gen): Gen {
  if (!(opsPerSecond > 0) || !Number.isFinite(opsPerSecond)) {
    throw new GeneratorError(`rate needs ops per second > 0, got ${opsPerSecond}`);
  }
  return stagger(1 / opsPerSecond, gen);
}

/** Exactly `seconds` between consecutive ops from `gen` (the first is not delayed). */
export function delay(seconds: number, gen: Gen): Gen {
  return spaced(toNs(seconds, 'delay'), false, undefined, gen);
}

function spaced(dt: number, jitter: boolean, next: number | undefined, gen: Gen): Gen {
  return gen == null ? null : new Spaced(dt, jitter, next, gen);
}

class Spaced extends Wrapper {
  constructor(
    private readonly dt: number,
    private readonly jitter: boolean,
    /** The earliest time of the next op; undefined before the first. */
    private readonly next: number | undefined,
    child: Gen,
  ) {
    super(child);
  }

  get name(): string {
    return this.jitter ? 'stagger' : 'delay';
  }

  op(ctx: Context): OpResult {
    const res = op(this.child, forChild(ctx, 0));
    if (res === null || res === 'pending') return res;
    const time = this.next === undefined ? res.op.time : Math.max(res.op.time, this.next);
    const gap = this.jitter ? Math.floor(nextFloat(fork(ctx.rng, 1))[0] * 2 * this.dt) : this.dt;
    return { op: { ...res.op, time }, gen: spaced(this.dt, this.jitter, time + gap, res.gen) };
  }

  protected rebuild(changed: Gen): Gen {
    return spaced(this.dt, this.jitter, this.next, changed);
  }
}

/** One op that holds a free thread for `seconds` (in `phases`, everything waits for it). */
export function sleep(seconds: number): Gen {
  toNs(seconds, 'sleep');
  return { type: 'sleep', f: 'sleep', value: seconds };
}
