/**
 * One proxied TCP connection: the client's socket, the socket we dialled upstream, and two links
 * (upstream = client→server, downstream = server→client), each a chain of toxic stages.
 *
 * Closing follows Toxiproxy: when a link's chain delivers end of stream, its destination gets FIN and the
 * other link stops reading and ends too (after draining what its toxics hold); then both sockets go.
 */
import { connect, type Socket } from 'node:net';
import type { Address, StreamDirection, Toxic } from './model.js';
import { createStage, type Sink, type Stage, type StageHooks, type StageState } from './stages.js';
import type { StreamRewriter } from './zk-election.js';

/** Flow control: stop reading the source while this many bytes sit inside the toxics. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const LOW_WATER_BYTES = 1024 * 1024;
/** How long a closing connection may take to flush its last bytes before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;
/**
 * The pause between dials of an upstream that refused (with `redialRefusedMs`): ZooKeeper's own
 * between a follower's attempts to connect to its leader (Learner's
 * leaderConnectDelayDuringRetryMs, 100 ms by default).
 */
const REDIAL_INTERVAL_MS = 100;

interface Slot {
  readonly name: string;
  stage: Stage;
  readonly state: StageState;
}

/** One direction of a connection: source socket → toxic stages → destination socket. */
export class Link {
  private readonly slots: Slot[] = [];
  private readonly sink: Sink;
  private readonly hooks: StageHooks;
  private inFlight = 0;
  private paused = false;
  private inputEnded = false;
  private outputEnded = false;

  constructor(
    readonly direction: StreamDirection,
    private readonly source: Socket,
    readonly dest: Socket,
    private readonly connection: Connection,
    toxics: readonly Toxic[],
    /** Applied to the source's bytes before any toxic (see zk-election.ts). */
    private readonly rewrite?: StreamRewriter,
  ) {
    this.sink = { push: (chunk) => this.deliver(chunk), end: () => this.endOutput() };
    this.hooks = {
      dropped: (bytes) => this.settle(bytes),
      reset: () => this.connection.reset(),
    };
    for (const toxic of toxics) this.addToxic(toxic);
  }

  start(): void {
    this.source.on('data', (chunk: Buffer) => this.read(chunk));
    this.source.on('end', () => this.endInput());
    this.dest.on('drain', () => this.applyFlowControl());
    this.source.resume();
  }

  get finished(): boolean {
    return this.outputEnded;
  }

  addToxic(toxic: Toxic): void {
    if (this.outputEnded) return;
    const state: StageState = { bytesPassed: 0 };
    const stage = createStage(toxic, this.hooks, this.sink, state);
    const last = this.slots.at(-1);
    if (last) last.stage.next = stage;
    this.slots.push({ name: toxic.name, stage, state });
  }

  /** A new version of the toxic: the old stage hands on what it holds, a new one takes its place. */
  updateToxic(toxic: Toxic): void {
    const index = this.slots.findIndex((slot) => slot.name === toxic.name);
    const slot = this.slots[index];
    if (!slot || this.outputEnded) return;
    const next = slot.stage.next;
    slot.stage.detach('updated');
    if (this.outputEnded) return;
    slot.stage = createStage(toxic, this.hooks, next, slot.state);
    const previous = this.slots[index - 1];
    if (previous) previous.stage.next = slot.stage;
  }

  removeToxic(name: string): void {
    const index = this.slots.findIndex((slot) => slot.name === name);
    const slot = this.slots[index];
    if (!slot) return;
    this.slots.splice(index, 1);
    if (this.outputEnded) return;
    const next = slot.stage.next;
    slot.stage.detach('removed');
    const previous = this.slots[index - 1];
    if (previous) previous.stage.next = next;
  }

