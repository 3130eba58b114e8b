/**
 * Combinators that shape what ops a generator emits and in which order. Each returns a new
 * immutable generator; none keeps state outside its value.
 */
import { allFree, forChild } from './context.js';
import { describe, generator, GeneratorBase, op, sequence, update, Wrapper } from './core.js';
import { advance, fork, nextInt, rngFromSeed, type Rng } from './rng.js';
import {
  GeneratorError,
  type Context,
  type Gen,
  type GenEvent,
  type GenOp,
  type OpResult,
  type Process,
} from './types.js';

/** At most `n` ops from `gen`. */
export function limit(n: number, gen: Gen): Gen {
  if (!(n >= 0)) throw new GeneratorError(`limit needs a count >= 0, got ${n}`);
  if (n < 1 || gen == null) return null;
  return new Limit(n, gen);
}

class Limit extends Wrapper {
  constructor(
    private readonly n: number,
    child: Gen,
  ) {
    super(child);
  }

  get name(): string {
    return `limit(${this.n})`;
  }

  op(ctx: Context): OpResult {
    const res = op(this.child, ctx);
    if (res === null || res === 'pending') return res;
    return { op: res.op, gen: limit(this.n - 1, res.gen) };
  }

  protected rebuild(next: Gen): Gen {
    return limit(this.n, next);
  }
}

/** Exactly the first op of `gen` (a plain op is already one-shot; this is for longer generators). */
export function once(gen: Gen): Gen {
  return limit(1, gen);
}

/**
 * `gen`'s first op, again and again (`times` times, or forever): the generator is asked afresh each
 * time, so a function of the context yields a new value each time. Updates still reach `gen`.
 */
export function repeat(gen: Gen, times = Infinity): Gen {
  if (!(times >= 0)) throw new GeneratorError(`repeat needs a count >= 0, got ${times}`);
  if (times < 1 || gen == null) return null;
  return generator(
    'repeat',
    (ctx) => {
      const res = op(gen, ctx);
      if (res === null || res === 'pending') return res;
      return { op: res.op, gen: repeat(gen, times - 1) };
    },
    (ctx, event) => repeat(update(gen, ctx, event), times),
  );
}

/** All of `gen`, then all of it again from the start (`times` rounds, or forever). */
export function cycle(gen: Gen, times = Infinity): Gen {
  if (!(times >= 0)) throw new GeneratorError(`cycle needs a count >= 0, got ${times}`);
  return times < 1 || gen == null ? null : cycleFrom(gen, gen, times);
}

function cycleFrom(original: Gen, current: Gen, rounds: number): Gen {
  return generator(
    'cycle',
    (ctx) => {
      const res = op(current, ctx);
      if (res === 'pending') return res;
      if (res !== null) return { op: res.op, gen: cycleFrom(original, res.gen, rounds) };
      if (rounds <= 1) return null;
      // Start over; a generator that is empty from the start ends the cycle instead of spinning.
      const again = op(original, ctx);
      if (again === null || again === 'pending') return again;
      return { op: again.op, gen: cycleFrom(original, again.gen, rounds - 1) };
    },
    (ctx, event) => cycleFrom(original, update(current, ctx, event), rounds),
  );
}

/**
 * Each op from a randomly chosen generator among `gens` (uniformly, from the context's seeded RNG).
 * Exhausted ones drop out; pending when the chosen one is pending. Updates reach all of them.
 */
export function mix(gens: readonly Gen[]): Gen {
  const live = gens.filter((g) => g != null);
  if (live.length === 0) return null;
  return generator(
    'mix',
    (ctx) => {
      let pool = live;
      let rng = fork(ctx.rng, -1);
      while (pool.length > 0) {
        const [i, next] = nextInt(rng, pool.length);
        rng = next;
        const res = op(pool[i], forChild(ctx, i));
        if (res === 'pending') return res;
        if (res !== null) return { op: res.op, gen: mix(pool.map((g, j) => (j === i ? res.gen : g))) };
        pool = pool.filter((_, j) => j !== i);
      }
      return null;
    },
    (ctx, event) => mix(live.map((g) => update(g, ctx, event))),
  );
}

/**
 * Whichever of `gens` has the soonest op (ties: the first listed). Pending if none has an op but
 * one is pending; exhausted when all are. Updates reach all of them.
 */
export function any(...gens: Gen[]): Gen {
  const live = gens.filter((g) => g != null);
  if (live.length === 0) return null;
  if (live.length === 1) return live[0];
  return new Any(live);
}

class Any extends GeneratorBase {
  readonly name = 'any';

  constructor(private readonly live: readonly Gen[]) {
    super();
  }

  op(ctx: Context): OpResult {
    return soonest(
      ctx.time,
      this.live,
      (g, i) => op(g, forChild(ctx, i)),
      (next) => any(...next),
    );
  }

  override update(ctx: Context, event: GenEvent): Gen {
    // Most events change no child (every invoke, most completions): allocate only on a change.
    let next: Gen[] | undefined;
    for (let i = 0; i < this.live.length; i++) {
      const child = update(this.live[i], ctx, event);
      if (child !== this.live[i]) (next ??= this.live.slice())[i] = child;
    }
    return next ? any(...next) : this;
  }
}

/**
 * Asks the live children for an op and returns the soonest (ties: lowest index). An op already
 * due (its time not after the context's) counts as due now: nothing can be sooner, so the first
 * child with one wins and the children after it are not asked. `rebuild` gets the children with
 * the chosen one advanced and those found exhausted set to null.
 */
