/**
 * Claims as data. A workload declares what its history must show as a list of `ClaimSpec`s: each
 * names a claim checker and its options, says whether ZooKeeper promises it, and is plain JSON,
 * so a run stores its declaration in test.json and `zkcheck analyze` evaluates exactly what the
 * run did without rebuilding the workload.
 */
import type { Operation } from '../history/types.js';
import type { ClaimResult } from '../consistency/types.js';

export type { ClaimResult } from '../consistency/types.js';

export interface ClaimSpec {
  /** Short id, unique in a declaration; also a file name (counterexamples/<name>.html). */
  readonly name: string;
  /** What a person reads on the claim's line. */
  readonly title: string;
  /** Whether ZooKeeper promises it: only a broken promise makes a run invalid. */
  readonly promised: boolean;
  /** The claim checker that decides it (a key of CLAIM_CHECKERS) ... */
  readonly checker: string;
  /** ... and that checker's options (JSON). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** What every claim checker is given besides the ops. */
export interface ClaimLimits {
  /** Absolute `performance.now()` time past which the checker answers "unknown" (timeout). */
  deadline?: number;
  maxMemoryBytes?: number;
}

/** A claim's outcome before the evaluator adds the spec's name, title and promise. */
export type ClaimOutcome = Omit<ClaimResult, 'claim' | 'title' | 'promised' | 'ms'>;

/**
 * A claim checker: a pure function of the completed operations (ok and unknown-outcome; failed
 * ops definitely did not happen and are not in them) and its options. Bad options throw a
 * ClaimSpecError; anything else it throws makes the claim "unknown", never a crash.
 */
export type ClaimChecker = (
  ops: Operation[],
  options: Readonly<Record<string, unknown>>,
  limits: ClaimLimits,
) => ClaimOutcome | Promise<ClaimOutcome>;

/** A declaration that cannot be evaluated (unknown checker, bad options): bad input, exit 254. */
export class ClaimSpecError extends Error {
  override name = 'ClaimSpecError';
}
