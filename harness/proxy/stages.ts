/**
 * What one toxic does to one direction of one connection. A link is a chain of stages ending in a sink
 * that writes to the destination socket; toxics added later go at the end of the chain, as in Toxiproxy.
 *
 * End of stream travels through the chain like data: a stage that "closes" (timeout expiry, limit_data
 * reached, a timeout toxic removed) ends its output, later stages let what they hold drain, and the sink
 * then closes the connection. That is what Toxiproxy's `stub.Close()` does.
 */
import type { Toxic, ToxicAttributes } from './model.js';

/** Where a stage sends what it lets through: the next stage, or the link's sink. */
export interface Sink {
  push(chunk: Buffer): void;
  end(): void;
}

/** What a stage may do beyond passing data on. */
export interface StageHooks {
  /** Bytes the stage swallowed for good; keeps the link's flow control honest. */
  dropped(bytes: number): void;
  /** Resets both sockets of the connection (RST), for reset_peer. */
  reset(): void;
}

/** Per-connection state that survives an update of the toxic (Toxiproxy's StatefulToxic). */
export interface StageState {
  bytesPassed: number;
}

export type DetachReason = 'removed' | 'updated';

export abstract class Stage implements Sink {
  private inputEnded = false;
  private outputEnded = false;
  private disposed = false;

  constructor(
    protected readonly hooks: StageHooks,
    public next: Sink,
    protected attributes: ToxicAttributes,
  ) {}

  push(chunk: Buffer): void {
    if (this.inputEnded || this.disposed) {
      this.hooks.dropped(chunk.length);
      return;
    }
    this.onData(chunk);
  }

  end(): void {
    if (this.inputEnded || this.disposed) return;
    this.inputEnded = true;
    this.onEnd();
  }

  /**
   * The toxic was removed, or replaced by an updated version: hand on at once whatever is held and stop
   * timers. The stage is unlinked afterwards.
   */
  detach(_reason: DetachReason): void {
    this.dispose();
  }

  /** The connection is going away: stop timers and deliver nothing more. */
  dispose(): void {
    this.disposed = true;
  }

  protected abstract onData(chunk: Buffer): void;

  protected onEnd(): void {
    this.endOutput();
  }

  /** Ends this stage's output once; later input is dropped. */
  protected endOutput(): void {
    this.inputEnded = true;
    if (this.outputEnded || this.disposed) return;
    this.outputEnded = true;
    this.next.end();
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }
}

/** A toxic that did not apply to this connection (toxicity), or `noop`. */
export class PassThroughStage extends Stage {
  protected onData(chunk: Buffer): void {
    this.next.push(chunk);
  }
}

