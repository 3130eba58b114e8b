/**
 * Types of the pure generator library (after Jepsen's generators).
 *
 * A generator is an immutable value. `op(gen, ctx)` asks it for its next operation given the state of
 * the world (time, free threads, RNG) and returns the op with the generator that remains once that op
 * is performed, `'pending'` (nothing yet: wait for a completion or a later time) or `null`
 * (exhausted). `update(gen, ctx, event)` lets it react to invocations and completions.
 */
import type { Key, Process } from '../../checker/history/types.js';
import type { Rng } from './rng.js';

export type { Key, Process };

/** A stable worker slot: client threads 0..n-1, plus the nemesis thread. */
export type Thread = number | 'nemesis';

/**
 * What the scheduler does with an op: `invoke` goes to the client or nemesis; `sleep` holds a thread
 * for `value` seconds; `log` hands `value` to the driver's logger. Only `invoke` ops reach histories.
 */
export type OpKind = 'invoke' | 'sleep' | 'log';

/** An operation as written in a generator: the scheduler fills in `process`, `time` and `type`. */
export interface OpSpec {
  f: string;
  value?: unknown;
  key?: Key;
  type?: OpKind;
  [extra: string]: unknown;
}

/** An operation a generator emits: ready when `time` (ns) has come and the process's thread is free. */
export interface GenOp {
  type: OpKind;
  f: string;
  value?: unknown;
  key?: Key;
  process: Process;
  /** Nanoseconds on the run's clock; may lie in the future (the scheduler waits for it). */
  time: number;
  [extra: string]: unknown;
}

/** What happened, fed back to `update`: an invocation, or a completion (ok, fail, info). */
export interface GenEvent {
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  value?: unknown;
  key?: Key;
  error?: unknown;
  /** The process that performed the op (before any renumbering an `info` causes). */
  process: Process;
  thread: Thread;
  time: number;
  /** Set for the scheduler's own `sleep` and `log` ops, which are not client operations. */
  special?: 'sleep' | 'log';
}

/**
 * The world as a generator sees it. Composite generators hand their children narrowed copies
 * (fewer threads, a forked RNG); nothing in it is mutated.
 */
export interface Context {
  /** Current time, ns. */
  readonly time: number;
  /** Threads in this generator's scope: numbers ascending, then `'nemesis'`. */
  readonly threads: readonly Thread[];
  /**
   * Free threads in scope, longest-idle first (so picking the first one is fair). An array, not a
   * set: every op narrows it once per level of the generator tree, and a short array is the
   * cheapest thing to filter.
   */
  readonly free: readonly Thread[];
  /** Current process of every thread (all threads, not just those in scope). */
  readonly processes: ReadonlyMap<Thread, Process>;
  /** Number of client threads in the whole run: an `info` moves process p to p + threadCount. */
  readonly threadCount: number;
  /** Randomness for this call; the scheduler advances it after each op it performs. */
  readonly rng: Rng;
  /** The run's seed, for the record. */
  readonly seed: number;
}

export type OpResult = { op: GenOp; gen: Gen } | 'pending' | null;

/**
 * A generator written as code; build one with `generator()` or a subclass of `GeneratorBase`
 * (core.ts), never by hand.
 */
export interface Generator {
  readonly [GENERATOR]: true;
  /** A short description for error messages. */
  readonly name: string;
  op(ctx: Context): OpResult;
  update(ctx: Context, event: GenEvent): Gen;
}

/**
 * Called each time an op is wanted; its result is used until exhausted, then it is called again.
 * Returning null (or an already exhausted generator) ends it.
 */
export type GenFn = (ctx: Context) => Gen;

/** Anything that can act as a generator. null/undefined: exhausted. */
export type Gen = OpSpec | Generator | GenFn | readonly Gen[] | null | undefined;

export const GENERATOR: unique symbol = Symbol('zkcheck.generator');

/** A generator misused or misbehaving (a bug in a schedule, not in the system under test). */
export class GeneratorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeneratorError';
  }
}
