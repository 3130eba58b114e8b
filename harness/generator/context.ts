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
  for (const thread of ctx.free) return { thread, process: processOf(ctx, thread) };
  return undefined;
}

export function processOf(ctx: Context, thread: Thread): Process {
  const process = ctx.processes.get(thread);
  if (process === undefined) throw new Error(`no process for thread ${String(thread)}`);
  return process;
}

/** True when every thread in scope is free (nothing of this scope is in flight). */
export function allFree(ctx: Context): boolean {
  return ctx.free.size === ctx.threads.length;
}

/** The context restricted to the threads that satisfy `keep`. */
export function restrict(ctx: Context, keep: (thread: Thread) => boolean): Context {
  const threads = ctx.threads.filter(keep);
  const free = new Set<Thread>();
  for (const t of ctx.free) if (keep(t)) free.add(t);
  return { ...ctx, threads, free };
}

/** The context with a forked RNG stream for child `label`. */
export function forChild(ctx: Context, label: number): Context {
  return { ...ctx, rng: fork(ctx.rng, label) };
}
