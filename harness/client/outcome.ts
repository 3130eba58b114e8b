/**
 * How a ZooKeeper call that did not succeed is recorded: the one place these rules live.
 *
 * | the call was a … | and it ended with …                                        | outcome |
 * |------------------|------------------------------------------------------------|---------|
 * | read (getData, exists, getChildren, sync) | any error, the deadline included  | `fail`  |
 * | write (create, setData, delete, multi)    | a DEFINITE error, listed below    | `fail`  |
 * | write            | anything else: CONNECTION_LOSS, DEADLINE, SESSION_EXPIRED, OPERATION_TIMEOUT, SESSION_MOVED, REQUEST_TIMEOUT, SESSION_CLOSED, SYSTEM_ERROR, an unknown code, a non-ZooKeeper exception | `info` |
 *
 * Why: a read changes nothing, so a read that returned no value is simply not in the history's
 * state (`fail`). A write is `fail` only when the server answered that it refused it — the
 * request was checked and rejected before anything was applied — or when it never left this
 * process. Every other ending leaves the write possibly applied, now or later (`info`):
 * CONNECTION_LOSS after the bytes left, a reply lost in a black hole (DEADLINE), SESSION_EXPIRED
 * for a request that may have reached the server before the session died.
 *
 * A request that the patched library fails because it was still *queued* (never written to a
 * socket) when the session expired also comes back as SESSION_EXPIRED or CONNECTION_LOSS; we
 * cannot tell it apart, so it is `info` too. That is conservative: `info` allows "did not happen".
 *
 * A session that saw an error of the `info` kind is no longer usable (see `ZkSession.usable`): its
 * logical process must take a new id and a fresh session, as in Jepsen.
 */

export type OpKind = 'read' | 'write';
export type FailureOutcome = 'fail' | 'info';

/** Errors raised by our wrapper, not by ZooKeeper. */
export const LocalError = {
  /** No reply within the operation's deadline; the request may still be applied. */
  DEADLINE: 'DEADLINE',
  /** The session was closed while the request was in flight. */
  SESSION_CLOSED: 'SESSION_CLOSED',
  /** Refused before sending: the session was already closed, expired or broken. */
  NOT_SENT: 'NOT_SENT',
  /** The library rejected the arguments before queueing the request (e.g. an invalid path). */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** The session could not be established within the connect deadline. */
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
} as const;

/**
 * Error names (the library's, plus ours) after which a write certainly did not happen. Every
 * other name — including any we do not know — is indeterminate.
 */
export const DEFINITE_WRITE_FAILURES: ReadonlySet<string> = new Set([
  'BAD_VERSION', // -103: version check failed, nothing applied
  'NO_NODE', // -101
  'NODE_EXISTS', // -110
  'NOT_EMPTY', // -111
  'BAD_ARGUMENTS', // -8
  'NO_AUTH', // -102: ACL check precedes any change
  'INVALID_ACL', // -114
  'NO_CHILDREN_FOR_EPHEMERALS', // -108
  'EPHEMERAL_ON_LOCAL_SESSION', // -120
  'NOT_READ_ONLY', // -119: a read-only server refuses writes
  'QUOTA_EXCEEDED', // -125: hard quota refuses the write
  'THROTTLED_OP', // -127: the server dropped the request unprocessed
  'UNIMPLEMENTED', // -6: unknown opcode, refused
  'NEW_CONFIG_NO_QUORUM', // -13: reconfig only
  'RECONFIG_IN_PROGRESS', // -14: reconfig only
  'RECONFIG_DISABLED', // -123: reconfig only
  LocalError.NOT_SENT,
  LocalError.INVALID_REQUEST,
]);

/**
 * An error from a ZooKeeper call. `name` is ZooKeeper's error name as the library spells it
 * (`BAD_VERSION`, `CONNECTION_LOSS`, `SESSION_MOVED`, `UNKNOWN` for a code it does not know) or
 * one of ours (`LocalError`); `code` is ZooKeeper's numeric code when the error has one.
 */
export class ZkError extends Error {
  override readonly name: string;

  constructor(
    name: string,
    message: string,
    readonly code?: number,
    readonly path?: string,
  ) {
    // No stack trace: the message names the call and path, and capturing one for every failed
    // cas costs the servers CPU on a 2-core machine.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = name;
  }

  /** What the history records as the op's `error`. */
  toJSON(): { name: string; code?: number; message: string } {
    return this.code === undefined
      ? { name: this.name, message: this.message }
      : { name: this.name, code: this.code, message: this.message };
  }
}

/** The outcome of a call that did not succeed; see the table at the top of this file. */
export function classify(error: unknown, kind: OpKind): FailureOutcome {
  if (kind === 'read') return 'fail';
  return error instanceof ZkError && DEFINITE_WRITE_FAILURES.has(error.name) ? 'fail' : 'info';
}

/** True when, after this error, nobody knows what the session did: it must not be reused. */
export function breaksSession(error: unknown): boolean {
  return classify(error, 'write') === 'info';
}

export type Completion<T> =
  | { type: 'ok'; value: T }
  | { type: 'fail' | 'info'; error: { name: string; code?: number; message: string } };

/** Awaits a call and turns it into a history completion by the rules above. */
export function complete<T>(kind: OpKind, call: Promise<T>): Promise<Completion<T>> {
  return call.then(
    (value): Completion<T> => ({ type: 'ok', value }),
    (error: unknown): Completion<T> => ({ type: classify(error, kind), error: errorForHistory(error) }),
  );
}

export function errorForHistory(error: unknown): { name: string; code?: number; message: string } {
  if (error instanceof ZkError) return error.toJSON();
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