  /** No more input: end of stream enters the chain behind the data already in it. */
  endInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.source.pause();
    this.head().end();
  }

  /** The destination is gone: nothing held can be delivered any more. */
  abortOutput(): void {
    this.inputEnded = true;
    this.source.pause();
    this.endOutput();
  }

  dispose(): void {
    for (const slot of this.slots) slot.stage.dispose();
  }

  private head(): Sink {
    return this.slots[0]?.stage ?? this.sink;
  }

  private read(received: Buffer): void {
    if (this.inputEnded) return;
    const chunk = this.rewrite ? this.rewrite(received) : received;
    if (chunk.length === 0) return;
    this.inFlight += chunk.length;
    this.head().push(chunk);
    this.applyFlowControl();
  }

  private deliver(chunk: Buffer): void {
    this.inFlight -= chunk.length;
    if (!this.outputEnded && !this.dest.destroyed) this.dest.write(chunk);
    this.applyFlowControl();
  }

  private settle(bytes: number): void {
    this.inFlight -= bytes;
    this.applyFlowControl();
  }

  private endOutput(): void {
    if (this.outputEnded) return;
    this.outputEnded = true;
    this.dispose();
    this.connection.linkFinished(this);
  }

  private applyFlowControl(): void {
    if (this.inputEnded) return;
    if (this.paused) {
      if (!this.dest.writableNeedDrain && this.inFlight <= LOW_WATER_BYTES) {
        this.paused = false;
        this.source.resume();
      }
    } else if (this.dest.writableNeedDrain || this.inFlight > HIGH_WATER_BYTES) {
      this.paused = true;
      this.source.pause();
    }
  }
}

export interface ConnectionOptions {
  readonly client: Socket;
  readonly upstream: Address;
  /** The proxy's toxics for a direction at the moment the links are built. */
  readonly toxics: (direction: StreamDirection) => readonly Toxic[];
  readonly onClosed: (connection: Connection) => void;
  /** A fresh rewriter of the client's bytes for each connection, if the proxy has one. */
  readonly upstreamRewriter?: () => StreamRewriter;
  /**
   * How long to keep dialling an upstream that refuses, every REDIAL_INTERVAL_MS, holding the
   * client's connection (its bytes wait, unread) before closing it. 0 or absent: closed at once,
   * as Toxiproxy does.
   *
   * Why: the client's connect already succeeded, to us, so a refusal reaches it as a connection
   * closed after it was made, and a program can treat the two differently. A ZooKeeper follower
   * retries a refused connect to its new leader (for initLimit ticks) but gives up on a closed
   * one: it goes back to the election, and the new leader waits out initLimit ticks for it. Behind
   * a proxy that closes at once, a follower that is quicker than its leader's listener turned an
   * election of ~0.2 s into one of 5 s and more.
   */
  readonly redialRefusedMs?: number;
}