/** Releases chunks in order, each at or after its due time; end of stream follows the last chunk. */
abstract class ScheduledStage extends Stage {
  private queue: { chunk: Buffer; due: number }[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private endPending = false;
  /** Due time of the last chunk queued: later chunks never overtake it. */
  protected lastDue = 0;

  protected enqueue(chunk: Buffer, due: number): void {
    this.lastDue = Math.max(this.lastDue, due);
    if (this.pending() === 0 && due <= now()) {
      this.next.push(chunk);
      return;
    }
    this.queue.push({ chunk, due: this.lastDue });
    if (this.timer === undefined) this.schedule();
  }

  protected override onEnd(): void {
    if (this.pending() === 0) this.endOutput();
    else this.endPending = true;
  }

  override detach(reason: DetachReason): void {
    this.stopTimer();
    const held = this.takeAll();
    for (const item of held) this.next.push(item.chunk);
    if (this.endPending) this.endOutput();
    super.detach(reason);
  }

  override dispose(): void {
    this.stopTimer();
    this.takeAll();
    this.endPending = false;
    super.dispose();
  }

  private pending(): number {
    return this.queue.length - this.head;
  }

  private schedule(): void {
    const first = this.queue[this.head];
    if (first === undefined) return;
    this.timer = setTimeout(this.release, Math.max(0, first.due - now()));
  }

  private readonly release = (): void => {
    this.timer = undefined;
    const time = now();
    // Delivering can close the connection, which disposes this stage and empties the queue.
    while (this.head < this.queue.length && this.queue[this.head]!.due <= time) {
      const item = this.queue[this.head]!;
      this.head += 1;
      this.next.push(item.chunk);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.pending() > 0) this.schedule();
    else if (this.endPending) {
      this.endPending = false;
      this.endOutput();
    }
  };

  private takeAll(): { chunk: Buffer; due: number }[] {
    const held = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    return held;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** `latency {latency, jitter}`: each chunk waits latency ± jitter ms; order is kept. */
export class LatencyStage extends ScheduledStage {
  protected onData(chunk: Buffer): void {
    this.enqueue(chunk, now() + this.delay());
  }

  private delay(): number {
    const { latency = 0, jitter = 0 } = this.attributes;
    if (jitter <= 0) return latency;
    return Math.max(0, latency + Math.floor(Math.random() * 2 * jitter) - jitter);
  }
}

/** `bandwidth {rate}` in KB/s (1 KB = 1000 bytes, so rate is also bytes per ms); 0 means unlimited. */
export class BandwidthStage extends ScheduledStage {
  protected onData(chunk: Buffer): void {
    const rate = this.attributes.rate ?? 0;
    if (rate <= 0) {
      this.enqueue(chunk, now());
      return;
    }
    // Send a slow stream in pieces of 100 ms worth, so the receiver sees a steady trickle.
    const pieceSize = Math.max(1, rate * 100);
    for (let offset = 0; offset < chunk.length; offset += pieceSize) {
      const piece = chunk.subarray(offset, offset + pieceSize);
      this.enqueue(piece, Math.max(now(), this.lastDue) + piece.length / rate);
    }
  }
}

/** `slicer {average_size, size_variation, delay}`: cuts chunks into pieces `delay` µs apart. */
export class SlicerStage extends ScheduledStage {
  protected onData(chunk: Buffer): void {
    const { average_size: average = 0, size_variation: variation = 0, delay = 0 } = this.attributes;
    if (average <= 0) {
      this.enqueue(chunk, now());
      return;
    }
    const gap = delay / 1000;
    let due = Math.max(now(), this.lastDue);
    for (let offset = 0; offset < chunk.length;) {
      const spread = variation > 0 ? Math.floor(Math.random() * (2 * variation + 1)) - variation : 0;
      const size = Math.max(1, average + spread);
      this.enqueue(chunk.subarray(offset, offset + size), due);
      offset += size;
      due += gap;
    }
    this.lastDue = due;
  }
}

/**
 * `timeout {timeout}`: drops every byte. With 0 the connection stays open until the toxic is removed;
 * with a value it closes after that many ms. Removing it closes the connection: a healed partition
 * never resumes a stream with holes in it. End of stream from the source still closes.
 */
export class TimeoutStage extends Stage {
  private timer: NodeJS.Timeout | undefined;

  constructor(hooks: StageHooks, next: Sink, attributes: ToxicAttributes) {
    super(hooks, next, attributes);
    const timeout = attributes.timeout ?? 0;
    if (timeout > 0) this.timer = setTimeout(() => this.endOutput(), timeout);
  }

  protected onData(chunk: Buffer): void {
    this.hooks.dropped(chunk.length);
  }

  protected override onEnd(): void {
    this.stopTimer();
    this.endOutput();
  }

  override detach(reason: DetachReason): void {
    this.stopTimer();
    if (reason === 'removed') this.endOutput();
    super.detach(reason);
  }

  override dispose(): void {
    this.stopTimer();
    super.dispose();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * `reset_peer {timeout}`: the first data (or end of stream) in this direction arms a timer; when it
 * fires both sockets are reset (RST). Data after arming is dropped, as Toxiproxy never delivers it.
 */
export class ResetPeerStage extends Stage {
  private timer: NodeJS.Timeout | undefined;

  protected onData(chunk: Buffer): void {
    this.hooks.dropped(chunk.length);
    this.arm();
  }

  protected override onEnd(): void {
    this.arm();
  }

  override dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    super.dispose();
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.hooks.reset(), this.attributes.timeout ?? 0);
  }
}

/** `slow_close {delay}`: data passes; end of stream waits `delay` ms. */
export class SlowCloseStage extends Stage {
  private timer: NodeJS.Timeout | undefined;

  protected onData(chunk: Buffer): void {
    this.next.push(chunk);
  }

  protected override onEnd(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.endOutput();
    }, this.attributes.delay ?? 0);
  }

  override detach(reason: DetachReason): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.endOutput();
    }
    super.detach(reason);
  }

  override dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    super.dispose();
  }
}

/** `limit_data {bytes}`: lets `bytes` bytes through over the connection's life, then closes. */
export class LimitDataStage extends Stage {
  constructor(
    hooks: StageHooks,
    next: Sink,
    attributes: ToxicAttributes,
    private readonly state: StageState,
  ) {
    super(hooks, next, attributes);
  }

  protected onData(chunk: Buffer): void {
    const limit = this.attributes.bytes ?? 0;
    const room = Math.max(0, limit - this.state.bytesPassed);
    const passed = chunk.length <= room ? chunk : chunk.subarray(0, room);
    if (passed.length < chunk.length) this.hooks.dropped(chunk.length - passed.length);
    if (passed.length > 0) {
      this.state.bytesPassed += passed.length;
      this.next.push(passed);
    }
    if (this.state.bytesPassed >= limit && !this.isDisposed) this.endOutput();
  }
}

/**
 * The stage for one toxic on one connection. Toxicity is decided here, once per connection and toxic
 * (and again when the toxic is updated), as Toxiproxy does; a toxic that does not apply passes data on.
 */
export function createStage(
  toxic: Toxic,
  hooks: StageHooks,
  next: Sink,
  state: StageState,
  random: () => number = Math.random,
): Stage {
  const attributes = toxic.attributes;
  if (!(random() < toxic.toxicity)) return new PassThroughStage(hooks, next, attributes);
  switch (toxic.type) {
    case 'latency':
      return new LatencyStage(hooks, next, attributes);
    case 'bandwidth':
      return new BandwidthStage(hooks, next, attributes);
    case 'slicer':
      return new SlicerStage(hooks, next, attributes);
    case 'timeout':
      return new TimeoutStage(hooks, next, attributes);
    case 'reset_peer':
      return new ResetPeerStage(hooks, next, attributes);
    case 'slow_close':
      return new SlowCloseStage(hooks, next, attributes);
    case 'limit_data':
      return new LimitDataStage(hooks, next, attributes, state);
    case 'noop':
      return new PassThroughStage(hooks, next, attributes);
  }
}

function now(): number {
  return performance.now();
}
