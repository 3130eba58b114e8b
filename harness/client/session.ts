/**
 * ZkSession: one ZooKeeper session on one server, as promises that always settle.
 *
 * - One server per session (`host:port[/chroot]`): the library shuffles a server list with
 *   Math.random, and each zkcheck client talks to one node through that node's proxy.
 * - `retries: 0`: the library's retry re-sends a write after CONNECTION_LOSS and can apply it twice.
 * - Every call has a deadline (`operationTimeoutMs`): the library never times out a request, and
 *   on a black-holed connection it waits forever while reporting itself connected.
 * - `connect()` has its own deadline, and `close()` never hangs: if the server does not answer
 *   the close within `closeTimeoutMs`, the socket is destroyed.
 * - After any error whose outcome is unknown (see outcome.ts), after a deadline, after session
 *   expiry and after close, `usable` is false and further calls are refused with NOT_SENT
 *   (a definite `fail`): the runner must give the logical process a new id and a new session.
 *
 * Each result carries `zxid`: the zxid in the header of the reply that completed the call (the
 * server's last committed zxid when it answered; for a write, the zxid of that write).
 */
import { LocalError, ZkError, breaksSession } from './outcome.js';
import {
  ManagerState,
  isPatched,
  zookeeper,
  type LibraryClient,
  type LibraryException,
  type RawMultiResult,
  type RawStat,
  type ReplyHeader,
} from './library.js';
import { longToHex, toStat, type ZkStat } from './stat.js';

export interface ZkSessionOptions {
  /** Session timeout asked of the server, which clamps it to [2, 20] × tickTime. Default 10 000. */
  sessionTimeoutMs?: number;
  /** Deadline for establishing the session. Default 10 000. */
  connectTimeoutMs?: number;
  /** Deadline for every call. Default 5 000. */
  operationTimeoutMs?: number;
  /** How long close() waits for the server's answer before destroying the socket. Default 1 000. */
  closeTimeoutMs?: number;
  /** Upper bound of the library's random delay before reconnecting. Default 200. */
  reconnectDelayMs?: number;
}

export const DEFAULT_SESSION_OPTIONS: Readonly<Required<ZkSessionOptions>> = Object.freeze({
  sessionTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  operationTimeoutMs: 5_000,
  closeTimeoutMs: 1_000,
  reconnectDelayMs: 200,
});

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

/** Data as given to writes: strings are encoded as UTF-8. */
export type ZkData = Buffer | string;

export interface ZkDataResult {
  /** Raw bytes; null when the znode holds no data (length -1). */
  data: Buffer | null;
  /** `data` decoded as UTF-8; null when there is no data. */
  value: string | null;
  version: number;
  stat: ZkStat;
  zxid: string | null;
}

export type MultiOp =
  | { op: 'create'; path: string; data?: ZkData; mode?: CreateMode }
  | { op: 'setData'; path: string; data: ZkData; version?: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'delete'; path: string; version?: number };

export type MultiResult =
  { op: 'create'; path: string } | { op: 'setData'; stat: ZkStat } | { op: 'check' } | { op: 'delete' };

interface InFlight {
  fail(error: ZkError): void;
}

const OPCODE = { CREATE: 1, DELETE: 2, SET_DATA: 5, CHECK: 13 } as const;

