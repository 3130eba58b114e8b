/**
 * The one operation type used everywhere in zkcheck (history.jsonl is one of these per line).
 *
 * An operation is recorded twice: an `invoke` when a process starts it, then one completion:
 * `ok` (it happened, `value` is the result), `fail` (it definitely did not happen) or `info`
 * (unknown: it may or may not have happened, at any point after its invoke). A process whose op
 * ended `info` never invokes again. An invoke with no completion is treated like `info`.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A client process is a non-negative integer; fault injection is the `nemesis` process. */
export type Process = number | 'nemesis';

/** Independent keys: ops on different keys are checked separately. */
export type Key = string | number;

export interface Op {
  /** Position in the history, 0-based, dense. */
  index: number;
  /** Nanoseconds since the start of the test, from one monotonic clock; -1 when unknown. */
  time: number;
  process: Process;
  type: OpType;
  /** Operation name: read, write, cas, acquire, enqueue, ... */
  f: string;
  key?: Key;
  /**
   * Invoke: the argument; completion: the result (JSON-compatible; EDN nil is null). Integers
   * beyond ±(2^53 − 1) are bigints, the others numbers: readers keep every integer exact.
   */
  value: unknown;
  error?: unknown;
  /**
   * The `index` the input file gave this op, when it differs from its position (e.g. a filtered
   * Jepsen history). Writers emit it as the op's index again, so it survives a round trip.
   */
  sourceIndex?: number;
  /** Any other recorded field (node, zxid, ...) is kept as-is. */
  [extra: string]: unknown;
}

export type History = Op[];

/** Where an op came from, for error messages that name file and line. */
export interface SourceLocation {
  file: string;
  line: number;
}

/** A problem in the input: a reader or the well-formedness check throws this. */
export class HistoryError extends Error {
  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(location ? `${location.file}:${location.line}: ${message}` : message);
    this.name = 'HistoryError';
  }
}

/**
 * An invoke paired with its completion, the unit the checkers reason about. `fail` pairs are
 * dropped before checking (they did not happen); nemesis ops are never paired.
 */
export interface Operation {
  /** Dense id among the operations handed to a checker (0..n-1). */
  id: number;
  process: number;
  f: string;
  key?: Key;
  /** The invoke's value. */
  input: unknown;
  /** The completion's value; undefined when the outcome is unknown. */
  output: unknown;
  /** `ok`: completed; `info`: unknown outcome (also an invoke that never completed). */
  status: 'ok' | 'info';
  /** Real-time order: position (history index) of the invoke. */
  call: number;
  /** Position of the completion; Infinity when the outcome is unknown. */
  ret: number;
  /** A read preceded by sync() (its invoke carried `sync: true`): ZooKeeper's strongest read. */
  sync?: boolean;
  /** The `index` fields of the original invoke and completion ops, for reports. */
  invokeIndex: number;
  completeIndex?: number;
}
