/**
 * ZooKeeper's consistency claims, checked one by one. ZooKeeper promises linearizable writes,
 * per-session FIFO order and sequentially consistent reads; a plain read may be stale, and even
 * sync()+read is not strictly linearizable (ZOOKEEPER-1675). A violation of a claim ZooKeeper
 * does not make is reported as "allowed by ZooKeeper's documented guarantees", not as a bug.
 */
import type { Operation } from '../history/types.js';
import type { Counterexample, Validity } from '../linearizable/types.js';
import type { Conflict } from './versions.js';

export type ClaimName =
  /** Updates alone (writes, cas, creates, deletes) are linearizable. Promised. */
  | 'writes-linearizable'
  /** A legal total order respecting each session's order (no real time). Promised. */
  | 'sequential'
  /** Sequential + real-time order among updates (ordered sequential consistency). Promised. */
  | 'zookeeper'
  /** Updates and reads preceded by sync() are linearizable together. NOT promised (ZOOKEEPER-1675). */
  | 'sync-reads-linearizable'
  /** The whole history is linearizable. NOT promised: plain reads may be stale. */
  | 'linearizable';

export const CLAIM_TITLES: Readonly<Record<ClaimName, string>> = Object.freeze({
  'writes-linearizable': 'writes linearizable',
  sequential: 'reads sequentially consistent',
  zookeeper: "ZooKeeper's model (ordered sequential consistency)",
  'sync-reads-linearizable': 'sync+read linearizable',
  linearizable: 'whole history linearizable',
});

/** Claims ZooKeeper makes: a violation of one of these is a bug. */
export const PROMISED: ReadonlySet<ClaimName> = new Set(['writes-linearizable', 'sequential', 'zookeeper']);

/** Why one op must come before another in every legal order. */
export type EdgeKind =
  /** Same session (process), in issue order. */
  | 'process'
  /** Version order of one key's writes (version n before n+1). */
  | 'ww'
  /** A read after the write whose value and version it returned. */
  | 'wr'
  /** A read before the write that overwrote the version it returned. */
  | 'rw'
  /** The first completed before the second was invoked. */
  | 'realtime';

/** A cycle of ops each of which must precede the next: no legal order exists. */
export interface Cycle {
  steps: Array<{ op: Operation; edge: EdgeKind }>; // steps[i].edge leads from steps[i].op to steps[i+1].op (wrapping)
}

/** One claim's verdict, with what it rests on. Every claim checker returns one (checker/claims). */
export interface ClaimResult {
  /** The claim's name: a ClaimName for ZooKeeper's consistency claims, else the workload's. */
  claim: string;
  title: string;
  valid: Validity;
  /** For "unknown": timeout | memory | why the claim could not be checked. */
  cause?: string;
  /** Whether ZooKeeper promises this claim. */
  promised: boolean;
  /** Set on an invalid result for a claim ZooKeeper does not promise. */
  note?: string;
  /**
   * How it was checked: "graph" (versions known: cycle detection), "search" (general search), or
   * the name of another claim checker ("set-total", ...).
   */
  method: string;
  ms: number;
  /** Graph method: the cycle that makes it invalid. */
  cycle?: Cycle;
  /** Graph method: facts no order can reconcile (two updates reporting one version, ...). */
  conflict?: Conflict;
  /** Search method: where the search got stuck. */
  counterexample?: Counterexample;
  /** Why the graph method could not decide this claim, when the search had to. */
  fallback?: string;
  /** Checkers that explain themselves (counting checkers): the lines a person reads. */
  explanation?: string[];
  /** Checkers that explain themselves: the ops the verdict rests on (drawn on its page). */
  evidence?: Operation[];
}

/** A result of one of ZooKeeper's consistency claims (checkClaims). */
export type ConsistencyClaimResult = ClaimResult & { claim: ClaimName; method: 'graph' | 'search' };

export const ALLOWED_NOTE = "allowed by ZooKeeper's documented guarantees";
/** For an unpromised claim that broke while a promised one broke too: the violation is not benign. */
export const ALSO_BROKEN_NOTE = 'not promised by ZooKeeper, but a promised claim is broken too';
