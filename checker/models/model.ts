import type { Operation } from '../history/types.js';

/**
 * A sequential specification, in the spirit of Porcupine's Model: pure functions over immutable
 * states. The checkers know histories and models, nothing about ZooKeeper.
 *
 * `step` is the hot path: it returns the next state when `op` is legal in `state`, else
 * `undefined`; `explain` is only called when building a report. An op whose outcome is unknown
 * (`op.status === 'info'`) must be stepped as "it took effect" (the search separately considers
 * that it never did). Nondeterministic models (e.g. an unknown dequeue from an unordered queue)
 * implement `stepAll` instead, returning every possible next state.
 */
export interface Model<S = unknown> {
  readonly name: string;
  init(): S;
  step(state: S, op: Operation): S | undefined;
  stepAll?(state: S, op: Operation): S[];
  /** Structural equality; default compares `hash`. */
  equal?(a: S, b: S): boolean;
  /** A string or number equal for equal states; default: JSON of the state. */
  hash?(state: S): string | number;
  /**
   * Split into independent sub-histories ("the history is linearizable iff every part is").
   * Default: by `op.key` when ops carry keys, else one part.
   */
  partition?(ops: Operation[]): Operation[][];
  /** Why `op` is illegal in `state`, in words, for counterexamples. */
  explain?(state: S, op: Operation): string;
  /** A human-readable rendering of a state. */
  describe?(state: S): string;
}

/** Options every model factory accepts. */
export interface ModelOptions {
  /** Initial value (registers) or initial map (multi-register); EDN nil is null. */
  init?: unknown;
}
