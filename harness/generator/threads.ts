/**
 * Combinators that decide which threads run a generator's ops: clients vs the nemesis, reserved
 * groups of threads, and one copy of a generator per thread.
 */
import { any, soonest } from './combinators.js';
import { forChild, onlyThread, restrict, threadLabel } from './context.js';
import { describe, generator, GeneratorBase, op, update } from './core.js';
import {
  GeneratorError,
  type Context,
  type Gen,
  type GenEvent,
  type Generator,
  type OpResult,
  type Thread,
} from './types.js';

/** `gen` runs only on threads for which `keep` holds, and sees only their events. */
export function onThreads(keep: (thread: Thread) => boolean, gen: Gen, name = 'onThreads'): Gen {
  return gen == null ? null : new OnThreads(keep, gen, name);
}

class OnThreads extends GeneratorBase {
  constructor(
    private readonly keep: (thread: Thread) => boolean,
    private readonly gen: Gen,
    readonly name: string,
  ) {
    super();
  }

  op(ctx: Context): OpResult {
    const scope = restrict(ctx, this.keep);
    if (scope.threads.length === 0)
      throw new GeneratorError(`${this.name}(${describe(this.gen)}): no thread in scope can run it`);
    const res = op(this.gen, scope);
    if (res === null || res === 'pending') return res;
    return { op: res.op, gen: onThreads(this.keep, res.gen, this.name) };
  }

  override update(ctx: Context, event: GenEvent): Gen {
    if (!this.keep(event.thread)) return this;
    const next = update(this.gen, restrict(ctx, this.keep), event);
    return next === this.gen ? this : onThreads(this.keep, next, this.name);
  }
}

const isClient = (t: Thread): boolean => t !== 'nemesis';
const isNemesis = (t: Thread): boolean => t === 'nemesis';

/** `gen` on the client threads only; with `nemesisGen`, that runs beside it on the nemesis thread. */
export function clients(gen: Gen, nemesisGen?: Gen): Gen {
  const c = onThreads(isClient, gen, 'clients');
  return nemesisGen === undefined ? c : any(c, nemesis(nemesisGen));
}

/** `gen` on the nemesis thread only; with `clientGen`, that runs beside it on the client threads. */
export function nemesis(gen: Gen, clientGen?: Gen): Gen {
  const n = onThreads(isNemesis, gen, 'nemesis');
  return clientGen === undefined ? n : any(n, clients(clientGen));
}

/**
 * `reserve(n1, gen1, n2, gen2, ..., rest)`: the first n1 threads in scope run only gen1, the next n2
 * only gen2, and the remaining threads run `rest` (wrap it in `clients` to keep the nemesis out).
 * Each op comes from whichever group has the soonest one.
 */
export function reserve(...args: (number | Gen)[]): Gen {
  if (args.length % 2 === 0) {
    throw new GeneratorError('reserve takes count, generator pairs and then one generator for the rest');
  }
  const counts: number[] = [];
  const gens: Gen[] = [];
  for (let i = 0; i + 1 < args.length; i += 2) {
    const n = args[i];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new GeneratorError(`reserve: argument ${i + 1} must be a thread count >= 1, got ${describe(n)}`);
    }
    counts.push(n);
    gens.push(args[i + 1] as Gen);
  }
  gens.push(args[args.length - 1] as Gen);
  return reserved(counts, gens);
}

function reserved(counts: readonly number[], gens: readonly Gen[]): Gen {
  if (gens.every((g) => g == null)) return null;
  const self: Generator = generator(
    'reserve',
    (ctx) => {
      const scopes = reservedScopes(ctx, counts);
      return soonest(
        ctx.time,
        gens,
        (g, i) => op(g, forChild(scopes[i], i)),
        (next) => reserved(counts, next),
      );
    },
    (ctx, event) => {
      const scopes = reservedScopes(ctx, counts);
      const i = scopes.findIndex((s) => s.threads.includes(event.thread));
      return i < 0 ? self : reserved(counts, gens.with(i, update(gens[i], scopes[i], event)));
    },
  );
  return self;
}

/** The narrowed context of each reserved group, then of the rest. */
function reservedScopes(ctx: Context, counts: readonly number[]): Context[] {
  return groupMembership(ctx.threads, counts).map((keep) => restrict(ctx, keep));
}

/** Per `counts` (the same array for the life of a reserve), the groups' predicates for a thread list. */
const memberships = new WeakMap<
  readonly number[],
  { of: readonly Thread[]; keeps: Array<(t: Thread) => boolean> }
>();

function groupMembership(
  threads: readonly Thread[],
  counts: readonly number[],
): Array<(t: Thread) => boolean> {
  const cached = memberships.get(counts);
  if (cached?.of === threads) return cached.keeps;
  const total = counts.reduce((a, b) => a + b, 0);
  if (threads.length <= total) {
    throw new GeneratorError(
      `reserve(${counts.join(', ')}) needs more than ${total} threads (the rest run the last generator), ` +
        `but has ${threads.length}`,
    );
  }
  const keeps: Array<(t: Thread) => boolean> = [];
  let start = 0;
  for (const n of counts) {
    const group = new Set(threads.slice(start, start + n));
    keeps.push((t) => group.has(t));
    start += n;
  }
  const others = new Set(threads.slice(start));
  keeps.push((t) => others.has(t));
  memberships.set(counts, { of: threads, keeps });
  return keeps;
}

/**
 * A separate copy of `gen` for every thread in scope, each running only on its own thread (e.g.
 * "each thread does one final read"). Exhausted when every copy is.
 */
export function eachThread(gen: Gen): Gen {
  return gen == null ? null : perThread(gen, new Map());
}

function perThread(original: Gen, states: ReadonlyMap<Thread, Gen>): Gen {
  const copyOf = (t: Thread): Gen => (states.has(t) ? states.get(t) : original);
  const self: Generator = generator(
    'eachThread',
    (ctx) =>
      soonest(
        ctx.time,
        ctx.threads.map(copyOf),
        (g, i) => op(g, forChild(onlyThread(ctx, ctx.threads[i]), threadLabel(ctx.threads[i]))),
        (next) => perThread(original, new Map(ctx.threads.map((t, i) => [t, next[i]]))),
      ),
    (ctx, event) => {
      if (!ctx.threads.includes(event.thread)) return self;
      const next = update(copyOf(event.thread), onlyThread(ctx, event.thread), event);
      return perThread(original, new Map(states).set(event.thread, next));
    },
  );
  return self;
}
