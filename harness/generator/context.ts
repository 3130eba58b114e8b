/** Helpers to read and narrow a generator `Context`. Contexts are never mutated: narrowing copies. */
import { fork } from './rng.js';
import type { Context, Process, Thread } from './types.js';

/** Orders threads as contexts list them: client threads ascending, then the nemesis. */
export function compareThreads(a: Thread, b: Thread): number {
  if (a === b) return 0;
  if (a === 'nemesis') return 1;
  if (b === 'nemesis') return -1;
  return a - b;
}

/** A stable numeric label for a thread, used to fork RNG streams per thread. */
export function threadLabel(thread: Thread): number {
  return thread === 'nemesis' ? -1 : thread;
}

/** The free thread that has been idle longest and its current process, or undefined if none is free. */
export function someFreeThread(ctx: Context): { thread: Thread; process: Process } | undefined {
  if (ctx.free.length === 0) return undefined;
  const thread = ctx.free[0];
  return { thread, process: processOf(ctx, thread) };
}

export function processOf(ctx: Context, thread: Thread): Process {
  const process = ctx.processes.get(thread);
  if (process === undefined) throw new Error(`no process for thread ${String(thread)}`);
  return process;
}

/** True when every thread in scope is free (nothing of this scope is in flight). */
export function allFree(ctx: Context): boolean {
  return ctx.free.length === ctx.threads.length;
}

const NONE: readonly Thread[] = Object.freeze([]);

/** A copy of `ctx` with other threads, free threads or RNG: built field by field, as V8 likes best. */
function narrowed(
  ctx: Context,
  threads: readonly Thread[],
  free: readonly Thread[],
  rng: Context['rng'],
): Context {
  return {
    time: ctx.time,
    threads,
    free,
    processes: ctx.processes,
    threadCount: ctx.threadCount,
    rng,
    seed: ctx.seed,
  };
}

type Keep = ((thread: Thread) => boolean) & { [SCOPE]?: { of: readonly Thread[]; kept: readonly Thread[] } };
const SCOPE = Symbol('zkcheck.scope');

/**
 * The threads of `threads` that `keep` keeps, remembered on `keep`: the scheduler's thread list
 * never changes and generators keep their `keep` function from op to op, so the narrowing that
 * every op does at every level of the tree costs a comparison instead of a filter.
 */
function threadsIn(threads: readonly Thread[], keep: Keep): readonly Thread[] {
  const cached = keep[SCOPE];
  if (cached?.of === threads) return cached.kept;
  const kept = Object.freeze(threads.filter(keep));
  keep[SCOPE] = { of: threads, kept };
  return kept;
}

/** The context restricted to the threads that satisfy `keep` (a pure function of the thread). */
export function restrict(ctx: Context, keep: (thread: Thread) => boolean): Context {
  const threads = threadsIn(ctx.threads, keep);
  let free = NONE;
  for (let i = 0; i < ctx.free.length; i++) {
    if (!keep(ctx.free[i])) continue;
    if (free === NONE) free = [];
    (free as Thread[]).push(ctx.free[i]);
  }
  return narrowed(ctx, threads, free, ctx.rng);
}

/** `ctx` narrowed to one thread (cheaper than `restrict` when called for every thread). */
export function onlyThread(ctx: Context, thread: Thread): Context {
  return narrowed(ctx, [thread], ctx.free.includes(thread) ? [thread] : NONE, ctx.rng);
}

/** The context with a forked RNG stream for child `label`. */
export function forChild(ctx: Context, label: number): Context {
  return narrowed(ctx, ctx.threads, ctx.free, fork(ctx.rng, label));
}
