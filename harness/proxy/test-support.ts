/**
 * Real sockets for the fault proxy's tests: a loopback server that echoes or just records, and a peer
 * wrapper that collects what arrived and how the connection ended.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Ending {
  /** Error code if the socket died with an error (ECONNRESET for an RST), else undefined. */
  readonly code: string | undefined;
  /** Time the close was seen, `performance.now()`. */
  readonly at: number;
}

export class Peer {
  data = Buffer.alloc(0);
  /** Set once the socket is fully closed. */
  ending: Ending | undefined;
  private readonly closed: Promise<Ending>;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: Socket) {
    let code: string | undefined;
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      code ??= error.code;
    });
    // Reply to a FIN with our own, like most servers and clients do.
    socket.on('end', () => socket.end());
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ending = { code, at: performance.now() };
        resolve(this.ending);
        this.wake();
      });
    });
  }

  get text(): string {
    return this.data.toString('utf8');
  }

  get open(): boolean {
    return this.ending === undefined;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once at least `bytes` bytes have arrived; rejects on timeout or close. */
  async waitForBytes(bytes: number, timeoutMs = 5_000): Promise<Buffer> {
    await this.waitFor(
      () => this.data.length >= bytes,
      timeoutMs,
      () => `${bytes} bytes (have ${this.data.length})`,
    );
    return this.data;
  }

  /** Resolves with how the connection ended; rejects if it is still open after the timeout. */
  async waitForClose(timeoutMs = 5_000): Promise<Ending> {
    await this.waitFor(
      () => this.ending !== undefined,
      timeoutMs,
      () => 'the connection to close',
    );
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private waitFor(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!done()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== onWake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const onWake = (): void => {
        if (check()) this.waiters = this.waiters.filter((waiter) => waiter !== onWake);
      };
      if (!check()) this.waiters.push(onWake);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export function connectPeer(port: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new Peer(socket));
    });
    socket.once('error', reject);
  });
}

/** A loopback server that echoes every byte back ('echo') or only records what it gets ('record'). */
export class TestServer {
  readonly peers: Peer[] = [];
  private arrivals: ((peer: Peer) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** On `port` when given (one freed a moment ago, say), else on a free one. */
  static async start(mode: 'echo' | 'record', port = 0): Promise<TestServer> {
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    const address = server.address();
    const testServer = new TestServer(server, typeof address === 'object' && address ? address.port : 0);
    server.on('connection', (socket) => {
      const peer = new Peer(socket);
      if (mode === 'echo') socket.on('data', (chunk: Buffer) => socket.write(chunk));
      testServer.peers.push(peer);
      const waiting = testServer.arrivals;
      testServer.arrivals = [];
      for (const arrive of waiting) arrive(peer);
    });
    return testServer;
  }

  /** The n-th connection the server accepted (0-based), waiting for it if needed. */
  peer(index: number, timeoutMs = 5_000): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no connection #${index} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const check = (): void => {
        const peer = this.peers[index];
        if (peer) {
          clearTimeout(timer);
          resolve(peer);
        } else this.arrivals.push(check);
      };
      check();
    });
  }

  async close(): Promise<void> {
    for (const peer of this.peers) peer.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends `message` and measures how long until it has come back in full (through an echo server). */
export async function roundTrip(peer: Peer, message: string, timeoutMs = 5_000): Promise<number> {
  const before = peer.data.length;
  const start = performance.now();
  peer.write(message);
  await peer.waitForBytes(before + Buffer.byteLength(message), timeoutMs);
  return performance.now() - start;
}
