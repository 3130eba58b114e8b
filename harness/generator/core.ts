/**
 * The two generator operations, `op` and `update`, over every kind of generator value:
 *
 * - `null`/`undefined`: exhausted.
 * - a plain object `{ f, value?, key?, ... }`: one op, on the longest-idle free thread, at the
 *   current time; `'pending'` while no thread in scope is free.
 * - an array: its elements one after another (no waiting between them; see `phases` for that).
 *   Updates go to the element in progress.
 * - a function of the context: called for a generator, which is used until exhausted; then the
 *   function is called again. It ends when it returns null or an exhausted generator.
 * - a `Generator` built with `generator()`: its own `op`/`update`.
 */
import { someFreeThread } from './context.js';
import {
  GENERATOR,
  GeneratorError,
  type Context,
  type Gen,
  type GenEvent,
  type GenFn,
  type GenOp,
  type Generator,
  type OpResult,
  type OpSpec,
} from './types.js';

/**
 * Base of generators written as classes: the brand, and an update that ignores events. The
 * combinators on every op's path (sequence, limit, timeLimit, any, onThreads, the workloads'
 * own) are classes: the scheduler makes several generators per op, and one object of a known
 * shape is far cheaper than a frozen literal holding closures. Immutable by contract: fields are
 * readonly, and nothing assigns to a generator after it is made.
 */
export abstract class GeneratorBase implements Generator {
  declare readonly [GENERATOR]: true;
  abstract readonly name: string;
  abstract op(ctx: Context): OpResult;

  update(_ctx: Context, _event: GenEvent): Gen {
    return this;
  }
}
Object.defineProperty(GeneratorBase.prototype, GENERATOR, { value: true });

/**
 * A generator wrapping one child, whose update keeps the wrapper itself when the child comes back
 * unchanged: most events (every invoke, completions of other keys' ops) concern nothing below, and
 * then updating a deep tree allocates nothing. `rebuild` makes the wrapper around a changed child.
 */
export abstract class Wrapper extends GeneratorBase {
  constructor(protected readonly child: Gen) {
    super();
  }

  protected abstract rebuild(next: Gen): Gen;

  override update(ctx: Context, event: GenEvent): Gen {
    const next = update(this.child, ctx, event);
    return next === this.child ? this : this.rebuild(next);
  }
}

/** A generator made of two functions (see `generator`). */
class CodeGenerator extends GeneratorBase {
  constructor(
    readonly name: string,
    readonly op: (ctx: Context) => OpResult,
    updateFn: ((ctx: Context, event: GenEvent) => Gen) | undefined,
  ) {
    super();
    if (updateFn) this.update = updateFn;
  }
}

/** Builds a generator from its two functions (update defaults to ignoring events). */
export function generator(
  name: string,
  opFn: (ctx: Context) => OpResult,
  updateFn?: (ctx: Context, event: GenEvent) => Gen,
): Generator {
  return new CodeGenerator(name, opFn, updateFn);
}

export function isGenerator(x: unknown): x is Generator {
  return typeof x === 'object' && x !== null && (x as Partial<Generator>)[GENERATOR] === true;
}

/** Asks `gen` for its next op in `ctx`. */
export function op(gen: Gen, ctx: Context): OpResult {
  if (gen === null || gen === undefined) return null;
  if (isGenerator(gen)) return gen.op(ctx);
  if (typeof gen === 'function') return fnOp(gen, ctx);
  if (Array.isArray(gen)) return seqAt(gen, 0, gen[0]).op(ctx);
  return fillIn(gen as OpSpec, ctx);
}

/** Tells `gen` that `event` happened; returns the generator that remains. */
export function update(gen: Gen, ctx: Context, event: GenEvent): Gen {
  if (gen === null || gen === undefined) return null;
  if (isGenerator(gen)) return gen.update(ctx, event);
  if (Array.isArray(gen)) {
    if (gen.length === 0) return null;
    const head = update(gen[0], ctx, event);
    return head === gen[0] ? gen : rest(gen, 0, head);
  }
  return gen; // plain ops and functions ignore events
}

/** Turns an op spec into an op on the longest-idle free thread, now. */
function fillIn(spec: OpSpec, ctx: Context): OpResult {
  if (typeof spec !== 'object' || typeof spec.f !== 'string') {
    throw new GeneratorError(`not a generator: ${describe(spec)} (an op needs a string "f")`);
  }
  const free = someFreeThread(ctx);
  if (!free) return 'pending';
  const op: GenOp = {
    ...spec,
    type: spec.type ?? 'invoke',
    f: spec.f,
    process: free.process,
    time: ctx.time,
  };
  return { op, gen: null };
}

function fnOp(fn: GenFn, ctx: Context): OpResult {
  const inner = fn(ctx);
  const res = op(inner, ctx);
  if (res === null || res === 'pending') return res;
  return { op: res.op, gen: res.gen == null ? fn : seqAt([res.gen, fn], 0, res.gen) };
}

/**
 * The array `items` from position `index`, whose element there has advanced to `head`. Arrays are
 * never copied, so a long list of ops costs O(1) per op.
 */
class Sequence extends Wrapper {
  readonly name = 'sequence';

  constructor(
    private readonly items: readonly Gen[],
    private readonly index: number,
    head: Gen,
  ) {
    super(head);
  }

  op(ctx: Context): OpResult {
    let i = this.index;
    let g = this.child;
    while (i < this.items.length) {
      const res = op(g, ctx);
      if (res === 'pending') return 'pending';
      if (res !== null) return { op: res.op, gen: rest(this.items, i, res.gen) };
      i += 1;
      g = this.items[i];
    }
    return null;
  }

  protected rebuild(next: Gen): Gen {
    return rest(this.items, this.index, next);
  }
}

function seqAt(items: readonly Gen[], index: number, head: Gen): Generator {
  return new Sequence(items, index, head);
}

/** What remains of `items` when the element at `index` has become `head`. */
function rest(items: readonly Gen[], index: number, head: Gen): Gen {
  const last = index + 1 >= items.length;
  if (head == null) return last ? null : seqAt(items, index + 1, items[index + 1]);
  return last ? head : seqAt(items, index, head);
}

/** Plays `gens` one after another, without waiting between them (an array does the same). */
export function sequence(...gens: Gen[]): Gen {
  return gens.length === 0 ? null : seqAt(gens, 0, gens[0]);
}

export function describe(x: unknown): string {
  if (isGenerator(x)) return `<${x.name}>`;
  if (typeof x === 'function') return '<function>';
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}