export function soonest(
  now: number,
  children: readonly Gen[],
  ask: (child: Gen, i: number) => OpResult,
  rebuild: (next: Gen[]) => Gen,
): OpResult {
  let best: { i: number; op: GenOp; gen: Gen } | undefined;
  let pending = false;
  const next = children.slice();
  for (let i = 0; i < children.length; i++) {
    if (children[i] == null) continue;
    const res = ask(children[i], i);
    if (res === 'pending') pending = true;
    else if (res === null) next[i] = null;
    else if (best === undefined || res.op.time < best.op.time) {
      best = { i, ...res };
      if (res.op.time <= now) break;
    }
  }
  if (!best) return pending ? 'pending' : null;
  next[best.i] = best.gen;
  return { op: best.op, gen: rebuild(next) };
}

/**
 * `gen`, but only once every thread in scope is free: nothing started before it is still running.
 * After its first op it is plain `gen`.
 */
export function synchronize(gen: Gen): Gen {
  if (gen == null) return null;
  return generator(
    'synchronize',
    (ctx) => (allFree(ctx) ? op(gen, ctx) : 'pending'),
    (ctx, event) => synchronize(update(gen, ctx, event)),
  );
}

/** Each generator in turn; each starts only after every op of the previous one has completed. */
export function phases(...gens: Gen[]): Gen {
  return sequence(...gens.map(synchronize));
}

/**
 * `first`, then, once all of its ops have completed, `next` (`sequence` does not wait). Not named
 * `then`: a module exporting `then` is a thenable, and `await import()` of it never settles.
 */
export function andThen(first: Gen, next: Gen): Gen {
  return sequence(first, synchronize(next));
}

/**
 * Ops from `gen` until one of them completes `ok`; then exhausted (ops still in flight finish).
 * Only completions of its own ops count, tracked by process.
 */
export function untilOk(gen: Gen): Gen {
  return untilOkWith(gen, new Set());
}

function untilOkWith(gen: Gen, inFlight: ReadonlySet<Process>): Gen {
  if (gen == null) return null;
  return generator(
    'untilOk',
    (ctx) => {
      const res = op(gen, ctx);
      if (res === null || res === 'pending') return res;
      return { op: res.op, gen: untilOkWith(res.gen, new Set(inFlight).add(res.op.process)) };
    },
    (ctx, event) => {
      const mine = event.type !== 'invoke' && inFlight.has(event.process);
      if (mine && event.type === 'ok') return null;
      const next = update(gen, ctx, event);
      if (!mine) return untilOkWith(next, inFlight);
      const still = new Set(inFlight);
      still.delete(event.process);
      return untilOkWith(next, still);
    },
  );
}

/** Drops ops for which `keep` is false (gives up with an error after 10 000 in a row). */
export function filter(keep: (op: GenOp) => boolean, gen: Gen): Gen {
  if (gen == null) return null;
  return generator(
    'filter',
    (ctx) => {
      let g: Gen = gen;
      for (let skipped = 0; skipped < 10_000; skipped++) {
        const res = op(g, ctx);
        if (res === null || res === 'pending') return res;
        if (keep(res.op)) return { op: res.op, gen: filter(keep, res.gen) };
        g = res.gen;
      }
      throw new GeneratorError(`filter rejected 10000 ops in a row from ${describe(gen)}`);
    },
    (ctx, event) => filter(keep, update(gen, ctx, event)),
  );
}

/** Rewrites each op (keep `process`, and `time` no earlier than given, or the scheduler rejects it). */
export function map(fn: (op: GenOp, ctx: Context) => GenOp, gen: Gen): Gen {
  if (gen == null) return null;
  return generator(
    'map',
    (ctx) => {
      const res = op(gen, ctx);
      if (res === null || res === 'pending') return res;
      return { op: fn(res.op, ctx), gen: map(fn, res.gen) };
    },
    (ctx, event) => map(fn, update(gen, ctx, event)),
  );
}

/** One op that hands `message` to the driver's logger (it takes a free thread for an instant). */
export function log(message: string): Gen {
  return { type: 'log', f: 'log', value: message };
}

/**
 * `gen` with a random stream of its own, from the run's seed and `label`, advanced only by the
 * ops `gen` emits. The context's stream advances with every op of every thread, so draws made
 * from it depend on how many client ops happened to start first; a nemesis on its own stream
 * draws the same families and targets, in the same order, whenever the seed is the same.
 */
export function ownRng(label: number, gen: Gen): Gen {
  if (gen == null) return null;
  return new OwnRng(label, gen, undefined);
}

class OwnRng extends GeneratorBase {
  readonly name = 'ownRng';

  constructor(
    private readonly label: number,
    private readonly inner: Gen,
    /** Undefined until the first op: then the stream starts from the seed. */
    private readonly rng: Rng | undefined,
  ) {
    super();
  }

  private streamOf(ctx: Context): Rng {
    return this.rng ?? fork(rngFromSeed(ctx.seed), this.label);
  }

  op(ctx: Context): OpResult {
    const rng = this.streamOf(ctx);
    const res = op(this.inner, { ...ctx, rng });
    if (res === null || res === 'pending') return res;
    return { op: res.op, gen: new OwnRng(this.label, res.gen, advance(rng)) };
  }

  override update(ctx: Context, event: GenEvent): Gen {
    const rng = this.streamOf(ctx);
    return new OwnRng(this.label, update(this.inner, { ...ctx, rng }, event), rng);
  }
}
