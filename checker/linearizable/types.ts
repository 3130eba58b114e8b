import type { Operation } from '../history/types.js';
import type { ModelOptions } from '../models/model.js';

/** A model by registry name, so that worker threads can rebuild it (and test.json can store it). */
export interface ModelSpec {
  name: string;
  options?: ModelOptions;
}

/** Three-valued verdicts that compose: false > "unknown" > true. */
export type Validity = true | false | 'unknown';

export function mergeValidity(a: Validity, b: Validity): Validity {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}

export interface Budget {
  /** Wall-clock limit for the whole check, in ms. Default: none. */
  timeLimitMs?: number;
  /** Cap on memoised configurations across the check (a proxy for memory). */
  maxConfigurations?: number;
}

/** One step of an attempted order, as a report renders it. */
export interface PathStep {
  op: Operation;
  /** Model state after the step (described), or absent when the step was illegal. */
  state?: string;
  /** Set on the illegal step: why the model rejects it. */
  inconsistency?: string;
}

/** Why a history (or one independent part of it) is not linearizable. */
export interface Counterexample {
  key?: string | number;
  /** The op that cannot be linearized at the point the search got stuck. */
  op: Operation;
  /** The last op linearized before it on the deepest path, if any. */
  previousOk?: Operation;
  /** Ops concurrent with `op` (their intervals overlap). */
  concurrent: Operation[];
  /** A bounded number of attempted orders ending in an illegal step (like Knossos's final-paths). */
  finalPaths: PathStep[][];
  /** The model state(s) reached just before getting stuck, described. */
  states: string[];
}

export interface CheckResult {
  valid: Validity;
  /** Set when valid is "unknown": "timeout" | "memory" | an error message. */
  cause?: string;
  /** Number of (paired, non-fail) operations checked. */
  operations: number;
  /** Number of independent parts checked. */
  partitions: number;
  ms: number;
  counterexample?: Counterexample;
}
