/**
 * Test helper: a scriptable fake ZooKeeper server on 127.0.0.1 that speaks just enough of the
 * wire protocol (length-prefixed jute frames) to drive the client into cases a real server rarely
 * produces on demand: an error code the library does not know, a reply that never comes, a
 * session that turns out expired on reconnect.
 *
 * Pings are answered automatically; every other request goes to `onRequest`, which may reply,
 * stay silent or drop the connection.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface FakeRequest {
  xid: number;
  type: number;
  /** The request body after the header. */
  body: Buffer;
}

export interface FakeConnection {
  readonly index: number;
  /** Answers the connect request; a timeout of 0 tells the client its session expired. */
  acceptSession(timeoutMs: number): void;
  reply(xid: number, err: number, body?: Buffer, zxid?: bigint): void;
  destroy(): void;
  readonly closed: boolean;
}

export interface FakeHandlers {
  /** Default: accept with the requested timeout. */
  onConnect?(connection: FakeConnection, requestedTimeoutMs: number): void;
  /** Default: never answer. Not called for pings, nor for closeSession unless `answerClose` is false. */
  onRequest?(connection: FakeConnection, request: FakeRequest): void;
  /** Answer closeSession and close the connection, as a real server does. Default true. */
  answerClose?: boolean;
}

export interface FakeZooKeeper {
  readonly port: number;
  readonly connectString: string;
  readonly connections: readonly FakeConnection[];
  /** Connections the client has not closed yet. */
  openConnections(): number;
  stop(): Promise<void>;
}

export const OP = { SYNC: 9, PING: 11, GET_DATA: 4, SET_DATA: 5, CREATE: 1, CLOSE_SESSION: -11 } as const;
const PING_XID = -2;

/** Encodes a jute ustring (int length + UTF-8 bytes). */
export function juteString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Encodes a Stat record: 11 fields, version = `version`, zxids = `zxid`. */
export function juteStat(version: number, zxid: bigint): Buffer {
  const stat = Buffer.alloc(8 * 6 + 4 * 5);
  let offset = 0;
  const long = (value: bigint): void => {
    stat.writeBigInt64BE(value, offset);
    offset += 8;
  };
  const int = (value: number): void => {
    stat.writeInt32BE(value, offset);
    offset += 4;
  };
  long(zxid); // czxid
  long(zxid); // mzxid
  long(0n); // ctime
  long(0n); // mtime
  int(version);
  int(0); // cversion
  int(0); // aversion
  long(0n); // ephemeralOwner
  int(0); // dataLength
  int(0); // numChildren
  long(zxid); // pzxid
  return stat;
}

function frame(payload: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(payload.length);
  return Buffer.concat([length, payload]);
}

/** `port` 0 (the default) picks a free port. */
export async function startFakeZooKeeper(handlers: FakeHandlers = {}, port = 0): Promise<FakeZooKeeper> {
  const connections: FakeConnection[] = [];
  const sockets = new Set<Socket>();
  let sessionId = 0x5a5a0000n;

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let closed = false;
    let connected = false;
    let pending = Buffer.alloc(0);
    sessionId += 1n;
    const mySession = sessionId;

    const connection: FakeConnection = {
      index: connections.length,
      acceptSession(timeoutMs) {
        const body = Buffer.alloc(4 + 4 + 8 + 4 + 16);
        body.writeInt32BE(0, 0); // protocol version
        body.writeInt32BE(timeoutMs, 4);
        body.writeBigInt64BE(mySession, 8);
        body.writeInt32BE(16, 16); // password length, password all zero
        if (!closed) socket.write(frame(body));
      },
      reply(xid, err, body = Buffer.alloc(0), zxid = 1n) {
        const header = Buffer.alloc(16);
        header.writeInt32BE(xid, 0);
        header.writeBigInt64BE(zxid, 4);
        header.writeInt32BE(err, 12);
        if (!closed) socket.write(frame(Buffer.concat([header, body])));
      },
      destroy() {
        socket.destroy();
      },
      get closed() {
        return closed;
      },
    };
    connections.push(connection);

    socket.on('close', () => {
      closed = true;
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const message = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        if (!connected) {
          connected = true;
          // ConnectRequest: protocolVersion int, lastZxidSeen long, timeOut int, ...
          const requested = message.readInt32BE(12);
          if (handlers.onConnect) handlers.onConnect(connection, requested);
          else connection.acceptSession(requested);
          continue;
        }
        const request: FakeRequest = {
          xid: message.readInt32BE(0),
          type: message.readInt32BE(4),
          body: message.subarray(8),
        };
        if (request.type === OP.PING) {
          connection.reply(PING_XID, 0);
        } else if (request.type === OP.CLOSE_SESSION && handlers.answerClose !== false) {
          connection.reply(request.xid, 0);
          socket.end();
        } else {
          handlers.onRequest?.(connection, request);
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  return {
    port: boundPort,
    connectString: `127.0.0.1:${boundPort}`,
    connections,
    openConnections: () => sockets.size,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