export class Connection {
  private readonly client: Socket;
  private server: Socket;
  private links: { upstream: Link; downstream: Link } | undefined;
  private closing = false;
  private closed = false;
  private openSockets = 2;
  /** When dialling a refusing upstream again stops (performance.now() time). */
  private readonly redialUntil: number;
  /** The last upstream dial failed with this code (before any link started). */
  private dialError: string | undefined;
  /** The next dial of a refusing upstream, while one is pending. */
  private redialTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConnectionOptions) {
    this.client = options.client;
    this.redialUntil = performance.now() + (options.redialRefusedMs ?? 0);
    this.client.on('error', () => {}); // a 'close' event follows; that is where we act
    this.client.on('close', () => this.socketClosed(this.client));
    this.server = this.dial();
  }

  private dial(): Socket {
    const server = connect({
      host: this.options.upstream.host,
      port: this.options.upstream.port,
      noDelay: true,
      allowHalfOpen: true,
    });
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.links) this.dialError = error.code; // the 'close' that follows acts on it
    });
    server.on('close', () => this.socketClosed(server));
    server.once('connect', () => this.startLinks());
    return server;
  }

  /**
   * After a refused dial: dials again later, when the client is still there and time is left.
   * The refused socket then stays counted as open: its successor takes its place.
   */
  private redialLater(): boolean {
    const refused = this.dialError === 'ECONNREFUSED';
    if (!refused || this.closing || this.client.destroyed) return false;
    if (performance.now() + REDIAL_INTERVAL_MS > this.redialUntil) return false;
    this.dialError = undefined;
    this.redialTimer = setTimeout(() => {
      this.redialTimer = undefined;
      this.server = this.dial();
    }, REDIAL_INTERVAL_MS);
    return true;
  }

  /** Gives up a pending redial; the upstream socket it stood for counts as closed. */
  private cancelRedial(): void {
    if (this.redialTimer === undefined) return;
    clearTimeout(this.redialTimer);
    this.redialTimer = undefined;
    this.socketClosed(this.server);
  }

  /** This connection's link for a direction; none until the upstream connection is made. */
  link(direction: StreamDirection): Link | undefined {
    return this.links?.[direction];
  }

  /** `enabled: false` and proxy deletion: both sockets go at once. */
  destroy(): void {
    this.links?.upstream.dispose();
    this.links?.downstream.dispose();
    this.closing = true;
    this.cancelRedial();
    this.client.destroy();
    this.server.destroy();
  }

  /** reset_peer: both sockets are closed with RST. */
  reset(): void {
    this.links?.upstream.dispose();
    this.links?.downstream.dispose();
    this.closing = true;
    this.cancelRedial();
    for (const socket of [this.client, this.server]) {
      if (socket.destroyed) continue;
      try {
        socket.resetAndDestroy();
      } catch {
        socket.destroy(); // not connected yet: there is nothing to reset
      }
    }
  }

  /** Called by a link whose chain delivered end of stream (or whose destination vanished). */
  linkFinished(link: Link): void {
    if (!this.links) return;
    if (!link.dest.destroyed) link.dest.end();
    const other = link === this.links.upstream ? this.links.downstream : this.links.upstream;
    other.endInput();
    if (link.finished && other.finished) this.closeAfterFlush();
  }

  private startLinks(): void {
    if (this.closing) return;
    const { toxics } = this.options;
    this.links = {
      upstream: new Link(
        'upstream',
        this.client,
        this.server,
        this,
        toxics('upstream'),
        this.options.upstreamRewriter?.(),
      ),
      downstream: new Link('downstream', this.server, this.client, this, toxics('downstream')),
    };
    this.links.upstream.start();
    this.links.downstream.start();
  }

  private closeAfterFlush(): void {
    if (this.closing) return;
    this.closing = true;
    const grace = setTimeout(() => this.destroy(), CLOSE_GRACE_MS);
    grace.unref();
    let pending = 0;
    for (const socket of [this.client, this.server]) {
      if (socket.destroyed || socket.writableFinished) {
        socket.destroy();
        continue;
      }
      pending += 1;
      socket.once('finish', () => {
        socket.destroy();
        pending -= 1;
        if (pending === 0) clearTimeout(grace);
      });
    }
    if (pending === 0) clearTimeout(grace);
  }

  private socketClosed(socket: Socket): void {
    if (!this.links) {
      // Before the upstream connection was made: one side gone takes the other along.
      if (socket === this.server) {
        if (this.redialLater()) return;
        if (!this.client.destroyed) this.client.destroy(); // upstream refused (and no more redials)
      } else {
        this.cancelRedial();
        if (!this.server.destroyed) this.server.destroy();
      }
    }
    if (this.links && !this.closing) {
      const from = socket === this.client ? this.links.upstream : this.links.downstream;
      const to = socket === this.client ? this.links.downstream : this.links.upstream;
      from.endInput();
      to.abortOutput();
    }
    this.openSockets -= 1;
    if (this.openSockets === 0 && !this.closed) {
      this.closed = true;
      this.options.onClosed(this);
    }
  }
}