function toBuffer(data: ZkData | undefined): Buffer | undefined {
  if (data === undefined) return undefined;
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function createModeCode(mode: CreateMode): number {
  const modes = zookeeper.CreateMode;
  switch (mode) {
    case 'persistent':
      return modes.PERSISTENT;
    case 'ephemeral':
      return modes.EPHEMERAL;
    case 'persistent_sequential':
      return modes.PERSISTENT_SEQUENTIAL;
    case 'ephemeral_sequential':
      return modes.EPHEMERAL_SEQUENTIAL;
  }
}

/** "getData /k", for messages. */
function describeCall(op: string, path: string | undefined): string {
  return path === undefined ? op : `${op} ${path}`;
}

/** Turns whatever the library called back with into a ZkError. */
function fromLibrary(error: LibraryException | Error, call: string, path: string | undefined): ZkError {
  const code = (error as Partial<LibraryException>).code;
  if (typeof code === 'number')
    return new ZkError(error.name, `${call}: ${error.name} [${code}]`, code, path);
  return new ZkError('UNKNOWN', `${call}: ${error.message}`, undefined, path);
}

/** Accepts exactly one `host:port`, optionally followed by a chroot path. */
export function parseSingleServer(connectString: string): { host: string; port: number } {
  const match = /^([^,/:\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})(\/[^,\s]*)?$/.exec(connectString);
  if (!match) {
    throw new TypeError(
      `connect string must be one "host:port[/chroot]" (a session talks to exactly one server), got "${connectString}"`,
    );
  }
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new TypeError(`port out of range in connect string "${connectString}"`);
  return { host: match[1], port };
}

let patchChecked = false;

function assertPatched(): void {
  if (patchChecked) return;
  if (!isPatched()) {
    throw new Error(
      'node-zookeeper-client is not patched (no sync): run `npm install` so that patch-package applies patches/node-zookeeper-client+1.1.3.patch',
    );
  }
  patchChecked = true;
}

export class ZkSession {
  readonly options: Readonly<Required<ZkSessionOptions>>;
  private readonly client: LibraryClient;
  private readonly inFlight = new Set<InFlight>();
  private lastReply: ReplyHeader | undefined;
  private broken: string | undefined;
  private linkUp = false;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly connectString: string,
    options: ZkSessionOptions,
  ) {
    this.options = Object.freeze({ ...DEFAULT_SESSION_OPTIONS, ...options });
    this.client = zookeeper.createClient(connectString, {
      sessionTimeout: this.options.sessionTimeoutMs,
      spinDelay: this.options.reconnectDelayMs,
      retries: 0,
    });
    // The patched library emits each reply header synchronously before running its callback.
    this.client.on('reply', (header) => {
      this.lastReply = header;
    });
    this.client.on('expired', () => this.markBroken('session expired'));
    this.client.on('connected', () => {
      this.linkUp = true;
    });
    this.client.on('disconnected', () => {
      this.linkUp = false;
    });
  }

  /** Opens a session on one server; rejects with CONNECT_TIMEOUT (or SESSION_EXPIRED) and cleans up. */
  static async connect(connectString: string, options: ZkSessionOptions = {}): Promise<ZkSession> {
    parseSingleServer(connectString);
    assertPatched();
    const session = new ZkSession(connectString, options);
    try {
      await session.open();
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new ZkError(
            LocalError.CONNECT_TIMEOUT,
            `no ZooKeeper session with ${this.connectString} within ${this.options.connectTimeoutMs} ms`,
          ),
        );
      }, this.options.connectTimeoutMs);
      this.client.on('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.on('expired', () => {
        clearTimeout(timer);
        reject(new ZkError('SESSION_EXPIRED', `session with ${this.connectString} expired while connecting`));
      });
      this.client.on('authenticationFailed', () => {
        clearTimeout(timer);
        reject(new ZkError('AUTH_FAILED', `authentication with ${this.connectString} failed`));
      });
      this.client.connect();
    });
  }

  /** False once the session has seen an unknown outcome, a deadline, expiry or close. */
  get usable(): boolean {
    return this.broken === undefined;
  }

  /** Why the session is not usable, e.g. "getData /k: DEADLINE", "session expired", "closed". */
  get brokenReason(): string | undefined {
    return this.broken;
  }

  /**
   * Whether the library currently holds a live connection. A drop with no call in flight does
   * not retire the session: the library reconnects and calls made meanwhile wait in its queue.
   */
  get connected(): boolean {
    return this.linkUp && this.closing === undefined;
  }

  /** The session id as ZooKeeper prints it (`0x…`). */
  get sessionId(): string {
    return longToHex(this.client.getSessionId());
  }

  /** The session timeout the server granted. */
  get negotiatedTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  private markBroken(reason: string): void {
    this.broken ??= reason;
  }

  /**
   * Runs one library call with a deadline. `start` issues the call with a callback; `done` maps
   * the callback's results. The promise settles exactly once: with the reply, the deadline or
   * close(), whichever comes first.
   */
  private call<R extends unknown[], T>(
    op: string,
    path: string | undefined,
    start: (callback: (error: LibraryException | Error | null, ...results: R) => void) => void,
    done: (results: R, zxid: string | null) => T,
  ): Promise<T> {
    const call = describeCall(op, path);
    return new Promise<T>((resolve, reject) => {
      if (this.broken !== undefined) {
        reject(
          new ZkError(
            LocalError.NOT_SENT,
            `${call}: not sent, session unusable (${this.broken})`,
            undefined,
            path,
          ),
        );
        return;
      }
      let settled = false;
      const settle = (error: ZkError | undefined, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(entry);
        if (error === undefined) {
          resolve(value as T);
          return;
        }
        // Unknown outcome (a read's deadline included: its reply may never come): retire the session.
        if (breaksSession(error)) this.markBroken(`${call}: ${error.name}`);
        reject(error);
      };
      const entry: InFlight = { fail: (error) => settle(error) };
      const timer = setTimeout(() => {
        settle(
          new ZkError(
            LocalError.DEADLINE,
            `${call}: no reply within ${this.options.operationTimeoutMs} ms`,
            undefined,
            path,
          ),
        );
      }, this.options.operationTimeoutMs);
      this.inFlight.add(entry);
      try {
        start((error, ...results) => {
          const reply = this.lastReply;
          this.lastReply = undefined;
          if (error) {
            settle(fromLibrary(error, call, path));
            return;
          }
          let value: T;
          try {
            value = done(results, reply ? longToHex(reply.zxid) : null);
          } catch (mapError) {
            settle(new ZkError('UNKNOWN', `${call}: unreadable reply: ${String(mapError)}`, undefined, path));
            return;
          }
          settle(undefined, value);
        });
      } catch (thrown) {
        // The library validates arguments synchronously, before anything is queued.
        settle(
          new ZkError(LocalError.INVALID_REQUEST, `${call}: ${(thrown as Error).message}`, undefined, path),
        );
      }
    });
  }

  create(
    path: string,
    data?: ZkData,
    mode: CreateMode = 'persistent',
  ): Promise<{ path: string; zxid: string | null }> {
    return this.call<[string], { path: string; zxid: string | null }>(
      'create',
      path,
      (cb) =>
        this.client.create(path, toBuffer(data), zookeeper.ACL.OPEN_ACL_UNSAFE, createModeCode(mode), cb),
      ([created], zxid) => ({ path: created, zxid }),
    );
  }

  getData(path: string): Promise<ZkDataResult> {
    return this.call<[Buffer | undefined, RawStat], ZkDataResult>(
      'getData',
      path,
      (cb) => this.client.getData(path, cb),
      ([data, stat], zxid) => ({
        data: data ?? null,
        value: data === undefined ? null : data.toString('utf8'),
        version: stat.version,
        stat: toStat(stat),
        zxid,
      }),
    );
  }

  /** Sets data if the version matches; version -1 (the default) matches any. */
  setData(
    path: string,
    data: ZkData,
    version = -1,
  ): Promise<{ version: number; stat: ZkStat; zxid: string | null }> {
    return this.call<[RawStat], { version: number; stat: ZkStat; zxid: string | null }>(
      'setData',
      path,
      (cb) => this.client.setData(path, toBuffer(data) as Buffer, version, cb),
      ([stat], zxid) => ({ version: stat.version, stat: toStat(stat), zxid }),
    );
  }

  /** The znode's Stat, or null when it does not exist (NO_NODE is not an error here). */
  exists(path: string): Promise<{ stat: ZkStat | null; zxid: string | null }> {
    return this.call<[RawStat | null], { stat: ZkStat | null; zxid: string | null }>(
      'exists',
      path,
      (cb) => this.client.exists(path, cb),
      ([stat], zxid) => ({ stat: stat ? toStat(stat) : null, zxid }),
    );
  }

  /** Deletes if the version matches; version -1 (the default) matches any. */
  delete(path: string, version = -1): Promise<{ zxid: string | null }> {
    return this.call<[], { zxid: string | null }>(
      'delete',
      path,
      (cb) => this.client.remove(path, version, cb),
      (_results, zxid) => ({ zxid }),
    );
  }

  getChildren(path: string): Promise<{ children: string[]; stat: ZkStat; zxid: string | null }> {
    return this.call<[string[], RawStat], { children: string[]; stat: ZkStat; zxid: string | null }>(
      'getChildren',
      path,
      (cb) => this.client.getChildren(path, cb),
      ([children, stat], zxid) => ({ children: [...children].sort(), stat: toStat(stat), zxid }),
    );
  }

  /** Waits until the server has caught up with the leader as of this call. */
  sync(path = '/'): Promise<{ path: string; zxid: string | null }> {
    return this.call<[string], { path: string; zxid: string | null }>(
      'sync',
      path,
      (cb) => this.client.sync(path, cb),
      ([synced], zxid) => ({ path: synced, zxid }),
    );
  }

  /** Applies all ops atomically, or none: a refused op fails the whole multi with its error. */
  multi(ops: readonly MultiOp[]): Promise<{ results: MultiResult[]; zxid: string | null }> {
    return this.call<[RawMultiResult[] | undefined], { results: MultiResult[]; zxid: string | null }>(
      'multi',
      ops[0]?.path,
      (cb) => {
        const tx = this.client.transaction();
        for (const op of ops) {
          switch (op.op) {
            case 'create':
              tx.create(
                op.path,
                toBuffer(op.data),
                zookeeper.ACL.OPEN_ACL_UNSAFE,
                createModeCode(op.mode ?? 'persistent'),
              );
              break;
            case 'setData':
              tx.setData(op.path, toBuffer(op.data) as Buffer, op.version ?? -1);
              break;
            case 'check':
              tx.check(op.path, op.version);
              break;
            case 'delete':
              tx.remove(op.path, op.version ?? -1);
              break;
          }
        }
        tx.commit(cb);
      },
      ([raw], zxid) => ({ results: (raw ?? []).map(toMultiResult), zxid }),
    );
  }

  /**
   * Ends the session. Never hangs: waits up to closeTimeoutMs for the server to confirm, then
   * destroys the socket. Calls still in flight are rejected with SESSION_CLOSED. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    this.markBroken('closed');
    const manager = this.client.connectionManager;
    let onState: ((state: number) => void) | undefined;
    const closed = new Promise<void>((resolve) => {
      onState = (state) => {
        if (state === ManagerState.CLOSED) resolve();
      };
      manager.on('state', onState);
    });
    try {
      if (manager.state !== ManagerState.CLOSED) {
        this.client.close();
        if (!(await within(closed, this.options.closeTimeoutMs))) {
          this.destroy();
          await within(closed, this.options.closeTimeoutMs);
        }
      }
    } finally {
      if (onState) manager.removeListener('state', onState);
      if (manager.connectTimeoutHandler) clearTimeout(manager.connectTimeoutHandler);
      for (const entry of [...this.inFlight]) {
        entry.fail(new ZkError(LocalError.SESSION_CLOSED, 'session closed while the call was in flight'));
      }
      this.client.removeAllListeners();
    }
  }

  /** The server did not confirm the close (black hole, dead server): drop the connection. */
  private destroy(): void {
    const manager = this.client.connectionManager;
    if (manager.connectTimeoutHandler) clearTimeout(manager.connectTimeoutHandler);
    // CLOSING makes the library's close handler stop instead of reconnecting.
    if (manager.state !== ManagerState.CLOSED) manager.setState(ManagerState.CLOSING);
    const socket = manager.socket;
    if (socket && !socket.closed) {
      socket.destroy();
      return;
    }
    // No socket will report a close: finish the library's bookkeeping ourselves.
    manager.cleanupPendingQueue(zookeeper.Exception.CONNECTION_LOSS);
    manager.failQueuedPackets(zookeeper.Exception.CONNECTION_LOSS);
    manager.setState(ManagerState.CLOSED);
  }
}

function toMultiResult(raw: RawMultiResult): MultiResult {
  switch (raw.type) {
    case OPCODE.CREATE:
      return { op: 'create', path: raw.path ?? '' };
    case OPCODE.SET_DATA:
      return { op: 'setData', stat: toStat(raw.stat as RawStat) };
    case OPCODE.CHECK:
      return { op: 'check' };
    case OPCODE.DELETE:
      return { op: 'delete' };
    default:
      throw new Error(`unexpected multi result type ${raw.type}`);
  }
}

/** Resolves true if `promise` settles within `ms`, false otherwise; leaves no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
