/**
 * A typed view of node-zookeeper-client 1.1.3 *as patched* by
 * `patches/node-zookeeper-client+1.1.3.patch`: only what ZkSession uses. The published
 * @types package knows neither our additions (`sync`, the `reply` event) nor the connection
 * manager internals that a close which never hangs has to reach.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** Raw Stat record: the `long` fields are 8-byte big-endian Buffers. */
export interface RawStat {
  czxid: Buffer;
  mzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
  pzxid: Buffer;
}

/** The library's Exception: `code` is ZooKeeper's error code, `name` e.g. `BAD_VERSION`. */
export interface LibraryException extends Error {
  code: number;
  name: string;
  path?: string;
}

/** A reply header, emitted by the patched client (`reply` event) just before the callback. */
export interface ReplyHeader {
  xid: number;
  zxid: Buffer;
  err: number;
}

export type Callback<A extends unknown[]> = (error: LibraryException | Error | null, ...results: A) => void;

export interface RawMultiResult {
  type: number;
  path?: string;
  stat?: RawStat;
  err?: number;
}

export interface LibraryTransaction {
  create(path: string, data: Buffer | undefined, acls: unknown[], mode: number): LibraryTransaction;
  setData(path: string, data: Buffer, version: number): LibraryTransaction;
  check(path: string, version: number): LibraryTransaction;
  remove(path: string, version: number): LibraryTransaction;
  commit(callback: Callback<[RawMultiResult[] | undefined]>): void;
}

/** Connection manager states (lib/ConnectionManager.js STATES). */
export const ManagerState = {
  DISCONNECTED: 0,
  CONNECTING: 1,
  CONNECTED: 2,
  CLOSING: -1,
  CLOSED: -2,
  SESSION_EXPIRED: -3,
} as const;

/** Internals of lib/ConnectionManager.js that ZkSession's forced close touches. */
export interface ConnectionManager {
  state: number;
  socket?: Socket;
  connectTimeoutHandler?: ReturnType<typeof setTimeout> | null;
  setState(state: number): void;
  cleanupPendingQueue(errorCode: number): void;
  /** Added by our patch. */
  failQueuedPackets(errorCode: number): void;
  on(event: 'state', listener: (state: number) => void): this;
  removeListener(event: 'state', listener: (state: number) => void): this;
}

export interface LibraryClient {
  connectionManager: ConnectionManager;
  connect(): void;
  close(): void;
  getSessionId(): Buffer;
  getSessionTimeout(): number;
  create(path: string, data: Buffer | undefined, acls: unknown[], mode: number, cb: Callback<[string]>): void;
  getData(path: string, cb: Callback<[Buffer | undefined, RawStat]>): void;
  setData(path: string, data: Buffer, version: number, cb: Callback<[RawStat]>): void;
  exists(path: string, cb: Callback<[RawStat | null]>): void;
  remove(path: string, version: number, cb: Callback<[]>): void;
  getChildren(path: string, cb: Callback<[string[], RawStat]>): void;
  /** Added by our patch. */
  sync(path: string, cb: Callback<[string]>): void;
  transaction(): LibraryTransaction;
  on(event: 'reply', listener: (header: ReplyHeader) => void): this;
  on(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', listener: () => void): this;
  removeAllListeners(): this;
}

export interface LibraryModule {
  createClient(
    connectString: string,
    options: { sessionTimeout: number; spinDelay: number; retries: number },
  ): LibraryClient;
  ACL: { OPEN_ACL_UNSAFE: unknown[] };
  CreateMode: {
    PERSISTENT: number;
    EPHEMERAL: number;
    PERSISTENT_SEQUENTIAL: number;
    EPHEMERAL_SEQUENTIAL: number;
  };
  Exception: { CONNECTION_LOSS: number; create(code: number, path?: string): LibraryException };
}

const require = createRequire(import.meta.url);

export const zookeeper = require('node-zookeeper-client') as LibraryModule;

/** True when the installed library carries our patch (patch-package ran at install). */
export function isPatched(module: LibraryModule = zookeeper): boolean {
  const client = module.createClient('127.0.0.1:1', { sessionTimeout: 1000, spinDelay: 1000, retries: 0 });
  return (
    typeof client.sync === 'function' && typeof client.connectionManager.failQueuedPackets === 'function'
  );
}
